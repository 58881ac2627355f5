"""The leads' pages' HTML: the core's page views (bot/commands/views.py) laid out with the GOV.UK
Design System's patterns (a service navigation, summary lists, one form per thing to do, an
error summary that links to the field, a warning before what wastes a round), the bot's own
small stylesheets and no script. Every text is escaped; every form carries its nonce and CSRF
token (pages.Form)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

from adapters.web import board
from adapters.web.pages import CSS_URL, Form, error_summary, esc, notices, paragraphs
from bot.commands.views import (
    ActionPage,
    CommunityPage,
    LeadsPage,
    PeoplePage,
    ResultsPage,
    SettingsPage,
)
from bot.conversation.cards import format_moment
from bot.model import PREFER_NOT_TO_SAY, ActionStatus, Community, Role
from bot.schedule.cadence import WEEKDAYS
from bot.summary.disclosure import PEOPLE_FLOOR, what_a_pair_learns

LEAD_CSS_PATH = Path(__file__).with_name("static") / "lead.css"
LEAD_CSS = LEAD_CSS_PATH.read_bytes()
LEAD_CSS_URL = f"/web/static/lead.css?v={hashlib.sha256(LEAD_CSS).hexdigest()[:12]}"
SERVICE = "Self-assessment: leads' pages"
SECTIONS = (
    ("", "Round"),
    ("/people", "People"),
    ("/settings", "Settings"),
    ("/results", "Results"),
    ("/leads", "Leads"),
)


def layout(
    title: str,
    body: str,
    community: Community | None = None,
    current: str = "",
    sign_out: Form | None = None,
) -> str:
    """A whole lead page: the header names the service (and the community), the navigation
    leads to each section of it, and a signed-in lead can sign out from every page."""
    nav = ""
    if community is not None:
        base = f"/lead/c/{community.id}"
        links = "".join(
            f'<li><a href="{esc(base + path)}"'
            + (' aria-current="page"' if path == current else "")
            + f">{esc(label)}</a></li>"
            for path, label in SECTIONS
        )
        nav = f'<nav class="service-nav" aria-label="Leads\' pages"><ul>{links}</ul></nav>'
    out = ""
    if sign_out is not None:
        out = sign_out.open() + '<button type="submit" class="link-button">Sign out</button></form>'
    name = f"{esc(community.name)} · " if community is not None else ""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}: {esc(SERVICE)}</title>"
        f'<link rel="stylesheet" href="{CSS_URL}">'
        f'<link rel="stylesheet" href="{LEAD_CSS_URL}"></head><body>'
        '<a class="skip" href="#main">Skip to main content</a>'
        f'<header class="header{" lead-header" if nav else ""}"><div class="header-row"><p>{name}'
        f"{esc(SERVICE)}</p>{out}</div>{nav}</header>"
        f'<main class="main lead-main" id="main">{body}</main></body></html>'
    )


# small parts


def summary_list(rows: Sequence[tuple[str, str]]) -> str:
    """Key and value pairs (values are HTML already)."""
    items = "".join(
        f'<div class="summary-row"><dt>{esc(key)}</dt><dd>{value}</dd></div>' for key, value in rows
    )
    return f'<dl class="summary-list">{items}</dl>'


def _field(
    name: str,
    label: str,
    *,
    kind: str = "text",
    value: str = "",
    hint: str = "",
    error: str = "",
    extra: str = "",
    field_id: str = "",
) -> str:
    """A labelled input, with its hint and error message."""
    field_id = field_id or name
    described = " ".join(
        part
        for part in (f"{field_id}-hint" if hint else "", f"{field_id}-error" if error else "")
        if part
    )
    return (
        f'<div class="field-group{" field-error" if error else ""}">'
        f'<label class="field" for="{esc(field_id)}">{esc(label)}</label>'
        + (f'<p class="hint" id="{esc(field_id)}-hint">{esc(hint)}</p>' if hint else "")
        + (
            f'<p class="error-message" id="{esc(field_id)}-error">Error: {esc(error)}</p>'
            if error
            else ""
        )
        + f'<input type="{kind}" id="{esc(field_id)}" name="{esc(name)}" value="{esc(value)}"'
        + (f' aria-describedby="{esc(described)}"' if described else "")
        + (' aria-invalid="true"' if error else "")
        + f"{extra}></div>"
    )


def _button(label: str, *, kind: str = "", name: str = "", value: str = "") -> str:
    css = f' class="{kind}"' if kind else ""
    named = f' name="{esc(name)}" value="{esc(value)}"' if name else ""
    return f'<button type="submit"{css}{named}>{esc(label)}</button>'


def _form(form: Form, inner: str, buttons: str) -> str:
    return f'{form.open()}{inner}<div class="buttons">{buttons}</div></form>'


def _radios(
    key: str, legend: str, hint: str, options: Sequence[tuple[str, str]], checked: str
) -> str:
    """A question with a few answers: its legend is the section's heading (GOV.UK), the
    answers are radios named "value" (ids start with key: unique on the page)."""
    radios = "".join(
        f'<div class="radio"><input type="radio" id="{esc(key)}-{esc(value)}" '
        f'name="value" value="{esc(value)}"'
        + (" checked" if value == checked else "")
        + f'><label for="{esc(key)}-{esc(value)}">{esc(label)}</label></div>'
        for value, label in options
    )
    return (
        f'<fieldset aria-describedby="{esc(key)}-hint"><legend><h2>{esc(legend)}</h2></legend>'
        f'<p class="hint" id="{esc(key)}-hint">{esc(hint)}</p>'
        f'<div class="radios radios-inline">{radios}</div></fieldset>'
    )


def _opening(said: Sequence[str], error: tuple[str, str] | None, heading_html: str) -> list[str]:
    """A page's first parts: what went wrong (first, GOV.UK's error summary), what the last
    form did, and the heading."""
    first = [error_summary(error[1], error[0])] if error is not None else []  # (field, words)
    return [*first, notices(said), f"<h1>{heading_html}</h1>"]


def _option(value: str, label: str, selected: bool) -> str:
    chosen = " selected" if selected else ""
    return f'<option value="{esc(value)}"{chosen}>{esc(label)}</option>'


def _hidden_label(text: str) -> str:
    return f'<span class="visually-hidden"> {esc(text)}</span>'


def _moment(moment: datetime, zone: str) -> str:
    return esc(format_moment(moment, zone))


# signing in


def sign_in_page(form: Form, said: Sequence[str], error: str = "", value: str = "") -> str:
    problem = error_summary(error, "email") if error else ""
    body = (
        problem + notices(said) + "<h1>Sign in to the leads' pages</h1>"
        "<p>Run your partnership's self-assessment from here: open a round, see who has "
        "answered, remind, close, and read the results.</p>"
        + _form(
            form,
            _field(
                "email",
                "Your email address",
                kind="email",
                value=value,
                hint="We email you a link to sign in. It works once, within 15 minutes.",
                error=error,
                extra=' autocomplete="email" spellcheck="false"',
            ),
            _button("Email me a sign-in link"),
        )
        + '<p class="hint">Lead in Slack or Telegram? Type <code>/round web</code> in your '
        "group for a link.</p>"
    )
    return layout(f"{'Error: ' if error else ''}Sign in", body)


def sign_in_sent_page() -> str:
    body = (
        "<h1>Check your email</h1><p>If that address belongs to a lead, we have sent it a link "
        "to sign in. It works once, within 15 minutes.</p><p>Nothing arrived? Check your junk "
        'folder, or <a href="/lead/sign-in">ask again</a>.</p>'
    )
    return layout("Check your email", body)


def sign_in_confirm_page(form: Form) -> str:
    body = (
        "<h1>Sign in to the leads' pages</h1><p>Press the button to sign in on this "
        "device.</p>" + _form(form, "", _button("Sign in"))
    )
    return layout("Sign in", body)


def sign_in_not_valid_page() -> str:
    body = (
        "<h1>This sign-in link has expired or been used</h1><p>A sign-in link works once, "
        'within 15 minutes. <a href="/lead/sign-in">Ask for a new one</a>.</p>'
    )
    return layout("Sign-in link not valid", body)


def home_page(communities: Sequence[Community], sign_out: Form, said: Sequence[str]) -> str:
    items = "".join(f'<li><a href="/lead/c/{c.id}">{esc(c.name)}</a></li>' for c in communities)
    body = notices(said) + f'<h1>Your communities</h1><ul class="list">{items}</ul>'
    return layout("Your communities", body, sign_out=sign_out)


def not_found_page() -> str:
    body = (
        "<h1>Page not found</h1><p>You may not lead that community, or it does not exist. "
        '<a href="/lead">Go to your communities</a>.</p>'
    )
    return layout("Page not found", body)


# the round


def community_page(
    page: CommunityPage,
    forms: dict[str, Form],
    sign_out: Form,
    said: Sequence[str],
    error: tuple[str, str] | None = None,
) -> str:
    """The round now: how it stands, and open, remind, close or reopen."""
    community = page.community
    parts = _opening(said, error, f"{esc(community.name)}")
    status = page.status
    if status is None:
        parts.append("<p>No round yet. Open the first one below.</p>")
    else:
        round_ = status.round
        zone = round_.timezone
        state = (
            f"Open until {_moment(round_.closes_at, zone)}"
            if status.is_open
            else (
                f"Closed on {_moment(round_.ended_at(), zone)}"
                if round_.closed_at is not None
                else f"Past its closing time ({_moment(round_.closes_at, zone)}): it closes soon"
            )
        )
        rate = f" ({status.completed / status.invited:.0%})" if status.invited else ""
        rows = [
            ("State", state),
            ("Invited", str(status.invited)),
            (
                "Completed",
                f"{status.completed}{rate}: a summary needs at least {status.needed}",
            ),
            ("In progress", str(status.in_progress)),
            ("Not started", str(status.not_started)),
        ]
        if status.waiting_invitations:
            rows.append(("Invitations not delivered yet", str(status.waiting_invitations)))
        if status.unreachable:
            rows.append(("Could not be reached", str(status.unreachable)))
        if status.unfinished is None:
            rows.append(("Not finished yet", "Names are not shown: answers are anonymous."))
        else:
            rows.append(("Not finished yet", esc(", ".join(status.unfinished)) or "Nobody"))
        parts.append(f"<h2>Round {round_.number}: {esc(round_.title)}</h2>")
        parts.append(summary_list(rows))
    if page.can_close:
        parts.append(
            '<div class="action-row">'
            + _form(forms["remind"], "", _button("Send a reminder", kind="secondary"))
            + _form(forms["close"], "", _button("Close the round"))
            + "</div>"
            + '<p class="hint">A reminder goes to everyone who has not finished, once a day at '
            "most. Closing posts the summary and sends the debrief pack to the leads.</p>"
        )
    if status is not None and status.round.closed_at is not None and page.reopen_until is None:
        if status.completed >= status.needed:
            parts.append(
                "<p>Its summary has been sent to everyone, with the debrief pack to the leads: "
                f'<a href="/lead/c/{community.id}/results">see the results</a>.</p>'
            )
        else:
            parts.append(f"<p>It closed without a summary. {esc(page.why_not_reopen)}</p>")
    if page.reopen_until is not None and status is not None:
        until = _moment(page.reopen_until, page.timezone)
        parts.append(
            f"<h2>Closed by mistake?</h2><p>Round {status.round.number} closed without a "
            f"summary. You can reopen it until {until}; it then stays open for 7 more days "
            "(or until its closing date, if that is later).</p>"
            + _form(forms["reopen"], "", _button("Reopen the round", kind="secondary"))
        )
    if not page.can_close:
        problem = error[1] if error is not None and error[0] in ("title", "closes") else ""
        field = error[0] if error is not None else ""
        parts.append(
            "<h2>Open a round</h2>"
            + _form(
                forms["open"],
                _field(
                    "title",
                    "Title",
                    value=page.suggested_title,
                    error=problem if field == "title" else "",
                )
                + _field(
                    "closes",
                    "Closing date",
                    kind="date",
                    value=page.suggested_close.isoformat(),
                    hint=f"It closes at the end of that day ({page.timezone}); at most a year "
                    "ahead.",
                    error=problem if field == "closes" else "",
                ),
                _button("Open the round"),
            )
            + f'<p class="hint">Everyone in the community ({page.people} people) is invited '
            "by email or in their chat.</p>"
        )
    return layout(
        f"{'Error: ' if error else ''}{community.name}", "".join(parts), community, "", sign_out
    )


def close_warning_page(page: CommunityPage, close: Form, sign_out: Form) -> str:
    """Closing below the minimum: say what it costs, and ask."""
    community = page.community
    status = page.status
    assert status is not None
    base = f"/lead/c/{community.id}"
    body = (
        f"<h1>Close round {status.round.number} now?</h1>"
        '<div class="warning-text"><span class="warning-icon" aria-hidden="true">!</span>'
        f'<strong><span class="visually-hidden">Warning</span>Closing now gives no summary: '
        f"{status.completed} of the {status.needed} needed have finished.</strong></div>"
        "<p>Answers are only summarised when enough people have finished, so that nobody's "
        "answers can be picked out. You could send a reminder and wait. If you close it "
        "anyway, you can reopen it within 7 days.</p>"
        + close.open()
        + '<input type="hidden" name="anyway" value="yes"><div class="buttons">'
        + _button("Close anyway", kind="warning")
        + f'<a class="button-link secondary" href="{esc(base)}">Keep it open</a></div></form>'
    )
    return layout("Close the round now?", body, community, "", sign_out)


def min_responses_warning_page(
    page: SettingsPage, value: int, settings: Form, sign_out: Form
) -> str:
    """A minimum below 5: say what two people comparing notes could learn, and ask."""
    community = page.community
    base = f"/lead/c/{community.id}/settings"
    body = (
        f"<h1>Set the minimum to {value}?</h1>"
        '<div class="warning-text"><span class="warning-icon" aria-hidden="true">!</span>'
        f'<strong><span class="visually-hidden">Warning</span>{esc(what_a_pair_learns(value))}'
        "</strong></div>"
        f"<p>From {PEOPLE_FLOOR} people on, no one's answers can be read off like this. "
        f"The minimum is {community.min_responses} now.</p>"
        + settings.open()
        + '<input type="hidden" name="setting" value="min_responses">'
        + f'<input type="hidden" name="value" value="{value}">'
        + '<input type="hidden" name="confirmed" value="yes"><div class="buttons">'
        + _button(f"Set it to {value}", kind="warning")
        + f'<a class="button-link secondary" href="{esc(base)}">Keep '
        + f"{community.min_responses}</a></div></form>"
    )
    return layout(f"Set the minimum to {value}?", body, community, "/settings", sign_out)


# people


def people_page(
    page: PeoplePage,
    add: Form,
    removes: dict[int, Form],
    sign_out: Form,
    said: Sequence[str],
    bad: Sequence[str] = (),
) -> str:
    community = page.community
    parts = []
    if bad:
        items = "".join(
            f'<li><a href="#entries">“{esc(entry)}” is not an email address</a></li>'
            for entry in bad
        )
        parts.append(
            '<div class="error-summary" role="alert" aria-labelledby="error-title" '
            'tabindex="-1"><h2 id="error-title">There is a problem</h2>'
            f"<ul>{items}</ul></div>"
        )
    parts.append(notices(said))
    parts.append(f"<h1>People in {esc(community.name)}</h1>")
    if page.email:
        error = (
            f"Fix or remove {'this entry' if len(bad) == 1 else 'these entries'}, then add again"
            if bad
            else ""
        )
        parts.append(
            "<h2>Add people by email</h2>"
            + _form(
                add,
                '<div class="field-group' + (" field-error" if bad else "") + '">'
                '<label class="field" for="entries">Email addresses</label>'
                '<p class="hint" id="entries-hint">Paste them from Outlook or a spreadsheet: '
                "<code>Ana Smith &lt;ana@example.org&gt;</code> or just the address, separated "
                "by commas, semicolons or new lines.</p>"
                + (
                    f'<p class="error-message" id="entries-error">Error: {esc(error)}</p>'
                    if bad
                    else ""
                )
                + '<textarea id="entries" name="entries" rows="6" aria-describedby="entries-hint'
                + (' entries-error" aria-invalid="true' if bad else "")
                + f'" spellcheck="false">{esc(chr(10).join(bad))}</textarea></div>',
                _button("Add people"),
            )
        )
        if page.join_page:
            parts.append(
                "<p>Or share the join page, where anyone can ask to take part by email: "
                f'<a href="{esc(page.join_page)}">{esc(page.join_page)}</a></p>'
            )
    else:
        parts.append("<p>People cannot be added by email here: the bot has no email settings.</p>")
    count = f"Everyone ({len(page.people)})"
    heading = f"{count}, and how far they are in round {page.round.number}" if page.round else count
    rows: list[str] = []
    for line in page.people:
        remove = ""
        if line.by_email and line.role is not Role.LEAD and line.id in removes:
            remove = (
                removes[line.id].open()
                + f'<input type="hidden" name="person" value="{line.id}">'
                + '<button type="submit" class="secondary small">Remove'
                + _hidden_label(line.name)
                + "</button></form>"
            )
        lead = ", a lead" if line.role is Role.LEAD else ""
        address = f"<span>{esc(line.address)}</span>" if line.address else ""
        rows.append(
            f'<li><div class="who"><strong>{esc(line.name)}</strong>{address}'
            f'<span class="hint">{esc(line.status.capitalize())} · on {esc(line.platform)}'
            f"{lead} · id {line.id}</span></div>{remove}</li>"
        )
    parts.append(
        f"<h2>{esc(heading)}</h2>"
        f'<ul class="people">{"".join(rows)}</ul>'
        '<p class="hint">People in a chat take part while they are in it. Removing someone '
        "by email stops their invitations and reminders; their answers so far stay.</p>"
    )
    title = f"{'Error: ' if bad else ''}People"
    return layout(title, "".join(parts), community, "/people", sign_out)


# settings and schedule


def settings_page(
    page: SettingsPage,
    forms: dict[str, Form],
    sign_out: Form,
    said: Sequence[str],
    error: tuple[str, str] | None = None,
) -> str:
    community = page.community
    parts = _opening(said, error, f"Settings of {esc(community.name)}")
    parts.append(
        '<p class="hint">A round keeps the settings it opened with: a change applies to rounds '
        "opened from now on.</p>"
    )
    on_off = (("on", "On"), ("off", "Off"))
    switches = (
        (
            "anonymous",
            "Anonymous answers",
            community.anonymous,
            "Names of those not finished are not shown, and answers are exported without names.",
        ),
        (
            "priorities",
            "Ask for priorities",
            community.priorities,
            "After answering, people may pick up to two areas to work on first.",
        ),
        (
            "email_summary",
            "Email the summary",
            community.email_summary,
            "People who take part by email get the summary when a round closes.",
        ),
    )
    for name, legend, value, hint in switches:
        parts.append(
            _form(
                forms[name],
                f'<input type="hidden" name="setting" value="{name}">'
                + _radios(name, legend, hint, on_off, "on" if value else "off"),
                '<button type="submit" class="secondary">Save'
                + _hidden_label(legend.lower())
                + "</button>",
            )
        )
    options = "".join(
        f'<option value="{n}"'
        + (" selected" if n == community.min_responses else "")
        + f">{n}</option>"
        for n in page.min_responses
    )
    parts.append(
        "<h2>Minimum responses</h2>"
        + _form(
            forms["min_responses"],
            '<input type="hidden" name="setting" value="min_responses">'
            '<div class="field-group"><label class="field" for="min-value">How many must '
            "answer before a category's figures are shown</label>"
            '<p class="hint" id="min-hint">Fewer, and a category shows "not enough answers"; '
            f"a round needs as many completed for a summary. Below {PEOPLE_FLOOR}, you are "
            "asked to confirm.</p>"
            f'<select id="min-value" name="value" aria-describedby="min-hint">{options}'
            "</select></div>",
            _button("Save minimum responses", kind="secondary"),
        )
    )
    boxes = "".join(
        f'<div class="checkbox"><input type="checkbox" id="day-{n}" name="day-{n}" value="on"'
        + (" checked" if n in community.working_days else "")
        + f'><label for="day-{n}">{esc(name.title())}</label></div>'
        for n, name in enumerate(WEEKDAYS)
    )
    parts.append(
        _form(
            forms["working_days"],
            '<input type="hidden" name="setting" value="working_days">'
            '<fieldset aria-describedby="days-hint"><legend><h2>Working days</h2></legend>'
            '<p class="hint" id="days-hint">Reminders go only on these days, at 9am in each '
            "person's own time.</p>"
            f'<div class="checkboxes">{boxes}</div></fieldset>',
            _button("Save working days", kind="secondary"),
        )
    )
    parts.append(_perspectives(community, forms, error))
    schedule = page.schedule
    plan = schedule.cadence if schedule is not None else None
    units = "".join(
        f'<option value="{u}"'
        + (" selected" if plan is not None and plan.unit == u else "")
        + f">{label}</option>"
        for u, label in (("month", "months"), ("week", "weeks"))
    )
    days = '<option value="">Any (the day of the first opening)</option>' + "".join(
        f'<option value="{d}"'
        + (" selected" if plan is not None and plan.weekday == i else "")
        + f">{d.title()}</option>"
        for i, d in enumerate(WEEKDAYS)
    )
    field = error[0] if error is not None else ""
    problem = error[1] if error is not None else ""
    parts.append(
        "<h2>Schedule</h2>"
        + paragraphs(page.schedule_text)
        + '<p class="hint">In every round, whether you open it or the schedule does, those who '
        "have not finished are reminded 3 and 5 days after it opens and a day before it "
        "closes, at 09:00 where each of them is, never in quiet hours (21:00 to 08:00).</p>"
        + _form(
            forms["schedule"],
            '<fieldset><legend class="legend-m">Open a round every</legend>'
            '<div class="inline-fields">'
            + _field(
                "every",
                "Number",
                kind="number",
                value=str(plan.every if plan else 3),
                extra=' min="1" max="104" inputmode="numeric"',
                error=problem if field == "every" else "",
            )
            + f'<div class="field-group"><label class="field" for="unit">Months or weeks</label>'
            f'<select id="unit" name="unit">{units}</select></div></div></fieldset>'
            + f'<div class="field-group"><label class="field" for="weekday">On</label>'
            f'<select id="weekday" name="weekday">{days}</select></div>'
            + _field("at", "At", kind="time", value=f"{plan.at:%H:%M}" if plan else "09:00")
            + _field(
                "timezone",
                "Timezone",
                value=page.timezone,
                hint="Like Europe/London.",
                error=problem if field == "timezone" else "",
            )
            + _field(
                "days",
                "Each round is open for (days)",
                kind="number",
                value=str(plan.duration_days if plan else 14),
                extra=' min="1" max="366" inputmode="numeric"',
                error=problem if field == "days" else "",
            ),
            _button("Set the schedule", kind="secondary"),
        )
    )
    if schedule is not None:
        parts.append(
            _form(forms["schedule_off"], "", _button("Stop scheduled rounds", kind="secondary"))
        )
    parts.append(
        "<h2>Bring in a chat</h2><p>Run the same community in a Slack channel or a Telegram "
        "group too: get a one-time code, and an admin there types it.</p>"
        + _form(forms["link"], "", _button("Get a code", kind="secondary"))
    )
    title = f"{'Error: ' if error else ''}Settings"
    return layout(title, "".join(parts), community, "/settings", sign_out)


def _perspectives(
    community: Community, forms: dict[str, Form], error: tuple[str, str] | None
) -> str:
    """Perspectives on or off, and the groups people pick from (one a line)."""
    bad = error is not None and error[0] == "groups"
    problem = error[1] if error is not None and bad else ""
    named = [g for g in community.groups if g != PREFER_NOT_TO_SAY]
    return (
        "<h2>Perspectives</h2>"
        + _form(
            forms["perspectives"],
            _radios(
                "perspectives",
                "Results by group",
                "Each person says once whom they speak for. A group's results are shown only "
                "where at least 5 people in it, and as many outside it, answered.",
                (("on", "On"), ("off", "Off")),
                "on" if community.perspectives else "off",
            ),
            '<button type="submit" class="secondary">Save'
            + _hidden_label("results by group")
            + "</button>",
        )
        + _form(
            forms["groups"],
            '<div class="field-group' + (" field-error" if bad else "") + '">'
            '<label class="field" for="groups">Groups people pick from</label>'
            '<p class="hint" id="groups-hint">One a line, two to seven. “Prefer not to say” '
            "is always added; leave it empty for the usual list. An open round keeps its "
            "groups.</p>"
            + (
                f'<p class="error-message" id="groups-error">Error: {esc(problem)}</p>'
                if bad
                else ""
            )
            + '<textarea id="groups" name="groups" rows="6" aria-describedby="groups-hint'
            + (' groups-error" aria-invalid="true' if bad else "")
            + f'">{esc(chr(10).join(named))}</textarea></div>',
            _button("Save the groups", kind="secondary"),
        )
    )


# results


def results_page(
    page: ResultsPage,
    forms: dict[str, Form],
    sign_out: Form,
    said: Sequence[str],
    error: tuple[str, str] | None = None,
) -> str:
    community = page.community
    base = f"/lead/c/{community.id}"
    parts = _opening(said, error, f"Results of {esc(community.name)}")
    parts.append(board.latest_section(page.board.latest, f"{base}/results/chart.png"))
    if page.debrief and page.round is not None:
        parts.append(
            f'<p><a href="{esc(base)}/results/round-{page.round.number}-debrief.pdf" download>'
            f"Download the debrief pack of round {page.round.number} (PDF)</a></p>"
        )
    parts.append(board.trend_section(page.board.trend_table, f"{base}/results/trend.png"))
    parts.append('<h2 id="actions">Actions</h2>')
    if page.actions:
        items = []
        for action, line in page.actions:
            if action.status is ActionStatus.OPEN:
                buttons = (
                    f'<a class="button-link secondary small" href="{esc(base)}/actions/'
                    f'{action.number}">Change<span class="visually-hidden"> action '
                    f"{action.number}</span></a>"
                    + forms[f"done-{action.number}"].open()
                    + '<button type="submit" class="secondary small">Done'
                    + _hidden_label(f"action {action.number}")
                    + "</button></form>"
                    + forms[f"drop-{action.number}"].open()
                    + '<button type="submit" class="secondary small">Drop'
                    + _hidden_label(f"action {action.number}")
                    + "</button></form>"
                )
                items.append(f'<li>{esc(line)}<div class="row-actions">{buttons}</div></li>')
            else:
                items.append(f"<li>{esc(line)}</li>")
        parts.append(f'<ul class="list actions">{"".join(items)}</ul>')
    else:
        parts.append("<p>No actions yet.</p>")
    field = error[0] if error is not None else ""
    problem = error[1] if error is not None else ""
    categories = "".join(
        f'<option value="{esc(cid)}">{esc(title)}</option>' for cid, title in page.categories
    )
    parts.append(
        "<h3>Note an action the partnership agreed</h3>"
        + _form(
            forms["add"],
            f'<div class="field-group"><label class="field" for="category">Category</label>'
            f'<select id="category" name="category">{categories}</select></div>'
            + _field("what", "What was agreed", error=problem if field == "what" else "")
            + _field(
                "owner",
                "Owner (optional)",
                hint="A member's name, or anyone's name.",
                error=problem if field == "owner" else "",
            )
            + _field(
                "due", "Due date (optional)", kind="date", error=problem if field == "due" else ""
            ),
            _button("Add the action", kind="secondary"),
        )
    )
    parts.append('<h2 id="board">The partnership board</h2>')
    if page.board_page:
        parts.append(
            "<p>A read-only page of the latest summary, the trend, the priorities and the "
            "actions, for the partnership board: never a comment. Anyone with its link can "
            "read it.</p>"
            + _form(forms["board"], "", _button("Get the board link", kind="secondary"))
        )
        if page.board_link:
            parts.append(
                '<div class="action-row">'
                + _form(forms["board_reset"], "", _button("Replace the link", kind="secondary"))
                + _form(forms["board_off"], "", _button("Turn the board off", kind="secondary"))
                + "</div>"
            )
    else:
        parts.append("<p>The board is off here.</p>")
    title = f"{'Error: ' if error else ''}Results"
    return layout(title, "".join(parts), community, "/results", sign_out)


def action_page(
    page: ActionPage, form: Form, sign_out: Form, error: tuple[str, str] | None = None
) -> str:
    action = page.action
    community = page.community
    field = error[0] if error is not None else ""
    problem = error[1] if error is not None else ""
    body = (
        (error_summary(*error) if error is not None else "")
        + f"<h1>Change action {action.number}</h1><p>{esc(page.category)}</p>"
        + _form(
            form,
            _field(
                "what",
                "What was agreed",
                value=action.what,
                error=problem if field == "what" else "",
            )
            + _field(
                "owner",
                "Owner",
                value=page.owner,
                hint="Leave empty for no owner.",
                error=problem if field == "owner" else "",
            )
            + _field(
                "due",
                "Due date",
                kind="date",
                value=action.due.isoformat() if action.due else "",
                hint="Leave empty for no due date.",
                error=problem if field == "due" else "",
            ),
            _button("Save the action")
            + f'<a class="button-link secondary" href="/lead/c/{community.id}/results#actions">'
            "Cancel</a>",
        )
    )
    return layout(
        f"{'Error: ' if error else ''}Change action {action.number}",
        body,
        community,
        "/results",
        sign_out,
    )


# leads


def leads_page(
    page: LeadsPage,
    add: Form,
    removes: dict[int, Form],
    sign_out: Form,
    said: Sequence[str],
    error: str = "",
    value: str = "",
) -> str:
    community = page.community
    items = []
    for line in page.leads:
        you = " (you)" if line.id == page.you else ""
        remove = ""
        if len(page.leads) > 1 and line.id in removes:
            remove = (
                removes[line.id].open()
                + f'<input type="hidden" name="who" value="{esc(line.key)}">'
                + '<button type="submit" class="secondary small">Remove'
                + _hidden_label(f"{line.name} as a lead")
                + "</button></form>"
            )
        reached = esc(line.address) if line.address else f"on {esc(line.platform)}"
        items.append(
            f'<li><div class="who"><strong>{esc(line.name)}{you}</strong>'
            f"<span>{reached}</span></div>{remove}</li>"
        )
    body = (
        (error_summary(error, "who") if error else "")
        + notices(said)
        + f"<h1>Leads of {esc(community.name)}</h1>"
        f'<ul class="people">{"".join(items)}</ul>'
        "<h2>Add a lead</h2>"
        + _form(
            add,
            _field(
                "who",
                "Email address, or a chat id",
                value=value,
                hint="A lead by email gets a link to sign in. For someone in your Slack or "
                "Telegram group, write slack:U123 or telegram:456.",
                error=error,
                extra=' spellcheck="false"',
            ),
            _button("Add the lead", kind="secondary"),
        )
        + '<p class="hint">A community keeps at least one lead.</p>'
    )
    return layout(f"{'Error: ' if error else ''}Leads", body, community, "/leads", sign_out)


def iso_date(text: str) -> date | None:
    """A date from a date input (2027-01-15), or None."""
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None
