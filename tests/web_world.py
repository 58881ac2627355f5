"""A world for web tests: the bot from the one assembly with its real web adapter on a real
HTTP server (127.0.0.1), a real SMTP server (aiosmtpd, in the test's loop) that records the
emails, a clock the test moves, and a test chat platform where a lead types /round commands.
Nothing is sent until the test drains the outbox, so what happened when is the test's to say.
"""

from __future__ import annotations

import re
import socket
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from support import CHANNEL, ChannelMembers, FakeClock, Recorder, TestPlatform, person

from adapters.assembly import Assembly, Parts, assembled
from adapters.platform import AdapterContext, PlatformAdapter
from adapters.web.adapter import WebAdapter
from adapters.web.mailbox import Mailbox
from adapters.web.settings import SmtpSettings, WebSettings
from bot.access.limits import AccessLimits
from bot.commands.community import create_community
from bot.commands.requests import EmailEntry
from bot.config import Settings
from bot.messages import IncomingText, Outgoing
from storage import SqlStorage, open_storage

ROOT = Path(__file__).resolve().parent.parent
LEAD = "lee"
EMAIL_FROM = "Riverside self-assessment <assess@bot.test>"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Form:
    """One form of a page, as a browser would post it."""

    def __init__(self, action: str) -> None:
        self.action = action
        self.hidden: dict[str, str] = {}
        self.buttons: dict[str, tuple[str, str]] = {}  # label -> (name, value)
        self.radios: dict[str, str] = {}  # label text -> value
        self.fields: set[str] = set()  # textarea and input names

    def fill(
        self, label: str | None = None, level: str | None = None, **typed: str
    ) -> dict[str, str]:
        """The fields posted when `label` is pressed (or Continue with the radio whose label
        starts with `level` picked), with typed fields."""
        data = dict(self.hidden)
        if level is not None:
            data["level"] = next(v for k, v in self.radios.items() if k.startswith(level))
        if label is not None:
            name, value = self.buttons[label]
            if name:
                data[name] = value
        data.update(typed)
        return data


class Page(HTMLParser):
    """What a page shows: its title, text, and forms."""

    def __init__(self, status: int, text: str, headers: Mapping[str, str]) -> None:
        super().__init__()
        self.status, self.html, self.headers = status, text, headers
        self.title = ""
        self.forms: list[Form] = []
        self._labels: dict[str, str] = {}  # input id -> label text
        self._radio_ids: dict[str, tuple[Form, str]] = {}  # input id -> (its form, value)
        self._words: list[str] = []
        self._in: list[str] = []
        self._button: tuple[str, str] | None = None
        self._button_text: list[str] = []
        self._label_for: str | None = None
        self._label_text: list[str] = []
        self.feed(text)
        for input_id, (form, value) in self._radio_ids.items():
            form.radios[self._labels.get(input_id, input_id)] = value

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self._in.append(tag)
        if tag == "form":
            self.forms.append(Form(a.get("action", "")))
        elif tag == "input" and self.forms:
            if a.get("type") == "hidden":
                self.forms[-1].hidden[a["name"]] = a.get("value", "")
            elif a.get("type") == "radio":
                self._radio_ids[a.get("id", "")] = (self.forms[-1], a.get("value", ""))
            else:
                self.forms[-1].fields.add(a.get("name", ""))
        elif tag == "textarea" and self.forms:
            self.forms[-1].fields.add(a.get("name", ""))
        elif tag == "button":
            self._button, self._button_text = (a.get("name", ""), a.get("value", "")), []
        elif tag == "label":
            self._label_for, self._label_text = a.get("for"), []

    def handle_endtag(self, tag: str) -> None:
        if self._in:
            self._in.pop()
        if tag == "button" and self._button is not None and self.forms:
            self.forms[-1].buttons[" ".join("".join(self._button_text).split())] = self._button
            self._button = None
        elif tag == "label" and self._label_for:
            self._labels[self._label_for] = " ".join("".join(self._label_text).split())
            self._label_for = None

    def handle_data(self, data: str) -> None:
        if self._in and self._in[-1] == "title":
            self.title += data
        if self._in and self._in[-1] not in ("style", "script", "title"):
            self._words.append(data)
        if self._button is not None:
            self._button_text.append(data)
        if self._label_for is not None:
            self._label_text.append(data)

    @property
    def text(self) -> str:
        return " ".join(" ".join(self._words).split())

    def form(self, with_button: str | None = None) -> Form:
        """The form with that button (or with radios, or the only one)."""
        for form in self.forms:
            if with_button is None and form.radios:
                return form
            if with_button is not None and with_button in form.buttons:
                return form
        if with_button is None and len(self.forms) == 1:
            return self.forms[0]
        raise AssertionError(f"no form with {with_button!r} on: {self.text[:300]}")


def link_in(message: EmailMessage, kind: str = "/a/") -> str:
    """The path of the first link of that kind in an email's plain text."""
    body = message.get_body(("plain",))
    assert body is not None
    found = re.search(r"https?://[^\s]+" + re.escape(kind) + r"[^\s]+", body.get_content())
    assert found, f"no {kind} link in: {body.get_content()[:400]}"
    parts = urlsplit(found.group(0))
    return parts.path + (f"?{parts.query}" if parts.query else "")


def plain(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())


@dataclass
class WebWorld:
    """The bot with the web, a mail server and a lead's chat."""

    assembly: Assembly
    mailbox: Mailbox
    clock: FakeClock
    session: aiohttp.ClientSession
    base: str
    chat: Recorder
    directory: ChannelMembers
    settings: WebSettings
    sent: list[Outgoing] = field(default_factory=list)

    @property
    def web(self) -> WebAdapter:
        adapter = self.assembly.adapter("web")
        assert isinstance(adapter, WebAdapter)
        return adapter

    async def settle(self) -> None:
        """Let what is owed go out: the outbox (every email is in it)."""
        await self.assembly.drain()

    async def lead(self, text: str, name: str = LEAD) -> str:
        """A lead types in the community's chat; what the bot said back there."""
        before = len(self.chat.sent)
        await self.assembly.dispatch(IncomingText(person(name), CHANNEL, text))
        await self.settle()
        return "\n".join(m.text for m in self.chat.sent[before:])

    @property
    def browser(self) -> Browser:
        return Browser(self.session, self.base, self.settle)

    async def get(self, path: str) -> Page:
        return await self.browser.get(path)

    async def post(self, path: str, data: Mapping[str, str] | bytes | str, **kw: Any) -> Page:
        return await self.browser.post(path, data, **kw)

    async def submit(self, page: Page, label: str | None = None, **kw: str) -> Page:
        return await self.browser.submit(page, label, **kw)


@dataclass
class Browser:
    """Pages over real HTTP, as a browser without JavaScript uses them."""

    session: aiohttp.ClientSession
    base: str
    settle: Callable[[], Awaitable[object]]  # let what a form caused go out

    async def get(self, path: str) -> Page:
        async with self.session.get(self.base + path, allow_redirects=False) as response:
            return Page(response.status, await response.text(), response.headers)

    async def post(self, path: str, data: Mapping[str, str] | bytes | str, **kw: Any) -> Page:
        async with self.session.post(
            self.base + path, data=data, allow_redirects=False, **kw
        ) as response:
            return Page(response.status, await response.text(), response.headers)

    async def submit(self, page: Page, label: str | None = None, **kw: str) -> Page:
        """Press a button on the page (or Continue with a level), follow the redirect, and let
        what that owes go out; the next page."""
        form = page.form(label if label not in (None, "Continue") else None)
        posted = await self.post(form.action, form.fill(label, **kw))
        assert posted.status == 303, (posted.status, posted.text[:300])
        await self.settle()
        return await self.follow(posted.headers["Location"])

    async def follow(self, path: str) -> Page:
        """The page at path, after the redirects it leads through."""
        page = await self.get(path)
        for _ in range(5):
            if page.status not in (302, 303):
                break
            page = await self.get(page.headers["Location"])
        return page

    async def answer_round(self, path: str, level: str = "3") -> Page:
        """From where the page is (the invitation, or a card): start if need be, answer every
        card left with `level`, submit."""
        page = await self.get(path)
        if any("Start" in form.buttons for form in page.forms):
            page = await self.submit(page, "Start")
        while "Question" in page.text and page.form().radios:
            page = await self.submit(page, "Continue", level=f"Level {level}")
        return await self.submit(page, "Submit")


def smtp_settings(mailbox: Mailbox, public_url: str, seconds: float = 5.0) -> WebSettings:
    smtp = SmtpSettings("127.0.0.1", mailbox.port, implicit_tls=False)
    return WebSettings(public_url, smtp, EMAIL_FROM, smtp_timeout=seconds)


@asynccontextmanager
async def web_world(
    database_url: str,
    *,
    mailbox_up: bool = True,
    smtp_timeout: float = 5.0,
    limits: AccessLimits | None = None,
    chat: bool = True,
    public_url: str | None = None,
) -> AsyncIterator[WebWorld]:
    """The bot with a lead (lee) in a test channel, the web on a free port, and a mail server
    (started, unless mailbox_up is False: then it is down until the test starts it). Without
    `chat`, the web and email alone: no chat platform at all."""
    mailbox = Mailbox()
    await mailbox.start()
    if not mailbox_up:
        await mailbox.stop()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web = smtp_settings(mailbox, public_url or base, smtp_timeout)
    settings = Settings(
        database_url, ROOT / "rubric.toml", host="127.0.0.1", port=port, platforms=(web,)
    )
    clock, directory, recorder = FakeClock(), ChannelMembers(), Recorder()
    directory.chats[CHANNEL.chat] = [person(LEAD)]

    def adapters(context: AdapterContext) -> list[PlatformAdapter]:
        found: list[PlatformAdapter] = [WebAdapter(web, context)]
        if chat:
            found.insert(0, TestPlatform("test", directory, recorder))
        return found

    storage: SqlStorage = await open_storage(database_url)
    parts = Parts(http=True, platforms=False, scheduler=False)  # the test drains the outbox
    try:
        async with (
            assembled(
                settings,
                parts=parts,
                clock=clock,
                storage=storage,
                adapters=adapters,
                limits=limits,
            ) as bot,
            aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session,
        ):
            yield WebWorld(bot, mailbox, clock, session, base, recorder, directory, web)
    finally:
        await mailbox.stop()


async def community_with(world: WebWorld, *addresses: str) -> str:
    """Riverside, with these people added by email; the lead's reply."""
    await world.lead("/round setup Riverside")
    return await world.lead("/round people add " + ", ".join(addresses))


async def answer_round(world: WebWorld, path: str, level: str = "3") -> Page:
    """From where the page is: start if need be, answer every card left, submit."""
    return await world.browser.answer_round(path, level)


# the partnership board

BOARD_PEOPLE = tuple(f"{name}@example.org" for name in ("ana", "ben", "cy", "dee", "eli"))
SECRET = "Our director undermines the budget talks"  # a comment: never on the board
_BOARD_LINK = re.compile(r"https?://\S+(/board/[A-Za-z0-9_-]{43})")


def board_path(reply: str) -> str:
    found = _BOARD_LINK.search(reply)
    assert found, f"no board link in: {reply}"
    return found.group(1)


async def answer_commenting(world: WebWorld, address: str, level: str, comment: str) -> None:
    """Answer every card at `level` in the browser, a comment on the first, then pick
    Finance as a priority."""
    page = await world.submit(await world.get(link_in(world.mailbox.to(address)[-1])), "Start")
    typed = {"comment": comment}
    while "Question" in page.text and page.form().radios:
        page = await world.submit(page, "Continue", level=f"Level {level}", **typed)
        typed = {}
    page = await world.submit(page, "Submit")
    await world.submit(page, "Continue", **{"priority-finance": "finance"})


async def two_rounds(world: WebWorld, people: tuple[str, ...] = BOARD_PEOPLE) -> None:
    """Riverside with two closed rounds (everyone commenting), an action and a schedule."""
    await community_with(world, *people)
    for number, level in enumerate(("2", "3"), start=1):
        await world.lead(f"/round open Round {number}")
        for address in people:
            await answer_commenting(world, address, level, f"{SECRET} ({address}, round {number})")
        await world.lead("/round close")
        if number == 1:
            await world.lead("/round action add finance Pool the budgets owner Sam Okafor")
            await world.lead("/round action add vision Write the vision down")
            await world.lead("/round action done 2")
    await world.lead("/round schedule every 3 months on monday at 09:00 UTC")


# leads on the web


@asynccontextmanager
async def another_browser(world: WebWorld) -> AsyncIterator[Browser]:
    """A browser of its own (its own cookies)."""
    jar = aiohttp.CookieJar(unsafe=True)  # cookies from 127.0.0.1, as a browser keeps them
    async with aiohttp.ClientSession(cookie_jar=jar) as session:
        yield Browser(session, world.base, world.settle)


async def email_community(world: WebWorld, name: str, *leads: str) -> int:
    """A community in no chat, led by these addresses (`maturity-bot community create`); its
    id. Each lead is owed a sign-in email."""
    async with world.assembly.storage.transaction() as repo:
        entries = [EmailEntry(address) for address in leads]
        made = await create_community(repo, name, entries, "web", world.clock.now())
    await world.settle()
    return made.id


def sign_in_link(world: WebWorld, address: str) -> str:
    """The path of the latest sign-in link emailed to address."""
    return link_in(world.mailbox.to(address)[-1], "/lead/sign-in/")


async def sign_in(world: WebWorld, browser: Browser, address: str) -> Page:
    """Ask for a sign-in link on the sign-in page, open it from the email and sign in: the
    page that follows."""
    page = await browser.get("/lead/sign-in")
    sent = await browser.submit(page, "Email me a sign-in link", email=address)
    assert "Check your email" in sent.text, sent.text[:300]
    confirm = await browser.get(sign_in_link(world, address))
    return await browser.submit(confirm, "Sign in")
