"""Golden files pin the JSON scripts and billing read: every ``--json`` output and every result's
``to_json()``, byte for byte after normalising only what truly varies between runs.

Why: the results are about to change representation (dataclasses with a hand-written JSON walker →
pydantic models); the contract says the JSON does not change. A fresh SQLite store on a fixed clock
records one small history through the CLI and the library; each answer is compared with its file
under ``tests/fixtures/golden/``. What differs from run to run is only the store's own recording
time (stamped from the wall clock under the write lock, and an alert's ``raised_at`` taken from it);
those values are replaced by a placeholder, nothing else.

``LEDGER_GOLDEN_UPDATE=1`` rewrites the files (then review the diff: it is the contract changing).
"""

from __future__ import annotations

import json
import os
import shlex
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from ledger import Ledger
from ledger.cli import main
from tests.support import FakeClock

GOLDEN = Path(__file__).resolve().parent / "fixtures" / "golden"
UPDATE = os.environ.get("LEDGER_GOLDEN_UPDATE") == "1"
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=AMSTERDAM)

RECORDED_KEYS = frozenset({"recorded_at", "raised_at"})
"""Keys holding the store's wall-clock recording time (an alert is raised when its cause is recorded)."""


def normalise(value: Any, key: str | None = None) -> Any:
    """The answer with run-dependent values replaced; order and every other value kept."""
    if isinstance(value, dict):
        return {k: normalise(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(item) for item in value]
    if key in RECORDED_KEYS and value is not None:
        return "<recorded>"
    return value


def check_golden(name: str, answer: Any) -> None:
    text = json.dumps(normalise(answer), ensure_ascii=False, indent=2) + "\n"
    path = GOLDEN / f"{name}.json"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return
    assert path.exists(), f"no golden file {path}; run with LEDGER_GOLDEN_UPDATE=1 and review it"
    assert text == path.read_text(encoding="utf-8"), f"{name}: JSON differs from {path}"


@pytest.fixture
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    """The CLI opens its ledger on the real clock; here it runs on a fixed one."""
    fake = FakeClock(NOW)
    open_ledger = Ledger.open.__func__  # type: ignore[attr-defined]

    def open_on_fake_clock(cls: type[Ledger], /, url: str | None = None, **options: Any) -> Ledger:
        return open_ledger(cls, url, **{**options, "clock": fake})  # type: ignore[no-any-return]

    monkeypatch.setattr(Ledger, "open", classmethod(open_on_fake_clock))
    return fake


class Cli:
    """Runs ``ledger --db URL --actor ACTOR ... --json`` in-process; the parsed JSON of stdout."""

    def __init__(self, url: str, capsys: pytest.CaptureFixture[str]) -> None:
        self.url = url
        self.capsys = capsys

    def __call__(self, *argv: str, actor: str = "anna", flag: tuple[str, ...] = ("--json",)) -> Any:
        self.capsys.readouterr()
        code = main(["--db", self.url, "--actor", actor, *argv, *flag])
        captured = self.capsys.readouterr()
        assert code == 0, captured.err
        return json.loads(captured.out)


STEPS: list[tuple[str, str, dict[str, Any]]] = [
    ("customer-add", "customer add acme --name 'Acme B.V.' --account-manager Anna", {}),
    (
        "customer-add-email",
        "customer add beta --name Beta --account-manager Bert "
        "--account-manager-email bert@example.com --at 2026-01-01",
        {},
    ),
    ("customer-change", "customer change beta --name 'Beta B.V.' --from 2026-02-01", {}),
    ("customer-list", "customer list --at 2026-02-15", {}),
    ("customer-threshold", "customer threshold acme --percent 25 --at 2026-01-01", {}),
    ("contract-start", "contract start acme --tier basis --from 2026-01-01", {}),
    ("contract-change", "contract change acme --tier comfort --from 2026-02-01", {}),
    ("contract-show", "contract show acme", {}),
    ("pack-add", "pack add acme --pack netwerk --covers network,firewall --from 2026-01-01", {}),
    ("pack-remove", "pack remove acme --pack netwerk --from 2027-01-01", {}),
    ("pack-list", "pack list acme --at 2026-02-15", {}),
    ("rate-set", "rate set acme --rate 130.00 --from 2026-01-01", {}),
    ("rate-set-role", "rate set acme --rate 150.00 --role specialist --from 2026-01-01", {}),
    ("rate-rounding", "rate rounding acme --increment 15 --minimum 30 --from 2026-01-01", {}),
    ("rate-show", "rate show acme --at 2026-02-15", {}),
    (
        "card-buy",
        "card buy acme --amount 1000.00 --reference ORDER-1 --at 2026-01-05 --expires 2027-01-05",
        {},
    ),
    ("card-top-up", "card top-up acme --amount 200 --reference TOP-1 --at 2026-01-20", {}),
    (
        "work-log-rfc",
        "work log acme --ticket RFC-1 --kind rfc --hours 4 --description 'new VPN profile' "
        "--at 2026-01-06T10:00:00+01:00",
        {},
    ),
    (
        "work-log-repeat",
        "work log acme --ticket RFC-1 --kind rfc --hours 4 --description 'new VPN profile' "
        "--at 2026-01-06T10:00:00+01:00",
        {},
    ),
    (
        "work-log-support",
        "work log acme --ticket S-1 --kind support --hours 1.5 --at 2026-02-03T10:00:00+01:00",
        {},
    ),
    (
        "work-log-pack",
        "work log acme --ticket RFC-2 --kind rfc --hours 2 --component Network "
        "--at 2026-02-03T11:00:00+01:00",
        {},
    ),
    (
        "work-log-role",
        "work log acme --ticket RFC-3 --kind rfc --hours 0.1 --role specialist "
        "--at 2026-02-04T10:00:00+01:00",
        {},
    ),
    (
        "work-log-entry-1",
        "work log acme --ticket P-1 --entry E-1 --engineer Jan --kind project --hours 2 --rate 100 "
        "--at 2026-02-05T10:00:00+01:00",
        {},
    ),
    (
        "work-log-entry-2",
        "work log acme --ticket P-1 --entry E-2 --engineer Eva --kind project --hours 3 "
        "--at 2026-02-06T10:00:00+01:00",
        {},
    ),
    (
        "work-log-overage",
        "work log acme --ticket P-2 --kind project --hours 8 --at 2026-02-10T10:00:00+01:00",
        {},
    ),
    ("work-show", "work show acme --ticket P-1", {}),
    (
        "work-reverse",
        "work reverse acme --ticket RFC-1 --reason 'booked twice' --note correction --at 2026-02-20",
        {},
    ),
    ("work-reverse-repeat", "work reverse acme --ticket RFC-1 --reason 'booked twice' --at 2026-02-20", {}),
    ("balance", "balance acme", {}),
    ("balance-as-of", "balance acme --as-of 2026-01-10", {}),
    ("entitlement-open", "entitlement check acme --at 2026-02-03T10:00:00+01:00", {}),
    ("entitlement-night", "entitlement check acme --at 2026-02-03T22:00:00+01:00", {}),
    (
        "onsite-kickoff",
        "onsite kickoff acme --focus 'Werkplekken, network' --visits biweekly "
        "--evaluation quarterly --at 2026-01-02",
        {},
    ),
    ("onsite-assign", "onsite assign acme --consultant 'Jan Jansen' --at 2026-01-03", {}),
    (
        "onsite-visit",
        "onsite visit acme --consultant 'Jan Jansen' --hours 7.5 --focus network --reference V-1 "
        "--at 2026-01-13",
        {},
    ),
    (
        "onsite-evaluate",
        "onsite evaluate acme --outcome adjust --focus network,security --notes 'start security' "
        "--at 2026-02-27T14:00:00+01:00",
        {},
    ),
    (
        "onsite-visit-2",
        "onsite visit acme --consultant 'Jan Jansen' --hours 4 --focus security --reference V-2 "
        "--at 2026-02-28",
        {},
    ),
    ("onsite-show", "onsite show acme", {}),
    ("onsite-show-none", "onsite show beta", {}),
    ("entitlement-onsite", "entitlement check acme --at 2026-02-03T10:00:00+01:00", {}),
    (
        "work-log-onsite",
        "work log acme --ticket O-1 --hours 2 --kind onsite --focus Network --at 2026-01-13T10:00:00+01:00",
        {},
    ),
    ("onsite-release", "onsite release acme --consultant 'Jan Jansen' --at 2026-03-01", {}),
    ("onsite-end", "onsite end acme --at 2026-03-01", {}),
    ("onsite-show-ended", "onsite show acme", {}),
    (
        "admin-request",
        "admin request acme --account adm-jan --task 'users.*,mailbox.permissions' "
        "--reason 'new starters' --at 2026-02-25",
        {"actor": "jan@acme.nl"},
    ),
    (
        "admin-grant",
        "admin grant acme --account adm-jan --task 'users.*' --from 2026-03-01 --until 2026-07-01 "
        "--rfc RFC-2026-031",
        {"actor": "bob"},
    ),
    (
        "admin-check-allowed",
        "admin check acme --account adm-jan --task users.create --at 2026-03-10T10:00:00+01:00",
        {},
    ),
    ("admin-check-denied", "admin check acme --account adm-jan --task users.create --at 2026-07-01", {}),
    (
        "admin-request-pending",
        "admin request acme --account adm-piet --task mailbox.permissions --reason 'shared mailbox' "
        "--at 2026-03-01",
        {"actor": "piet@acme.nl"},
    ),
    ("admin-who-denied", "admin who acme --task users.create --at 2026-07-01", {}),
    ("admin-who", "admin who acme --task users.create --at 2026-03-10T10:00:00+01:00", {}),
    ("admin-list", "admin list acme --at 2026-03-10T10:00:00+01:00", {}),
    (
        "admin-scope",
        "admin scope acme --account adm-jan --task users.create --from 2026-04-01 --reason narrower",
        {"actor": "bob"},
    ),
    (
        "admin-suspend",
        "admin suspend acme --account adm-jan --from 2026-05-01 --reason holiday",
        {"actor": "bob"},
    ),
    ("admin-history", "admin history acme", {}),
    ("settings-set", "settings set late-work-policy strict --from 2026-06-01", {}),
    ("settings-show", "settings show --at 2026-07-01", {}),
    ("card-buy-monthly", "card buy beta --monthly 250.00 --day 1 --from 2026-01-01", {}),
    ("card-change-monthly", "card change beta --monthly 300 --from 2026-04-01", {}),
    ("card-stop-monthly", "card stop beta --from 2026-05-01", {}),
    ("tick", "tick --until 2026-03-01", {}),
    ("alerts", "alerts --all --at 2026-03-01", {}),
    ("webhook-add", "webhook add https://hooks.example.com/ledger --secret-env HOOK_SECRET", {}),
    ("webhook-list", "webhook list", {}),
    ("notify-status", "notify status --all", {}),
    ("balance-beta", "balance beta", {}),
    ("report-balances", "report balances --as-of 2026-03-01", {"flag": ("--format", "json")}),
    ("report-work", "report work acme --month 2026-02", {"flag": ("--format", "json")}),
    ("report-invoiceable", "report invoiceable --month 2026-02", {"flag": ("--format", "json")}),
    ("statement-json", "statement acme --month 2026-01 --lang en", {"flag": ("--format", "json")}),
    ("invoiceable-export", "invoiceable export --until 2026-03-01", {"flag": ("--format", "json")}),
    ("projections-status", "projections status", {}),
]


@pytest.fixture
def history_cli(
    sqlite_url: str,
    capsys: pytest.CaptureFixture[str],
    fixed_clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> Cli:
    monkeypatch.setenv("HOOK_SECRET", "s3cret-for-the-golden-test")
    return Cli(sqlite_url, capsys)


def test_every_cli_json_output_is_as_before(history_cli: Cli) -> None:
    for number, (name, argv, options) in enumerate(STEPS, start=1):
        answer = history_cli(*shlex.split(argv), **options)
        check_golden(f"cli/{number:02d}-{name}", answer)


def library_answers(ledger: Ledger, clock: FakeClock) -> Iterator[tuple[str, Callable[[], Any]]]:
    """Each library call whose result's ``to_json()`` is pinned, in order (they build on each other)."""
    yield "add-customer", lambda: ledger.add_customer("acme", name="Acme B.V.", account_manager="Anna")
    yield (
        "change-customer",
        lambda: ledger.change_customer(
            "acme", account_manager_email="anna@example.com", effective_from="2026-02-01"
        ),
    )
    yield "start-contract", lambda: ledger.start_contract("acme", tier="basis", effective_from="2026-01-01")
    yield "end-contract", lambda: ledger.end_contract("acme", effective_from="2026-12-01")
    yield (
        "add-pack",
        lambda: ledger.add_pack("acme", pack="backup", components=["backup"], effective_from="2026-01-01"),
    )
    yield "set-rate", lambda: ledger.set_rate("acme", rate="110.00", effective_from="2026-01-01")
    yield (
        "set-rounding",
        lambda: ledger.set_rounding(
            "acme", increment_minutes=6, minimum_minutes=0, effective_from="2026-01-01"
        ),
    )
    yield (
        "buy-card",
        lambda: ledger.buy_card(
            "acme", amount="500.00", reference="ORDER-1", expires_at="2027-01-02", at="2026-01-02"
        ),
    )
    yield "top-up", lambda: ledger.top_up("acme", amount="50.00", reference="TOP-1", at="2026-01-03")
    yield (
        "log-work",
        lambda: ledger.log_work(
            "acme",
            ticket="RFC-1",
            kind="rfc",
            hours="1.25",
            description="RFC",
            at="2026-01-05T10:00:00+01:00",
        ),
    )
    yield (
        "log-work-overage",
        lambda: ledger.log_work(
            "acme", ticket="RFC-2", kind="rfc", hours="6", at="2026-01-06T10:00:00+01:00"
        ),
    )
    yield "work-entry", lambda: ledger.work_entry("acme", ticket="RFC-1")
    yield "ticket-entries", lambda: ledger.ticket_entries("acme", "RFC-2")
    yield "reverse-work", lambda: ledger.reverse_work("acme", ticket="RFC-1", reason="wrong customer")
    yield "balance", lambda: ledger.balance("acme")
    yield "balance-as-of", lambda: ledger.balance("acme", as_of="2026-01-05", as_known_at=NOW.isoformat())
    yield "balance-as-of-only", lambda: ledger.balance("acme", as_of="2026-01-05T12:00:00+01:00")
    yield "entitlement", lambda: ledger.entitlement("acme", at="2026-01-07T10:00:00+01:00")
    yield "contract-history", lambda: ledger.contract_history("acme")
    yield "packs", lambda: ledger.packs("acme", at="2026-01-07")
    yield "rate-card", lambda: ledger.rate_card("acme", at="2026-01-07")
    yield "buy-monthly", lambda: ledger.buy_monthly("acme", amount="100.00", day=15, start="2026-01-01")
    yield (
        "kick-off",
        lambda: ledger.kick_off(
            "acme", focus_areas=["werkplekken"], visits="monthly", evaluation="half-yearly", at="2026-01-02"
        ),
    )
    yield "onsite-report", lambda: ledger.onsite_report("acme")
    yield "set-alert-threshold", lambda: ledger.set_alert_threshold("acme", amount="40.00", at="2026-01-01")
    clock.advance(days=60)
    yield "tick", lambda: ledger.tick("2026-04-20")
    yield (
        "request-admin",
        lambda: ledger.request_admin(
            "acme", account="adm-eva", tasks="users.*", reason="onboarding", at="2026-02-01", actor="eva"
        ),
    )
    yield (
        "grant-admin",
        lambda: ledger.grant_admin(
            "acme", account="adm-eva", tasks="users.*", rfc="RFC-9", valid_from="2026-02-02", actor="bob"
        ),
    )
    yield (
        "check-admin",
        lambda: ledger.admin_check(
            "acme", account="adm-eva", task="users.create", at="2026-02-03T10:00:00+01:00"
        ),
    )
    yield "who-admin", lambda: ledger.admin_who("acme", task="users.create", at="2026-02-03T10:00:00+01:00")
    yield "admin-accounts", lambda: ledger.admin_accounts("acme", at="2026-02-03T10:00:00+01:00")
    yield "admin-history", lambda: ledger.admin_history("acme")
    yield (
        "acknowledge-alert",
        lambda: ledger.acknowledge_alert(
            ledger.alerts("acme", include_acknowledged=True)[0].id, at="2026-03-01"
        ),
    )
    yield "customers", lambda: ledger.customers(at="2026-03-01")


def test_every_library_result_json_is_as_before(sqlite_url: str) -> None:
    clock = FakeClock(NOW)
    with Ledger.open(sqlite_url, actor="billing", clock=clock) as ledger:
        for number, (name, call) in enumerate(library_answers(ledger, clock), start=1):
            result = call()
            answer = [item.to_json() for item in result] if isinstance(result, list) else result.to_json()
            check_golden(f"library/{number:02d}-{name}", answer)
