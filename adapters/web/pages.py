"""The web channel's HTML: every page server-rendered, working with JavaScript off, following
the GOV.UK Design System's patterns (one question per page, radios in a fieldset whose legend
is the heading, an error summary that links to the field, a plain page for a bad link) with the
bot's own small stylesheet. Every text is escaped; the core's *bold* markers become <strong>.

A card is rendered from the core's Outgoing: the choices that carry a detail (the five levels)
become radios whose label holds the level and its descriptor together, the other choices
(Not sure, Back, Start, Submit, ...) buttons; the lines that repeat a level's descriptor are
left out of the text, since the radios show them.
"""

from __future__ import annotations

import hashlib
import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.messages import Choice, Outgoing

CSS_PATH = Path(__file__).with_name("static") / "web.css"
CSS = CSS_PATH.read_bytes()
CSS_URL = f"/web/static/web.css?v={hashlib.sha256(CSS).hexdigest()[:12]}"
COMMENT_LIMIT = 2000  # the core's limit per question: the browser stops typing there too
_BOLD = re.compile(r"\*([^*\n]+)\*")


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def rich(text: str) -> str:
    """Escaped text with the core's *bold* as <strong>."""
    return _BOLD.sub(r"<strong>\1</strong>", esc(text))


def paragraphs(text: str) -> str:
    """Blank-line separated blocks as paragraphs, lines within them kept."""
    blocks = [block.strip("\n") for block in text.split("\n\n") if block.strip()]
    return "".join("<p>" + "<br>".join(rich(x) for x in b.split("\n")) + "</p>" for b in blocks)


@dataclass(frozen=True)
class Form:
    """The hidden fields every form carries: a nonce (the delivery id of what it submits: a
    replayed or doubled form is recorded once) and its CSRF token."""

    action: str
    nonce: str
    csrf: str

    def open(self) -> str:
        return (
            f'<form method="post" action="{esc(self.action)}" novalidate>'
            f'<input type="hidden" name="nonce" value="{esc(self.nonce)}">'
            f'<input type="hidden" name="csrf" value="{esc(self.csrf)}">'
        )


def layout(title: str, service: str, body: str, footer: str = "") -> str:
    """A whole page."""
    foot = f'<footer class="footer">{footer}</footer>' if footer else ""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{esc(title)}</title><link rel="stylesheet" href="{CSS_URL}"></head><body>'
        '<a class="skip" href="#main">Skip to main content</a>'
        f'<header class="header"><p>{esc(service)}</p></header>'
        f'<main class="main" id="main">{body}</main>{foot}</body></html>'
    )


def notices(texts: Sequence[str]) -> str:
    """What the bot said back to the last thing done (a confirmation, a refusal)."""
    if not texts:
        return ""
    inner = "".join(paragraphs(text) for text in texts)
    return f'<div class="notice" role="status">{inner}</div>'


def error_summary(problem: str, field_id: str) -> str:
    return (
        '<div class="error-summary" role="alert" aria-labelledby="error-title" tabindex="-1">'
        '<h2 id="error-title">There is a problem</h2>'
        f'<ul><li><a href="#{esc(field_id)}">{esc(problem)}</a></li></ul></div>'
    )


def _buttons(choices: Sequence[Choice], primary: bool, css: str = "buttons") -> str:
    out = []
    for number, choice in enumerate(choices):
        kind = "" if primary and number == 0 else ' class="secondary"'
        out.append(
            f'<button type="submit" name="choice" value="{esc(choice.id)}"{kind}>'
            f"{esc(choice.label)}</button>"
        )
    return f'<div class="{css}">{"".join(out)}</div>'


def _text_without_details(message: Outgoing) -> list[str]:
    details = {c.detail_line for c in message.choices if c.detail}
    return [line for line in message.text.split("\n") if line not in details]


def card_form(message: Outgoing, form: Form, error: str | None = None) -> str:
    """A card: the heading and question as the fieldset's legend and hint, a radio per level
    (level and descriptor in one label), a comment box, Continue, then the other choices."""
    levels = [c for c in message.choices if c.detail]
    others = [c for c in message.choices if not c.detail and not c.takes_text]
    # The comment box is the card's Comment choice: it holds the comment so far.
    held = next((c.current_text for c in message.choices if c.takes_text), "")
    first, *rest = _text_without_details(message)
    hint = "\n".join(rest).strip()
    caption, _, title = first.partition(" · ")
    heading = rich(first)
    if title:
        heading = f'<span class="caption">Question {esc(caption)}</span>{esc(title)}'
    radios = "".join(
        f'<div class="radio"><input type="radio" id="level-{n}" name="level" '
        f'value="{esc(c.id)}"><label for="level-{n}"><span class="level">Level {esc(c.label)}'
        f"</span> {esc(c.detail or '')}</label></div>"
        for n, c in enumerate(levels, start=1)
    )
    problem = ""
    described = "card-hint"
    if error:
        problem = f'<span class="error-message" id="level-error">Error: {esc(error)}</span>'
        described += " level-error"
    return (
        (error_summary(error, "level-1") if error else "")
        + form.open()
        + f'<fieldset aria-describedby="{described}"><legend><h1>{heading}</h1></legend>'
        f'<div class="hint" id="card-hint">{paragraphs(hint)}</div>{problem}'
        f'<div class="radios">{radios}</div></fieldset>'
        '<label class="field" for="comment">Comment (optional)</label>'
        '<p class="hint" id="comment-hint">Kept with your answer to this question. Leads see '
        "comments only together, never who wrote them.</p>"
        f'<textarea id="comment" name="comment" rows="4" maxlength="{COMMENT_LIMIT}" '
        f'aria-describedby="comment-hint">{esc(held)}</textarea>'
        '<div class="buttons"><button type="submit" name="go" value="continue">Continue</button>'
        + "".join(
            f'<button type="submit" name="choice" value="{esc(c.id)}" class="secondary">'
            f"{esc(c.label)}</button>"
            for c in others
        )
        + "</div></form>"
    )


def prompt_form(message: Outgoing, heading: str, form: Form) -> str:
    """Any other prompt (the invitation, the review, which answer to change): its text, and a
    button per choice, the first one primary."""
    text = message.text
    body = f"<h1>{esc(heading)}</h1>{paragraphs(text)}"
    if not message.choices:
        return body
    many = len(message.choices) > 3
    return (
        body
        + form.open()
        + _buttons(message.choices, primary=not many, css="choices" if many else "buttons")
        + "</form>"
    )


def confirm_choice(label: str, choice_id: str, form: Form) -> str:
    """A choice followed from an email link, shown for confirming (links never change
    anything: mail scanners follow them)."""
    return (
        '<div class="notice"><h2>Please confirm</h2>'
        + form.open()
        + f'<div class="buttons"><button type="submit" name="choice" value="{esc(choice_id)}">'
        f"{esc(label)}</button></div></form></div>"
    )


def message_page(title: str, service: str, body_html: str, status_note: str = "") -> str:
    """A page that only says something."""
    return layout(title, service, f"<h1>{esc(title)}</h1>{body_html}{status_note}")


def join_form(community: str, form: Form, error: str | None = None, value: str = "") -> str:
    problem = ""
    described = "email-hint"
    if error:
        problem = f'<span class="error-message" id="email-error">Error: {esc(error)}</span>'
        described += " email-error"
    return (
        (error_summary(error, "email") if error else "")
        + f"<h1>Take part in {esc(community)}'s self-assessment</h1>"
        "<p>Partners across the local system score how it works together, nine questions "
        "about ten minutes, from any phone or computer.</p>"
        + form.open()
        + '<label class="field" for="email">Email address</label>'
        '<p class="hint" id="email-hint">We email you a link to confirm. Your address is used '
        "only to send you this self-assessment's links, reminders and summary.</p>"
        f"{problem}"
        f'<input type="email" id="email" name="email" autocomplete="email" spellcheck="false" '
        f'value="{esc(value)}" aria-describedby="{described}"'
        + (' aria-invalid="true"' if error else "")
        + '><div class="buttons"><button type="submit">Email me a link</button></div></form>'
    )


def single_button(
    intro_html: str, label: str, form: Form, choice: str = "", danger: bool = False
) -> str:
    """Some words and one button that does what they say (red when it cannot be undone)."""
    name = f' name="choice" value="{esc(choice)}"' if choice else ""
    kind = ' class="warning"' if danger else ""
    return (
        intro_html
        + form.open()
        + f'<div class="buttons"><button type="submit"{name}{kind}>{esc(label)}</button></div>'
        "</form>"
    )


def your_data(lines: Sequence[str], download: str, forget: str, back: str) -> str:
    """What is stored about a person, a download of it, and the way to be forgotten."""
    items = "".join(f"<li>{esc(line.strip())}</li>" for line in lines if line.strip())
    return (
        "<h1>Your data</h1><p>Everything this self-assessment stores about you:</p>"
        f'<ul class="list">{items}</ul>'
        f'<p><a href="{esc(download)}" download>Download your data (JSON)</a></p>'
        "<h2>Forget me</h2><p>You can have your name, address, answers and comments erased. "
        "Summaries already posted stay as they were.</p>"
        f'<p><a href="{esc(forget)}">Forget me</a></p>'
        f'<p><a href="{esc(back)}">Back to your questions</a></p>'
    )
