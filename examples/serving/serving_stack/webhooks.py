"""Standard Webhooks verification (https://www.standardwebhooks.com).

The sender signs "<webhook-id>.<webhook-timestamp>.<body>" with HMAC-SHA256
under the secret (base64 after "whsec_") and sends "v1,<base64 signature>"
(several, space-separated, while a secret is rotated) in webhook-signature.
A message is accepted once: its id is remembered for the tolerance window,
and a timestamp outside that window is refused, so a captured message can
be neither replayed later nor again now.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import threading
import time
from collections.abc import Mapping

SECRET_PREFIX = "whsec_"
TOLERANCE_SECONDS = 5 * 60


class WebhookRejected(Exception):
    """Refused: `status` is the HTTP answer (401 or 409)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


def secret_key(secret: str) -> bytes:
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError(
            f"the webhook secret must start with {SECRET_PREFIX} "
            "(Standard Webhooks' form: whsec_ + base64 of 24-64 random bytes)"
        )
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX):], validate=True)
    except binascii.Error:
        raise ValueError("the webhook secret is not base64 after whsec_")
    if len(key) < 16:
        raise ValueError("the webhook secret is shorter than 16 bytes")
    return key


def sign(key: bytes, msg_id: str, timestamp: int, body: bytes) -> str:
    content = f"{msg_id}.{timestamp}.".encode() + body
    mac = hmac.new(key, content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(mac).decode()


class Verifier:
    def __init__(self, secret: str,
                 tolerance: int = TOLERANCE_SECONDS) -> None:
        self._key = secret_key(secret)
        self._tolerance = tolerance
        self._seen: dict[str, float] = {}
        self._lock = threading.Lock()

    def verify(self, headers: Mapping[str, str], body: bytes,
               now: float | None = None) -> str:
        """Returns the webhook-id of a message that is genuine, fresh and
        new; raises WebhookRejected otherwise."""
        now = time.time() if now is None else now
        msg_id = headers.get("webhook-id", "")
        stamp = headers.get("webhook-timestamp", "")
        signatures = headers.get("webhook-signature", "")
        if not msg_id or not stamp or not signatures:
            raise WebhookRejected(401, "missing webhook-id, "
                                  "webhook-timestamp or webhook-signature")
        if not stamp.isdigit():
            raise WebhookRejected(401, "webhook-timestamp is not an integer")
        timestamp = int(stamp)
        if abs(now - timestamp) > self._tolerance:
            raise WebhookRejected(
                401, f"webhook-timestamp {timestamp} is more than "
                     f"{self._tolerance} s from the receiver's clock "
                     f"({int(now)}): stale or early, refused")
        expected = sign(self._key, msg_id, timestamp, body).split(",", 1)[1]
        if not any(
            version == "v1" and hmac.compare_digest(value, expected)
            for version, _, value in
            (s.partition(",") for s in signatures.split(" "))
        ):
            raise WebhookRejected(401, "no valid v1 signature in "
                                       "webhook-signature")
        with self._lock:
            for old, seen_at in list(self._seen.items()):
                if now - seen_at > 2 * self._tolerance:
                    del self._seen[old]
            if msg_id in self._seen:
                raise WebhookRejected(409, f"webhook-id {msg_id!r} was "
                                           "already received: replay refused")
            self._seen[msg_id] = now
        return msg_id
