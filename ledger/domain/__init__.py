"""ledger/domain."""
