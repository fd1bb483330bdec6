"""LEDGER_SMTP_URL and the delivery policy from the environment: parsed, or refused naming the variable."""

from __future__ import annotations

import random

import pytest

from ledger.errors import InvalidInputError
from ledger.notify.deliver import DeliveryPolicy
from ledger.notify.smtp import SmtpConfig


def test_smtp_url_forms() -> None:
    plain = SmtpConfig.parse("smtp://127.0.0.1:2525")
    assert (plain.host, plain.port, plain.implicit_tls, plain.starttls, plain.user) == (
        "127.0.0.1",
        2525,
        False,
        False,
        None,
    )
    login = SmtpConfig.parse("smtp://alerts%40msp:p%40ss@mail.example.nl:587?starttls=1")
    assert (login.user, login.password, login.starttls, login.port) == ("alerts@msp", "p@ss", True, 587)
    tls = SmtpConfig.parse("smtps://mail.example.nl")
    assert (tls.implicit_tls, tls.port) == (True, 465)


@pytest.mark.parametrize("url", ["http://mail.example.nl", "smtp://", "smtp://host:99999", "mail.example.nl"])
def test_bad_smtp_url_is_refused_without_its_password(url: str) -> None:
    with pytest.raises(InvalidInputError) as refused:
        SmtpConfig.parse(url)
    assert refused.value.field == "LEDGER_SMTP_URL"


def test_password_never_in_the_error() -> None:
    with pytest.raises(InvalidInputError) as refused:
        SmtpConfig.parse("ftp://user:hunter2@host")
    assert "hunter2" not in str(refused.value)


def test_backoff_doubles_up_to_the_cap_with_jitter() -> None:
    policy = DeliveryPolicy(backoff_base_s=30, backoff_cap_s=3600)
    rng = random.Random(7)
    for attempts, full in ((1, 30), (2, 60), (3, 120), (8, 3600), (12, 3600)):
        wait = policy.backoff(attempts, rng).total_seconds()
        assert full / 2 <= wait <= full
    default = DeliveryPolicy()
    least = sum(default.backoff(n, random.Random(n)).total_seconds() for n in range(1, default.attempts_max))
    assert least > 4.5 * 3600  # a receiver down for an hour (and for hours more) loses nothing


def test_policy_from_the_environment() -> None:
    policy = DeliveryPolicy.from_env({"LEDGER_NOTIFY_ATTEMPTS_MAX": "5", "LEDGER_NOTIFY_CLAIM_S": "2.5"})
    assert (policy.attempts_max, policy.claim_s) == (5, 2.5)
    with pytest.raises(InvalidInputError):
        DeliveryPolicy.from_env({"LEDGER_NOTIFY_BACKOFF_S": "soon"})


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("LEDGER_NOTIFY_BATCH_MAX", "0", "LEDGER_NOTIFY_BATCH_MAX: 0 is outside 1 to 10000"),
        ("LEDGER_NOTIFY_BATCH_MAX", "2.5", "LEDGER_NOTIFY_BATCH_MAX: '2.5' is not a whole number"),
        ("LEDGER_NOTIFY_ATTEMPTS_MAX", "0", "LEDGER_NOTIFY_ATTEMPTS_MAX: 0 is outside 1 to 1000"),
        ("LEDGER_NOTIFY_CLAIM_S", "0", "LEDGER_NOTIFY_CLAIM_S: 0.0 is outside 0.001 to 86400"),
        ("LEDGER_NOTIFY_CLAIM_S", "-120", "LEDGER_NOTIFY_CLAIM_S: -120.0 is outside 0.001 to 86400"),
        ("LEDGER_NOTIFY_CLAIM_S", "120000", "LEDGER_NOTIFY_CLAIM_S: 120000.0 is outside 0.001 to 86400"),
        ("LEDGER_NOTIFY_CLAIM_S", "nan", "LEDGER_NOTIFY_CLAIM_S: nan is outside 0.001 to 86400"),
        ("LEDGER_NOTIFY_CLAIM_S", "2 min", "LEDGER_NOTIFY_CLAIM_S: '2 min' is not a number of seconds"),
        ("LEDGER_NOTIFY_BACKOFF_S", "-1", "LEDGER_NOTIFY_BACKOFF_S: -1.0 is outside 0 to 2592000"),
        ("LEDGER_NOTIFY_BACKOFF_CAP_S", "inf", "LEDGER_NOTIFY_BACKOFF_CAP_S: inf is outside 0 to 2592000"),
        (
            "LEDGER_NOTIFY_BACKOFF_CAP_S",
            "10",
            "LEDGER_NOTIFY_BACKOFF_CAP_S: 10 is below the first backoff, 30",
        ),
    ],
)
def test_a_setting_out_of_range_is_refused_and_named(variable: str, value: str, message: str) -> None:
    """A batch of 0 would deliver nothing, silently; a claim of 0 or of days lets two deliverers
    send the same mail, or holds a killed deliverer's mails for days; an endless backoff overflows
    the clock in the middle of a round."""
    with pytest.raises(InvalidInputError) as refused:
        DeliveryPolicy.from_env({variable: value})
    assert str(refused.value) == message


def test_the_library_refuses_a_policy_out_of_range_too() -> None:
    with pytest.raises(InvalidInputError, match=r"^batch_max: 0 is outside 1 to 10000$"):
        DeliveryPolicy(batch_max=0)
    with pytest.raises(InvalidInputError, match=r"^attempts_max: True is not a whole number$"):
        DeliveryPolicy(attempts_max=True)
    assert DeliveryPolicy(backoff_base_s=0, backoff_cap_s=0).backoff(3, random.Random(1)).total_seconds() == 0
