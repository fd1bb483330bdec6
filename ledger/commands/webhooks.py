"""Adding and removing webhooks: events, so the alerts projection knows which deliveries to ask for."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from ledger.aggregates.webhook import Webhook
from ledger.commands.results import JsonResult
from ledger.domain.alerts import ALERT_KINDS
from ledger.errors import InvalidInputError

if TYPE_CHECKING:
    from ledger.commands.bus import Context
    from ledger.commands.models import AddWebhook, RemoveWebhook
    from ledger.commands.unit_of_work import UnitOfWork

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


def add_webhook(uow: UnitOfWork, command: AddWebhook, context: Context) -> WebhookResult:
    """Add a webhook (or change its secret variable and kinds, or re-activate it)."""
    url = checked_url(command.url)
    secret_env = command.secret_env
    if not isinstance(secret_env, str) or not ENV_NAME.match(secret_env):
        msg = f"{secret_env!r} is not an environment variable name such as LEDGER_WEBHOOK_SECRET"
        raise InvalidInputError("secret_env", msg)
    wanted = checked_kinds(command.kinds)
    actor, now = context.actor, context.now
    existing = uow.get_or_none(Webhook.create_id(url), Webhook)
    if existing is None:
        hook = Webhook(url=url, secret_env=secret_env, kinds=wanted, actor=actor, effective_at=now)
        uow.save(hook)
        return WebhookResult(url, secret_env, wanted, active=True, duplicate=False)
    changed = existing.update(secret_env, wanted, active=True, actor=actor, at=now)
    if changed:
        uow.save(existing)
    return WebhookResult(url, secret_env, wanted, active=True, duplicate=not changed)


def remove_webhook(uow: UnitOfWork, command: RemoveWebhook, context: Context) -> WebhookResult:
    """Stop asking for deliveries to ``url`` (those already asked for are still delivered)."""
    url = checked_url(command.url)
    existing = uow.get_or_none(Webhook.create_id(url), Webhook)
    if existing is None:
        raise InvalidInputError("url", f"no webhook {url!r}; see 'ledger webhook list'")
    changed = existing.update(
        existing.secret_env, existing.kinds, active=False, actor=context.actor, at=context.now
    )
    if changed:
        uow.save(existing)
    return WebhookResult(url, existing.secret_env, existing.kinds, active=False, duplicate=not changed)
