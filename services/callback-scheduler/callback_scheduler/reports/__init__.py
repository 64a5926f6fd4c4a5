"""Callback compliance and the monthly callback report."""
