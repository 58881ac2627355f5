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


def _question_hint(message: Outgoing) -> str:
    """The card's question (its second line): the page shows the levels, the answer so far and
    how to comment in its own way."""
    lines = [line for line in message.text.split("\n")[1:] if line.strip()]
    return lines[0] if lines else ""


def card_form(
    message: Outgoing,
    form: Form,
    error: str | None = None,
    chosen: str = "",
    comment: str = "",
    hidden: Sequence[tuple[str, str]] = (),
    enrolled: str = "",
) -> str:
    """A card: the heading and question as the fieldset's legend and hint, a radio per level
    (level and descriptor in one label), "or" Not sure, a comment box, Continue, and Back as a
    secondary button at the bottom. The answer given so far (the label of its choice: "3",
    "Not sure") is ticked and its comment filled in, so Back and Change show what was said."""
    levels = [c for c in message.choices if c.detail]
    not_sure = [c for c in message.choices if not c.detail and c.label == "Not sure"]
    # The comment box is the card's Comment choice: it holds the comment so far.
    others = [c for c in message.choices if not c.detail and c not in not_sure and not c.takes_text]
    held = comment or next((c.current_text for c in message.choices if c.takes_text), "")
    first = message.text.split("\n", 1)[0]
    caption, _, title = first.partition(" · ")
    heading = rich(first)
    if title:
        heading = f'<span class="caption">Question {esc(caption)}</span>{esc(title)}'

    def radio(n: int, choice: Choice, label: str) -> str:
        ticked = " checked" if choice.label == chosen else ""
        return (
            f'<div class="radio"><input type="radio" id="level-{n}" name="level" '
            f'value="{esc(choice.id)}"{ticked}><label for="level-{n}">{label}</label></div>'
        )

    radios = "".join(
        radio(n, c, f'<span class="level">Level {esc(c.label)}</span> {esc(c.detail or "")}')
        for n, c in enumerate(levels, start=1)
    )
    if not_sure:
        radios += '<p class="or">or</p>' + radio(len(levels) + 1, not_sure[0], "Not sure")
    problem = ""
    described = "card-hint"
    if error:
        problem = f'<span class="error-message" id="level-error">Error: {esc(error)}</span>'
        described += " level-error"
    fields = "".join(
        f'<input type="hidden" name="{esc(name)}" value="{esc(value)}">' for name, value in hidden
    )
    return (
        (error_summary(error, "level-1") if error else "")
        + form.open()
        + fields
        + f'<fieldset aria-describedby="{described}"><legend><h1>{heading}</h1></legend>'
        f'<div class="hint" id="card-hint">{paragraphs(_question_hint(message))}'
        + (f"<p>{esc(enrolled)}</p>" if enrolled else "")
        + f"</div>{problem}"
        f'<div class="radios">{radios}</div></fieldset>'
        '<label class="field" for="comment">Comment (optional)</label>'
        '<p class="hint" id="comment-hint">Kept with your answer to this question. Leads see '
        "comments only together, never who wrote them.</p>"
        f'<textarea id="comment" name="comment" rows="4" maxlength="{COMMENT_LIMIT}" '
        f'aria-describedby="comment-hint">{esc(held)}</textarea>'
        '<div class="buttons"><button type="submit" name="go" value="continue">Continue</button>'
        "</div>"
        + "".join(
            f'<div class="buttons"><button type="submit" name="choice" value="{esc(c.id)}" '
            f'class="secondary">{esc(c.label)}</button></div>'
            for c in others
        )
        + "</form>"
    )


@dataclass(frozen=True)
class AnswerRow:
    """One row of "Check your answers": the question, the answer in the level's words, the
    comment, and where to change it."""

    question: str
    answer: str
    words: str
    comment: str
    change: str


def summary_list(rows: Sequence[AnswerRow]) -> str:
    """The GOV.UK summary list: a row per question, its Change link naming the question."""
    out = []
    for row in rows:
        words = f'<span class="words">{esc(row.words)}</span>' if row.words else ""
        comment = (
            f'<span class="comment"><span class="label">Your comment:</span> '
            f"{esc(row.comment)}</span>"
            if row.comment
            else ""
        )
        out.append(
            f'<div class="summary-row"><dt>{esc(row.question)}</dt>'
            f'<dd class="summary-value"><span class="answer">{esc(row.answer)}</span>'
            f"{words}{comment}</dd>"
            f'<dd class="summary-action"><a href="{esc(row.change)}">Change'
            f'<span class="visually-hidden"> your answer to {esc(row.question)}</span></a></dd>'
            "</div>"
        )
    return f'<dl class="summary">{"".join(out)}</dl>'


def check_answers(rows: Sequence[AnswerRow], submit: Choice | None, form: Form) -> str:
    """Check your answers before submitting (with Submit), or, once submitted, your answers
    with a Change link each."""
    if submit is None:
        return "<h1>Your answers</h1>" + summary_list(rows)
    return (
        "<h1>Check your answers before submitting</h1>"
        + summary_list(rows)
        + "<h2>Now submit your answers</h2><p>You can still change them until the round "
        "closes.</p>"
        + form.open()
        + f'<div class="buttons"><button type="submit" name="choice" value="{esc(submit.id)}">'
        f"{esc(submit.label)}</button></div></form>"
    )


def confirmation(panel: str, next_html: str, links: Sequence[tuple[str, str]]) -> str:
    """The GOV.UK confirmation page: a panel, What happens next, then secondary links."""
    items = "".join(f'<li><a href="{esc(href)}">{esc(text)}</a></li>' for text, href in links)
    return (
        f'<div class="panel"><h1>Answers submitted</h1><p>{esc(panel)}</p></div>'
        f"<h2>What happens next</h2>{next_html}"
        + (f'<ul class="list links">{items}</ul>' if items else "")
    )


def priorities_form(
    areas: Sequence[tuple[str, str]],
    ticked: Sequence[str],
    most: int,
    form: Form,
    done: str,
    intro: str = "",
    error: str | None = None,
) -> str:
    """The optional priorities question: a checkbox per area (id, title), up to `most`, and
    Continue, which posts the choice `done` with the areas ticked."""
    problem = ""
    described = "priorities-hint"
    if error:
        problem = f'<span class="error-message" id="priorities-error">Error: {esc(error)}</span>'
        described += " priorities-error"
    boxes = "".join(
        f'<div class="checkbox"><input type="checkbox" id="priority-{n}" '
        f'name="priority-{esc(area_id)}" value="{esc(area_id)}"'
        + (" checked" if area_id in ticked else "")
        + f'><label for="priority-{n}">{esc(title)}</label></div>'
        for n, (area_id, title) in enumerate(areas, start=1)
    )
    return (
        (error_summary(error, "priority-1") if error else "")
        + (f"<p>{esc(intro)}</p>" if intro else "")
        + form.open()
        + f'<input type="hidden" name="choice" value="{esc(done)}">'
        + f'<fieldset aria-describedby="{described}"><legend><h1>Which areas should the '
        "partnership work on first?</h1></legend>"
        f'<p class="hint" id="priorities-hint">Select up to {"two" if most == 2 else most}. '
        "This question is optional: leave them all unticked if you have no view.</p>"
        f'{problem}<div class="checkboxes">{boxes}</div></fieldset>'
        '<div class="buttons"><button type="submit" name="go" value="priorities">Continue'
        "</button></div></form>"
    )


def prompt_form(message: Outgoing, heading: str, form: Form) -> str:
    """Any other prompt (the invitation, the review, which answer to change): its text, and a
    button per choice, the first one primary."""
    text = message.text
    body = f"<h1>{esc(heading)}</h1>{paragraphs(text)}"
    choices = [c for c in message.choices if not c.chat_only]
    if not choices:
        return body
    many = len(choices) > 3
    return (
        body
        + form.open()
        + _buttons(choices, primary=not many, css="choices" if many else "buttons")
        + "</form>"
    )


def confirm_choice(label: str, choice_id: str, form: Form, back: str) -> str:
    """A choice followed from an email link, shown alone for confirming (links never change
    anything: mail scanners follow them): one primary button, and a way back."""
    return (
        f"<h1>{esc(label)}?</h1><p>Please confirm.</p>"
        + form.open()
        + f'<div class="buttons"><button type="submit" name="choice" value="{esc(choice_id)}">'
        f"{esc(label)}</button></div></form>"
        f'<p><a href="{esc(back)}">Cancel and go to your questions</a></p>'
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
