"""The web adapter: personal pages, the join page and unsubscribing, on the bot's one HTTP
server; translation only. A page shows the person's current card as the core would send it
(read from the database); a form post of a choice becomes an IncomingChoice for the core, and
once that is stored the browser is redirected to the page again (Post/Redirect/Get).

Routes (the token in a path is a personal link's, never logged):
  GET  /join/{code}        the community's join page: enter an email address
  POST /join/{code}        a confirmation link is emailed (double opt-in)
  GET  /j/{token}, POST    confirm: enrolled, and on to the personal page
  GET  /a/{token}, POST    the personal page: the current card; a choice
  POST /a/{token}/renew    "Email me a new link" on an expired page
  GET  /u/{token}, POST    stop emails (also RFC 8058 one-click)
  GET  /board/{token}      the partnership board (read-only), and its charts:
  GET  /board/{token}/chart.png, /board/{token}/trend.png

Every form carries a nonce, the delivery id of what it submits (a replayed or doubled form is
recorded once), and a CSRF token derived from the link's secret and the nonce. Bodies are
capped (413); bad input gets a 4xx page and one calm log line; the join page is rate-limited
per address and per IP.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import ipaddress
import logging
import re
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from email.message import EmailMessage
from typing import TypeVar
from urllib.parse import parse_qsl, urlencode

from aiohttp import web

from adapters.platform import AdapterContext
from adapters.web import board, pages
from adapters.web.limits import Window
from adapters.web.links import (
    Access,
    Visit,
    holder,
    join_request,
    mint,
    mint_join_request,
    visit,
)
from adapters.web.mail import confirmation_email, link_email, personal_links
from adapters.web.sender import EmailSender
from adapters.web.settings import PLATFORM, WebSettings
from bot.app import Handled
from bot.board.access import board_community
from bot.board.view import BoardView, board_view
from bot.commands.people import check_address, new_person
from bot.conversation.cards import format_moment
from bot.messages import Address, IncomingChoice, IncomingJoin
from bot.model import ChatRef, PersonRef
from bot.privacy.data_rights import stop_emails
from bot.roster import Roster
from bot.summary import charts

log = logging.getLogger(__name__)
T = TypeVar("T")

MAX_BODY = 32 * 1024  # a form with a 2,000-character comment fits with room to spare
MAX_FIELDS = 12
PARALLEL_REQUESTS = 8  # in the database at once: a crowd queues here, not on its locks
NOTICES_KEPT = 10_000  # "what the bot said" shown once after a redirect
CHARTS_KEPT = 16  # board charts drawn, kept until their numbers change
DRAIN_SECONDS = 10.0
SERVICE = "Self-assessment"
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
_NONCE = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
_CSRF = re.compile(r"^[0-9a-f]{32}$")
NOT_VALID = "This link is not valid"
NOT_VALID_HTML = (
    "<p>Check that you opened the whole link from your email. If it still does not work, "
    "ask a lead of your group to add you again, or use your group's join page.</p>"
)
NO_EMAIL = "Joining by email is not available here yet: the bot cannot send email."


class BadRequest(Exception):
    """Input the pages never send (a forged or broken form): a 4xx page, one log line."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


def csrf_token(secret: str, nonce: str) -> str:
    """A form's CSRF token: only someone who holds the link's secret can make it."""
    return hmac.new(secret.encode(), f"csrf:{nonce}".encode(), hashlib.sha256).hexdigest()[:32]


def new_form(action: str, secret: str) -> pages.Form:
    nonce = secrets.token_urlsafe(18)
    return pages.Form(action, nonce, csrf_token(secret, nonce))


def client_ip(request: web.Request) -> str:
    """The client's address; behind a reverse proxy on this host, the one it forwards."""
    peer = request.remote or ""
    forwarded = request.headers.get("X-Forwarded-For", "")
    try:
        local = ipaddress.ip_address(peer).is_loopback
    except ValueError:
        local = False
    if local and forwarded:
        return forwarded.split(",")[-1].strip()[:64]
    return peer


def html_response(body: str, status: int = 200) -> web.Response:
    return web.Response(
        text=body, status=status, content_type="text/html", charset="utf-8", headers=HEADERS
    )


def see_other(location: str) -> web.Response:
    return web.Response(status=303, headers={**HEADERS, "Location": location})


class WebAdapter:
    """The web channel: pages in, emails out."""

    platform = PLATFORM

    def __init__(
        self,
        settings: WebSettings,
        context: AdapterContext,
        *,
        join_limits: tuple[Window, Window] | None = None,
    ) -> None:
        self._settings, self._context = settings, context
        self._clock = context.clock
        self.sender = EmailSender(settings, context.storage, context.clock)
        self.directory = WebDirectory()
        self._per_address, self._per_ip = join_limits or (Window(3, 3600.0), Window(30, 3600.0))
        self._per_person = Window(3, 3600.0)  # "email me a new link"
        self._notices: OrderedDict[str, tuple[str, ...]] = OrderedDict()
        self._emailing: set[asyncio.Task[None]] = set()
        self._working = asyncio.Semaphore(PARALLEL_REQUESTS)
        self._storing = asyncio.Lock()  # one choice stored at a time: writers do not wait on
        # each other's database locks (SQLite's busy wait sleeps far longer than a write takes)
        router = context.http.app.router
        router.add_get("/web/static/web.css", self._css)
        self._route("GET", "/join/{code}", self._join_page)
        self._route("POST", "/join/{code}", self._join)
        self._route("GET", "/join/{code}/sent", self._join_sent)
        self._route("GET", "/j/{token}", self._confirm_page)
        self._route("POST", "/j/{token}", self._confirm)
        self._route("GET", "/a/{token}", self._page)
        self._route("POST", "/a/{token}", self._choose)
        self._route("POST", "/a/{token}/renew", self._renew)
        self._route("GET", "/u/{token}", self._unsubscribe_page)
        self._route("POST", "/u/{token}", self._unsubscribe)
        self._route("GET", "/board/{token}", self._board)
        self._route("GET", "/board/{token}/{chart:chart|trend}.png", self._board_chart)
        self._charts: OrderedDict[object, bytes] = OrderedDict()

    def _route(
        self, method: str, path: str, handler: Callable[[web.Request], Awaitable[web.Response]]
    ) -> None:
        kind = path.split("/")[1]

        async def guarded(request: web.Request) -> web.Response:
            try:
                async with self._working:
                    return await handler(request)
            except BadRequest as problem:
                log.info("web: %s /%s answered %d: %s", method, kind, problem.status, problem)
                return self._problem(problem.status)

        self._context.http.app.router.add_route(method, path, guarded)

    async def start(self) -> None:
        """The routes are on the bot's HTTP server already."""

    async def stop(self) -> None:
        """Let emails being handed over finish (bounded)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(DRAIN_SECONDS):
                await self.idle()

    async def ready(self) -> bool:
        return True

    async def idle(self) -> None:
        """Wait for the emails this adapter sends itself (links, confirmations)."""
        while self._emailing:
            await asyncio.gather(*self._emailing, return_exceptions=True)

    # the pieces of every page

    async def _css(self, _request: web.Request) -> web.Response:
        return web.Response(
            body=pages.CSS,
            content_type="text/css",
            headers={"Cache-Control": "public, max-age=31536000, immutable"},
        )

    def _problem(self, status: int) -> web.Response:
        titles = {
            413: ("Your answer is too long", "<p>Please shorten it, go back and try again.</p>"),
            429: (
                "Too many requests",
                "<p>Please wait an hour and try again. Check your email first: your link may "
                "already be there.</p>",
            ),
        }
        title, text = titles.get(
            status,
            (
                "Sorry, that did not work",
                "<p>Nothing was changed. Go back, reload the page and try again.</p>",
            ),
        )
        return html_response(pages.message_page(title, SERVICE, text), status)

    def _not_valid(self) -> web.Response:
        return html_response(pages.message_page(NOT_VALID, SERVICE, NOT_VALID_HTML), status=404)

    @staticmethod
    async def _form(request: web.Request) -> dict[str, str]:
        """The posted form's fields; BadRequest for anything a page of ours never sends."""
        if request.content_length is not None and request.content_length > MAX_BODY:
            raise BadRequest(413, "body over the cap")
        body = await request.content.read(MAX_BODY + 1)
        if len(body) > MAX_BODY:
            raise BadRequest(413, "body over the cap")
        if request.content_type != "application/x-www-form-urlencoded":
            raise BadRequest(415, "not a form")
        try:
            fields = parse_qsl(
                body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS
            )
        except (UnicodeDecodeError, ValueError):
            raise BadRequest(400, "unreadable form") from None
        form = dict(fields)
        if len(form) != len(fields):
            raise BadRequest(400, "a field given twice")
        return form

    @staticmethod
    def _checked_nonce(form: dict[str, str], secret: str) -> str:
        nonce, csrf = form.get("nonce", ""), form.get("csrf", "")
        if not _NONCE.match(nonce) or not _CSRF.match(csrf):
            raise BadRequest(400, "no nonce or CSRF token")
        if not hmac.compare_digest(csrf, csrf_token(secret, nonce)):
            raise BadRequest(403, "CSRF token does not match")
        return nonce

    def _keep_notices(self, texts: Sequence[str]) -> str:
        key = secrets.token_urlsafe(9)
        self._notices[key] = tuple(texts)
        while len(self._notices) > NOTICES_KEPT:
            self._notices.popitem(last=False)
        return key

    def _email_later(self, email: EmailMessage, to: str) -> None:
        """Hand an email over in the background: the page does not wait for the mail server.
        These emails are not owed by the core (a link asked for again): one that fails is
        logged, and the person can ask again."""

        async def send() -> None:
            try:
                await self.sender.deliver(email, to)
            except Exception as error:
                log.warning("web: an email could not be handed over (%s)", type(error).__name__)

        task = asyncio.create_task(send())
        self._emailing.add(task)
        task.add_done_callback(self._emailing.discard)

    async def _visit(self, token: str) -> Visit | None:
        async with self._context.storage.transaction() as repo:
            return await visit(repo, token, self._clock.now())

    # the personal page

    async def _page(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        found = await self._visit(token)
        if found is None:
            return self._not_valid()
        said = self._notices.pop(request.query.get("n", ""), ())
        if found.access is Access.EXPIRED:
            return self._expired(found, token, said)
        return html_response(self._page_html(found, token, said, request.query))

    def _page_html(
        self,
        found: Visit,
        token: str,
        said: Sequence[str],
        query: Mapping[str, str],
        error: str | None = None,
    ) -> str:
        service = f"{found.community.name} self-assessment"
        footer = f'<p><a href="/u/{pages.esc(token)}">Stop emails from {pages.esc(service)}</a></p>'
        where = found.standing
        if where is None:
            return pages.layout(
                "No round open",
                service,
                pages.notices(said) + "<h1>No round is open for you right now</h1>"
                "<p>We will email you when the next one opens.</p>",
                footer,
            )
        round_ = where.round
        if where.prompt is None:
            closed = format_moment(round_.ended_at(), round_.timezone)
            return pages.layout(
                f"{round_.title}: closed",
                service,
                pages.notices(said) + f"<h1>This round closed on {pages.esc(closed)}</h1>"
                "<p>Thank you for taking part. Your answers can no longer be changed.</p>",
                footer,
            )
        form = new_form(f"/a/{token}", token)
        prompt = where.prompt
        body = pages.notices(said)
        choose, label = query.get("choose", ""), query.get("label", "")[:80]
        if choose and label and len(choose) <= 64:
            body += pages.confirm_choice(label, choose, new_form(f"/a/{token}", token))
        if any(c.detail for c in prompt.choices):
            body += pages.card_form(prompt, form, error)
            first = prompt.text.split("\n", 1)[0]
            title = f"{'Error: ' if error else ''}{first}: {round_.title}"
        else:
            body += pages.prompt_form(prompt, round_.title, form)
            title = round_.title
        return pages.layout(title, service, body, footer)

    def _expired(self, found: Visit, token: str, said: Sequence[str]) -> web.Response:
        service = f"{found.community.name} self-assessment"
        form = new_form(f"/a/{token}/renew", token)
        body = pages.notices(said) + pages.single_button(
            "<h1>This link has expired</h1><p>Links stop working a while after your last round "
            "closes. We can email you a new one.</p>",
            "Email me a new link",
            form,
        )
        return html_response(pages.layout("This link has expired", service, body), status=410)

    async def _choose(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        form = await self._form(request)
        async with self._context.storage.transaction() as repo:
            found = await holder(repo, token)
        if found is None:
            return self._not_valid()
        nonce = self._checked_nonce(form, token)
        choice = form.get("choice") or form.get("level") or ""
        if len(choice) > 64:
            raise BadRequest(400, "choice id too long")
        if not choice:  # Continue without a level: the GOV.UK error summary
            shown = await self._visit(token)
            if shown is None or shown.access is Access.EXPIRED:
                return see_other(f"/a/{token}")
            error = "Select a level, or choose Not sure"
            return html_response(self._page_html(shown, token, (), {}, error))
        comment = form.get("comment", "").strip() or None
        # An expired link's round has closed: the core refuses the choice, politely.
        _link, person = found
        who = PersonRef(PLATFORM, person.platform_user_id, person.display_name)
        event = IncomingChoice(
            who, Address.dm(who), choice, None, nonce, comment, shown_in_place=True
        )
        async with self._storing:
            handled = await self._context.dispatch(event)
        said = _notices_of(handled)
        location = f"/a/{token}"
        if said:
            location += "?" + urlencode({"n": self._keep_notices(said)})
        return see_other(location)

    async def _renew(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        form = await self._form(request)
        found = await self._visit(token)
        if found is None:
            return self._not_valid()
        self._checked_nonce(form, token)
        if not self._settings.email:
            said = [NO_EMAIL]
        elif not self._per_person.allow(found.token_hash):
            raise BadRequest(429, "new links asked for too often")
        else:
            async with self._context.storage.transaction() as repo:
                address = await repo.address_of(found.person.id)
                fresh = await mint(repo, found.person.id, found.community.id, self._clock.now())
            if address is not None:
                links = personal_links(self._settings, fresh)
                self._email_later(
                    link_email(self._settings, address, found.community.name, links), address
                )
            said = ["We have emailed you a new link. It may take a few minutes to arrive."]
        return see_other(f"/a/{token}?" + urlencode({"n": self._keep_notices(said)}))

    # joining

    async def _community(self, code: str) -> tuple[int, str, str] | None:
        if not re.fullmatch(r"[A-Za-z0-9_-]{8,64}", code):
            return None
        async with self._context.storage.transaction() as repo:
            community = await repo.community_by_join_code(code)
        return None if community is None else (community.id, community.name, code)

    async def _join_page(self, request: web.Request) -> web.Response:
        found = await self._community(request.match_info["code"])
        if found is None:
            return self._not_valid()
        return html_response(self._join_html(*found))

    def _join_html(
        self, community_id: int, name: str, code: str, error: str | None = None, value: str = ""
    ) -> str:
        service = f"{name} self-assessment"
        if not self._settings.email:
            return pages.message_page("Not available", service, f"<p>{pages.esc(NO_EMAIL)}</p>")
        form = new_form(f"/join/{code}", code)
        title = f"{'Error: ' if error else ''}Take part in {name}'s self-assessment"
        return pages.layout(title, service, pages.join_form(name, form, error, value))

    async def _join(self, request: web.Request) -> web.Response:
        code = request.match_info["code"]
        form = await self._form(request)
        found = await self._community(code)
        if found is None:
            return self._not_valid()
        community_id, name, _code = found
        nonce = self._checked_nonce(form, code)
        typed = form.get("email", "").strip()
        address = check_address(typed)
        if address is None:
            error = "Enter an email address like name@example.org"
            return html_response(self._join_html(*found, error=error, value=typed[:254]))
        if not self._settings.email:
            return html_response(self._join_html(*found))
        if not self._per_ip.allow(client_ip(request)) or not self._per_address.allow(address):
            raise BadRequest(429, "join requests over the limit")
        async with self._context.storage.transaction() as repo:
            fresh = await repo.claim_delivery(PLATFORM, nonce, self._clock.now())
            token = await mint_join_request(repo, community_id, address, self._clock.now())
        if fresh:  # a form sent twice asks once
            url = f"{self._settings.public_url}/j/{token}"
            self._email_later(confirmation_email(self._settings, address, name, url), address)
        return see_other(f"/join/{code}/sent")

    async def _join_sent(self, request: web.Request) -> web.Response:
        found = await self._community(request.match_info["code"])
        if found is None:
            return self._not_valid()
        service = f"{found[1]} self-assessment"
        text = (
            "<p>If the address is right, we have sent it a link. Open it within 24 hours to "
            "confirm, and you are in. Nothing is kept unless you confirm.</p>"
        )
        return html_response(pages.message_page("Check your email", service, text))

    async def _confirm_page(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        async with self._context.storage.transaction() as repo:
            asked = await join_request(repo, token, self._clock.now())
            community = await repo.community_by_id(asked.community_id) if asked else None
        if asked is None or community is None:
            return self._not_valid()
        service = f"{community.name} self-assessment"
        intro = (
            f"<h1>Take part in {pages.esc(community.name)}'s self-assessment</h1>"
            "<p>Confirm, and you get your personal page with the questions (and, when a round "
            "is open, you can start at once).</p>"
        )
        body = pages.single_button(intro, "Yes, take part", new_form(f"/j/{token}", token))
        return html_response(pages.layout(f"Take part in {community.name}", service, body))

    async def _confirm(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        form = await self._form(request)
        self._checked_nonce(form, token)
        now = self._clock.now()
        async with self._context.storage.transaction() as repo:
            asked = await join_request(repo, token, now)
            community = await repo.community_by_id(asked.community_id) if asked else None
            if asked is None or asked.address is None or community is None:
                return self._not_valid()
            person = await repo.person_by_address(PLATFORM, asked.address)
            if person is None:
                person = await repo.upsert_person(new_person(PLATFORM, asked.address))
                await repo.set_address(person.id, asked.address)
        who = PersonRef(PLATFORM, person.platform_user_id, person.display_name)
        delivery = f"join:{asked.token_hash[:40]}"
        await self._context.dispatch(
            IncomingJoin(who, Address.dm(who), community.join_code, delivery, shown_in_place=True)
        )
        async with self._context.storage.transaction() as repo:
            await repo.drop_link(asked.token_hash)
            fresh = await mint(repo, person.id, community.id, now)
        links = personal_links(self._settings, fresh)
        self._email_later(
            link_email(self._settings, asked.address, community.name, links), asked.address
        )
        return see_other(f"/a/{fresh}")

    # unsubscribing

    async def _unsubscribe_page(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        found = await self._visit(token)
        if found is None:
            return self._not_valid()
        service = f"{found.community.name} self-assessment"
        if request.query.get("done"):
            return html_response(
                pages.message_page(
                    "You will get no more emails",
                    service,
                    f"<p>You have left {pages.esc(found.community.name)}'s self-assessment and "
                    "will get no more emails from it. To take part again, use its join page.</p>",
                )
            )
        intro = (
            f"<h1>Stop emails from {pages.esc(found.community.name)}'s self-assessment?</h1>"
            "<p>You will get no more invitations, reminders or summaries, and leave the "
            "group's self-assessment. Your answers so far stay in the round.</p>"
        )
        body = pages.single_button(intro, "Stop emails", new_form(f"/u/{token}", token))
        return html_response(pages.layout("Stop emails", service, body))

    async def _unsubscribe(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        form = await self._form(request)
        found = await self._visit(token)
        if found is None:
            return self._not_valid()
        one_click = form.get("List-Unsubscribe") == "One-Click" and len(form) == 1
        if not one_click:
            self._checked_nonce(form, token)
        async with self._context.storage.transaction() as repo:
            await stop_emails(repo, found.person, found.community.id)
        if one_click:  # a mail client asking (RFC 8058): no page to show
            return web.Response(text="unsubscribed\n", headers=HEADERS)
        return see_other(f"/u/{token}?done=1")

    # the partnership board

    async def _board_view(self, token: str) -> BoardView | None:
        async with self._context.storage.transaction() as repo:
            community = await board_community(repo, token)
            if community is None:
                return None
            return await board_view(repo, community, self._clock.now())

    async def _board(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        view = await self._board_view(token)
        if view is None:
            return html_response(board.not_valid_page(), status=404)
        now = self._clock.now()
        as_of = format_moment(now, view.timezone)
        return html_response(board.board_page(view, f"/board/{token}", as_of))

    async def _board_chart(self, request: web.Request) -> web.Response:
        view = await self._board_view(request.match_info["token"])
        summary = view.latest.chart if view is not None and view.latest is not None else None
        trend = view.trend if view is not None else None
        png = None
        if request.match_info["chart"] == "chart" and summary is not None:
            png = await self._drawn(summary, charts.render_summary_png)
        elif request.match_info["chart"] == "trend" and trend is not None:
            png = await self._drawn(trend, charts.render_trend_png)
        if png is None:
            return html_response(board.not_valid_page(), status=404)
        return web.Response(body=png, content_type="image/png", headers=HEADERS)

    async def _drawn(self, chart: T, draw: Callable[[T], bytes]) -> bytes:
        """The chart's PNG, drawn off the event loop the first time these numbers are seen."""
        png = self._charts.get(chart)
        if png is None:
            png = await asyncio.to_thread(draw, chart)
            self._charts[chart] = png
            while len(self._charts) > CHARTS_KEPT:
                self._charts.popitem(last=False)
        return png


def _notices_of(handled: object) -> list[str]:
    """What the bot said back, but the prompt itself (the page shows that): confirmations,
    refusals, thanks."""
    if not isinstance(handled, Handled):
        return []
    if handled.apology is not None:
        return [handled.apology.text]
    return [m.text for m in handled.replies if not m.choices]


class WebDirectory:
    """The web has no chats to list, nor anyone in them."""

    async def members(self, chat: ChatRef) -> Roster | None:
        return Roster(())

    async def member(self, chat: ChatRef, user_id: str) -> PersonRef | None:
        return None
