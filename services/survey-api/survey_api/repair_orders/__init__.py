"""Closed repair orders posted by DMS systems."""
