"""A fake Slack for tests and benchmarks: the Web API on 127.0.0.1 (port 0), and what Slack's
servers send to a bot (slash commands, button clicks, events), signed as Slack signs them and
posted over real HTTP. The real slack_sdk and slack_bolt talk to it; nothing is mocked.

The fake answers the methods the adapter uses, records every call with its arguments, keeps the
messages it was sent (edits included), serves the file upload flow and response_urls, and can
answer 429 with Retry-After or any Slack error on demand.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import hmac
import itertools
import json
import time
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from adapters.assembly import Parts, assembled
from adapters.platform import AdapterContext, PlatformAdapter
from adapters.slack.adapter import SlackAdapter
from adapters.slack.sender import Pacer
from adapters.slack.settings import PLATFORM, SlackSettings
from bot.config import Settings
from bot.ports import Clock, Storage

FIXTURES = Path(__file__).resolve().parent / "fixtures"
TOKEN = "xoxb-test"
APP_TOKEN = "xapp-test"  # Socket Mode's app-level token: only for apps.connections.open
SIGNING_SECRET = "signing-secret"
BOT_USER = "UBOT"
Args = dict[str, Any]
SENDING = frozenset(
    {
        "chat.postMessage",
        "chat.update",
        "chat.postEphemeral",
        "conversations.open",
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    }
)


def fixture(name: str) -> Any:
    """A payload as Slack sends it (adapters/slack/fixtures/NAME.json), fresh for each use."""
    return json.loads((FIXTURES / f"{name}.json").read_text())


@dataclass
class Call:
    seq: int
    method: str
    args: Args
    limited: bool = False  # answered 429
    error: str = ""  # answered {"ok": false, "error": error}


@dataclass
class Message:
    """A message as Slack holds it: edits replace its text and blocks."""

    channel: str
    ts: str
    text: str
    blocks: list[dict[str, Any]]
    user: str | None = None  # set for an ephemeral message: who sees it

    def buttons(self) -> list[dict[str, Any]]:
        found = []
        for block in self.blocks:
            if block.get("accessory", {}).get("type") == "button":
                found.append(block["accessory"])
            if block["type"] == "actions":
                found.extend(e for e in block["elements"] if e["type"] == "button")
        return found

    def button(self, label: str) -> dict[str, Any] | None:
        return next((b for b in self.buttons() if b["text"]["text"] == label), None)

    def text_box(self) -> dict[str, Any] | None:
        """The message's input block that sends its text on Enter (a comment box), if any."""
        return next(
            (b for b in self.blocks if b["type"] == "input" and b.get("dispatch_action")), None
        )


@dataclass
class SharedFile:
    channel: str
    filename: str
    title: str
    comment: str
    content: bytes


def _always(_args: Args) -> bool:
    return True


@dataclass
class _Rule:
    method: str
    times: int
    error: str = ""
    retry_after: int = 0
    when: Callable[[Args], bool] = _always


@dataclass
class FakeSlack:
    """The Slack Web API, at `url` once started (base URL ending in /api/)."""

    token: str = TOKEN
    page_size: int = 2  # small, so conversations.members pages even in small tests
    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    channels: dict[str, list[str]] = field(default_factory=dict)
    channel_names: dict[str, str] = field(default_factory=dict)  # channel id -> its name
    private_channels: set[str] = field(default_factory=set)  # commands say "privategroup"
    calls: list[Call] = field(default_factory=list)
    messages: dict[str, list[Message]] = field(default_factory=dict)
    files: list[SharedFile] = field(default_factory=list)
    responses: list[Args] = field(default_factory=list)  # what was posted to response_urls
    response_channels: dict[str, str] = field(default_factory=dict)  # response_url n: its channel
    url: str = ""
    _rules: list[_Rule] = field(default_factory=list)
    _uploads: dict[str, bytes] = field(default_factory=dict)
    _seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    _waiters: dict[str, list[asyncio.Future[None]]] = field(default_factory=dict)
    _runner: web.AppRunner | None = None
    _down: str | None = None  # "5xx" or "timeout" while Slack is having trouble
    _down_methods: frozenset[str] = frozenset()
    _back: asyncio.Event = field(default_factory=asyncio.Event)
    _sockets: list[web.WebSocketResponse] = field(default_factory=list)
    socket_acks: list[Args] = field(default_factory=list)  # what the bot answered on the socket

    def __post_init__(self) -> None:
        self.add_user(BOT_USER, "maturity-bot", is_bot=True)

    # -- the world the bot sees --------------------------------------------------------------

    def add_user(
        self,
        user_id: str,
        name: str,
        real_name: str = "",
        *,
        is_bot: bool = False,
        deleted: bool = False,
    ) -> None:
        profile = {"real_name": real_name, "display_name": name}
        self.users[user_id] = {
            "id": user_id,
            "team_id": "T0001",
            "name": name,
            "real_name": real_name,
            "deleted": deleted,
            "is_bot": is_bot,
            "profile": profile,
        }

    def add_profile(self, name: str) -> str:
        """A user as a users.info fixture has them (fixtures/NAME.json); their id."""
        user: dict[str, Any] = fixture(name)["user"]
        self.users[str(user["id"])] = user
        return str(user["id"])

    def join(self, channel: str, *user_ids: str) -> None:
        self.channels.setdefault(channel, []).extend(user_ids)

    def rate_limit(self, method: str, times: int, retry_after: int = 0) -> None:
        """The next `times` calls of method answer 429 with Retry-After."""
        self._rules.append(_Rule(method, times, retry_after=retry_after))

    def fail(
        self,
        method: str,
        error: str,
        times: int = 1_000_000,
        when: Callable[[Args], bool] = _always,
    ) -> None:
        """Calls of method whose arguments satisfy `when` answer {"ok": false, "error": error}."""
        self._rules.append(_Rule(method, times, error=error, when=when))

    def go_down(self, how: str = "5xx", methods: frozenset[str] = SENDING) -> None:
        """Until come_back(): calls of these methods answer 503 ("5xx"), or get no answer at
        all ("timeout"; what they asked for still happens, as when Slack is slow). Either way
        the call is recorded as failed, or as done late."""
        self._down, self._down_methods = how, methods
        self._back.clear()

    def come_back(self) -> None:
        self._down = None
        self._back.set()

    # -- what the bot did --------------------------------------------------------------------

    def calls_to(self, method: str, *, limited: bool = False) -> list[Args]:
        """The arguments of each call that succeeded (or, with limited, that was answered 429)."""
        return [
            c.args
            for c in self.calls
            if c.method == method and c.limited == limited and not c.error
        ]

    def posts(self, channel: str) -> list[Args]:
        """chat.postMessage calls that reached the channel."""
        return [a for a in self.calls_to("chat.postMessage") if a.get("channel") == channel]

    def in_channel(self, channel: str) -> list[Message]:
        return list(self.messages.get(channel, []))

    def last_with(self, channel: str, label: str) -> Message | None:
        """The latest message in the channel that has a button with this label."""
        return next((m for m in reversed(self.in_channel(channel)) if m.button(label)), None)

    async def wait_for(
        self, check: Callable[[], Any], channel: str = "*", seconds: float = 10.0
    ) -> Any:
        """Wait until check() returns something truthy, checking again after each call about
        the channel (or after any call, for "*"); fails after `seconds`."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while not (result := check()):
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.setdefault(channel, []).append(waiter)
            await asyncio.wait_for(waiter, max(deadline - loop.time(), 0))
        return result

    async def wait_for_text(
        self, channel: str, text: str, after: int = 0, seconds: float = 10.0
    ) -> Call:
        """The first post or edit in the channel after call number `after` whose text has this."""

        def found() -> Call | None:
            return next(
                (
                    c
                    for c in self.calls
                    if c.seq > after
                    and not c.limited
                    and not c.error
                    and c.method in ("chat.postMessage", "chat.update", "chat.postEphemeral")
                    and c.args.get("channel") == channel
                    and text in str(c.args.get("text"))
                ),
                None,
            )

        result: Call = await self.wait_for(found, channel, seconds)
        return result

    @property
    def seq(self) -> int:
        """The number of the latest call, to wait for what comes after it."""
        return self.calls[-1].seq if self.calls else 0

    # -- the server --------------------------------------------------------------------------

    async def start(self) -> str:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/response/{n}", self._response)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}/api/"
        return self.url

    async def stop(self) -> None:
        for socket in self._sockets:
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def root(self) -> str:
        return self.url.removesuffix("api/")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        token = self.token if method != "apps.connections.open" else APP_TOKEN
        if request.headers.get("Authorization") != f"Bearer {token}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        args: Args = dict(request.query)
        if request.content_type == "application/json":
            args.update(await request.json())
        elif request.can_read_body:
            args.update(dict(await request.post()))
        for key in ("blocks", "files"):
            if isinstance(args.get(key), str):
                args[key] = json.loads(args[key])
        if self._down and method in self._down_methods:
            if self._down == "5xx":
                self._record(method, args, error="service_unavailable")
                return web.Response(status=503, text="upstream connect error")
            await self._back.wait()  # the caller gives up first; the work happens late
        for rule in self._rules:
            if rule.method == method and rule.times > 0 and rule.when(args):
                rule.times -= 1
                self._record(method, args, limited=not rule.error, error=rule.error)
                if rule.error:
                    return web.json_response({"ok": False, "error": rule.error})
                headers = {"Retry-After": str(rule.retry_after)}
                return web.json_response(
                    {"ok": False, "error": "ratelimited"}, status=429, headers=headers
                )
        self._record(method, args)
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        answer = {"ok": True, **handler(args)} if handler else {"error": "unknown_method"}
        if not answer.get("ok"):
            self.calls[-1].error = answer["ok"] = answer["error"]
            answer["ok"] = False
        return web.json_response(answer)

    def _record(self, method: str, args: Args, limited: bool = False, error: str = "") -> None:
        self.calls.append(Call(next(self._seq), method, args, limited, error))
        channel = str(args.get("channel") or args.get("channel_id") or "")
        for key in (channel, "*"):
            for waiter in self._waiters.pop(key, []):
                if not waiter.done():
                    waiter.set_result(None)

    # -- Web API methods: each returns the answer's fields beside "ok" -------------------------

    def _auth_test(self, _args: Args) -> Args:
        return {"url": "https://example.slack.com/", "team": "Example", "user": "maturity-bot",
                "team_id": "T0001", "user_id": BOT_USER, "bot_id": "BBOT",
                "is_enterprise_install": False}  # fmt: skip

    def _apps_connections_open(self, _args: Args) -> Args:
        return {"url": f"ws://{self.root.removeprefix('http://')}socket"}

    def _conversations_open(self, args: Args) -> Args:
        return {"channel": {"id": f"D{args['users']}"}}

    def _conversations_info(self, args: Args) -> Args:
        channel = str(args["channel"])
        if channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        name = self.channel_names.get(channel, channel.lower())
        private = channel in self.private_channels
        return {"channel": {"id": channel, "name": name, "is_channel": True,
                            "is_private": private, "is_archived": False}}  # fmt: skip

    def _conversations_members(self, args: Args) -> Args:
        members = self.channels.get(str(args["channel"]), [])
        start = int(args.get("cursor") or 0)
        end = start + min(int(args.get("limit") or 100), self.page_size)
        cursor = str(end) if end < len(members) else ""
        return {"members": members[start:end], "response_metadata": {"next_cursor": cursor}}

    def _users_info(self, args: Args) -> Args:
        user = self.users.get(str(args["user"]))
        return {"user": user} if user else {"ok": False, "error": "user_not_found"}

    def _chat_postMessage(self, args: Args) -> Args:
        if not _valid_blocks(args):
            return {"ok": False, "error": "invalid_blocks"}
        message = self._keep(args)
        return {"channel": message.channel, "ts": message.ts, "message": {"text": message.text}}

    def _chat_postEphemeral(self, args: Args) -> Args:
        if not _valid_blocks(args):
            return {"ok": False, "error": "invalid_blocks"}
        return {"message_ts": self._keep(args, user=str(args["user"])).ts}

    def _chat_update(self, args: Args) -> Args:
        if not _valid_blocks(args):
            return {"ok": False, "error": "invalid_blocks"}
        for message in self.messages.get(str(args["channel"]), []):
            if message.ts == args["ts"]:
                message.text, message.blocks = str(args.get("text")), args.get("blocks") or []
                return {"channel": message.channel, "ts": message.ts}
        return {"ok": False, "error": "message_not_found"}

    def _files_getUploadURLExternal(self, args: Args) -> Args:
        file_id = f"F{len(self._uploads) + 1:06d}"
        self._uploads[file_id] = b""
        return {"upload_url": f"{self.root}upload/{file_id}", "file_id": file_id}

    def _files_completeUploadExternal(self, args: Args) -> Args:
        shared = []
        for item in args["files"]:
            self.files.append(
                SharedFile(
                    channel=str(args.get("channel_id")),
                    filename=str(item.get("title")),
                    title=str(item.get("title")),
                    comment=str(args.get("initial_comment") or ""),
                    content=self._uploads.get(item["id"], b""),
                )
            )
            shared.append({"id": item["id"], "title": item.get("title")})
        return {"files": shared}

    def _keep(self, args: Args, user: str | None = None) -> Message:
        channel = str(args["channel"])
        n = len(self.calls)
        ts = f"{1700000000 + n}.{n:06d}"
        message = Message(channel, ts, str(args.get("text")), args.get("blocks") or [], user)
        self.messages.setdefault(channel, []).append(message)
        return message

    async def _upload(self, request: web.Request) -> web.Response:
        self._uploads[request.match_info["file_id"]] = await request.read()
        self._record("upload", {"file_id": request.match_info["file_id"]})
        return web.Response(text="OK")

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        """Socket Mode: say hello, then record the bot's acknowledgements until it hangs up."""
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._sockets.append(socket)
        self._record("socket", {"connected": True})
        await socket.send_json({"type": "hello", "num_connections": 1})
        async for frame in socket:
            if frame.type == aiohttp.WSMsgType.TEXT:
                self.socket_acks.append(json.loads(frame.data))
                self._record("socket_ack", self.socket_acks[-1])
        self._sockets.remove(socket)
        return socket

    async def push(self, kind: str, payload: Args) -> str:
        """Send an envelope (slash_commands, interactive, events_api) down the socket."""
        envelope_id = f"env-{next(self._seq)}"
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload}
        await self._sockets[-1].send_json(envelope | {"accepts_response_payload": True})
        return envelope_id

    async def _response(self, request: web.Request) -> web.Response:
        posted = await request.json()
        self.responses.append(posted)
        n = request.match_info["n"]
        channel = self.response_channels.get(n, "")
        self._record("response_url", {"n": n, "channel": channel, "text": posted.get("text")})
        return web.Response(text="ok")


def _valid_blocks(args: Args) -> bool:
    """Slack's limits on buttons: text and accessibility_label at most 75 characters."""
    for block in args.get("blocks") or []:
        elements = block.get("elements") or []
        buttons = [block["accessory"]] if "accessory" in block else elements
        for button in buttons:
            if button.get("type") != "button":
                continue
            if len(button["text"]["text"]) > 75 or len(button.get("accessibility_label", "")) > 75:
                return False
    return True


# -- what Slack sends to the bot ---------------------------------------------------------------


def sign(body: str, timestamp: int, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """Slack's request signature: HMAC-SHA256 of "v0:timestamp:body" with the signing secret."""
    base = f"v0:{timestamp}:{body}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Signature": f"v0={digest}", "X-Slack-Request-Timestamp": str(timestamp)}


class SlackSends:
    """Slack's servers talking to the bot at bot_url: signed requests over real HTTP."""

    def __init__(self, fake: FakeSlack, bot_url: str, session: aiohttp.ClientSession) -> None:
        self.fake, self.bot_url, self.session = fake, bot_url, session
        self._ids = itertools.count(1)
        self._run = f"{time.time_ns() // 1000:x}"  # ids stay unique across runs on one database

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str = SIGNING_SECRET,
        retry: int | None = None,
    ) -> int:
        """Post a signed body to /slack/events; the HTTP status."""
        headers = {
            "Content-Type": content_type,
            **sign(body, timestamp or int(time.time()), secret),
        }
        if retry is not None:  # Slack's redelivery of an event it thinks was not acknowledged
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        async with self.session.post(
            f"{self.bot_url}/slack/events", data=body.encode(), headers=headers
        ) as response:
            await response.read()
            return response.status

    def command_body(self, user: str, text: str, channel: str = "C1") -> str:
        payload = fixture("slash_command")
        n = next(self._ids)
        payload |= {
            "user_id": user,
            "user_name": self.fake.users.get(user, {}).get("name", user.lower()),
            "channel_id": channel,
            "channel_name": self.channel_name(channel),
            "text": text.removeprefix("/round").strip(),
            "trigger_id": f"{n}.{self._run}.trigger",
            "response_url": self.response_url(n, channel),
        }
        return urllib.parse.urlencode(payload)

    def response_url(self, n: int, channel: str) -> str:
        """A response_url on the fake for an interaction in this channel (as Slack gives one
        per slash command and per click), so what the bot posts there is seen in the channel."""
        self.fake.response_channels[str(n)] = channel
        return f"{self.fake.root}response/{n}"

    def channel_name(self, channel: str) -> str:
        """What a slash command says the channel is called, as Slack fills channel_name."""
        if channel.startswith("D"):
            return "directmessage"
        if channel in self.fake.private_channels:
            return "privategroup"
        return self.fake.channel_names.get(channel, channel.lower())

    async def command(self, user: str, text: str, channel: str = "C1", **kwargs: Any) -> int:
        """`user` types `/round ...` in the channel."""
        body = self.command_body(user, text, channel)
        return await self.post(body, "application/x-www-form-urlencoded", **kwargs)

    def click_body(
        self,
        user: str,
        message: Message,
        label: str,
        action_ts: str | None = None,
        box: dict[str, Any] | None = None,
        typed: str = "",
    ) -> str:
        """A button pressed (by its label) or, with box, text typed in that text box."""
        button = message.button(label) if box is None else {}
        assert button is not None, f"no button {label!r} in {message.text[:60]!r}"
        payload = fixture("block_actions")
        n = next(self._ids)
        payload["trigger_id"] = f"{n}.{self._run}.trigger"  # one per interaction
        payload["response_url"] = self.response_url(n, message.channel)
        payload["user"] |= {"id": user, "username": user.lower(), "name": user.lower()}
        payload["container"] |= {"message_ts": message.ts, "channel_id": message.channel}
        payload["channel"]["id"] = message.channel
        payload["message"] |= {"ts": message.ts, "text": message.text, "blocks": message.blocks}
        stamp = action_ts or f"{self._run}.{next(self._ids):06d}"
        if box is not None:
            action_id = box["element"]["action_id"]
            typed_value = {"type": "plain_text_input", "value": typed}
            payload["state"]["values"] = {box["block_id"]: {action_id: typed_value}}
            payload["actions"] = [
                {"action_id": action_id, "block_id": box["block_id"], **typed_value}
                | {"action_ts": stamp}
            ]
            return urllib.parse.urlencode({"payload": json.dumps(payload)})
        payload["actions"][0] |= {
            "action_id": button["action_id"],
            "text": copy.deepcopy(button["text"]),
            "value": button["value"],
            "action_ts": stamp,
        }
        return urllib.parse.urlencode({"payload": json.dumps(payload)})

    async def type_in_box(self, user: str, text: str, **kwargs: Any) -> int:
        """`user` types text into the text box of the latest card in their DM, then Enter."""
        message = next(
            (m for m in reversed(self.fake.in_channel(f"D{user}")) if m.text_box()), None
        )
        assert message is not None, f"{user} has no message with a text box"
        box = message.text_box()
        assert box is not None
        body = self.click_body(user, message, "", box=box, typed=text)
        return await self.post(body, "application/x-www-form-urlencoded", **kwargs)

    async def click(self, user: str, label: str, **kwargs: Any) -> int:
        """`user` presses the button labelled `label` on the latest message in their DM."""
        message = self.fake.last_with(f"D{user}", label)
        assert message is not None, f"{user} has no button {label!r}"
        body = self.click_body(user, message, label, kwargs.pop("action_ts", None))
        return await self.post(body, "application/x-www-form-urlencoded", **kwargs)

    def message_body(self, user: str, text: str, event_id: str | None = None, **event: Any) -> str:
        """A message.im event; `event` overrides fields of the event (bot_id, channel_type…)."""
        payload = fixture("message_im")
        n = next(self._ids)
        payload["event"] |= {"user": user, "text": text, "channel": f"D{user}", **event}
        payload["event_id"] = event_id or f"Ev{self._run}{n:06d}"
        return json.dumps(payload)

    async def event(self, name: str, **event: Any) -> int:
        """An Events API callback from a fixture (fixtures/NAME.json), its event's fields
        overridden by `event`, with a fresh event_id."""
        payload = fixture(name)
        payload["event"] |= event
        payload["event_id"] = f"Ev{self._run}{next(self._ids):06d}"
        return await self.post(json.dumps(payload), "application/json")

    async def say(self, user: str, text: str, event_id: str | None = None, **kwargs: Any) -> int:
        """`user` types text in their DM with the bot (a message.im event)."""
        body = self.message_body(user, text, event_id)
        return await self.post(body, "application/json", **kwargs)


# -- the bot, as the one assembly builds it, around the fake ---------------------------------


@dataclass
class RunningBot:
    url: str  # http://127.0.0.1:PORT
    adapter: SlackAdapter
    storage: Storage
    drain: Callable[[], Awaitable[int]]  # send what the outbox owes now

    async def settle(self) -> None:
        """Wait until every request taken so far is stored and its replies are sent."""
        await self.adapter.drain()
        await self.drain()


# Tests share a busy machine: storing an event may take longer than Slack's 3 seconds there,
# and a test about something else must not see "press again". Tests of the budget set theirs.
TEST_ACK_BUDGET = 30.0


def bot_settings(database_url: str, api_url: str, **slack: Any) -> Settings:
    """Settings for a bot whose Slack is the fake at api_url (slack: more SlackSettings), with
    the project's rubric, on a free port."""
    return Settings(
        database_url,
        Path(__file__).resolve().parents[2] / "rubric.toml",
        host="127.0.0.1",
        port=0,
        platforms=(SlackSettings(TOKEN, SIGNING_SECRET, api_url=api_url, **slack),),
    )


@asynccontextmanager
async def running_bot(
    settings: Settings,
    pacer: Pacer | None = None,
    clock: Clock | None = None,
    ack_budget: float = TEST_ACK_BUDGET,
) -> AsyncIterator[RunningBot]:
    """The bot as serve() assembles it, with the Slack adapter's pacing ours to set (tests do
    not wait a second per message), the bot's clock (for the outbox's retries) and its ack
    budget ours to set, and no scheduler (tests wake it themselves)."""
    slack = settings.platform(PLATFORM)
    assert isinstance(slack, SlackSettings)

    def adapters(context: AdapterContext) -> list[PlatformAdapter]:
        adapter = SlackAdapter(
            slack, context.dispatch, context.http, pacer=pacer, chat_moved=context.chat_moved
        )
        adapter.ack_budget = ack_budget
        return [adapter]

    parts = Parts(scheduler=False)
    async with assembled(settings, parts=parts, adapters=adapters, clock=clock) as bot:
        adapter = bot.adapters[0]
        assert isinstance(adapter, SlackAdapter)
        yield RunningBot(f"http://127.0.0.1:{bot.http.port}", adapter, bot.storage, bot.drain)
