"""The emails of the web channel, each a plain-text part and an HTML part, laid out from the
core's Letter (bot/outbox/letters.py): an invitation, a reminder (with its snooze and stop
links), a round's summary (the chart inline, with its text alternative), a lead's debrief pack
(the PDF attached), a note to an action's owner, a personal link, a join page's confirmation
and a lead's sign-in link. Every email goes to one person, carries an unsubscribe link and the
List-Unsubscribe headers (RFC 8058) where there is one."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import urlencode

from adapters.web.settings import WebSettings
from bot.dates import short_day_words
from bot.messages import Attachment, Outgoing, Purpose
from bot.model import Round
from bot.outbox.letters import Letter
from bot.summary.report import SUMMARY_CHART_ALT

_BOLD = re.compile(r"\*([^*\n]+)\*")


@dataclass(frozen=True)
class Links:
    """The personal page and the unsubscribe page of one person in one community."""

    page: str
    unsubscribe: str | None = None


def personal_links(settings: WebSettings, token: str, unsubscribe: str | None) -> Links:
    """The page's link, and the unsubscribe link (its own token: List-Unsubscribe URLs are
    fetched and posted to by mail providers, so it must open nothing else)."""
    stop = f"{settings.public_url}/u/{unsubscribe}" if unsubscribe else None
    return Links(f"{settings.public_url}/a/{token}", stop)


def _plain(text: str) -> str:
    return _BOLD.sub(r"\1", text)


def _html_paragraphs(text: str) -> str:
    """Escaped paragraphs; the core's *bold* markers become <strong>."""
    blocks = [block for block in text.split("\n\n") if block.strip()]
    return "".join(
        "<p>"
        + "<br>".join(_BOLD.sub(r"<strong>\1</strong>", html.escape(line)) for line in lines)
        + "</p>"
        for lines in (block.split("\n") for block in blocks)
    )


def _button(url: str, label: str) -> str:
    return (
        f'<p><a href="{html.escape(url)}" style="display:inline-block;padding:12px 18px;'
        'background:#00703c;color:#ffffff;font-weight:bold;text-decoration:none">'
        f"{html.escape(label)}</a></p>"
    )


def _message(settings: WebSettings, to: str, subject: str, links: Links | None) -> EmailMessage:
    email = EmailMessage()
    email["From"] = settings.email_from
    email["To"] = to
    email["Subject"] = subject
    email["Date"] = formatdate(localtime=False)
    domain = settings.email_from.rsplit("@", 1)[-1].strip(" >") or None
    email["Message-ID"] = make_msgid(domain=domain)
    email["Auto-Submitted"] = "auto-generated"
    if links is not None and links.unsubscribe:
        email["List-Unsubscribe"] = f"<{links.unsubscribe}>"
        email["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return email


def _footer(links: Links | None, why: str) -> tuple[str, str]:
    if links is None or not links.unsubscribe:
        return f"\n\n--\n{why}\n", f'<hr><p style="color:#505a5f">{html.escape(why)}</p>'
    text = f"\n\n--\n{why}\nNo more emails like this: {links.unsubscribe}\n"
    markup = (
        f'<hr><p style="color:#505a5f">{html.escape(why)} '
        f'<a href="{html.escape(links.unsubscribe)}">No more emails like this</a>.</p>'
    )
    return text, markup


def _assemble(
    email: EmailMessage,
    text: str,
    body: str,
    title: str,
    foot: str,
    chart: bytes | None = None,
    document: Attachment | None = None,
) -> None:
    """The plain-text part, and the HTML part (with the chart inline after the body, its text
    alternative as alt text); a document (a PDF) attached after both."""
    cid = make_msgid(domain="maturity-bot.invalid")
    if chart is not None:
        body += (
            f'<p><img src="cid:{cid[1:-1]}" alt="{html.escape(SUMMARY_CHART_ALT)}" '
            'style="max-width:100%"></p>'
        )
    body += foot
    email.set_content(text)
    email.add_alternative(
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>'
        f'{html.escape(title)}</title></head><body style="font-family:sans-serif;'
        f'font-size:16px;line-height:1.5;color:#0b0c0c;max-width:40em">{body}</body></html>',
        subtype="html",
    )
    if chart is not None:
        html_part = email.get_body(("html",))
        assert isinstance(html_part, EmailMessage)
        html_part.add_related(
            chart,
            maintype="image",
            subtype="png",
            cid=cid,
            filename="summary.png",
            disposition="inline",
        )
    if document is not None:
        maintype, _, subtype = document.media_type.partition("/")
        email.add_attachment(
            document.content, maintype=maintype, subtype=subtype, filename=document.name
        )


def choice_url(links: Links, choice_id: str, label: str) -> str:
    """A link that opens the person's page with one choice ready to confirm (a link alone never
    changes anything: mail scanners follow links)."""
    return f"{links.page}?{urlencode({'choose': choice_id, 'label': label})}"


def subject_of(message: Outgoing, round_: Round | None, community: str) -> str:
    if message.purpose is Purpose.ACTION or round_ is None:
        return f"{community}: an action you own"
    if message.purpose is Purpose.SUMMARY:
        return f"{community}: the summary of {round_.title}"
    if message.purpose is Purpose.DEBRIEF:
        return f"{community}: the debrief pack of {round_.title}"
    if message.purpose is Purpose.REMINDER:
        closes = short_day_words(round_.closes_at, round_.timezone)
        return f"Reminder: {round_.title} closes on {closes}"
    return f"{community}: {round_.title}, your questions"


# Told, not asked: these emails link to the person's page rather than to their questions.
_NOTICES = (Purpose.SUMMARY, Purpose.DEBRIEF, Purpose.ACTION)


def owed_email(
    settings: WebSettings,
    to: str,
    message: Outgoing,
    round_: Round | None,
    community: str,
    links: Links,
) -> EmailMessage:
    """An invitation, a reminder, a summary, a debrief pack or an action's note, from the
    core's message (round_ is None for what is about no round: an action)."""
    subject = subject_of(message, round_, community)
    email = _message(settings, to, subject, links)
    why = f"You take part in {community}'s self-assessment by email."
    text, body = _plain(message.text), _html_paragraphs(message.text)
    if message.purpose in _NOTICES:
        text += f"\n\nYour page: {links.page}"
        body += f'<p><a href="{html.escape(links.page)}">Your page</a></p>'
    else:
        action = "Continue" if message.purpose is Purpose.REMINDER else "Open your questions"
        text += f"\n\n{action}: {links.page}"
        body += _button(links.page, action)
        if message.purpose is Purpose.REMINDER:
            # after Continue: snooze, stop reminders (never Later: an email needs no answer)
            for choice in [c for c in message.choices[1:] if not c.chat_only]:
                url = choice_url(links, choice.id, choice.label)
                text += f"\n{choice.label}: {url}"
                body += f'<p><a href="{html.escape(url)}">{html.escape(choice.label)}</a></p>'
    foot_text, foot_html = _footer(links, why)
    file = message.attachment  # a chart is shown inline, a document (a PDF) attached
    chart = file.content if file is not None and file.is_image else None
    document = file if file is not None and not file.is_image else None
    _assemble(email, text + foot_text, body, subject, foot_html, chart, document)
    return email


def _one_link(
    settings: WebSettings,
    to: str,
    subject: str,
    lead: str,
    url: str,
    button: str,
    links: Links | None,
    why: str,
) -> EmailMessage:
    """A short email: a paragraph and one link."""
    email = _message(settings, to, subject, links)
    foot_text, foot_html = _footer(links, why)
    body = _html_paragraphs(lead) + _button(url, button)
    _assemble(email, f"{lead}\n\n{url}{foot_text}", body, subject, foot_html)
    return email


def compose(settings: WebSettings, letter: Letter) -> EmailMessage:
    """The email a letter is: its links built under PUBLIC_URL from the letter's token."""
    message, to, community = letter.message, letter.address, letter.community
    if message.purpose is Purpose.SIGN_IN:
        url = f"{settings.public_url}/lead/sign-in/{letter.token}"
        subject = "Sign in to the leads' pages of your self-assessment"
        why = "You get this email because a lead's sign-in link was asked for with this address."
        return _one_link(settings, to, subject, message.text, url, "Sign in", None, why)
    if message.purpose is Purpose.CONFIRM_JOIN:
        url = f"{settings.public_url}/j/{letter.token}"
        subject = f"Confirm: take part in {community}'s self-assessment"
        why = "You get this email because your address was entered."
        return _one_link(settings, to, subject, message.text, url, "Confirm", None, why)
    links = personal_links(settings, letter.token, letter.unsubscribe)
    if message.purpose is Purpose.PERSONAL_LINK:
        subject = f"Your link to {community}'s self-assessment"
        why = f"You take part in {community}'s self-assessment."
        return _one_link(
            settings, to, subject, message.text, links.page, "Open your page", links, why
        )
    return owed_email(settings, to, message, letter.round, community, links)
