"""The Telegram sender against the fake Bot API: edits, long texts, failures."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.delivery import Unreachable
from adapters.telegram.fake import FakeTelegram, RunningBot, buttons, running_bot
from bot.messages import PDF, PNG, Address, Attachment, Choice, Outgoing

CHAT = 211000042
DM = Address("telegram", str(CHAT), direct=True)
START = (Choice("5:start", "Start"),)


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[RunningBot]:
    fake = FakeTelegram()
    await fake.start()
    try:
        async with running_bot(fake, f"sqlite:///{tmp_path / 'bot.db'}") as running:
            yield running
        assert not await running.adapter.ready()  # stopped: /healthz says so
    finally:
        await fake.stop()


async def test_an_edit_replaces_text_and_keyboard_and_repeats_are_harmless(
    bot: RunningBot,
) -> None:
    await bot.adapter.sender.send(Outgoing(DM, "Card", START))
    sent = bot.fake.last_message(CHAT)
    edit = Outgoing(DM, "✓ Done", replaces=f"{CHAT}:{sent['message_id']}")
    await bot.adapter.sender.send(edit)
    await bot.adapter.sender.send(edit)  # Telegram: "message is not modified"; nothing more
    assert bot.fake.messages(CHAT) == [sent] and sent["text"] == "✓ Done"
    assert "reply_markup" not in sent and sent["edited"] == 1


async def test_an_edit_that_cannot_be_made_is_sent_anew(bot: RunningBot) -> None:
    await bot.adapter.sender.send(Outgoing(DM, "gone", replaces=f"{CHAT}:999999"))
    await bot.adapter.sender.send(Outgoing(DM, "elsewhere", replaces="-100123:5"))
    assert [m["text"] for m in bot.fake.messages(CHAT)] == ["gone", "elsewhere"]
    assert bot.fake.messages(-100123) == []  # an edit never reaches into another chat


async def test_a_long_text_becomes_several_messages_with_the_keyboard_last(
    bot: RunningBot,
) -> None:
    text = "\n".join(f"{i}." + " detail" * 20 for i in range(60))  # about 8,700 characters
    await bot.adapter.sender.send(Outgoing(DM, text, START))
    pages = bot.fake.messages(CHAT)
    assert len(pages) == 3 and "\n".join(p["text"] for p in pages) == text
    assert [bool(list(buttons(p))) for p in pages] == [False, False, True]


async def test_a_blocked_person_or_a_group_without_the_bot_is_unreachable(
    bot: RunningBot,
) -> None:
    bot.fake.blocked.add(CHAT)
    with pytest.raises(Unreachable, match="blocked"):
        await bot.adapter.sender.send(Outgoing(DM, "hello"))
    bot.fake.deactivated.add(CHAT + 1)  # a deleted account
    with pytest.raises(Unreachable, match="deactivated"):
        await bot.adapter.sender.send(Outgoing(Address("telegram", str(CHAT + 1), True), "hi"))
    # Removed from the group: a post there is not tried again and again.
    bot.fake.kicked_from.add(-100777)
    with pytest.raises(Unreachable, match="kicked"):
        await bot.adapter.sender.send(Outgoing(Address("telegram", "-100777"), "hello"))
    with pytest.raises(Exception, match=r"(?i)message text is empty"):  # other failures are errors
        await bot.adapter.sender.send(Outgoing(Address("telegram", "-100778"), " "))


async def test_an_image_without_text_is_a_photo_alone(bot: RunningBot) -> None:
    await bot.adapter.sender.send(Outgoing(DM, "", attachment=Attachment(b"\x89PNG", "c.png", PNG)))
    (photo,) = bot.fake.messages(CHAT)
    assert photo["photo"][0]["file_size"] == 4 and photo["caption"] == ""


async def test_a_pdf_is_a_document_with_its_name_and_a_long_text_follows_it(
    bot: RunningBot,
) -> None:
    pdf = Attachment(b"%PDF-1.4 pretend", "round-1-debrief.pdf", PDF)
    text = "The debrief pack\n" + "line of detail\n" * 100  # longer than a caption may be
    await bot.adapter.sender.send(Outgoing(DM, text, attachment=pdf))
    document, rest = bot.fake.messages(CHAT)
    assert "photo" not in document and document["content"] == pdf.content
    assert document["document"]["file_name"] == "round-1-debrief.pdf"
    assert document["document"]["mime_type"] == PDF
    assert document["caption"].startswith("The debrief pack") and len(document["caption"]) <= 1024
    assert f"{document['caption']}\n{rest['text']}".strip() == text.strip()
