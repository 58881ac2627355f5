"""The leads' web pages: run a whole round from a browser, for partnerships on email alone
(and for leads in a chat who prefer a page: `/round web` gives them a sign-in link).

Translation only. Each page reads one view from the core (LeadDesk.view) and each form builds
the same typed request as its `/round` command and hands it to the core's one front door
(LeadDesk.run), which checks the lead's session and their community in the same transaction.
Sign-in, sessions and rate limits are the core's (bot/access/sign_in.py); here they are a
cookie and a redirect.

Routes (a token in a path is a sign-in link's, never logged):
  GET  /lead                      your communities (or the sign-in page)
  GET  /lead/sign-in, POST        ask for a sign-in link by email; GET /lead/sign-in/sent
  GET  /lead/sign-in/{token}, POST  the emailed link: a button that signs in (a scanner
                                  following the link signs nobody in)
  POST /lead/sign-out
  GET  /lead/c/{id}               the round: status; POST …/open, …/remind, …/close, …/reopen
  GET  /lead/c/{id}/close         the warning before closing with too few answers
  GET  /lead/c/{id}/people        POST …/people/add, …/people/remove
  GET  /lead/c/{id}/settings      POST …/settings, …/schedule, …/schedule/off, …/link
  GET  /lead/c/{id}/settings/min-responses?value=N   what a minimum below 5 gives away
  GET  /lead/c/{id}/results       and its charts and debrief pack; POST …/actions/add,
                                  GET/POST …/actions/{n}, POST …/actions/{n}/done|drop,
                                  POST …/board, …/board/reset, …/board/off
  GET  /lead/c/{id}/leads         POST …/leads/add, …/leads/remove

The session cookie is HttpOnly, SameSite=Lax and, behind https, Secure (with the __Host-
prefix); it is new at every sign-in, so a session id planted before signing in never becomes
one. Every form carries a CSRF token made from the session's token, and a post whose Origin is
not PUBLIC_URL's is refused.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, time
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import urlencode, urlsplit

from aiohttp import web

from adapters.platform import AdapterContext
from adapters.web import lead_pages
from adapters.web.pages import Form
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
from adapters.web.settings import WebSettings
from bot.access.desk import Asked
from bot.access.sign_in import SESSION_LONGEST
from bot.access.tokens import mint
from bot.commands.desk import LeadDesk, NotSignedIn, NotYours
from bot.commands.outcomes import (
    CloseWarning,
    LinkGiven,
    Outcome,
    PeopleChanged,
    SettingWarning,
)
from bot.commands.parser import check_address, parse_entries, parse_mention, someone
from bot.commands.requests import (
    AddAction,
    AddLead,
    AddPeople,
    BoardChange,
    BoardLink,
    ChangeSetting,
    CloseRound,
    EditAction,
    FinishAction,
    LeadRequest,
    LinkCode,
    OpenRound,
    Remind,
    RemoveLead,
    RemovePeople,
    ReopenRound,
    ScheduleOff,
    SetGroups,
    SetSchedule,
    Setting,
    SwitchGroups,
    UserMention,
    WebLead,
)
from bot.commands.views import (
    action_page,
    community_page,
    debrief_of,
    leads_page,
    people_page,
    results_page,
    settings_page,
)
from bot.model import ActionStatus, Unit
from bot.schedule.cadence import WEEKDAYS
from bot.summary.debrief_pdf import render_debrief_pdf
from bot.summary.disclosure import what_a_pair_learns

if TYPE_CHECKING:
    from adapters.web.adapter import WebAdapter

log = logging.getLogger(__name__)
T = TypeVar("T")
FLASHES_KEPT = 5_000
Handler = Callable[[web.Request], Awaitable[web.Response]]


class FormProblem(Exception):
    """A field a lead filled in that makes no request: shown beside the field."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field, self.message = field, message


@dataclass(frozen=True)
class Flash:
    """What the page after a redirect says: notices, an error on a field, bad entries."""

    said: tuple[str, ...] = ()
    error: tuple[str, str] | None = None  # (field id, message)
    bad: tuple[str, ...] = ()  # entries of a list of people that were no address
    value: str = ""  # what was typed in the field in error


class LeadPages:
    """The leads' pages, on the web adapter's server."""

    def __init__(self, settings: WebSettings, context: AdapterContext, adapter: WebAdapter) -> None:
        self._settings, self._context, self._web = settings, context, adapter
        secure = settings.secure
        self._cookie = "__Host-lead" if secure else "lead"  # __Host-: Secure, path /, no domain
        self._form_cookie = "__Host-lead-form" if secure else "lead-form"
        origin = urlsplit(settings.public_url)
        self._origin = f"{origin.scheme}://{origin.netloc}"
        self._flashes: OrderedDict[str, Flash] = OrderedDict()
        route = adapter.route
        route("GET", "/lead", self._home)
        route("GET", "/lead/sign-in", self._sign_in_page)
        route("POST", "/lead/sign-in", self._ask_to_sign_in)
        route("GET", "/lead/sign-in/sent", self._sign_in_sent)
        route("GET", "/lead/sign-in/{token}", self._sign_in_confirm)
        route("POST", "/lead/sign-in/{token}", self._sign_in)
        route("POST", "/lead/sign-out", self._sign_out)
        community = "/lead/c/{community:[0-9]{1,9}}"
        route("GET", community, self._community)
        route("GET", f"{community}/close", self._close_warning)
        route("GET", f"{community}/people", self._people)
        route("GET", f"{community}/settings", self._settings_page)
        route("GET", f"{community}/settings/min-responses", self._min_responses_warning)
        route("GET", f"{community}/results", self._results)
        route("GET", f"{community}/results/{{chart:chart|trend}}.png", self._chart)
        route("GET", f"{community}/results/round-{{n:[0-9]{{1,9}}}}-debrief.pdf", self._pdf)
        route("GET", f"{community}/actions/{{n:[0-9]{{1,9}}}}", self._action)
        route("GET", f"{community}/leads", self._leads_page)
        posts: dict[str, tuple[Callable[[web.Request, dict[str, str]], LeadRequest], str]] = {
            "open": (_open, ""),
            "remind": (lambda _r, _f: Remind(), ""),
            "close": (_close, ""),
            "reopen": (lambda _r, _f: ReopenRound(), ""),
            "people/add": (_add_people, "/people"),
            "people/remove": (_remove_person, "/people"),
            "settings": (_setting, "/settings"),
            "schedule": (_schedule, "/settings"),
            "schedule/off": (lambda _r, _f: ScheduleOff(), "/settings"),
            "link": (lambda _r, _f: LinkCode(), "/settings"),
            "groups/switch": (_switch_groups, "/settings"),
            "groups": (_set_groups, "/settings"),
            "actions/add": (_add_action, "/results"),
            "board": (lambda _r, _f: BoardLink(), "/results"),
            "board/reset": (lambda _r, _f: BoardLink(BoardChange.RESET), "/results"),
            "board/off": (lambda _r, _f: BoardLink(BoardChange.OFF), "/results"),
            "leads/add": (_add_lead, "/leads"),
            "leads/remove": (_remove_lead, "/leads"),
        }
        for path, (build, back) in posts.items():
            route("POST", f"{community}/{path}", self._poster(build, back))
        number = "{n:[0-9]{1,9}}"
        route("POST", f"{community}/actions/{number}", self._poster(_edit_action, "/results"))
        route("POST", f"{community}/actions/{number}/done", self._poster(_done, "/results"))
        route("POST", f"{community}/actions/{number}/drop", self._poster(_drop, "/results"))

    @property
    def _leads(self) -> LeadDesk:
        return self._context.core.leads

    # sessions and forms

    def _session(self, request: web.Request) -> str:
        return request.cookies.get(self._cookie, "")

    def _sign_out_form(self, session: str) -> Form:
        return new_form("/lead/sign-out", session)

    def _check_origin(self, request: web.Request) -> None:
        """A form posted from a page of ours, as far as the browser says: besides the CSRF
        token, a browser's word that a post comes from another site refuses it. (Our pages
        send no referrer, so a browser's Origin on them may be "null".)"""
        site = request.headers.get("Sec-Fetch-Site")
        if site is not None and site not in ("same-origin", "none"):
            raise BadRequest(403, "a form from another site")
        origin = request.headers.get("Origin")
        if origin not in (None, "null") and origin != self._origin:
            raise BadRequest(403, "a form from another site")

    def _flash(self, request: web.Request) -> Flash:
        return self._flashes.pop(request.query.get("n", ""), Flash())

    def _redirect(self, location: str, flash: Flash | None = None) -> web.Response:
        if flash is not None and (flash.said or flash.error or flash.bad):
            key = secrets.token_urlsafe(9)
            self._flashes[key] = flash
            while len(self._flashes) > FLASHES_KEPT:
                self._flashes.popitem(last=False)
            location += ("&" if "?" in location else "?") + urlencode({"n": key})
        return see_other(location)

    def _to_sign_in(self, request: web.Request) -> web.Response:
        said = ("Please sign in again: your session has ended.",) if self._session(request) else ()
        response = self._redirect("/lead/sign-in", Flash(said))
        response.del_cookie(self._cookie, path="/")
        return response

    @staticmethod
    def _not_found() -> web.Response:
        return html_response(lead_pages.not_found_page(), status=404)

    async def _view(
        self, request: web.Request, build: Callable[..., Awaitable[T]]
    ) -> T | web.Response:
        """A view of the community in the path, for the signed-in lead; or the response that
        says they may not see it (sign in, or not found)."""
        try:
            return await self._leads.view(
                WebLead(self._session(request)), int(request.match_info["community"]), build
            )
        except NotSignedIn:
            return self._to_sign_in(request)
        except NotYours:
            return self._not_found()

    def _forms(self, request: web.Request, *names: str) -> dict[str, Form]:
        base = f"/lead/c/{request.match_info['community']}"
        session = self._session(request)
        return {name: new_form(f"{base}/{name}", session) for name in names}

    def _poster(
        self, build: Callable[[web.Request, dict[str, str]], LeadRequest], back: str
    ) -> Handler:
        """A form that runs one lead request, then redirects back to its page (PRG)."""

        async def post(request: web.Request) -> web.Response:
            self._check_origin(request)
            form = await read_form(request)
            session = self._session(request)
            nonce = checked_nonce(form, session)
            community_id = int(request.match_info["community"])
            page = f"/lead/c/{community_id}{back}"
            try:
                lead_request = build(request, form)
            except FormProblem as problem:
                value = form.get(problem.field, "")[:400]
                return self._redirect(
                    page, Flash(error=(problem.field, problem.message), value=value)
                )
            try:
                outcome = await self._leads.run(
                    WebLead(session),
                    lead_request,
                    community_id=community_id,
                    delivery=(self._settings.platform, nonce),
                )
            except NotSignedIn:
                return self._to_sign_in(request)
            except NotYours:
                return self._not_found()
            return self._after(page, lead_request, outcome, form)

        return post

    def _after(
        self, page: str, request: LeadRequest, outcome: Outcome, form: dict[str, str]
    ) -> web.Response:
        """Where a form leads once its request ran, and what that page says."""
        if isinstance(outcome, CloseWarning):
            return self._redirect(f"{page}/close")
        if isinstance(outcome, SettingWarning):
            return self._redirect(f"{page}/min-responses?{urlencode({'value': outcome.value})}")
        if isinstance(outcome, PeopleChanged) and outcome.change.invalid:
            return self._redirect(page, Flash(outcome.said, bad=tuple(outcome.change.invalid)))
        if outcome.refused:
            field = _field_of(request)
            value = form.get(field, "")[:400]
            return self._redirect(page, Flash(error=(field, outcome.text), value=value))
        said = outcome.said + outcome.announced
        if isinstance(outcome, LinkGiven) and outcome.url:  # the page says the rest
            said = (f"The link: {outcome.url}",)
        return self._redirect(page, Flash(tuple(said)))

    # signing in

    async def _home(self, request: web.Request) -> web.Response:
        session = self._session(request)
        try:
            lead = await self._leads.signed_in(session)
        except NotSignedIn:
            return self._redirect("/lead/sign-in")
        if len(lead.communities) == 1:
            return see_other(f"/lead/c/{lead.communities[0].id}")
        flash = self._flash(request)
        body = lead_pages.home_page(lead.communities, self._sign_out_form(session), flash.said)
        return html_response(body)

    async def _sign_in_page(self, request: web.Request) -> web.Response:
        form_secret = request.cookies.get(self._form_cookie) or mint()
        flash = self._flash(request)
        page = lead_pages.sign_in_page(
            new_form("/lead/sign-in", form_secret),
            flash.said,
            flash.error[1] if flash.error else "",
            flash.value,
        )
        response = html_response(page, status=200)
        response.set_cookie(
            self._form_cookie,
            form_secret,
            httponly=True,
            samesite="Lax",
            secure=self._settings.secure,
            path="/",
        )
        return response

    async def _ask_to_sign_in(self, request: web.Request) -> web.Response:
        self._check_origin(request)
        form = await read_form(request)
        nonce = checked_nonce(form, request.cookies.get(self._form_cookie, ""))
        typed = form.get("email", "").strip()
        address = check_address(typed)
        if address is None:
            error = ("email", "Enter an email address like name@example.org")
            return self._redirect("/lead/sign-in", Flash(error=error, value=typed[:254]))
        if not self._settings.email:
            said = ("Signing in by email is not available here: the bot cannot send email.",)
            return self._redirect("/lead/sign-in", Flash(said))
        asked = await self._context.core.access.ask_to_sign_in(address, client_ip(request), nonce)
        if asked is Asked.LIMITED:
            raise BadRequest(429, "sign-in links asked for too often")
        return see_other("/lead/sign-in/sent")  # the same for a lead's address and anyone's

    async def _sign_in_sent(self, _request: web.Request) -> web.Response:
        return html_response(lead_pages.sign_in_sent_page())

    async def _sign_in_confirm(self, request: web.Request) -> web.Response:
        token = request.match_info["token"]
        return html_response(lead_pages.sign_in_confirm_page(new_form(request.path, token)))

    async def _sign_in(self, request: web.Request) -> web.Response:
        self._check_origin(request)
        token = request.match_info["token"]
        form = await read_form(request)
        checked_nonce(form, token)
        session = await self._context.core.access.sign_in(token)
        if session is None:
            return html_response(lead_pages.sign_in_not_valid_page(), status=404)
        # A new session, whatever cookie came in: one planted before signing in is no session.
        response = see_other("/lead")
        response.set_cookie(
            self._cookie,
            session,
            httponly=True,
            samesite="Lax",
            secure=self._settings.secure,
            path="/",
            max_age=int(SESSION_LONGEST.total_seconds()),
        )
        response.del_cookie(self._form_cookie, path="/")
        return response

    async def _sign_out(self, request: web.Request) -> web.Response:
        self._check_origin(request)
        form = await read_form(request)
        session = self._session(request)
        checked_nonce(form, session)
        await self._context.core.access.sign_out(session)
        response = self._redirect("/lead/sign-in", Flash(("You have signed out.",)))
        response.del_cookie(self._cookie, path="/")
        return response

    # the pages

    async def _community(self, request: web.Request) -> web.Response:
        page = await self._view(request, community_page)
        if isinstance(page, web.Response):
            return page
        flash = self._flash(request)
        forms = self._forms(request, "open", "remind", "close", "reopen")
        session = self._session(request)
        error = flash.error
        body = lead_pages.community_page(
            page, forms, self._sign_out_form(session), flash.said, error
        )
        return html_response(body)

    async def _close_warning(self, request: web.Request) -> web.Response:
        page = await self._view(request, community_page)
        if isinstance(page, web.Response):
            return page
        if page.status is None or not page.can_close:
            return see_other(f"/lead/c/{page.community.id}")
        close = self._forms(request, "close")["close"]
        session = self._session(request)
        body = lead_pages.close_warning_page(page, close, self._sign_out_form(session))
        return html_response(body)

    async def _people(self, request: web.Request) -> web.Response:
        page = await self._view(request, people_page)
        if isinstance(page, web.Response):
            return page
        flash = self._flash(request)
        session = self._session(request)
        add = self._forms(request, "people/add")["people/add"]
        remove = self._forms(request, "people/remove")["people/remove"]
        removes = {line.id: remove for line in page.people if line.by_email}
        body = lead_pages.people_page(
            page, add, removes, self._sign_out_form(session), flash.said, flash.bad
        )
        return html_response(body)

    async def _settings_page(self, request: web.Request) -> web.Response:
        page = await self._view(request, settings_page)
        if isinstance(page, web.Response):
            return page
        flash = self._flash(request)
        forms = self._forms(
            request, "settings", "schedule", "schedule/off", "link", "groups/switch", "groups"
        )
        forms = {
            **{name: forms["settings"] for name in (s.value for s in Setting)},
            "schedule": forms["schedule"],
            "schedule_off": forms["schedule/off"],
            "link": forms["link"],
            "perspectives": forms["groups/switch"],
            "groups": forms["groups"],
        }
        session = self._session(request)
        body = lead_pages.settings_page(
            page, forms, self._sign_out_form(session), flash.said, flash.error
        )
        return html_response(body)

    async def _min_responses_warning(self, request: web.Request) -> web.Response:
        page = await self._view(request, settings_page)
        if isinstance(page, web.Response):
            return page
        typed = request.query.get("value", "")
        value = int(typed) if typed.isdecimal() and len(typed) < 3 else 0
        if value not in page.min_responses or not what_a_pair_learns(value):
            return see_other(f"/lead/c/{page.community.id}/settings")
        form = self._forms(request, "settings")["settings"]
        session = self._session(request)
        body = lead_pages.min_responses_warning_page(
            page, value, form, self._sign_out_form(session)
        )
        return html_response(body)

    async def _results(self, request: web.Request) -> web.Response:
        page = await self._view(request, results_page)
        if isinstance(page, web.Response):
            return page
        flash = self._flash(request)
        forms = self._forms(request, "actions/add", "board", "board/reset", "board/off")
        named = {
            "add": forms["actions/add"],
            "board": forms["board"],
            "board_reset": forms["board/reset"],
            "board_off": forms["board/off"],
        }
        for action, _line in page.actions:
            for verb in ("done", "drop"):
                path = f"actions/{action.number}/{verb}"
                named[f"{verb}-{action.number}"] = self._forms(request, path)[path]
        session = self._session(request)
        body = lead_pages.results_page(
            page, named, self._sign_out_form(session), flash.said, flash.error
        )
        return html_response(body)

    async def _chart(self, request: web.Request) -> web.Response:
        page = await self._view(request, results_page)
        if isinstance(page, web.Response):
            return page
        png = await self._web.chart(page.board, request.match_info["chart"])
        if png is None:
            return self._not_found()
        return web.Response(body=png, content_type="image/png", headers=HEADERS)

    async def _pdf(self, request: web.Request) -> web.Response:
        pack = await self._view(request, debrief_of)
        if isinstance(pack, web.Response):
            return pack
        if pack is None or str(pack.summary.round.number) != request.match_info["n"]:
            return self._not_found()
        pdf = await asyncio.to_thread(render_debrief_pdf, pack)
        return web.Response(
            body=pdf,
            content_type="application/pdf",
            headers={
                **HEADERS,
                "Content-Disposition": f'attachment; filename="{pack.file_name}"',
            },
        )

    async def _action(self, request: web.Request) -> web.Response:
        page = await self._view(request, action_page(int(request.match_info["n"])))
        if isinstance(page, web.Response):
            return page
        if page is None or page.action.status is not ActionStatus.OPEN:
            return self._not_found()
        flash = self._flash(request)
        path = f"actions/{page.action.number}"
        form = self._forms(request, path)[path]
        session = self._session(request)
        body = lead_pages.action_page(page, form, self._sign_out_form(session), flash.error)
        return html_response(body)

    async def _leads_page(self, request: web.Request) -> web.Response:
        page = await self._view(request, leads_page)
        if isinstance(page, web.Response):
            return page
        flash = self._flash(request)
        add = self._forms(request, "leads/add")["leads/add"]
        remove = self._forms(request, "leads/remove")["leads/remove"]
        session = self._session(request)
        body = lead_pages.leads_page(
            page,
            add,
            {line.id: remove for line in page.leads},
            self._sign_out_form(session),
            flash.said,
            flash.error[1] if flash.error else "",
            flash.value,
        )
        return html_response(body)


# what each form asks for


def _open(_request: web.Request, form: dict[str, str]) -> OpenRound:
    title = form.get("title", "").strip() or None
    typed = form.get("closes", "").strip()
    until = lead_pages.iso_date(typed) if typed else None
    if typed and until is None:
        raise FormProblem("closes", "Enter the closing date as a date, like 2027-01-15")
    return OpenRound(title, until=until)


def _close(_request: web.Request, form: dict[str, str]) -> CloseRound:
    return CloseRound(anyway=form.get("anyway") == "yes")


def _add_people(_request: web.Request, form: dict[str, str]) -> AddPeople:
    entries, bad = parse_entries(form.get("entries", ""))
    if not entries and not bad:
        raise FormProblem("entries", "Enter at least one email address")
    return AddPeople(tuple(entries), tuple(bad))


def _number(text: str, field: str) -> int:
    if not text.strip().isdecimal() or len(text.strip()) > 9:
        raise FormProblem(field, "Enter a whole number")
    return int(text.strip())


def _remove_person(_request: web.Request, form: dict[str, str]) -> RemovePeople:
    return RemovePeople(person_ids=(_number(form.get("person", ""), "person"),))


def _setting(_request: web.Request, form: dict[str, str]) -> ChangeSetting:
    try:
        setting = Setting(form.get("setting", ""))
    except ValueError:
        raise BadRequest(400, "no such setting") from None
    value = form.get("value", "")
    if setting is Setting.WORKING_DAYS:
        days = tuple(sorted(int(k[4:]) for k in form if k[:4] == "day-" and k[4:] in "0123456"))
        if not days:
            raise FormProblem("day-0", "Select at least one working day")
        return ChangeSetting(setting, days)
    if setting is Setting.MIN_RESPONSES:
        confirmed = form.get("confirmed") == "yes"
        return ChangeSetting(setting, _number(value, "min-value"), confirmed)
    if value not in ("on", "off"):
        raise FormProblem(f"value-{'on'}", f"Choose on or off for {setting}")
    return ChangeSetting(setting, value == "on")


def _switch_groups(_request: web.Request, form: dict[str, str]) -> SwitchGroups:
    value = form.get("value", "")
    if value not in ("on", "off"):
        raise FormProblem("perspectives-on", "Choose on or off for results by group")
    return SwitchGroups(value == "on")


def _set_groups(_request: web.Request, form: dict[str, str]) -> SetGroups:
    lines = (" ".join(line.split()) for line in form.get("groups", "").splitlines())
    return SetGroups(tuple(name for name in lines if name))  # none: the default list


def _schedule(_request: web.Request, form: dict[str, str]) -> SetSchedule:
    every = _number(form.get("every", ""), "every")
    try:
        unit = Unit(form.get("unit", ""))
    except ValueError:
        raise BadRequest(400, "no such unit") from None
    day = form.get("weekday", "")
    if day and day not in WEEKDAYS:
        raise BadRequest(400, "no such day")
    try:
        at = time.fromisoformat(form.get("at", "09:00") or "09:00")
    except ValueError:
        raise FormProblem("at", "Enter a time of day, like 09:00") from None
    zone = form.get("timezone", "").strip() or None
    days = _number(form.get("days", ""), "days")
    return SetSchedule(every, unit, WEEKDAYS.index(day) if day else None, at, zone, days)


def _owner(text: str) -> UserMention | None:
    text = text.strip()
    if not text:
        return None
    return parse_mention(text) or UserMention(None, None, text.lstrip("@"), text)


def _due(form: dict[str, str]) -> tuple[bool, date | None]:
    typed = form.get("due", "").strip()
    if not typed:
        return False, None
    day = lead_pages.iso_date(typed)
    if day is None:
        raise FormProblem("due", "Enter the due date as a date, like 2027-02-01")
    return True, day


def _add_action(_request: web.Request, form: dict[str, str]) -> AddAction:
    what = form.get("what", "").strip()
    if not what:
        raise FormProblem("what", "Say what was agreed")
    _given, due = _due(form)
    return AddAction(form.get("category", ""), what, _owner(form.get("owner", "")), due)


def _edit_action(request: web.Request, form: dict[str, str]) -> EditAction:
    what = form.get("what", "").strip()
    if not what:
        raise FormProblem("what", "Say what was agreed")
    owner = _owner(form.get("owner", ""))
    given, due = _due(form)
    number = int(request.match_info["n"])
    return EditAction(number, what, owner, due, no_owner=owner is None, no_due=not given)


def _done(request: web.Request, _form: dict[str, str]) -> FinishAction:
    return FinishAction(int(request.match_info["n"]), ActionStatus.DONE)


def _drop(request: web.Request, _form: dict[str, str]) -> FinishAction:
    return FinishAction(int(request.match_info["n"]), ActionStatus.DROPPED)


def _add_lead(_request: web.Request, form: dict[str, str]) -> AddLead:
    named = someone(form.get("who", ""))
    if named is None:
        raise FormProblem("who", "Enter an email address, or an id like slack:U123")
    return AddLead(named)


def _remove_lead(_request: web.Request, form: dict[str, str]) -> RemoveLead:
    named = parse_mention(form.get("who", ""))
    if named is None or not (named.platform and named.user_id):
        raise BadRequest(400, "no lead named")
    return RemoveLead(named)


def _field_of(request: LeadRequest) -> str:
    """The field a refusal of this request is about (its error summary links there)."""
    fields: dict[type, str] = {
        OpenRound: "title",
        AddPeople: "entries",
        AddAction: "what",
        EditAction: "what",
        AddLead: "who",
        SetSchedule: "every",
        ChangeSetting: "min-value",
        SetGroups: "groups",
    }
    return fields.get(type(request), "main")
