"""Cards read well to a screen reader: in Slack a level's button says its level and
descriptor (accessibility_label), in Telegram the numbers are plain digits, never emoji, and
each level comes before its descriptor. Every card of the real rubric is checked."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta

import pytest
from support import ROOT

from adapters.slack.blocks import ACCESSIBILITY_LABEL_LIMIT, render_blocks
from adapters.telegram.fake import visible
from adapters.telegram.render import render
from bot.conversation import cards
from bot.messages import Address, Outgoing
from bot.model import LEVELS, Category, Round
from bot.rubric.loader import load_rubric

RUBRIC = load_rubric(ROOT / "rubric.toml")
NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
ROUND = Round(7, 1, 1, "Spring 2027", NOW, NOW + timedelta(days=14), None, True, RUBRIC)


def card(platform: str, index: int) -> Outgoing:
    return cards.card(Address(platform, "42", direct=True), ROUND, index, None)


def pictographs(text: str) -> list[str]:
    """Emoji a screen reader would read out by name ("keycap three", "thumbs up")."""
    return [
        c
        for c in text
        if c in "\ufe0f\u20e3" or (unicodedata.category(c) == "So" and ord(c) >= 0x1F000)
    ]


@pytest.mark.parametrize("category", RUBRIC.categories, ids=lambda c: c.id)
def test_a_slack_level_button_reads_its_level_and_descriptor(category: Category) -> None:
    blocks = render_blocks(card("slack", RUBRIC.categories.index(category)))
    beside = [b for b in blocks if "accessory" in b]
    assert len(beside) == len(LEVELS)
    for level, block in zip(LEVELS, beside, strict=True):
        button, descriptor = block["accessory"], category.levels[level]
        assert button["text"]["text"] == str(level)
        label = button["accessibility_label"]
        assert len(label) <= ACCESSIBILITY_LABEL_LIMIT
        assert label.startswith(f"Level {level}: ")
        spoken = label.removeprefix(f"Level {level}: ").removesuffix("…")
        assert descriptor.startswith(spoken) and len(spoken) > 20
        assert block["text"]["text"].startswith(f"*{level}* — {descriptor[:40]}")
    others = [e for b in blocks if b["type"] == "actions" for e in b["elements"]]
    assert [e["text"]["text"] for e in others][:1] == ["Not sure"]  # and "Back" after the first
    assert all("accessibility_label" not in e for e in others)  # their text says it all


@pytest.mark.parametrize("category", RUBRIC.categories, ids=lambda c: c.id)
def test_a_telegram_card_has_plain_numbers_each_before_its_descriptor(
    category: Category,
) -> None:
    rendered = render(card("telegram", RUBRIC.categories.index(category)), "bot")
    (page,) = rendered.pages
    lines = visible(page).split("\n")
    levels = [line for line in lines if line[:1].isdigit() and " — " in line]
    assert levels == [f"{level} — {category.levels[level]}" for level in LEVELS]
    assert rendered.keyboard is not None
    labels = [b.text for row in rendered.keyboard.inline_keyboard for b in row]
    assert labels[: len(LEVELS)] == [str(level) for level in LEVELS]
    assert pictographs(visible(page)) == [] and pictographs("".join(labels)) == []
