"""The Telegram adapter: updates in, the core's events out; translation only.

Built on python-telegram-bot's Application without its conversation state, persistence or job
queue (the core owns state and time). Long polling by default; with TELEGRAM_WEBHOOK_URL the
bot's web server takes `POST /telegram/webhook`, checking Telegram's secret token header. The
PTB handlers only translate and start a tracked background task, so updates are taken in fast
(a webhook request is answered once that task exists); callback queries are answered first
thing in the task. update_ids are the delivery ids the core de-duplicates (across restarts
too); recent ones are also skipped here, so a webhook retry is not even answered twice.
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine
from datetime import timedelta
from typing import Any

from aiohttp import web
from telegram import Bot, BotCommand, Update
from telegram.constants import ChatMemberStatus
from telegram.error import BadRequest
from telegram.ext import (
    ApplicationBuilder,
    CallbackQueryHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from adapters.delivery import Sender
from adapters.http import WebServer
from adapters.platform import NOT_FOLLOWED, ChatMoved
from adapters.telegram import updates as translate
from adapters.telegram.limits import RateLimiter, RateLimits, Sleep
from adapters.telegram.sender import TelegramSender
from adapters.telegram.settings import TelegramSettings
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
DRAIN_SECONDS = 10.0  # stop() lets work in progress finish for this long
RECENT_UPDATES = 10_000  # update ids remembered in memory (the database remembers them all)
PARALLEL_UPDATES = 32
IN_CHAT = frozenset(
    {ChatMemberStatus.OWNER, ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.MEMBER}
)  # updates in the core at once: a burst queues here, not in the database


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
        dispatch: Callable[[Incoming], Awaitable[None]],
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
        builder = (
            ApplicationBuilder()
            .token(settings.bot_token)
            .base_url(settings.api_url)
            .base_file_url(file_url(settings.api_url))
            .job_queue(None)
            .pool_timeout(30.0)  # a fan-out may queue for the connection pool; never drop it
        )
        if settings.webhook_url:
            builder = builder.updater(None)
        self._app = builder.build()
        self._app.add_handler(
            MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT, self._on_message)
        )
        self._app.add_handler(CallbackQueryHandler(self._on_callback))
        self._app.add_handler(MessageHandler(filters.StatusUpdate.MIGRATE, self._on_migrate))
        self._chat_moved = chat_moved
        self._admins = translate.GroupAdmins(self._app.bot, clock)
        limiter = RateLimiter(limits or RateLimits(), clock, sleep)
        rate_limited = web_server.metrics.rate_limited.labels(translate.PLATFORM).inc
        self.sender: Sender = TelegramSender(
            self._app.bot, limiter, self._username, rate_limited, chat_moved
        )
        self.directory = TelegramDirectory(self._app.bot)
        self._tasks: set[asyncio.Task[None]] = set()
        self._working = asyncio.Semaphore(PARALLEL_UPDATES)
        self._recent: OrderedDict[int, None] = OrderedDict()
        self._ready = False
        self._accepting = False
        if settings.webhook_url:
            web_server.app.router.add_post(WEBHOOK_PATH, self._webhook)

    async def start(self) -> None:
        await self._app.initialize()  # getMe: the bot's username, and a check of the token
        self._ready = True
        await self._app.bot.set_my_commands(COMMANDS)
        await self._app.start()
        self._accepting = True
        if self._settings.webhook_url:
            await self._app.bot.set_webhook(
                self._settings.webhook_url,
                secret_token=self._settings.webhook_secret,
                allowed_updates=ALLOWED_UPDATES,
            )
        elif self._app.updater is not None:
            await self._app.updater.start_polling(
                timeout=timedelta(seconds=self._poll_timeout), allowed_updates=ALLOWED_UPDATES
            )
        log.info(
            "telegram: @%s, %s",
            self._username(),
            "webhook" if self._settings.webhook_url else "polling",
        )

    async def stop(self) -> None:
        """Stop taking updates, let the work in progress finish (bounded), then disconnect."""
        self._accepting = False
        if self._app.updater is not None and self._app.updater.running:
            await self._app.updater.stop()
        if self._app.running:
            await self._app.stop()  # handles what was already queued
        if self._tasks:
            _done, late = await asyncio.wait(set(self._tasks), timeout=DRAIN_SECONDS)
            for task in late:
                task.cancel()
            if late:
                log.warning("telegram: %d updates cut short at shutdown", len(late))
                await asyncio.wait(late)
        if self._ready:
            await self._app.shutdown()
            self._ready = False

    async def ready(self) -> bool:
        """True once getMe has answered."""
        return self._ready

    async def idle(self) -> None:
        """Wait until every update taken in so far has been handled and answered."""
        await self._app.update_queue.join()
        while self._tasks:
            await asyncio.wait(set(self._tasks))

    def _username(self) -> str:
        return self._app.bot.username

    async def _webhook(self, request: web.Request) -> web.Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self._settings.webhook_secret.encode()):
            return web.Response(status=403)
        if not self._accepting:
            return web.Response(status=503)  # starting or stopping: Telegram retries later
        try:
            update = Update.de_json(await request.json(), self._app.bot)
        except (ValueError, TypeError, KeyError, AttributeError):
            log.warning("telegram: the webhook got something that is not an update")
            return web.Response(status=400)
        # Straight to the handlers, not through PTB's queue: its single consumer falls behind
        # a burst of requests, and the handlers only start a task anyway.
        await self._app.process_update(update)
        return web.Response()

    def _first_time(self, update: Update) -> bool:
        """False for an update id seen lately (a webhook retry)."""
        if update.update_id in self._recent:
            return False
        self._recent[update.update_id] = None
        if len(self._recent) > RECENT_UPDATES:
            self._recent.popitem(last=False)
        return True

    async def _on_message(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """A text message: `/round ...` in a group, anything in a private chat."""
        message, user = update.message, update.effective_user
        if message is None or user is None or message.text is None or user.is_bot:
            return
        if message.chat.type == "private":
            if self._first_time(update):
                event = translate.private_text(message, user, update.update_id)
                self._spawn(self._handle(event))
            return
        text = translate.round_command(message.text, self._username())
        if text is not None and self._first_time(update):
            self._spawn(self._group_command(update, text))

    async def _on_migrate(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        """A group became a supergroup, with a new chat id: its community follows it."""
        moved = translate.moved_chat(update.message) if update.message else None
        if moved is not None and self._first_time(update):
            self._spawn(self._follow(*moved))

    async def _follow(self, old: ChatRef, new: ChatRef) -> None:
        await self._chat_moved(old, new)

    async def _handle(self, event: Incoming) -> None:
        async with self._working:
            await self._dispatch(event)

    async def _group_command(self, update: Update, text: str) -> None:
        message, user = update.message, update.effective_user
        assert message is not None and user is not None
        admin = await self._admins.is_admin(message.chat.id, user.id)
        await self._handle(translate.group_text(message, user, text, admin, update.update_id))

    async def _on_callback(self, update: Update, _context: ContextTypes.DEFAULT_TYPE) -> None:
        if update.callback_query is not None and self._first_time(update):
            self._spawn(self._callback(update))

    async def _callback(self, update: Update) -> None:
        """Answer first (the client shows a spinner until then), then let the core decide."""
        query = update.callback_query
        assert query is not None
        forged = translate.obviously_forged(query)
        try:
            await query.answer(REFUSED if forged else None, show_alert=forged)
        except Exception as error:  # too late to answer is no reason to drop the press
            log.info("answerCallbackQuery failed: %s", type(error).__name__)
        if not forged:
            await self._handle(translate.choice(query, update.update_id))

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._finished)

    def _finished(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("telegram: handling an update failed", exc_info=task.exception())


def quiet_secret_logs() -> None:
    """Request URLs carry the bot token, and PTB's debug lines carry message texts. Levels are
    only ever raised here (bot/logs.py may have set them higher already)."""
    floors = {"httpx": logging.WARNING, "httpcore": logging.INFO, "telegram.Bot": logging.INFO}
    floors["telegram.ext.ExtBot"] = logging.INFO
    for name, floor in floors.items():
        logger = logging.getLogger(name)
        logger.setLevel(max(floor, logger.getEffectiveLevel()))


def file_url(api_url: str) -> str:
    """Bot API file downloads live beside the methods: .../bot -> .../file/bot."""
    base = api_url.removesuffix("/bot")
    return f"{base}/file/bot" if base != api_url else api_url
