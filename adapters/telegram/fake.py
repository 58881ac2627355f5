"""A fake Telegram Bot API server that the real python-telegram-bot talks to over loopback.

`/bot<token>/<method>` answers what the adapter uses, with Telegram's own checks (token, HTML,
text and caption lengths, callback_data size) and its error shapes: RetryAfter (429) and
Forbidden (403) on demand. It records every call and keeps each chat's messages as Telegram
would show them, so tests read what people see. Updates are built from real payload shapes in
adapters/telegram/fixtures/ and served by getUpdates (long polling) or posted to the webhook.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from adapters.assembly import Parts, assembled
from adapters.http import WebServer
from adapters.platform import AdapterContext, PlatformAdapter
from adapters.telegram.adapter import TelegramAdapter
from adapters.telegram.limits import RateLimits
from adapters.telegram.settings import TelegramSettings
from bot.config import Settings
from bot.ports import Clock, Storage

TOKEN = "7000000001:AAFakeTokenForTests_abcdefghijklmnopq"
USERNAME = "maturity_test_bot"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
JSON = dict[str, Any]
_RAW_FIELDS = {"text", "caption", "parse_mode", "callback_query_id", "url", "secret_token"}
_TAGS = {"b", "strong", "i", "em", "u", "s", "a", "code", "pre", "blockquote"}
_SENDING = {
    "sendMessage",
    "sendPhoto",
    "sendDocument",
    "editMessageText",
    "editMessageReplyMarkup",
}
DOCUMENT_LIMIT = 50 * 1024 * 1024  # what a bot may upload


def fixture(name: str) -> Any:
    return json.loads((FIXTURES / f"{name}.json").read_text())


class FakeTime:
    """A monotonic clock and a sleep that only moves it: the real limits, no waiting."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


class RealTime:
    """The real clock and sleep, for benchmarks against the real limits."""

    def __call__(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class _Html(HTMLParser):
    """Telegram's HTML parse mode: a few tags, balanced; the visible text is what counts."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text: list[str] = []
        self.open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _TAGS:
            raise ValueError(f'Unsupported start tag "{tag}"')
        self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.open or self.open.pop() != tag:
            raise ValueError(f'Unmatched end tag "{tag}"')

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def visible(text_html: str) -> str:
    parser = _Html()
    parser.feed(text_html)
    parser.close()
    if parser.open:
        raise ValueError("Can't find end tag")
    return "".join(parser.text)


class ApiError(Exception):
    def __init__(
        self,
        code: int,
        description: str,
        retry_after: int | None = None,
        parameters: JSON | None = None,
    ) -> None:
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after
        self.parameters = parameters or {}

    @classmethod
    def shaped(cls, name: str, **parameters: Any) -> ApiError:
        """The error Telegram answers, from its fixture (fixtures/error_NAME.json)."""
        body = fixture(f"error_{name}")
        given = {**body.get("parameters", {}), **parameters}
        return cls(body["error_code"], body["description"], parameters=given)


@dataclass
class Call:
    method: str
    params: JSON
    at: float = field(default_factory=time.perf_counter)
    ok: bool = True  # False: answered with an error


@dataclass
class Failure:
    """Answer a matching call with an error instead (count times)."""

    method: str
    kind: str  # "retry_after" | "forbidden"
    chat_id: int | None = None
    count: int = 1
    retry_after: int = 1


class FakeTelegram:
    """The server; `api_url` goes into TELEGRAM_API_URL."""

    def __init__(self, token: str = TOKEN, username: str = USERNAME) -> None:
        self.token, self.me = token, {**fixture("get_me"), "username": username}
        self.calls: list[Call] = []
        self.chats: dict[int, list[JSON]] = {}  # chat id -> messages as they look now
        self.admins: dict[int, list[JSON]] = {}
        self.members: dict[int, dict[int, JSON]] = {}  # chat -> user -> getChatMember's answer
        self.blocked: set[int] = set()
        self.deactivated: set[int] = set()  # deleted accounts
        self.kicked_from: set[int] = set()  # groups the bot was removed from
        self.migrated: dict[int, int] = {}  # group -> the supergroup it became
        self.failures: list[Failure] = []
        self.updates: list[JSON] = []
        self.confirmed = 0  # the highest getUpdates offset seen: updates below are taken
        self.webhook: JSON | None = None
        self.closing = False
        self.down: str | None = None  # "5xx" or "timeout" while Telegram is having trouble
        self._back = asyncio.Event()
        self.listeners: list[Callable[[Call], None]] = []  # told of every successful call
        self._ids = itertools.count(100)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bot"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        app.router.add_route("*", "/file/bot{token}/{path:.*}", self._file)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = int(self._runner.addresses[0][1])

    async def stop(self) -> None:
        self.closing = True
        await self._notify()
        if self._runner is not None:
            await self._runner.cleanup()

    # what tests arrange ---------------------------------------------------------------
    def enqueue(self, update: JSON) -> None:
        self.updates.append(update)
        asyncio.get_running_loop().create_task(self._notify())

    def go_down(self, how: str = "5xx") -> None:
        """Until come_back(): every sending call answers 502 Bad Gateway ("5xx"), or gets no
        answer at all ("timeout"; what it asked for still happens, late)."""
        self.down = how
        self._back.clear()

    def come_back(self) -> None:
        self.down = None
        self._back.set()

    def fail(self, method: str, kind: str, chat_id: int | None = None, **kw: Any) -> Failure:
        failure = Failure(method, kind, chat_id, **kw)
        self.failures.append(failure)
        return failure

    async def wait_for(self, condition: Callable[[], bool], within: float = 10.0) -> None:
        """Wait (bounded) until condition holds; checked after every API call."""
        async with asyncio.timeout(within), self._changed:
            await self._changed.wait_for(condition)

    # what tests read ------------------------------------------------------------------
    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    def messages(self, chat_id: int) -> list[JSON]:
        return self.chats.get(chat_id, [])

    def last_message(self, chat_id: int) -> JSON:
        return self.messages(chat_id)[-1]

    def with_button(self, chat_id: int, label: str) -> tuple[JSON, str]:
        """The latest message in the chat with a button labelled label, and its data."""
        for message in reversed(self.messages(chat_id)):
            for button in buttons(message):
                if button["text"] == label and "callback_data" in button:
                    return message, button["callback_data"]
        raise AssertionError(f"no button {label!r} in chat {chat_id}")

    # the API --------------------------------------------------------------------------
    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    async def _handle(self, request: web.Request) -> web.Response:
        if request.match_info["token"] != self.token:
            return _error(ApiError(401, "Unauthorized"))
        method = request.match_info["method"]
        params = await _params(request)
        call = Call(method, params)
        self.calls.append(call)
        if self.down and method in _SENDING | {"sendDocument", "answerCallbackQuery"}:
            if self.down == "5xx":
                call.ok = False
                await self._notify()
                return web.Response(status=502, text="Bad Gateway")
            await self._back.wait()  # the caller gives up first; the work happens late
        try:
            if method == "getUpdates":
                result: Any = await self._get_updates(params)
            else:
                self._fail_on_demand(method, params)
                result = getattr(self, f"_{method}", self._unknown)(params)
        except ApiError as error:
            call.ok = False
            return _error(error)
        finally:
            await self._notify()
        for listener in self.listeners:
            listener(call)
        return web.json_response({"ok": True, "result": result})

    async def _file(self, _request: web.Request) -> web.Response:
        return web.Response(status=404)

    def _fail_on_demand(self, method: str, params: JSON) -> None:
        chat = params.get("chat_id")
        if method in _SENDING and chat in self.migrated:
            raise ApiError.shaped("group_upgraded", migrate_to_chat_id=self.migrated[chat])
        if method in _SENDING and chat in self.blocked:
            raise ApiError.shaped("blocked")
        if method in _SENDING and chat in self.deactivated:
            raise ApiError.shaped("user_deactivated")
        if method in _SENDING and chat in self.kicked_from:
            raise ApiError.shaped("kicked")
        for failure in self.failures:
            wanted = failure.chat_id is None or failure.chat_id == chat
            if failure.count > 0 and failure.method == method and wanted:
                failure.count -= 1
                if failure.kind == "forbidden":
                    raise ApiError.shaped("blocked")
                text = f"Too Many Requests: retry after {failure.retry_after}"
                raise ApiError(429, text, failure.retry_after)

    def _unknown(self, _params: JSON) -> Any:
        raise ApiError(404, "Not Found")

    async def _get_updates(self, params: JSON) -> list[JSON]:
        offset = int(params.get("offset") or 0)
        self.confirmed = max(self.confirmed, offset)
        await self._notify()
        deadline = time.monotonic() + float(params.get("timeout") or 0)

        def pending() -> list[JSON]:
            # Telegram forgets an update once a later getUpdates confirms it: a poller that
            # starts afresh (no offset) gets only what was never confirmed.
            since = max(offset, self.confirmed)
            return [u for u in self.updates if u["update_id"] >= since][:100]

        while not pending() and time.monotonic() < deadline and not self.closing:
            async with self._changed:
                remaining = deadline - time.monotonic()
                try:
                    await asyncio.wait_for(self._changed.wait(), max(remaining, 0.001))
                except TimeoutError:
                    break
        return pending()

    def _getMe(self, _params: JSON) -> JSON:
        return self.me

    def _setMyCommands(self, params: JSON) -> bool:
        return True

    def _setWebhook(self, params: JSON) -> bool:
        self.webhook = params
        return True

    def _deleteWebhook(self, _params: JSON) -> bool:
        self.webhook = None
        return True

    def _getChatAdministrators(self, params: JSON) -> list[JSON]:
        return self.admins.get(params["chat_id"], [])

    def _getChatMember(self, params: JSON) -> JSON:
        chat, user_id = params["chat_id"], params["user_id"]
        if not isinstance(user_id, int) or user_id <= 0:
            raise ApiError.shaped("participant_id_invalid")
        known = self.members.get(chat, {})
        admins = {m["user"]["id"]: m for m in self.admins.get(chat, [])}
        if user_id in admins:
            return admins[user_id]
        if user_id not in known:
            raise ApiError.shaped("user_not_found")
        return known[user_id]

    def _answerCallbackQuery(self, params: JSON) -> bool:
        if len(str(params.get("text") or "")) > 200:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        return True

    def _sendMessage(self, params: JSON) -> JSON:
        text = _checked(params, "text", 4096)
        return self._new(params, {"text": text, "html": params["text"]})

    def _sendPhoto(self, params: JSON) -> JSON:
        caption = _checked(params, "caption", 1024) if params.get("caption") else ""
        photo = params.get("photo")
        if isinstance(photo, str) and photo.startswith("attach://"):
            photo = params.get(photo.removeprefix("attach://"))
        if not isinstance(photo, bytes) or not photo:
            raise ApiError(400, "Bad Request: there is no photo in the request")
        size = {"file_id": f"AgAC{len(photo)}", "file_unique_id": "AQAD", "width": 1080,
                "height": 1350, "file_size": len(photo)}  # fmt: skip
        content = {"photo": [size], "caption": caption, "html": params.get("caption", "")}
        return self._new(params, content)

    def _sendDocument(self, params: JSON) -> JSON:
        """A file as a document; the message keeps its bytes (as `content`) for tests to read."""
        caption = _checked(params, "caption", 1024) if params.get("caption") else ""
        document = params.get("document")
        field = "document"
        if isinstance(document, str) and document.startswith("attach://"):
            field = document.removeprefix("attach://")
            document = params.get(field)
        if not isinstance(document, bytes) or not document:
            raise ApiError(400, "Bad Request: there is no document in the request")
        if len(document) > DOCUMENT_LIMIT:
            raise ApiError(413, "Request Entity Too Large")
        upload = params.get(f"{field}:upload", {})
        described = {"file_id": f"BQAC{len(document)}", "file_unique_id": "AgAD",
                     "file_name": upload.get("filename", "document"),
                     "mime_type": upload.get("content_type", "application/octet-stream"),
                     "file_size": len(document)}  # fmt: skip
        content = {"document": described, "caption": caption, "html": params.get("caption", "")}
        message = self._new(params, content | {"content": document})
        return {key: value for key, value in message.items() if key != "content"}

    def _editMessageText(self, params: JSON) -> JSON:
        message = self._find(params)
        text = _checked(params, "text", 4096)
        markup = _markup(params)
        if message.get("text") == text and message.get("reply_markup") == markup:
            raise ApiError(400, "Bad Request: message is not modified: specified new message "
                           "content and reply markup are exactly the same")  # fmt: skip
        message.update(text=text, html=params["text"], edited=message.get("edited", 0) + 1)
        _set_markup(message, markup)
        return message

    def _editMessageReplyMarkup(self, params: JSON) -> JSON:
        message = self._find(params)
        _set_markup(message, _markup(params))
        return message

    def _find(self, params: JSON) -> JSON:
        for message in self.messages(params["chat_id"]):
            if message["message_id"] == params["message_id"]:
                return message
        raise ApiError(400, "Bad Request: message to edit not found")

    def _new(self, params: JSON, content: JSON) -> JSON:
        chat_id = params["chat_id"]
        chat = {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}
        if chat_id < 0:
            chat = {"id": chat_id, "type": "supergroup", "title": f"Group {chat_id}"}
        message = {"message_id": next(self._ids), "from": {k: self.me[k] for k in
                   ("id", "is_bot", "first_name", "username")}, "chat": chat,
                   "date": int(time.time()), **content}  # fmt: skip
        _set_markup(message, _markup(params))
        self.chats.setdefault(chat_id, []).append(message)
        return message


def buttons(message: JSON) -> Iterator[JSON]:
    for row in message.get("reply_markup", {}).get("inline_keyboard", []):
        yield from row


def _checked(params: JSON, name: str, limit: int) -> str:
    raw = str(params.get(name) or "")
    try:
        text = visible(raw) if params.get("parse_mode") == "HTML" else raw
    except ValueError as problem:
        raise ApiError(400, f"Bad Request: can't parse entities: {problem}") from None
    if not text.strip() and name == "text":
        raise ApiError(400, "Bad Request: message text is empty")
    if len(text.encode("utf-16-le")) // 2 > limit:
        raise ApiError(
            400, f"Bad Request: message {'caption ' if name == 'caption' else ''}is too long"
        )
    return text


def _markup(params: JSON) -> JSON | None:
    markup: JSON | None = params.get("reply_markup")
    if markup is None:
        return None
    if "force_reply" in markup:  # the reply box: its placeholder is 1-64 characters
        if markup["force_reply"] is not True:
            raise ApiError(400, "Bad Request: force_reply must be true")
        if len(markup.get("input_field_placeholder", "x")) not in range(1, 65):
            raise ApiError(400, "Bad Request: input field placeholder is too long")
        return markup
    count = 0
    for row in markup["inline_keyboard"]:
        if len(row) > 8:
            raise ApiError(400, "Bad Request: too many buttons in a row")
        for button in row:
            count += 1
            if len(button.get("callback_data", "x").encode()) not in range(1, 65):
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")
    if count > 100:
        raise ApiError(400, "Bad Request: reply markup is too long")
    return markup


def _set_markup(message: JSON, markup: JSON | None) -> None:
    if markup and "force_reply" in markup:
        # Telegram returns a message's inline keyboard only: the reply box is the client's.
        # Kept aside (as "asked_with") for tests to see, never in what the API returns.
        message.pop("reply_markup", None)
        message["asked_with"] = markup
        return
    if markup:
        message["reply_markup"] = markup
    else:
        message.pop("reply_markup", None)


def _error(error: ApiError) -> web.Response:
    body: JSON = {"ok": False, "error_code": error.code, "description": error.description}
    parameters = dict(error.parameters)
    if error.retry_after is not None:
        parameters["retry_after"] = error.retry_after
    if parameters:
        body["parameters"] = parameters
    return web.json_response(body, status=error.code)


async def _params(request: web.Request) -> JSON:
    """PTB posts form fields, JSON-encoding everything but plain strings; files as parts (their
    bytes under the part's name, its file name and media type under "<name>:upload")."""
    if request.method != "POST":
        return dict(request.query)
    params: JSON = {}
    for name, value in (await request.post()).items():
        if isinstance(value, web.FileField):
            params[name] = value.file.read()
            params[f"{name}:upload"] = {
                "filename": value.filename,
                "content_type": value.content_type,
            }
        elif name in _RAW_FIELDS:
            params[name] = value
        else:
            try:
                params[name] = json.loads(value)
            except ValueError:
                params[name] = value
    return params


def user(user_id: int, first_name: str, last_name: str = "") -> JSON:
    """A Telegram user as updates carry it."""
    person: JSON = {"id": user_id, "is_bot": False, "first_name": first_name}
    if last_name:
        person["last_name"] = last_name
    person["language_code"] = "en"
    return person


def chat_member(person: JSON, status: str = "member") -> JSON:
    """A chat member as getChatMember answers (status member, left or kicked)."""
    member: JSON = copy.deepcopy(fixture(f"chat_member_{status}"))
    member["user"] = person
    return member


def admin(person: JSON, owner: bool = False) -> JSON:
    """A chat member as getChatAdministrators lists them."""
    owner_shape, admin_shape = fixture("chat_administrators")
    member: JSON = copy.deepcopy(owner_shape if owner else admin_shape)
    member["user"] = person
    return member


class Updates:
    """Updates in real shapes, with increasing update_ids."""

    def __init__(self, start: int = 483920117) -> None:
        self._ids = itertools.count(start)
        self._messages = itertools.count(1)

    def group(self, chat_id: int, sender: JSON, text: str, title: str | None = None) -> JSON:
        update = fixture("group_command")
        update["message"]["chat"]["id"] = chat_id
        if title is not None:
            update["message"]["chat"]["title"] = title
        return self._message(update, sender, text)

    def private(self, sender: JSON, text: str) -> JSON:
        update = fixture("private_start" if text.startswith("/start") else "private_text")
        chat = {"id": sender["id"], "first_name": sender["first_name"], "type": "private"}
        update["message"]["chat"] = chat
        return self._message(update, sender, text)

    def migration(self, old_chat: int, new_chat: int, sender: JSON) -> tuple[JSON, JSON]:
        """The two messages Telegram sends when a group becomes a supergroup: the last in the
        old group (migrate_to_chat_id) and the first in the new (migrate_from_chat_id)."""
        last, first = fixture("migrate_to_chat_id"), fixture("migrate_from_chat_id")
        last["message"]["from"] = sender
        last["message"]["chat"]["id"] = old_chat
        last["message"]["migrate_to_chat_id"] = new_chat
        for chat in (first["message"]["chat"], first["message"]["sender_chat"]):
            chat["id"] = new_chat
        first["message"]["migrate_from_chat_id"] = old_chat
        for update in (last, first):
            update["message"]["message_id"] = next(self._messages)
            update["update_id"] = next(self._ids)
        return last, first

    def callback(self, sender: JSON, message: JSON, data: str) -> JSON:
        update: JSON = fixture("callback_query")
        query = update["callback_query"]
        query.update({"id": f"cq{next(self._ids)}", "from": sender, "data": data})
        query["message"] = {k: v for k, v in message.items() if k not in ("html", "edited")}
        update["update_id"] = next(self._ids)
        return update

    def _message(self, update: JSON, sender: JSON, text: str) -> JSON:
        message = update["message"]
        message.update({"from": sender, "text": text, "message_id": next(self._messages)})
        message.pop("entities", None)
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"offset": 0, "length": length, "type": "bot_command"}]
        update["update_id"] = next(self._ids)
        return update


# The bot, as the one assembly builds it, around the fake -----------------------------------
WEBHOOK_SECRET = "test-secret_0123456789"
ROOT = Path(__file__).resolve().parents[2]


@dataclass
class RunningBot:
    """The whole bot on a real database, talking to the fake; deliver() waits until an update
    has been handled and every reply sent."""

    fake: FakeTelegram
    adapter: TelegramAdapter
    web: WebServer
    storage: Storage
    updates: Updates
    webhook: bool
    drain: Callable[[], Awaitable[int]]  # send what the outbox owes now

    async def deliver(self, update: JSON, within: float = 20.0) -> None:
        """Hand Telegram's update to the bot; return once it is stored and its replies sent."""
        if self.webhook:
            assert await self.post(update) == 200
        else:
            self.fake.enqueue(update)
            await self.fake.wait_for(lambda: self.fake.confirmed > update["update_id"])
        await asyncio.wait_for(self.adapter.idle(), within)
        await asyncio.wait_for(self.drain(), within)

    async def post(self, update: JSON, secret: str | None = WEBHOOK_SECRET) -> int:
        """POST the update to the bot's webhook as Telegram would; the HTTP status."""
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
        url = f"http://127.0.0.1:{self.web.port}/telegram/webhook"
        async with (
            aiohttp.ClientSession() as session,
            session.post(url, json=update, headers=headers) as response,
        ):
            return response.status

    async def healthz(self) -> int:
        url = f"http://127.0.0.1:{self.web.port}/healthz"
        async with aiohttp.ClientSession() as session, session.get(url) as response:
            return response.status

    async def say(self, sender: JSON, text: str, group: int | None = None) -> None:
        """sender types text in the group, or in their private chat with the bot."""
        if group is None:
            await self.deliver(self.updates.private(sender, text))
        else:
            await self.deliver(self.updates.group(group, sender, text))

    async def press(self, sender: JSON, label: str) -> JSON:
        """sender presses the latest button labelled label in their private chat."""
        message, data = self.fake.with_button(sender["id"], label)
        update = self.updates.callback(sender, message, data)
        await self.deliver(update)
        return update


AdapterFactory = Callable[[AdapterContext], PlatformAdapter]


@asynccontextmanager
async def running_bot(
    fake: FakeTelegram,
    database_url: str,
    *,
    webhook: bool = False,
    admins: frozenset[str] = frozenset(),
    clock: FakeTime | RealTime | None = None,
    limits: RateLimits | None = None,
    updates: Updates | None = None,
    also: AdapterFactory | Sequence[AdapterFactory] | None = None,
    bot_clock: Clock | None = None,
    call_timeout: float = 10.0,
) -> AsyncIterator[RunningBot]:
    """The bot as serve() assembles it, with Telegram (and `also` another platform's adapter),
    the rate limiter on a clock the test controls (and the bot's own clock, for the outbox's
    retries, if given), and no scheduler (tests wake it themselves)."""
    clock = clock or FakeTime()
    telegram = TelegramSettings(
        TOKEN,
        fake.api_url,
        "https://bot.example.org/telegram/webhook" if webhook else "",
        WEBHOOK_SECRET if webhook else "",
        timeout=call_timeout,
    )
    settings = Settings(
        database_url, ROOT / "rubric.toml", admins, "127.0.0.1", 0, platforms=(telegram,)
    )

    def adapters(context: AdapterContext) -> list[PlatformAdapter]:
        adapter = TelegramAdapter(
            telegram,
            context.dispatch,
            context.http,
            limits=limits,
            clock=clock,
            sleep=clock.sleep,
            chat_moved=context.chat_moved,
        )
        more = also if isinstance(also, Sequence) else [also] if also else []
        return [adapter, *(make(context) for make in more)]

    parts = Parts(scheduler=False)
    async with assembled(settings, parts=parts, adapters=adapters, clock=bot_clock) as bot:
        adapter = bot.adapters[0]
        assert isinstance(adapter, TelegramAdapter)
        yield RunningBot(
            fake, adapter, bot.http, bot.storage, updates or Updates(), webhook, bot.drain
        )
