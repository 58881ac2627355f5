"""What may come in at /slack/events, checked before Bolt sees it.

A request must carry Slack's signature over its exact body (HMAC-SHA256 with the signing
secret, a timestamp within five minutes), be UTF-8, and be one of the shapes Slack sends: a
slash command (a form with its ids), an interaction (a form whose `payload` is a JSON object
naming its user), or an event (a JSON object; an event callback with its event and event_id).
Every field the bot or Bolt reads must have the type Slack gives it: a body that lacks one, or
has it mistyped, is refused with a 400 rather than failing inside with a 500. Anything else is
refused with a 4xx too; the refusal is logged as one line (its reason and size, never its
body: a body can hold what someone wrote) and no more than once per LOG_EVERY seconds, however
fast refusals come.
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
    return _event(event)


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):  # RecursionError: nested too deep to be Slack's
        return None
    return value if isinstance(value, dict) else None


# The fields the bot (and Bolt, routing a request) reads, with the types Slack gives them. A
# field may be absent where Slack may leave it out; where present, it must have its type.
Types = dict[str, type | tuple[type, ...]]
_TEAM_FIELDS: Types = {"team_id": str, "api_app_id": str, "enterprise_id": (str, type(None))}
_ENVELOPE: Types = {"type": str, "token": str, "is_enterprise_install": bool, **_TEAM_FIELDS}
_EVENT: Types = {"type": str, "user": str, "text": str, "channel": str, "channel_type": str}
_EVENT |= {"subtype": str, "bot_id": str, "ts": str, "event_ts": str, "team": str}
_EVENT |= {"old_channel_id": str, "new_channel_id": str}
_INTERACTION: Types = {"type": str, "trigger_id": str, "response_url": str, "token": str}
_INTERACTION |= {"api_app_id": str, "is_enterprise_install": bool}
_INTERACTION |= {"container": dict, "channel": dict, "message": dict, "team": (dict, type(None))}
_INTERACTION |= {"enterprise": (dict, type(None))}
_AUTHORIZATION: Types = {"user_id": str, "is_bot": bool, "is_enterprise_install": bool}
_AUTHORIZATION |= {"team_id": (str, type(None)), "enterprise_id": (str, type(None))}
_USER: Types = {"id": str, "name": str, "username": str, "team_id": str}
_ACTION: Types = {"action_id": str, "block_id": str, "value": str, "action_ts": str, "type": str}
_PLACE: Types = {"id": str, "channel_id": str, "message_ts": str, "ts": str, "text": str}
_PLACE |= {"domain": str, "name": str}


def _mistyped(value: dict[str, Any], types: Types) -> str | None:
    """The first field of value that has a type other than Slack gives it."""
    for key, expected in types.items():
        if key in value and not isinstance(value[key], expected):
            return key
    return None


def _event(body: dict[str, Any]) -> Refusal | None:
    if (field := _mistyped(body, _ENVELOPE)) is not None:
        return Refusal(400, f"a body whose {field} has the wrong type")
    kind = body.get("type")
    if kind == "url_verification":
        challenge = body.get("challenge")
        return None if isinstance(challenge, str) else Refusal(400, "a challenge without it")
    if kind != "event_callback":
        return None  # nothing the bot takes: Bolt acknowledges it
    event, event_id = body.get("event"), body.get("event_id")
    if not isinstance(event, dict):
        return Refusal(400, "an event callback without its event")
    if not (isinstance(event_id, str) and event_id):
        return Refusal(400, "an event callback without its event_id")
    if not isinstance(event.get("type"), str):
        return Refusal(400, "an event without its type")
    if (field := _mistyped(event, _EVENT)) is not None:
        return Refusal(400, f"an event whose {field} has the wrong type")
    authorizations = body.get("authorizations", [])
    if not isinstance(authorizations, list) or not all(
        isinstance(each, dict) and _mistyped(each, _AUTHORIZATION) is None
        for each in authorizations
    ):
        return Refusal(400, "an event whose authorizations have the wrong type")
    return None


def _interaction(payload: dict[str, Any] | None) -> Refusal | None:
    if payload is None:
        return Refusal(400, "a payload that is not a JSON object")
    user = payload.get("user")
    if not (isinstance(user, dict) and isinstance(user.get("id"), str) and user["id"]):
        return Refusal(400, "an interaction without its user")
    if (field := _mistyped(payload, _INTERACTION)) is not None or _mistyped(user, _USER):
        return Refusal(400, f"an interaction whose {field or 'user'} has the wrong type")
    for place in ("container", "channel", "message", "team", "enterprise"):
        if isinstance(payload.get(place), dict) and _mistyped(payload[place], _PLACE):
            return Refusal(400, f"an interaction whose {place} has the wrong type")
    if payload.get("type") == "block_actions":
        actions = payload.get("actions")
        if not (isinstance(actions, list) and actions):
            return Refusal(400, "block actions without actions")
        for action in actions:
            if not isinstance(action, dict) or not isinstance(action.get("action_ts"), str):
                return Refusal(400, "an action without its time")
            if _mistyped(action, _ACTION):
                return Refusal(400, "an action with a field of the wrong type")
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
