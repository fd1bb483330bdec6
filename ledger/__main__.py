"""``python -m ledger``."""

from ledger.cli import run

run()
