"""Operator KPIs (read side): daily rollups maintained from the outbox by a worker sweep."""
