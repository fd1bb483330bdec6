"""Whether a deployment names a settings file: ``LEDGER_CONFIG`` (or a path given by the caller).

Why apart from :mod:`ledger.config`: the settings are pydantic models, and a handle opened without
a settings file runs on their defaults, which it needs to build only when something reads them.
Asking whether a file is named must not load the model machinery.
"""

from __future__ import annotations

import os
from pathlib import Path

CONFIG_VARIABLE = "LEDGER_CONFIG"


def named_config(path: str | Path | None = None) -> str | Path | None:
    """``path``, else ``$LEDGER_CONFIG``; None when neither names a file (the defaults apply)."""
    return path or os.environ.get(CONFIG_VARIABLE) or None
