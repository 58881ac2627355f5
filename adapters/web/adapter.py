"""The web adapter: personal pages, the join page, unsubscribing, a person's own data, the
partnership board and the leads' pages (adapters/web/lead.py), on the bot's one HTTP server;
translation only. Every rule (links, joining, signing in, rate limits) is the core's: each
request is one call into it (AdapterContext.core, or dispatch for a choice on a card) and one
transaction there. A page shows the person's current card as the core would send it; a posted
choice becomes an IncomingChoice, and once that is stored the browser is redirected to the page
again (Post/Redirect/Get).

Routes (the token in a path is a personal link's, never logged):
  GET  /join/{code}        the community's join page: enter an email address
  POST /join/{code}        a confirmation link is emailed (double opt-in)
  GET  /j/{token}, POST    confirm: enrolled, and on to the personal page (the same token)
  GET  /a/{token}, POST    the personal page: the current card; a choice
  POST /a/{token}/renew    "Email me a new link" on an expired page
  GET  /a/{token}/data     "Your data": what is stored, a download, and "forget me"
  GET  /a/{token}/data.json, GET /a/{token}/forget, POST /a/{token}/forget
  GET  /u/{token}, POST    stop emails (also RFC 8058 one-click)
  GET  /board/{token}      the partnership board (read-only), and its charts:
  GET  /board/{token}/chart.png, /board/{token}/trend.png
  /lead/...                the leads' pages (adapters/web/lead.py)

Every form carries a nonce, the delivery id of what it submits (a replayed or doubled form is
recorded once), and a CSRF token derived from the link's secret and the nonce. Bodies are
capped (413); bad input gets a 4xx page and one calm log line.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import TypeVar
from urllib.parse import urlencode

from aiohttp import web

from adapters.platform import AdapterContext
from adapters.web import board, pages
from adapters.web.lead import LeadPages
from adapters.web.lead_pages import LEAD_CSS
from adapters.web.responses import (
    HEADERS,
    BadRequest,
    checked_nonce,
    client_ip,
    html_response,
    new_form,
    read_form,
    see_other,
)
from adapters.web.sender import EmailSender
from adapters.web.settings import PLATFORM, WebSettings
from bot.access.desk import AccessDesk, Asked
from bot.access.links import Access, Visit
from bot.app import Handled
from bot.board.view import BoardView
from bot.commands.people import check_address
from bot.conversation import cards
from bot.conversation.cards import MAX_PRIORITIES, format_moment, level_label
from bot.conversation.choices import Action, ChoiceId
from bot.conversation.participants import Standing
from bot.messages import Address, IncomingChoice, Outgoing
from bot.model import ChatRef, PersonRef, Stage
from bot.outbox.letters import Letter
from bot.privacy.data_rights import PersonRecord
from bot.privacy.requests import readable
from bot.roster import Roster
from bot.summary import charts

log = logging.getLogger(__name__)
T = TypeVar("T")

PARALLEL_REQUESTS = 8  # in the database at once: a crowd queues here, not on its locks
NOTICES_KEPT = 10_000  # "what the bot said" shown once after a redirect
CHARTS_KEPT = 16  # board charts drawn, kept until their numbers change
SERVICE = "Self-assessment"
NOT_VALID = "This link is not valid"
NOT_VALID_HTML = (
    "<p>Check that you opened the whole link from your email. If it still does not work, "
    "ask a lead of your group to add you again, or use your group's join page.</p>"
)
ANSWERS_SUBMITTED = "Answers submitted"
NO_EMAIL = "Joining by email is not available here yet: the bot cannot send email."
_CODE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class WebAdapter:
    """The web channel: pages in, emails out."""

    platform = PLATFORM

    def __init__(self, settings: WebSettings, context: AdapterContext) -> None:
        self._settings, self._context = settings, context
        # Without email settings this process sends nothing: what is owed by email waits
        # for a process that can send it (the outbox never takes it for unreachable here).
        self.sender: EmailSender | None = (
            EmailSender(settings, self._letter) if settings.email else None
        )
        self.directory = WebDirectory()
        self._notices: OrderedDict[str, tuple[str, ...]] = OrderedDict()
        self._working = asyncio.Semaphore(PARALLEL_REQUESTS)
        self._storing = asyncio.Lock()  # one choice stored at a time: writers do not wait on
        # each other's database locks (SQLite's busy wait sleeps far longer than a write takes)
        self._charts: OrderedDict[object, bytes] = OrderedDict()
        self._portraits: OrderedDict[object, bytes] = OrderedDict()  # phones: one per numbers
        router = context.http.app.router
        router.add_get("/web/static/web.css", self._css)
        router.add_get("/web/static/lead.css", self._css)
        self.route("GET", "/join/{code}", self._join_page)
        self.route("POST", "/join/{code}", self._join)
        self.route("GET", "/join/{code}/sent", self._join_sent)
        self.route("GET", "/j/{token}", self._confirm_page)
        self.route("POST", "/j/{token}", self._confirm)
        self.route("GET", "/a/{token}", self._page)
        self.route("POST", "/a/{token}", self._choose)
        self.route("POST", "/a/{token}/renew", self._renew)
        self.route("GET", "/a/{token}/data", self._data_page)
        self.route("GET", "/a/{token}/data.json", self._data_download)
        self.route("GET", "/a/{token}/forget", self._forget_page)
        self.route("POST", "/a/{token}/forget", self._forget)
        self.route("GET", "/u/{token}", self._unsubscribe_page)
        self.route("POST", "/u/{token}", self._unsubscribe)
        self.route("GET", "/board/{token}", self._board)
        charts_path = "/board/{token}/{chart:chart|chart-portrait|trend}.png"
        self.route("GET", charts_path, self._board_chart)
        self.leads = LeadPages(settings, context, self)
        context.http.error_page = self.problem  # aiohttp's own errors, and outages, too

    @property
    def _access(self) -> AccessDesk:
        return self._context.core.access  # filled in once every platform is built

    async def _letter(self, message: Outgoing) -> Letter:
        return await self._access.letter(message)

    def route(
        self, method: str, path: str, handler: Callable[[web.Request], Awaitable[web.Response]]
    ) -> None:
        """Serve a page: at most PARALLEL_REQUESTS in the core at once; BadRequest becomes a
        4xx page and one calm log line (never the token in the path)."""
        kind = path.split("/")[1]

        async def guarded(request: web.Request) -> web.Response:
            try:
                async with self._working:
                    return await handler(request)
            except BadRequest as problem:
                log.info("web: %s /%s answered %d: %s", method, kind, problem.status, problem)
                return self.problem(problem.status)

        self._context.http.app.router.add_route(method, path, guarded)

    async def start(self) -> None:
        """The routes are on the bot's HTTP server already."""
        if self._settings.mail_folder is not None:
            folder = f"{self._settings.mail_folder}/"
            log.warning(
                "SMTP_URL=file:%s: emails are not sent but written to %s, one .eml file each",
                folder,
                folder,
            )

    async def stop(self) -> None:
        """Nothing in hand: every email is an outbox item."""

    async def ready(self) -> bool:
        return True

    # the pieces of every page

    async def _css(self, request: web.Request) -> web.Response:
        css = LEAD_CSS if request.path.endswith("/lead.css") else pages.CSS
        return web.Response(
            body=css,
            content_type="text/css",
            headers={"Cache-Control": "public, max-age=31536000, immutable"},
        )

    def problem(self, status: int) -> web.Response:
        titles = {
            404: (
                "Page not found",
                "<p>Check the address, or open the link from your email again.</p>",
            ),
            413: ("Your answer is too long", "<p>Please shorten it, go back and try again.</p>"),
            429: (
                "Too many requests",
                "<p>Please wait an hour and try again. Check your email first: your link may "
                "already be there.</p>",
            ),
            503: (
                "Sorry, the service is unavailable",
                "<p>Nothing was changed. Please try again in a minute: your answers so far "
                "are safe.</p>",
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

    def keep_notices(self, texts: Sequence[str]) -> str:
        """Keep what to say on the next page (after a redirect): the key to ask for it by."""
        key = secrets.token_urlsafe(9)
        self._notices[key] = tuple(texts)
        while len(self._notices) > NOTICES_KEPT:
            self._notices.popitem(last=False)
        return key

    def notices(self, request: web.Request) -> tuple[str, ...]:
        """What the last redirect asked to say, once."""
        return self._notices.pop(request.query.get("n", ""), ())

    def with_notices(self, location: str, texts: Sequence[str]) -> web.Response:
        """A redirect to location that says these texts there."""
        if texts:
            location += ("&" if "?" in location else "?") + urlencode(
                {"n": self.keep_notices(texts)}
            )
        return see_other(location)

    # the personal page

    async def _page(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        found = await self._access.visit(token)
        if found is None:
            return self._not_valid()
        said = self.notices(request)
        if found.access is Access.EXPIRED:
            return self._expired(found, token, said)
        return html_response(self._page_html(found, token, said, request.query))

    def _footer(self, token: str, service: str) -> str:
        return (
            f'<p><a href="/a/{pages.esc(token)}/data">Your data</a> · '
            f'<a href="/u/{pages.esc(token)}">Stop emails from {pages.esc(service)}</a></p>'
        )

    def _page_html(
        self,
        found: Visit,
        token: str,
        said: Sequence[str],
        query: Mapping[str, str],
        error: str | None = None,
    ) -> str:
        service = f"{found.community.name} self-assessment"
        footer = self._footer(token, service)
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
        body = pages.notices(said)
        choose, label = query.get("choose", ""), query.get("label", "")[:80]
        if choose and label and len(choose) <= 64:  # from an email: confirm it, alone
            body += pages.confirm_choice(label, choose, form, f"/a/{token}")
            return pages.layout(f"{label}: {round_.title}", service, body, footer)
        title, page = self._stage_page(where, token, form, query, error)
        if title == ANSWERS_SUBMITTED:  # the panel says it all (no chat wording from the core)
            body = ""
        return pages.layout(f"{'Error: ' if error else ''}{title}", service, body + page, footer)

    def _stage_page(
        self,
        where: Standing,
        token: str,
        form: pages.Form,
        query: Mapping[str, str],
        error: str | None,
    ) -> tuple[str, str]:
        """The page's title and body for where the person stands in the open round."""
        round_, p, prompt = where.round, where.participation, where.prompt
        assert prompt is not None
        stage = p.stage if p is not None else None
        reviewing = stage in (Stage.REVIEW, Stage.SUBMITTED, Stage.PICKING)
        change = where.round.rubric.index_of(query.get("change", ""))
        if reviewing and change is not None:
            category = round_.rubric.categories[change]
            if category.id in where.answers:  # Change, from the answers: that card, filled in
                card = cards.card(prompt.to, round_, change, where.answers[category.id], True)
                return self._card(card, category.id, where, form, error, (("change", category.id),))
        if any(c.detail for c in prompt.choices) and p is not None:
            on_show = round_.rubric.categories[p.position].id
            return self._card(prompt, on_show, where, form, error)
        if stage is Stage.REVIEW or (stage is Stage.SUBMITTED and "answers" in query):
            submit = prompt.choices[0] if stage is Stage.REVIEW else None
            rows = self._answer_rows(where, token)
            page = pages.check_answers(rows, submit, form)
            if submit is None:
                page += f'<p><a href="/a/{pages.esc(token)}">Back to your confirmation</a></p>'
            heading = "Check your answers" if submit else "Your answers"
            return f"{heading}: {round_.title}", page
        if p is not None and (
            stage is Stage.PRIORITIES or (stage is Stage.SUBMITTED and "priorities" in query)
        ):
            areas = [(c.id, f"{c.number}. {c.title}") for c in round_.rubric.categories]
            ticked = query.get("ticked", "").split(",") if error else list(p.priorities)
            intro = (
                "Your answers are in. One last question, if you like."
                if (stage is Stage.PRIORITIES)
                else ""
            )
            done = ChoiceId(round_.id, Action.DONE).encode()
            page = pages.priorities_form(areas, ticked, MAX_PRIORITIES, form, done, intro, error)
            return f"Priorities: {round_.title}", page
        if stage is Stage.SUBMITTED and p is not None:
            return ANSWERS_SUBMITTED, self._confirmation(where, token)
        return round_.title, pages.prompt_form(prompt, round_.title, form)

    def _card(
        self,
        card: Outgoing,
        category: str,
        where: Standing,
        form: pages.Form,
        error: str | None,
        hidden: Sequence[tuple[str, str]] = (),
    ) -> tuple[str, str]:
        """A question's page, its answer so far ticked and its comment filled in."""
        first = card.text.split("\n", 1)[0]
        answer = where.answers.get(category)
        chosen = level_label(answer.level) if answer is not None else ""
        comment = (answer.comment or "") if answer is not None else ""
        page = pages.card_form(card, form, error, chosen, comment, hidden, where.enrolled)
        return f"{first}: {where.round.title}", page

    def _answer_rows(self, where: Standing, token: str) -> list[pages.AnswerRow]:
        rows = []
        for category in where.round.rubric.categories:
            answer = where.answers.get(category.id)
            if answer is None:
                value, words = "Not answered", ""
            elif answer.level is None:
                value, words = "Not sure", ""
            else:
                value, words = f"Level {answer.level}", category.levels[answer.level]
            comment = (answer.comment or "") if answer is not None else ""
            change = f"/a/{token}?{urlencode({'change': category.id})}"
            rows.append(
                pages.AnswerRow(
                    f"{category.number}. {category.title}", value, words, comment, change
                )
            )
        return rows

    def _confirmation(self, where: Standing, token: str) -> str:
        round_, p = where.round, where.participation
        assert p is not None
        closes = format_moment(round_.closes_at, round_.timezone)
        next_html = (
            f"<p>The round closes on {pages.esc(closes)}. Until then you can change your "
            "answers.</p><p>When it closes, we email you the summary of everyone's answers. "
            "Leads see comments only together, never who wrote them.</p>"
        )
        links = [("Check or change your answers", f"/a/{token}?answers=1")]
        if round_.priorities:
            picked = ", ".join(c.title for c in round_.rubric.categories if c.id in p.priorities)
            next_html += f"<p>Your priorities: {pages.esc(picked or 'none')}.</p>"
            links.append(("Change your priorities", f"/a/{token}?priorities=1"))
        return pages.confirmation(f"Thank you for taking part in {round_.title}.", next_html, links)

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
        form = await read_form(request)
        who = await self._access.holder(token)
        if who is None:
            return self._not_valid()
        nonce = checked_nonce(form, token)
        choice = form.get("choice") or form.get("level") or ""
        if len(choice) > 64:
            raise BadRequest(400, "choice id too long")
        picks: tuple[str, ...] | None = None
        if form.get("go") == "priorities":  # the priorities' checkboxes, with Continue
            picks = tuple(v for k, v in form.items() if k.startswith("priority-"))
        if not choice or (picks is not None and len(picks) > MAX_PRIORITIES):
            shown = await self._access.visit(token)
            if shown is None or shown.access is Access.EXPIRED or shown.standing is None:
                return see_other(f"/a/{token}")
            if picks is None:  # Continue without a level: the GOV.UK error summary
                error, again = "Select a level, or Not sure", {"change": form.get("change", "")}
            else:
                error = f"Select up to {'two' if MAX_PRIORITIES == 2 else MAX_PRIORITIES} areas"
                again = {"priorities": "1", "ticked": ",".join(picks)}
            return html_response(self._page_html(shown, token, (), again, error))
        # An expired link's round has closed: the core refuses the choice, politely.
        event = IncomingChoice(
            who,
            Address.dm(who),
            choice,
            None,
            nonce,
            form.get("comment", ""),
            shown_in_place=True,
            whole_answer=True,
            picks=picks,
        )
        async with self._storing:
            handled = await self._context.dispatch(event)
        back = f"/a/{token}?answers=1" if form.get("change") else f"/a/{token}"
        return self.with_notices(back, _notices_of(handled))

    async def _renew(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        form = await read_form(request)
        if await self._access.holder(token) is None:
            return self._not_valid()
        checked_nonce(form, token)
        if not self._settings.email:
            said = NO_EMAIL
        else:
            asked = await self._access.renew_link(token)
            if asked is Asked.NOT_VALID:
                return self._not_valid()
            if asked is Asked.LIMITED:
                raise BadRequest(429, "new links asked for too often")
            said = "We have emailed you a new link. It may take a few minutes to arrive."
        return self.with_notices(f"/a/{token}", [said])

    # a person's own data

    async def _your_data(self, token: str) -> tuple[Visit, PersonRecord]:
        found = await self._access.your_data(token)
        if found is None:
            raise _NotValid()
        return found

    async def _data_page(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        try:
            found, record = await self._your_data(token)
        except _NotValid:
            return self._not_valid()
        service = f"{found.community.name} self-assessment"
        lines = readable(record, 100_000).split("\n")[1:-1]  # without its chat-only first/last
        body = pages.your_data(lines, f"/a/{token}/data.json", f"/a/{token}/forget", f"/a/{token}")
        return html_response(pages.layout("Your data", service, body, self._footer(token, service)))

    async def _data_download(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        try:
            _found, record = await self._your_data(token)
        except _NotValid:
            return self._not_valid()
        body = json.dumps(record.to_json(), indent=2, ensure_ascii=False) + "\n"
        return web.Response(
            text=body,
            content_type="application/json",
            charset="utf-8",
            headers={**HEADERS, "Content-Disposition": 'attachment; filename="my-data.json"'},
        )

    async def _forget_page(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        found = await self._access.visit(token)
        if found is None:
            return self._not_valid()
        service = f"{found.community.name} self-assessment"
        intro = (
            "<h1>Forget me?</h1><p>This erases your name, your email address, your answers "
            "and your comments in every round, and you get no more emails. Summaries already "
            "posted stay as they were. It cannot be undone.</p>"
        )
        form = new_form(f"/a/{token}/forget", token)
        body = pages.single_button(intro, "Yes, forget me", form, danger=True)
        body += f'<p><a href="/a/{pages.esc(token)}/data">No, go back</a></p>'
        return html_response(pages.layout("Forget me?", service, body))

    async def _forget(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        form = await read_form(request)
        nonce = checked_nonce(form, token)
        community = await self._access.forget_me(token, nonce)
        if community is None:
            return self._not_valid()
        service = f"{community.name} self-assessment"
        text = (
            "<p>Your name, address, answers and comments are erased, and you will get no more "
            "emails. To take part again one day, use your group's join page.</p>"
        )
        return html_response(pages.message_page("You have been forgotten", service, text))

    # joining

    async def _join_page(self, request: web.Request) -> web.Response:
        code = request.match_info["code"]
        community = await self._access.join_page(code) if _CODE.match(code) else None
        if community is None:
            return self._not_valid()
        return html_response(self._join_html(community.name, code))

    def _join_html(self, name: str, code: str, error: str | None = None, value: str = "") -> str:
        service = f"{name} self-assessment"
        if not self._settings.email:
            return pages.message_page("Not available", service, f"<p>{pages.esc(NO_EMAIL)}</p>")
        form = new_form(f"/join/{code}", code)
        title = f"{'Error: ' if error else ''}Take part in {name}'s self-assessment"
        return pages.layout(title, service, pages.join_form(name, form, error, value))

    async def _join(self, request: web.Request) -> web.Response:
        code = request.match_info["code"]
        form = await read_form(request)
        community = await self._access.join_page(code) if _CODE.match(code) else None
        if community is None:
            return self._not_valid()
        nonce = checked_nonce(form, code)
        typed = form.get("email", "").strip()
        address = check_address(typed)
        if address is None:
            error = "Enter an email address like name@example.org"
            return html_response(self._join_html(community.name, code, error, typed[:254]))
        if not self._settings.email:
            return html_response(self._join_html(community.name, code))
        asked = await self._access.ask_to_join(code, address, client_ip(request), nonce)
        if asked is Asked.LIMITED:
            raise BadRequest(429, "join requests over the limit")
        return see_other(f"/join/{code}/sent")

    async def _join_sent(self, request: web.Request) -> web.Response:
        code = request.match_info["code"]
        community = await self._access.join_page(code) if _CODE.match(code) else None
        if community is None:
            return self._not_valid()
        service = f"{community.name} self-assessment"
        text = (
            "<p>If the address is right, we have sent it a link. Open it within 24 hours to "
            "confirm, and you are in. Nothing is kept unless you confirm.</p>"
        )
        return html_response(pages.message_page("Check your email", service, text))

    async def _confirm_page(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        community = await self._access.join_request(token)
        if community is None:
            if await self._access.holder(token) is not None:  # confirmed already
                return see_other(f"/a/{token}")
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
        form = await read_form(request)
        checked_nonce(form, token)
        if not await self._access.confirm_join(token):
            return self._not_valid()
        return see_other(f"/a/{token}")  # the same page however often it is confirmed

    # unsubscribing

    async def _unsubscribe_page(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        community = await self._access.unsubscribe_page(token)
        if community is None:
            return self._not_valid()
        service = f"{community.name} self-assessment"
        if request.query.get("done"):
            return html_response(
                pages.message_page(
                    "You will get no more emails",
                    service,
                    f"<p>You have left {pages.esc(community.name)}'s self-assessment and "
                    "will get no more emails from it. To take part again, use its join page.</p>",
                )
            )
        intro = (
            f"<h1>Stop emails from {pages.esc(community.name)}'s self-assessment?</h1>"
            "<p>You will get no more invitations, reminders or summaries, and leave the "
            "group's self-assessment. Your answers so far stay in the round.</p>"
        )
        body = pages.single_button(intro, "Stop emails", new_form(f"/u/{token}", token))
        return html_response(pages.layout("Stop emails", service, body))

    async def _unsubscribe(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        form = await read_form(request)
        one_click = form.get("List-Unsubscribe") == "One-Click" and len(form) == 1
        if not one_click:
            if await self._access.unsubscribe_page(token) is None:
                return self._not_valid()
            checked_nonce(form, token)
        if await self._access.stop_emails(token) is None:
            return self._not_valid()
        if one_click:  # a mail client asking (RFC 8058): no page to show
            return web.Response(text="unsubscribed\n", headers=HEADERS)
        return see_other(f"/u/{token}?done=1")

    # the partnership board

    async def _board(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        view = await self._access.board(token)
        if view is None:
            return html_response(board.not_valid_page(), status=404)
        as_of = format_moment(self._context.clock.now(), view.timezone)
        return html_response(board.board_page(view, f"/board/{token}", as_of))

    async def _board_chart(self, request: web.Request) -> web.Response:
        view = await self._access.board(request.match_info["token"])
        png = await self.chart(view, request.match_info["chart"])
        if png is None:
            return html_response(board.not_valid_page(), status=404)
        return web.Response(body=png, content_type="image/png", headers=HEADERS)

    async def chart(self, view: BoardView | None, which: str) -> bytes | None:
        """A board view's summary chart ("chart") or trend ("trend"), when it has one."""
        summary = view.latest.chart if view is not None and view.latest is not None else None
        trend = view.trend if view is not None else None
        if which == "chart" and summary is not None:
            return await self._drawn(summary, charts.render_summary_png)
        if which == "chart-portrait" and summary is not None:  # the board's narrow view
            return await self._drawn_portrait(summary)
        if which == "trend" and trend is not None:
            return await self._drawn(trend, charts.render_trend_png)
        return None

    async def _drawn(self, chart: T, draw: Callable[[T], bytes]) -> bytes:
        """The chart's PNG, drawn off the event loop the first time these numbers are seen."""
        png = self._charts.get(chart)
        if png is None:
            png = await asyncio.to_thread(draw, chart)
            self._charts[chart] = png
            while len(self._charts) > CHARTS_KEPT:
                self._charts.popitem(last=False)
        return png

    async def _drawn_portrait(self, chart: charts.SummaryChart) -> bytes:
        """The summary's portrait drawing (kept apart from the landscape one of the same
        numbers)."""
        key = ("portrait", chart)
        png = self._portraits.get(key)
        if png is None:
            png = await asyncio.to_thread(charts.render_summary_portrait_png, chart)
            self._portraits[key] = png
            while len(self._portraits) > CHARTS_KEPT:
                self._portraits.popitem(last=False)
        return png


class _NotValid(Exception):
    """The link behind a page is not (or no longer) valid."""


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
