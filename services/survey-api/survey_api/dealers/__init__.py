"""Dealers and their DMS API keys."""
