"""The HTML statement in a real headless browser: it loads, shows the figures and draws the chart.

Needs Debian's ``chromium`` (``apt-get install -y chromium``). Without it the test skips with a
note — except under CI (``CI`` set), where it fails, so the check cannot silently disappear.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest

from ledger import Ledger
from ledger.statements.html import render_html
from tests.support import FakeClock

BROWSERS = ("chromium", "chromium-browser", "google-chrome")
BROWSER_TIMEOUT_S = 90
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def browser() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    message = "no headless browser found; install Debian's chromium: apt-get install -y chromium"
    if os.environ.get("CI"):
        pytest.fail(message)
    pytest.skip(message)


def headless(executable: str, profile: Path, *arguments: str) -> subprocess.CompletedProcess[str]:
    command = [
        executable,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        f"--user-data-dir={profile}",
        *arguments,
    ]
    return subprocess.run(command, capture_output=True, text=True, timeout=BROWSER_TIMEOUT_S, check=True)


def test_the_html_statement_renders_in_chromium(ledger: Ledger, clock: FakeClock, tmp_path: Path) -> None:
    executable = browser()
    clock.now = datetime.fromisoformat("2026-04-02T09:00+02:00")
    ledger.add_customer("acme", name="Acme B.V.", account_manager="Anna", at="2026-01-01")
    ledger.buy_card("acme", amount="5000.00", reference="ORDER-1", at="2026-02-01")
    ledger.log_work(
        "acme",
        kind="rfc",
        ticket="RFC-2",
        hours="6",
        rate="125.00",
        description="Mailbox migration",
        at="2026-03-03T10:00+01:00",
    )
    ledger.log_work(
        "acme",
        kind="rfc",
        ticket="RFC-9",
        hours="3",
        rate="125.00",
        description="Printer <driver> & queue",
        at="2026-03-17T10:00+01:00",
    )
    statement = ledger.issue_statement("acme", "2026-03")
    page = tmp_path / "statement.html"
    page.write_text(render_html(statement), encoding="utf-8")

    dom = headless(executable, tmp_path / "profile-dom", "--dump-dom", page.as_uri()).stdout
    dom = dom.replace("&nbsp;", " ").replace("\xa0", " ")  # Babel puts a no-break space after €
    assert "Afschrift ACME-2026-0001" in dom  # Dutch by default
    assert 'lang="nl"' in dom
    assert "Acme B.V." in dom
    for figure in ("€ 5.000,00", "€ 1.125,00", "€ 375,00", "€ 3.875,00", "3,00 u × € 125,00 = € 375,00"):
        assert figure in dom
    assert "Printer &lt;driver&gt; &amp; queue" in dom  # escaped, shown as text
    assert "<svg" in dom
    assert "Saldo in maart 2026" in dom  # the chart's title, drawn as SVG text
    assert statement.forecast.runs_out_on is not None
    assert "rond " in dom

    shot = tmp_path / "statement.png"
    headless(
        executable,
        tmp_path / "profile-shot",
        "--window-size=1000,1400",
        f"--screenshot={shot}",
        page.as_uri(),
    )
    image = shot.read_bytes()
    assert image.startswith(PNG_MAGIC)
    assert len(image) > 20_000  # a drawn page, not a blank one
