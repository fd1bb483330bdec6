"""POSTing one signed JSON body to a webhook with the standard library; 2xx is acknowledged."""

from __future__ import annotations

import time
import urllib.error
import urllib.request

from ledger.notify.signing import IDEMPOTENCY_HEADER, SIGNATURE_HEADER, signature

WEBHOOK_TIMEOUT_S = 15.0
HTTP_OK_MIN, HTTP_OK_MAX = 200, 299
RESPONSE_READ_MAX = 2000


class WebhookError(RuntimeError):
    """The receiver did not acknowledge the delivery (an HTTP status, or no answer at all)."""


def post(url: str, body: bytes, secret: str, idempotency_id: str, now_s: int | None = None) -> int:
    """Send ``body`` signed with ``secret``; the status when 2xx, else WebhookError."""
    timestamp = int(time.time()) if now_s is None else now_s
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "User-Agent": "ledger-notify/1",
            SIGNATURE_HEADER: signature(secret, timestamp, body),
            IDEMPOTENCY_HEADER: idempotency_id,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=WEBHOOK_TIMEOUT_S) as response:
            status = int(response.status)
    except urllib.error.HTTPError as error:
        detail = error.read(RESPONSE_READ_MAX).decode("utf-8", "replace").strip()
        msg = f"HTTP {error.code} from {url}" + (f": {detail}" if detail else "")
        raise WebhookError(msg) from None
    except (urllib.error.URLError, OSError) as error:
        reason = getattr(error, "reason", error)
        msg = f"no answer from {url}: {reason}"
        raise WebhookError(msg) from None
    if not HTTP_OK_MIN <= status <= HTTP_OK_MAX:
        msg = f"HTTP {status} from {url}"
        raise WebhookError(msg)
    return status
