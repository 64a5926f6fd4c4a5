"""Callbacks: the rules, the worklist and the handling of closed ROs."""
