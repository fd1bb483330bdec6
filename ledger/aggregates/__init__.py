"""ledger/aggregates."""
