"""Webhook signatures, as Stripe does them: ``t=TIMESTAMP,v1=HEX`` over ``TIMESTAMP.BODY``.

Why a timestamp inside the signed text: a receiver that refuses old timestamps cannot be fed a
captured request again later; the HMAC proves the body and the time came from the ledger.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "Ledger-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The header value for ``body`` sent at ``timestamp`` (Unix seconds)."""
    signed = str(timestamp).encode() + b"." + body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"
