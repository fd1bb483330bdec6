"""The README's examples are true: its Python example runs, and its quickstart matches CI."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def python_blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", README, flags=re.DOTALL)


def test_readme_library_example_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LEDGER_DATABASE_URL", raising=False)
    (example,) = python_blocks()[:1]
    for _ in range(2):  # a second run finds everything recorded already: still true
        completed = subprocess.run(
            [sys.executable, "-c", example],
            capture_output=True,
            text=True,
            check=False,
            env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"},
        )
        assert completed.returncode == 0, completed.stderr
        assert "'balance': '4500.00'" in completed.stdout
        assert "hours: float 0.30000000000000004 is not allowed" in completed.stdout


def test_ci_runs_the_readme_test_command() -> None:
    readme_command = re.search(r"\.venv/bin/python -m pytest[^\n`]*", README)
    assert readme_command is not None
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert readme_command.group(0).strip() in ci
