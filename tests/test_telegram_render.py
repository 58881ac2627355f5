"""Telegram rendering, update translation and rate limiting: pure parts, no network."""

from __future__ import annotations

import pytest
from telegram import Bot, Update

from adapters.telegram.adapter import file_url
from adapters.telegram.fake import FakeTime, fixture
from adapters.telegram.limits import RateLimiter, RateLimits
from adapters.telegram.render import (
    CAPTION_LIMIT,
    render,
    split_caption,
    split_text,
    telegram_length,
    to_html,
)
from adapters.telegram.updates import obviously_forged, round_command
from bot.messages import PNG, Address, Attachment, Choice, Outgoing

DM = Address("telegram", "42", direct=True)


def card_choices(round_id: int = 12, back: bool = True) -> tuple[Choice, ...]:
    levels = [
        Choice(f"{round_id}:lvl:service-delivery:{n}", str(n), f"descriptor {n}")
        for n in range(1, 6)
    ]
    extra = [Choice(f"{round_id}:ns:service-delivery", "Not sure")]
    if back:
        extra.append(Choice(f"{round_id}:back:service-delivery", "Back"))
    return (*levels, *extra)


def rows(message: Outgoing) -> list[list[str]]:
    keyboard = render(message, "bot").keyboard
    assert keyboard is not None
    return [[b.text for b in row] for row in keyboard.inline_keyboard]


def test_a_card_has_the_levels_on_one_row_then_not_sure_and_back() -> None:
    message = Outgoing(DM, "7/9 · Service delivery", card_choices())
    assert rows(message) == [["1", "2", "3", "4", "5"], ["Not sure", "Back"]]
    keyboard = render(message, "bot").keyboard
    assert keyboard is not None
    assert keyboard.inline_keyboard[0][2].callback_data == "12:lvl:service-delivery:3"


def test_other_choices_get_a_row_each_and_take_part_is_a_deep_link() -> None:
    message = Outgoing(
        DM, "Hello", (Choice("3:start", "Start"), Choice("3:later", "Later")), join_code="aB-_9"
    )
    keyboard = render(message, "maturity_bot").keyboard
    assert keyboard is not None
    assert [[b.text for b in row] for row in keyboard.inline_keyboard] == [
        ["Start"],
        ["Later"],
        ["Take part"],
    ]
    assert keyboard.inline_keyboard[2][0].url == "https://t.me/maturity_bot?start=aB-_9"
    assert render(Outgoing(DM, "plain"), "bot").keyboard is None


def test_limits_fail_loudly() -> None:
    too_long = Outgoing(DM, "x", (Choice("1:lvl:" + "a" * 60 + ":1", "1"),))
    with pytest.raises(ValueError, match="64 bytes"):
        render(too_long, "bot")
    many = Outgoing(DM, "x", tuple(Choice(f"1:redo:c{i}", f"{i}") for i in range(101)))
    with pytest.raises(ValueError, match="100 buttons"):
        render(many, "bot")
    wide = render(
        Outgoing(DM, "x", tuple(Choice(f"1:lvl:c:{i % 5 + 1}", "1") for i in range(10))), "b"
    )
    assert wide.keyboard is not None
    assert [len(row) for row in wide.keyboard.inline_keyboard] == [8, 2]


def test_everything_is_escaped_and_bold_markers_become_tags() -> None:
    assert to_html('Round *Q1 <draft> & "more"* 1 < 2') == (
        "Round <b>Q1 &lt;draft&gt; &amp; &quot;more&quot;</b> 1 &lt; 2"
    )
    assert to_html("a * b\nc * d") == "a * b\nc * d"  # no pair on one line: left alone
    assert render(Outgoing(DM, "<i>"), "bot").pages == ("&lt;i&gt;",)


def test_long_text_is_split_at_line_breaks() -> None:
    lines = [f"line {i:04d} " + "x" * 90 for i in range(100)]  # about 10,000 characters
    pages = split_text("\n".join(lines))
    assert len(pages) == 3 and all(telegram_length(p) <= 4096 for p in pages)
    assert "\n".join(pages) == "\n".join(lines)
    assert split_text("word " * 1000, 100)[0] == ("word " * 20).strip()
    assert split_text("é" * 5000) == ["é" * 4096, "é" * 904]


def test_a_caption_is_cut_at_a_line_break_and_the_rest_follows() -> None:
    text = "\n".join(f"{i}. category line {'y' * 40}" for i in range(40))
    caption, rest = split_caption(text)
    assert len(caption) <= CAPTION_LIMIT and not caption.endswith("\n")
    assert f"{caption}\n{rest}" == text
    assert split_caption("short") == ("short", "")
    rendered = render(Outgoing(DM, text, attachment=Attachment(b"png", "c.png", PNG)), "bot")
    assert rendered.caption_html == to_html(caption) and len(rendered.pages) == 1
    assert telegram_length("👍") == 2  # Telegram counts UTF-16 code units


def test_round_commands_for_this_bot_only() -> None:
    assert round_command("/round open Spring", "maturity_bot") == "/round open Spring"
    assert round_command("/round@Maturity_Bot status", "maturity_bot") == "/round status"
    assert round_command("/round", "maturity_bot") == "/round"
    assert round_command("/round@OtherBot status", "maturity_bot") is None
    assert round_command("/roundup", "maturity_bot") is None
    assert round_command("hello /round", "maturity_bot") is None


def test_buttons_outside_ones_own_chat_or_with_made_up_data_are_obvious_forgeries() -> None:
    bot = Bot("1:x")
    update = fixture("callback_query")
    genuine = Update.de_json(update, bot)
    assert genuine.callback_query is not None and not obviously_forged(genuine.callback_query)
    update["callback_query"]["data"] = "12:lvl:vision:7"
    made_up = Update.de_json(update, bot).callback_query
    assert made_up is not None and obviously_forged(made_up)
    update["callback_query"]["data"] = "12:lvl:vision:1"
    update["callback_query"]["message"]["chat"]["id"] = 99
    elsewhere = Update.de_json(update, bot).callback_query
    assert elsewhere is not None and obviously_forged(elsewhere)


def test_file_url_sits_beside_the_api_url() -> None:
    assert file_url("https://api.telegram.org/bot") == "https://api.telegram.org/file/bot"
    assert file_url("http://127.0.0.1:8081/bot") == "http://127.0.0.1:8081/file/bot"


async def test_the_limiter_spaces_messages_overall_and_per_chat() -> None:
    time = FakeTime()
    limiter = RateLimiter(RateLimits(), time, time.sleep)
    sent: dict[str, list[float]] = {}
    for i in range(90):
        chat = str(i % 45)  # 45 chats, two messages each
        await limiter.acquire(chat, group=False, new_message=True)
        sent.setdefault(chat, []).append(time.now)
    everything = sorted(t for times in sent.values() for t in times)
    assert everything[-1] - everything[0] == pytest.approx(89 / 30)  # 30 a second, no more
    assert all(b - a >= 1.0 for a, b in sent.values())  # one a second in each chat
    start = time.now
    await limiter.acquire("-100", group=True, new_message=True)
    await limiter.acquire("-100", group=True, new_message=True)
    assert time.now - start >= 3.0  # twenty a minute in a group
    limiter.hold("-100", 10)
    before = time.now
    await limiter.acquire("-100", group=True, new_message=False)  # edits wait for holds too
    assert time.now - before >= 10
