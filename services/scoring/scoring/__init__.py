"""scoring: CSI per dealer and period, factors, items, rankings, trends and exports."""
