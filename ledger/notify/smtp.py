"""Sending e-mail over SMTP with the standard library, configured by ``LEDGER_SMTP_URL``.

``smtp://[user:password@]host:port[?starttls=1]`` or ``smtps://...`` (TLS from the first byte).
A mail counts as sent only when the server accepted it for every recipient (``250`` after DATA):
smtplib raises for anything else, and a partly refused mail is an error too.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

from ledger.errors import InvalidInputError

if TYPE_CHECKING:
    from email.message import EmailMessage

SMTP_TIMEOUT_S = 30.0
DEFAULT_PORTS = {"smtp": 25, "smtps": 465}


@dataclass(frozen=True)
class SmtpConfig:
    """Where and how to send: host, port, TLS mode and optional login."""

    host: str
    port: int
    implicit_tls: bool
    starttls: bool
    user: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> SmtpConfig:
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            msg = f"{_safe(url)!r} is not smtp://[user:password@]host:port[?starttls=1] or smtps://..."
            raise InvalidInputError("LEDGER_SMTP_URL", msg)
        try:
            port = parts.port or DEFAULT_PORTS[parts.scheme]
        except ValueError:
            raise InvalidInputError("LEDGER_SMTP_URL", f"{_safe(url)!r} has a bad port") from None
        query = parse_qs(parts.query)
        starttls = query.get("starttls", ["0"])[-1].lower() in ("1", "true", "yes")
        return cls(
            host=parts.hostname,
            port=port,
            implicit_tls=parts.scheme == "smtps",
            starttls=starttls,
            user=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )


def _safe(url: str) -> str:
    """The URL without its password, for error messages."""
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url


def send_mail(config: SmtpConfig, message: EmailMessage) -> None:
    """Send one message; raises on anything but acceptance for every recipient."""
    context = ssl.create_default_context()
    client: smtplib.SMTP
    if config.implicit_tls:
        client = smtplib.SMTP_SSL(config.host, config.port, timeout=SMTP_TIMEOUT_S, context=context)
    else:
        client = smtplib.SMTP(config.host, config.port, timeout=SMTP_TIMEOUT_S)
    with client:
        if config.starttls:
            client.starttls(context=context)
        if config.user is not None:
            client.login(config.user, config.password or "")
        refused = client.send_message(message)
    if refused:
        msg = f"refused recipients: {refused}"
        raise smtplib.SMTPRecipientsRefused(refused) from RuntimeError(msg)
