"""ledger/projections."""
