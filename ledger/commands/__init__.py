"""ledger/commands."""
