"""What may come in at /slack/events, checked before Bolt sees it.

A request must carry Slack's signature over its exact body (HMAC-SHA256 with the signing
secret, a timestamp within five minutes), be UTF-8, and be one of the shapes Slack sends: a
slash command (a form with its ids), an interaction (a form whose `payload` is a JSON object
naming its user), or an event (a JSON object). Anything else is refused with a 4xx; the refusal
is logged as one line (its reason and size, never its body: a body can hold what someone wrote)
and no more than once per LOG_EVERY seconds, however fast refusals come.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

log = logging.getLogger(__name__)

WINDOW_SECONDS = 300  # Slack's requests are at most five minutes old
LOG_EVERY = 10.0  # seconds between refusal log lines
FORM = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Refusal:
    status: int  # 401: not from Slack; 400: from Slack, but not something it sends
    reason: str


def signed(body: bytes, headers: Mapping[str, str], secret: str, now: float) -> Refusal | None:
    """None when Slack signed this body just now; else why not."""
    stamp = headers.get("X-Slack-Request-Timestamp", "")
    if not (stamp.isascii() and stamp.isdigit() and len(stamp) <= 12):
        return Refusal(401, "no readable timestamp")
    if abs(now - int(stamp)) > WINDOW_SECONDS:
        return Refusal(401, "stale timestamp")
    base = b"v0:" + stamp.encode() + b":" + body
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, headers.get("X-Slack-Signature", "")):
        return Refusal(401, "bad signature")
    return None


def well_formed(body: bytes, content_type: str) -> Refusal | None:
    """None when the body is one of the shapes Slack sends; else why not."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return Refusal(400, "not UTF-8")
    if content_type == FORM:
        form = {key: values[-1] for key, values in parse_qs(text).items()}
        if "payload" in form:
            return _interaction(_json_object(form["payload"]))
        needed = ("command", "user_id", "channel_id", "trigger_id")
        return None if all(form.get(key) for key in needed) else Refusal(400, "not a command")
    event = _json_object(text)
    if event is None:
        return Refusal(400, "not a JSON object")
    if event.get("type") == "event_callback" and not isinstance(event.get("event"), dict):
        return Refusal(400, "an event callback without its event")
    return None


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested too deep to be Slack's
        return None
    return value if isinstance(value, dict) else None


def _interaction(payload: dict[str, Any] | None) -> Refusal | None:
    if payload is None:
        return Refusal(400, "a payload that is not a JSON object")
    user = payload.get("user")
    if not (isinstance(user, dict) and isinstance(user.get("id"), str) and user["id"]):
        return Refusal(400, "an interaction without its user")
    if payload.get("type") == "block_actions" and not isinstance(payload.get("actions"), list):
        return Refusal(400, "block actions without actions")
    return None


class RefusalLog:
    """One line per refusal, at most once per LOG_EVERY seconds (the rest are counted)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._last = -LOG_EVERY
        self._quiet = 0

    def refused(self, refusal: Refusal, size: int) -> None:
        now = self._clock()
        if now - self._last < LOG_EVERY:
            self._quiet += 1
            return
        also = f"; {self._quiet} more refused since the last line" if self._quiet else ""
        log.warning(
            "slack: refused a request with %d (%s, %d bytes)%s",
            refusal.status,
            refusal.reason,
            size,
            also,
        )
        self._last, self._quiet = now, 0
