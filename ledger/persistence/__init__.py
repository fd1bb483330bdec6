"""The ledger's own recorders: where a measured cost of ``eventsourcing``'s defaults mattered."""
