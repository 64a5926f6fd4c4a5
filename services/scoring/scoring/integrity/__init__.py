"""Integrity: signals that a dealer games its CSI, the OEM's review of a dealer-period and the answers it excludes."""
