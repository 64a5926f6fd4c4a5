"""The common runtime and event schemas of the CSI platform services."""
