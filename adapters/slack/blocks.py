"""Block Kit rendering of the core's outgoing messages: pure functions, no Slack calls.

A category card (a message whose choices carry a detail, the level descriptors) shows each
descriptor in its own section with that level's button beside it, then the other choices ("Not
sure", "Back") in an actions block. Any other message is mrkdwn sections followed by its buttons.
Slack's limits are kept here: section text <= 3000 characters, <= 50 blocks, <= 25 elements per
actions block, button text and accessibility label <= 75 characters, button value <= 2000.
"""

from __future__ import annotations

from typing import Any

from bot.conversation.cards import shorten
from bot.messages import Choice, Outgoing

Block = dict[str, Any]

SECTION_LIMIT = 3000
MAX_BLOCKS = 50
MAX_ACTIONS = 25
BUTTON_TEXT_LIMIT = 75
BUTTON_VALUE_LIMIT = 2000
ACCESSIBILITY_LABEL_LIMIT = 75
FALLBACK_LIMIT = 4000  # Slack shows far less in a notification; it truncates at 40,000
ELLIPSIS = "…"
BLOCK_ID_LIMIT = 255
INPUT_BLOCK_PREFIX = "text:"
INPUT_LIMIT = 2000  # as long as a comment may be (bot/conversation/engine.py)
INPUT_PLACEHOLDER = "Type your comment, then press Enter"


def escape(text: str) -> str:
    """Escape the three characters mrkdwn treats as markup (&, <, >); *bold* stays bold."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def unescape(text: str) -> str:
    """Undo Slack's escaping of text people typed (&amp; last, so "&amp;lt;" stays "&lt;")."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def clip(text: str, limit: int) -> str:
    """Cut text to at most limit characters, marking the cut with an ellipsis."""
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS


def fallback_text(message: Outgoing) -> str:
    """The plain `text` every message carries, for notifications and clients without blocks."""
    return clip(escape(message.text), FALLBACK_LIMIT) or " "


def render_blocks(message: Outgoing) -> list[Block]:
    """The message's blocks: a card layout when its choices carry details, else text + buttons."""
    detailed = [(i, c) for i, c in enumerate(message.choices) if c.detail]
    if detailed:
        return _card(message, detailed)
    inputs = [text_input(c) for c in message.choices if c.takes_text]
    actions = inputs + _actions([(i, c) for i, c in enumerate(message.choices) if not c.takes_text])
    texts = _sections(message.text, MAX_BLOCKS - len(actions))
    return texts + actions


def _card(message: Outgoing, detailed: list[tuple[int, Choice]]) -> list[Block]:
    detail_lines = {choice.detail_line for _, choice in detailed}
    lines = message.text.split("\n")
    first = next((n for n, line in enumerate(lines) if line in detail_lines), len(lines))
    head = _trim(lines[:first])
    # What follows the descriptors ("Your answer so far", the hint) keeps its place after them.
    tail = _trim([line for line in lines[first:] if line not in detail_lines])
    blocks: list[Block] = []
    if head:
        title = f"*{escape(head[0])}*" if head[0].strip() else ""
        rest = escape("\n".join(head[1:]))
        blocks.append(_section("\n".join(part for part in (title, rest) if part)))
    for index, choice in detailed:
        text = f"*{escape(choice.label)}* — {escape(choice.detail or '')}"
        blocks.append({**_section(text), "accessory": _button(index, choice)})
    others = [(i, c) for i, c in enumerate(message.choices) if not c.detail and not c.takes_text]
    inputs = [text_input(c) for c in message.choices if c.takes_text]
    actions = inputs + _actions(others)
    if tail:
        blocks.extend(_sections("\n".join(tail), 1))
    return blocks[: MAX_BLOCKS - len(actions)] + actions


def _trim(lines: list[str]) -> list[str]:
    """Drop blank lines at both ends and runs of blank lines left where descriptors were."""
    kept: list[str] = []
    for line in lines:
        if line.strip() or (kept and kept[-1].strip()):
            kept.append(line)
    while kept and not kept[-1].strip():
        kept.pop()
    return kept


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text, SECTION_LIMIT)}}


def _sections(text: str, budget: int) -> list[Block]:
    """Text as sections of <= 3000 characters, split at line ends, at most budget of them."""
    # Blank lines at a section's ends show as nothing but padding: sections are apart anyway.
    chunks = [chunk.strip("\n") for chunk in _chunks(text) if chunk.strip()]
    if len(chunks) > budget:
        chunks = chunks[: max(budget, 0)]
        if chunks:
            chunks[-1] = clip(chunks[-1] + "\n" + ELLIPSIS, SECTION_LIMIT)
    return [_section(chunk) for chunk in chunks]


def _chunks(text: str) -> list[str]:
    chunks: list[str] = []
    current = ""
    for line in _escaped_lines(text):
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > SECTION_LIMIT:
            chunks.append(current)
            current = line
        else:
            current = candidate
    chunks.append(current)
    return chunks


def _escaped_lines(text: str) -> list[str]:
    """Escaped lines, each within a section; a longer line is cut into pieces before escaping,
    small enough that escaping (one character to at most five) cannot push them over."""
    piece = SECTION_LIMIT // 5
    lines: list[str] = []
    for raw in text.split("\n"):
        escaped = escape(raw)
        if len(escaped) <= SECTION_LIMIT:
            lines.append(escaped)
        else:
            lines.extend(escape(raw[i : i + piece]) for i in range(0, len(raw), piece))
    return lines


def _actions(choices: list[tuple[int, Choice]]) -> list[Block]:
    """Buttons in actions blocks of at most 25 elements each."""
    return [
        {"type": "actions", "elements": [_button(i, c) for i, c in choices[n : n + MAX_ACTIONS]]}
        for n in range(0, len(choices), MAX_ACTIONS)
    ]


def _button(index: int, choice: Choice) -> Block:
    """A button whose action_id is unique within the message and whose value is the choice id;
    a level's button tells a screen reader its descriptor too."""
    if len(choice.id) > BUTTON_VALUE_LIMIT:
        raise ValueError(f"choice id of {len(choice.id)} characters is too long for Slack")
    button: Block = {
        "type": "button",
        "action_id": f"choice-{index}",
        "text": {"type": "plain_text", "text": clip(choice.label, BUTTON_TEXT_LIMIT) or ELLIPSIS},
        "value": choice.id,
    }
    if choice.detail:
        button["accessibility_label"] = accessibility_label(choice.label, choice.detail)
    return button


def text_input(choice: Choice) -> Block:
    """A choice that takes text (a comment) as a box on the message: Enter sends it back as a
    block action whose block_id carries the choice id (the core's rules apply as to a press).
    The box starts empty: a comment in a message's blocks would reach slack_sdk's debug log."""
    if len(choice.id) > BLOCK_ID_LIMIT - len(INPUT_BLOCK_PREFIX):
        raise ValueError(f"choice id of {len(choice.id)} characters is too long for a block id")
    element: Block = {
        "type": "plain_text_input",
        "action_id": "text",
        "max_length": INPUT_LIMIT,
        "dispatch_action_config": {"trigger_actions_on": ["on_enter_pressed"]},
        "placeholder": {"type": "plain_text", "text": INPUT_PLACEHOLDER},
    }
    return {
        "type": "input",
        "block_id": INPUT_BLOCK_PREFIX + choice.id,
        "dispatch_action": True,
        "optional": True,
        "label": {"type": "plain_text", "text": clip(f"{choice.label} on this question", 2000)},
        "element": element,
    }


def text_input_choice(block_id: str) -> str | None:
    """The choice id a text box's block_id carries; None for any other block."""
    return (
        block_id.removeprefix(INPUT_BLOCK_PREFIX)
        if block_id.startswith(INPUT_BLOCK_PREFIX)
        else None
    )


def accessibility_label(level: str, descriptor: str) -> str:
    """What a screen reader says for a level's button instead of a bare "3": the level, then
    the start of its descriptor, cut at a word (Slack allows 75 characters)."""
    return shorten(f"Level {level}: {descriptor}", ACCESSIBILITY_LABEL_LIMIT - len(ELLIPSIS))
