"""The Telegram adapter: updates in, the core's events out; translation only.

Built on python-telegram-bot's Bot alone: no Application, conversation state, persistence or
job queue (the core owns state and time). Long polling by default; with TELEGRAM_WEBHOOK_URL
the bot's web server takes `POST /telegram/webhook`, checking Telegram's secret token header.

Nothing is acknowledged before it is stored. Polling asks for the next updates (which confirms
the previous ones to Telegram) only once every update of the batch has been stored; a webhook
request is answered 200 only then, and anything else makes Telegram send it again. A pressed
button's spinner is answered once the press is stored. update_ids are the delivery ids the
core de-duplicates, so an update delivered twice is handled once.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta

from aiohttp import web
from telegram import Bot, BotCommand, Update
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest, InvalidToken, TelegramError
from telegram.request import HTTPXRequest

from adapters.delivery import Sender
from adapters.http import WebServer
from adapters.platform import NOT_FOLLOWED, ChatMoved
from adapters.telegram import updates as translate
from adapters.telegram.limits import RateLimiter, RateLimits, Sleep
from adapters.telegram.sender import TelegramSender
from adapters.telegram.settings import TelegramSettings
from bot.config import ConfigError
from bot.messages import Incoming
from bot.model import ChatRef, PersonRef
from bot.roster import Roster

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = [Update.MESSAGE, Update.CALLBACK_QUERY]
COMMANDS = [
    BotCommand("round", "Lead commands in a group: /round help"),
    BotCommand("start", "Start talking to me, or take part in your group's assessment"),
    BotCommand("help", "What this bot does and how to answer"),
]
REFUSED = "That button is not one of yours, so nothing was changed."
DRAIN_SECONDS = 10.0  # stop() lets updates being stored finish for this long
PARALLEL_UPDATES = 32  # updates in the core at once: a burst queues here, not in the database
RECENT_UPDATES = 10_000  # update ids remembered here (the database remembers them all)
CONNECTIONS = 64  # to the Bot API, for sending: chats are served side by side
POLL_RETRY = (1.0, 30.0)  # seconds between failed polls: first, longest
IN_CHAT = frozenset(
    {ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.MEMBER}
)


class TelegramDirectory:
    """Telegram bots cannot list a group's members: people join with "Take part" instead.
    One member can be looked up (getChatMember)."""

    def __init__(self, bot: Bot) -> None:
        self._bot = bot

    async def members(self, chat: ChatRef) -> Roster | None:
        return None  # bots cannot list a group: people enrol with the Take part link

    async def member(self, chat: ChatRef, user_id: str) -> PersonRef | None:
        """The user, if they are in the group now (not left or removed) and not a bot."""
        if chat.platform != translate.PLATFORM or not user_id.isdigit():
            return None  # user ids are positive numbers (negative ones are chats)
        try:
            found = await self._bot.get_chat_member(int(chat.chat_id), int(user_id))
        except BadRequest:  # "user not found", "PARTICIPANT_ID_INVALID"
            return None
        in_chat = found.status in IN_CHAT or (
            found.status == ChatMemberStatus.RESTRICTED and getattr(found, "is_member", False)
        )
        if not in_chat or found.user.is_bot:
            return None
        return translate.person(found.user)


class TelegramAdapter:
    """One bot account: polling or webhook in, rate-limited sending out."""

    platform = translate.PLATFORM

    def __init__(
        self,
        settings: TelegramSettings,
        dispatch: Callable[[Incoming], Awaitable[object]],
        web_server: WebServer,
        *,
        limits: RateLimits | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        poll_timeout: float = 10.0,
        chat_moved: ChatMoved = NOT_FOLLOWED,
    ) -> None:
        quiet_secret_logs()
        self._settings, self._dispatch = settings, dispatch
        self._poll_timeout = poll_timeout
        self._bot = Bot(
            settings.bot_token,
            base_url=settings.api_url,
            base_file_url=file_url(settings.api_url),
            # a fan-out may queue for a connection; it is never dropped for want of one
            request=HTTPXRequest(
                connection_pool_size=CONNECTIONS,
                pool_timeout=30.0,
                read_timeout=settings.timeout,
                write_timeout=settings.timeout,
                connect_timeout=settings.timeout,
            ),
            get_updates_request=HTTPXRequest(read_timeout=poll_timeout + 10.0),
        )
        self._chat_moved = chat_moved
        self._admins = translate.GroupAdmins(self._bot, clock)
        limiter = RateLimiter(limits or RateLimits(), clock, sleep)
        rate_limited = web_server.metrics.rate_limited.labels(translate.PLATFORM).inc
        self.sender: Sender = TelegramSender(
            self._bot, limiter, self._username, rate_limited, chat_moved
        )
        self.directory = TelegramDirectory(self._bot)
        self._working = asyncio.Semaphore(PARALLEL_UPDATES)
        self._in_hand = 0  # updates being stored now
        self._all_stored = asyncio.Event()
        self._all_stored.set()
        self._polling: asyncio.Task[None] | None = None
        self._offset: int | None = None  # the first update not yet stored
        self._recent: OrderedDict[int, None] = OrderedDict()  # stored lately: a retry is skipped
        self._refusals = 0  # webhook bodies that were not updates
        self._ready = False
        self._accepting = False
        if settings.webhook_url:
            web_server.app.router.add_post(WEBHOOK_PATH, self._webhook)

    async def start(self) -> None:
        try:
            await self._bot.initialize()  # getMe: the bot's username, and a check of the token
        except InvalidToken:
            raise ConfigError("TELEGRAM_BOT_TOKEN: Telegram refused it") from None
        self._ready = True
        await self._bot.set_my_commands(COMMANDS)
        self._accepting = True
        if self._settings.webhook_url:
            await self._bot.set_webhook(
                self._settings.webhook_url,
                secret_token=self._settings.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
            )
        else:
            await self._bot.delete_webhook()  # getUpdates works only without one
            self._polling = asyncio.create_task(self._poll(), name="telegram-polling")
        log.info(
            "telegram: @%s, %s",
            self._username(),
            "webhook" if self._settings.webhook_url else "polling",
        )

    async def stop(self) -> None:
        """Stop taking updates, let those being stored finish (bounded), confirm them to
        Telegram, then disconnect."""
        self._accepting = False
        if self._polling is not None:
            self._polling.cancel()  # a poll waiting for updates; a batch in hand is shielded
            with contextlib.suppress(asyncio.CancelledError):
                await self._polling
            self._polling = None
        try:
            async with asyncio.timeout(DRAIN_SECONDS):
                await self.idle()
        except TimeoutError:
            log.warning("telegram: %d updates were still being stored at stop", self._in_hand)
        if self._offset is not None:
            with contextlib.suppress(TelegramError):  # else they come again: handled once
                await self._bot.get_updates(offset=self._offset, timeout=0)
        if self._ready:
            await self._bot.shutdown()
            self._ready = False

    async def ready(self) -> bool:
        """True once getMe has answered."""
        return self._ready

    async def idle(self) -> None:
        """Wait until every update taken in so far has been stored."""
        await self._all_stored.wait()

    def _username(self) -> str:
        return self._bot.username

    async def _poll(self) -> None:
        """Long polling: each batch is stored in full before the next getUpdates confirms it."""
        wait = POLL_RETRY[0]
        while self._accepting:
            try:
                batch = await self._bot.get_updates(
                    offset=self._offset,
                    timeout=timedelta(seconds=self._poll_timeout),
                    allowed_updates=ALLOWED_UPDATES,
                )
            except TelegramError as error:
                log.warning("telegram: getUpdates failed (%s)", type(error).__name__)
                await asyncio.sleep(wait)
                wait = min(wait * 2, POLL_RETRY[1])
                continue
            wait = POLL_RETRY[0]
            if batch:
                # Shielded: stopping now would otherwise leave half a batch stored.
                await asyncio.shield(self._take_all(batch))
                self._offset = batch[-1].update_id + 1

    async def _take_all(self, batch: Sequence[Update]) -> None:
        """Store every update: one chat's in order, chats side by side."""
        by_chat: dict[int, list[Update]] = {}
        for update in batch:
            chat = update.effective_chat.id if update.effective_chat else 0
            by_chat.setdefault(chat, []).append(update)

        async def in_order(updates: list[Update]) -> None:
            for update in updates:
                await self._take(update)

        await asyncio.gather(*(in_order(updates) for updates in by_chat.values()))

    async def _webhook(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._settings.webhook_secret.encode()):
            return web.Response(status=403)
        if not self._accepting:
            return web.Response(status=503)  # starting or stopping: Telegram retries later
        update = self._update(await request.read())  # over the size cap: 413, before this
        if update is None:
            self._refusals += 1
            if self._refusals == 1 or self._refusals % 100 == 0:  # one calm line, not a flood
                log.warning("telegram: %d webhook bodies were not updates", self._refusals)
            return web.Response(status=400)
        await self._take(update)
        return web.Response()  # only now: the update and its replies are stored

    def _update(self, body: bytes) -> Update | None:
        """The update in a webhook body; None for anything that is not one."""
        try:
            data = json.loads(body)
        except (ValueError, RecursionError):  # not JSON, not UTF-8, or nested beyond reason
            return None
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return None
        try:
            return Update.de_json(data, self._bot)
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError):
            return None

    async def _take(self, update: Update) -> None:
        """Translate one update and hand it to the core; returns once it is stored. An update
        stored lately (a webhook retry) is not handled, nor answered, again."""
        if update.update_id in self._recent:
            return
        self._in_hand += 1
        self._all_stored.clear()
        try:
            async with self._working:
                if update.callback_query is not None:
                    await self._callback(update)
                else:
                    await self._message(update)
            self._recent[update.update_id] = None
            if len(self._recent) > RECENT_UPDATES:
                self._recent.popitem(last=False)
        finally:
            self._in_hand -= 1
            if not self._in_hand:
                self._all_stored.set()

    async def _message(self, update: Update) -> None:
        """A text message: `/round ...` in a group, anything in a private chat; or the news
        that a group became a supergroup with a new id (its community follows it)."""
        message, user = update.message, update.effective_user
        moved = translate.moved_chat(message) if message is not None else None
        if moved is not None:
            await self._chat_moved(*moved)
            return
        if message is None or user is None or message.text is None or user.is_bot:
            return
        if message.chat.type == "private":
            await self._dispatch(translate.private_text(message, user, update.update_id))
            return
        text = translate.round_command(message.text, self._username())
        if text is not None:
            admin = await self._admins.is_admin(message.chat.id, user.id)
            await self._dispatch(translate.group_text(message, user, text, admin, update.update_id))

    async def _callback(self, update: Update) -> None:
        """A pressed button: stored first, then its spinner answered (the card's edit comes
        from the outbox)."""
        query = update.callback_query
        assert query is not None
        forged = translate.obviously_forged(query)
        if not forged:
            await self._dispatch(translate.choice(query, update.update_id))
        try:
            await query.answer(REFUSED if forged else None, show_alert=forged)
        except Exception as error:  # too late to answer is no reason to worry
            log.info("answerCallbackQuery failed: %s", type(error).__name__)


def quiet_secret_logs() -> None:
    """Request URLs carry the bot token, and PTB's debug lines carry message texts. Levels are
    only ever raised here (adapters/logs.py may have set them higher already)."""
    floors = {"httpx": logging.WARNING, "httpcore": logging.INFO, "telegram.Bot": logging.INFO}
    for name, floor in floors.items():
        logger = logging.getLogger(name)
        logger.setLevel(max(floor, logger.getEffectiveLevel()))


def file_url(api_url: str) -> str:
    """Bot API file downloads live beside the methods: .../bot -> .../file/bot."""
    base = api_url.removesuffix("/bot")
    return f"{base}/file/bot" if base != api_url else api_url
