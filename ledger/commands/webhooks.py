"""Adding and removing webhooks: events, so the alerts projection knows which deliveries to ask for."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ledger.aggregates.webhook import Webhook
from ledger.commands.application import retrying
from ledger.commands.results import JsonResult
from ledger.domain.alerts import ALERT_KINDS
from ledger.errors import InvalidInputError

if TYPE_CHECKING:
    from datetime import datetime

    from ledger.commands.application import LedgerApplication

from dataclasses import dataclass

URL_LENGTH_MAX = 2000
ENV_NAME = re.compile(r"^[A-Z_][A-Z0-9_]{0,99}$")


@dataclass(frozen=True)
class WebhookResult(JsonResult):
    url: str
    secret_env: str
    kinds: list[str]
    active: bool
    duplicate: bool


def checked_url(url: object) -> str:
    """An http(s) URL with a host, no credentials in it (secrets go in the environment)."""
    if not isinstance(url, str) or not url.strip() or len(url) > URL_LENGTH_MAX:
        raise InvalidInputError("url", "give an http:// or https:// URL")
    text = url.strip()
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInputError("url", f"{text!r} is not an http:// or https:// URL with a host")
    if parts.username or parts.password:
        raise InvalidInputError("url", "no credentials in the URL; the secret goes in --secret-env")
    return text


def checked_kinds(kinds: list[str] | None) -> list[str]:
    chosen = sorted({kind.strip() for kind in kinds or [] if kind.strip()})
    unknown = [kind for kind in chosen if kind not in ALERT_KINDS]
    if unknown:
        msg = f"unknown alert kind {unknown[0]!r}; known: {', '.join(ALERT_KINDS)}"
        raise InvalidInputError("kinds", msg)
    return chosen


def add_webhook(
    app: LedgerApplication, url: str, secret_env: str, kinds: list[str] | None, actor: str, now: datetime
) -> WebhookResult:
    """Add a webhook (or change its secret variable and kinds, or re-activate it)."""
    url = checked_url(url)
    if not isinstance(secret_env, str) or not ENV_NAME.match(secret_env):
        msg = f"{secret_env!r} is not an environment variable name such as LEDGER_WEBHOOK_SECRET"
        raise InvalidInputError("secret_env", msg)
    wanted = checked_kinds(kinds)

    def attempt() -> WebhookResult:
        existing = app.get_or_none(Webhook.create_id(url), Webhook)
        if existing is None:
            hook = Webhook(url=url, secret_env=secret_env, kinds=wanted, actor=actor, effective_at=now)
            app.save(hook)
            return WebhookResult(url, secret_env, wanted, active=True, duplicate=False)
        changed = existing.update(secret_env, wanted, active=True, actor=actor, at=now)
        if changed:
            app.save(existing)
        return WebhookResult(url, secret_env, wanted, active=True, duplicate=not changed)

    return retrying(attempt)


def remove_webhook(app: LedgerApplication, url: str, actor: str, now: datetime) -> WebhookResult:
    """Stop asking for deliveries to ``url`` (those already asked for are still delivered)."""
    url = checked_url(url)

    def attempt() -> WebhookResult:
        existing = app.get_or_none(Webhook.create_id(url), Webhook)
        if existing is None:
            raise InvalidInputError("url", f"no webhook {url!r}; see 'ledger webhook list'")
        changed = existing.update(existing.secret_env, existing.kinds, active=False, actor=actor, at=now)
        if changed:
            app.save(existing)
        return WebhookResult(url, existing.secret_env, existing.kinds, active=False, duplicate=not changed)

    return retrying(attempt)
