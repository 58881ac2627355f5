"""Adaptive Cards for the core's outgoing messages: pure functions, no Teams calls.

A category card (choices that carry a detail: the five level descriptors) shows each
descriptor as a line with its level's button, then a comment box and the other choices ("Not
sure", "Back"). Any other message with choices is its text and one button per choice; a message
without choices is text in Teams' "xml" format (a subset of HTML): escaped, so that what the core
writes (<user or email address>) and what people typed show as written, never as markup.
Buttons are Action.Submit: Teams sends the press back as a message whose value is the button's
data (CHOICE) and the comment box's text (COMMENT), and replyToId names the card's activity.
"""

from __future__ import annotations

import base64
import html
import io
import json
from typing import Any, Final

from PIL import Image

from bot.messages import Attachment, Choice, Outgoing

Card = dict[str, Any]
CARD_TYPE = "application/vnd.microsoft.card.adaptive"
SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
VERSION = "1.5"  # what Teams renders on desktop, web and mobile
CHOICE = "choice"  # the button's data key holding the core's choice id
COMMENT = "comment"  # the comment box's id: its text arrives beside the choice
COMMENT_CHARS = 2000
TEXT_LIMIT = 12_000  # Teams refuses a bot's message over 28 KB: text leaves room for the card
MESSAGE_BYTES = 27 * 1024  # what a card may take of Teams' 28 KB, the activity's fields aside
WIDTHS = (800, 640, 480)  # a chart is drawn smaller until it fits; a phone shows ~400 px
COLOURS = 16  # a chart's flat colours, legend swatches too, survive a 16-colour octree palette
TEXT_FORMAT: Final = "xml"  # Teams' HTML subset: escaped text shows as written


def escape(text: str) -> str:
    """Text as Teams shows it in the xml format: as written, its line breaks kept."""
    return html.escape(text, quote=False).replace("\n", "<br>")


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_card(message: Outgoing) -> bool:
    """Sent as an Adaptive Card (buttons, or a picture); else as plain text."""
    image = message.attachment is not None and message.attachment.is_image
    return bool(message.choices) or image


def plain_text(message: Outgoing) -> str:
    """The message's text for a text message or a notification."""
    return clip(escape(message.text), TEXT_LIMIT) or " "


def render_card(message: Outgoing) -> Card:
    """The Adaptive Card of a message with choices or a chart."""
    body: list[Card] = []
    detailed = [c for c in message.choices if c.detail]
    detail_lines = {c.detail_line for c in detailed}
    lines = [line for line in message.text.split("\n") if line not in detail_lines]
    title, *rest = lines or [""]
    if detailed:
        body.append(_text(title, weight="Bolder", size="Medium"))
        if "\n".join(rest).strip():
            body.append(_text("\n".join(rest).strip("\n")))
    else:
        body.append(_text(message.text))
    if message.attachment is not None and message.attachment.is_image:
        budget = MESSAGE_BYTES - len(json.dumps(body)) - 2000  # room for the actions
        image = _image(message.attachment, first_line(message.text), budget)
        if image is not None:
            body.append(image)
    actions: list[Card] = []
    for choice in detailed:
        body.append(_level(choice))
    if detailed:
        body.append(
            {
                "type": "Input.Text",
                "id": COMMENT,
                "label": "A comment (optional): what you saw, or why",
                "isMultiline": True,
                "maxLength": COMMENT_CHARS,
            }
        )
    # The comment box is the card's Comment choice: its text arrives with the level chosen.
    actions.extend(_submit(c) for c in message.choices if not c.detail and not c.takes_text)
    card: Card = {"type": "AdaptiveCard", "$schema": SCHEMA, "version": VERSION, "body": body}
    if actions:
        card["actions"] = actions
    return card


def first_line(text: str) -> str:
    return next((line for line in text.split("\n") if line.strip()), "A chart")


def _text(text: str, **style: str) -> Card:
    # A TextBlock shows no HTML, and the core writes no Markdown: its text goes as it is.
    return {"type": "TextBlock", "text": clip(text, TEXT_LIMIT), "wrap": True, **style}


def _level(choice: Choice) -> Card:
    """A descriptor with its level's button beside it (a column set keeps them together on a
    phone, the button's title says the level)."""
    return {
        "type": "ColumnSet",
        "separator": True,
        "columns": [
            {
                "type": "Column",
                "width": "stretch",
                "items": [_text(f"{choice.label} — {choice.detail or ''}")],
            },
            {
                "type": "Column",
                "width": "auto",
                "verticalContentAlignment": "Center",
                "items": [{"type": "ActionSet", "actions": [_submit(choice)]}],
            },
        ],
    }


def _submit(choice: Choice) -> Card:
    return {"type": "Action.Submit", "title": clip(choice.label, 40), "data": {CHOICE: choice.id}}


def _image(attachment: Attachment, alt: str, budget: int) -> Card | None:
    """The chart inside the card, drawn small enough to fit `budget` bytes as base64; None
    when even the smallest does not (the text beside it says what the chart shows)."""
    data = next((d for d in _shrunk(attachment.content) if len(d) * 4 // 3 + 64 < budget), None)
    if data is None:
        return None
    return {
        "type": "Image",
        "url": "data:image/png;base64," + base64.b64encode(data).decode("ascii"),
        "altText": clip(alt, 200),
        "size": "Stretch",
    }


def _shrunk(content: bytes) -> list[bytes]:
    """The picture as it came, then as 16-colour PNGs of decreasing width."""
    versions = [content]
    try:
        picture = Image.open(io.BytesIO(content)).convert("RGB")
    except (OSError, ValueError):
        return versions
    for width in WIDTHS:
        if picture.width > width:
            height = round(picture.height * width / picture.width)
            smaller = picture.resize((width, height), Image.Resampling.LANCZOS)
        else:
            smaller = picture
        out = io.BytesIO()
        palette = smaller.quantize(colors=COLOURS, method=Image.Quantize.FASTOCTREE)
        palette.save(out, "PNG", optimize=True)
        versions.append(out.getvalue())
    return versions


def pressed(value: object) -> tuple[str, str | None] | None:
    """(choice id, comment or None) from a card's Action.Submit value; None when it is not
    one of our buttons."""
    if not isinstance(value, dict):
        return None
    choice = value.get(CHOICE)
    if not isinstance(choice, str) or not choice:
        return None
    comment = value.get(COMMENT)
    text = comment.strip() if isinstance(comment, str) else ""
    return choice, (text[:COMMENT_CHARS] or None)
