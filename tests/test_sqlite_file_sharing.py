"""A SQLite ledger stays whole when it is opened twice in one process and used by others meanwhile.

Why: closing any file descriptor drops every POSIX lock the process holds on that file, SQLite's
included. Opening a ledger once read the file's first bytes with ``open()``; a ledger already open
in the same process then lost its shared lock, and the next process to close its last connection
checkpointed and deleted the write-ahead log and its index under it ("disk I/O error" on every
new connection, writes into a deleted log).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from ledger import Ledger


def test_a_second_ledger_in_this_process_keeps_the_first_ones_log_safe(tmp_path: Path) -> None:
    path = tmp_path / "ledger.db"
    url = f"sqlite:///{path}"
    with Ledger.open(url, actor="tester") as first:
        first.add_customer("acme", name="Acme", account_manager="Anna")
        first.buy_card("acme", amount="500.00", reference="O-1")
        with Ledger.open(url, actor="tester") as second:
            assert second.balance("acme").balance == first.balance("acme").balance
        other = subprocess.run(
            [sys.executable, "-m", "ledger", "--db", url, "balance", "acme"],
            capture_output=True,
            text=True,
            check=False,
        )
        assert other.returncode == 0, other.stderr
        assert Path(f"{path}-wal").exists()  # not deleted under the ledger still open here
        first.log_work("acme", kind="rfc", ticket="T-1", hours="2", rate="125.00")
        with Ledger.open(url, actor="tester") as third:  # a new connection in this process
            assert str(third.balance("acme").balance) == "250.00"
    with Ledger.open(url, actor="tester") as reopened:
        assert str(reopened.balance("acme").balance) == "250.00"
