"""The whole bot in Telegram: the real python-telegram-bot against a fake Bot API server over
loopback HTTP, the real core and a real database (SQLite and PostgreSQL for whole rounds)."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from adapters.telegram.fake import (
    JSON,
    USERNAME,
    FakeTelegram,
    FakeTime,
    RunningBot,
    admin,
    buttons,
    running_bot,
    user,
)
from bot.model import ChatRef

GROUP = -1001876543210
LEAD = user(211000001, "Lena", "Okafor")
PEOPLE = [user(211000010 + i, name) for i, name in enumerate(["Amir", "Bea", "Cal", "Dee", "Eli"])]
TITLE = "Spring <2027> & co"


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    server.admins[GROUP] = [admin(LEAD, owner=True)]
    try:
        yield server
    finally:
        await server.stop()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'bot.db'}"


def texts(fake: FakeTelegram, chat: int) -> list[str]:
    return [m.get("text") or m.get("caption", "") for m in fake.messages(chat)]


def labels(message: JSON) -> list[list[str]]:
    markup = message.get("reply_markup") or {}
    assert isinstance(markup, dict)
    return [[b["text"] for b in row] for row in markup.get("inline_keyboard", [])]


async def set_up(bot: RunningBot) -> str:
    """The lead sets the group up; the join code from its "Take part" button."""
    await bot.say(LEAD, "/round setup Riverside", group=GROUP)
    announcement = bot.fake.last_message(GROUP)
    assert "Riverside is set up" in announcement["text"]
    (take_part,) = list(buttons(announcement))
    assert take_part["text"] == "Take part"
    prefix = f"https://t.me/{USERNAME}?start="
    assert take_part["url"].startswith(prefix)
    return str(take_part["url"]).removeprefix(prefix)


async def enrol(bot: RunningBot, people: list[JSON], code: str) -> None:
    for person in people:
        await bot.say(person, f"/start {code}")
        assert "You take part in Riverside" in texts(bot.fake, person["id"])[0]


async def answer_round(bot: RunningBot, person: JSON, offset: int) -> None:
    """Start, answer the nine cards ("Not sure" on the third, "Back" once on the fifth),
    and submit."""
    chat = person["id"]
    await bot.press(person, "Start")
    card = 0
    went_back = False
    while card < 9:
        message = bot.fake.last_message(chat)
        assert message["text"].startswith(f"{card + 1}/9 · ")
        rows = labels(message)
        assert rows[0] == ["1", "2", "3", "4", "5"]
        assert rows[1] == (["Not sure", "Back"] if card else ["Not sure"])
        if card == 4 and not went_back:
            await bot.press(person, "Back")
            went_back, card = True, card - 1
            continue
        label = "Not sure" if card == 2 else str((card + offset) % 5 + 1)
        await bot.press(person, label)
        answered = next(
            m for m in bot.fake.messages(chat) if m["message_id"] == message["message_id"]
        )
        assert answered["text"].startswith("✓ ") and "reply_markup" not in answered
        card += 1
    assert bot.fake.last_message(chat)["text"].startswith("Nearly done")
    await bot.press(person, "Submit")
    assert bot.fake.last_message(chat)["text"].startswith("Thank you!")


async def test_a_whole_round_over_polling(fake: FakeTelegram, database_url: str) -> None:
    async with running_bot(fake, database_url) as bot:
        assert await bot.healthz() == 200
        polls = fake.called("getUpdates")
        assert polls[0].params["allowed_updates"] == ["message", "callback_query"]
        commands = fake.called("setMyCommands")[0].params["commands"]
        assert [c["command"] for c in commands] == ["round", "start", "help"]
        code = await set_up(bot)
        await enrol(bot, PEOPLE, code)

        await bot.say(LEAD, f"/round open {TITLE}", group=GROUP)
        opened = fake.last_message(GROUP)
        assert opened["text"].startswith("Round 1 “Spring <2027> & co” is open")
        assert labels(opened) == [["Take part"]]
        for person in PEOPLE:
            (invitation,) = [t for t in texts(fake, person["id"]) if t.startswith("Hello!")]
            assert "Spring <2027> & co" in invitation
            html = fake.last_message(person["id"])["html"]
            assert "<b>Spring &lt;2027&gt; &amp; co</b>" in html
            assert labels(fake.last_message(person["id"])) == [["Start"], ["Later"]]

        for offset, person in enumerate(PEOPLE):
            await answer_round(bot, person, offset)
        presses = 5 * (1 + 9 + 2 + 1)  # Start, nine answers, Back and its re-answer, Submit
        assert len(fake.called("answerCallbackQuery")) == presses

        await bot.say(LEAD, "/round status", group=GROUP)
        status = fake.last_message(LEAD["id"])["text"]  # private to the lead: their DM
        assert "Invited 6 · completed 5" in status

        before = len(fake.messages(GROUP))
        await bot.say(LEAD, "/round close", group=GROUP)
        summary = fake.messages(GROUP)[before:]
        assert "photo" in summary[0] and len(summary[0]["caption"]) <= 1024
        assert summary[0]["caption"].startswith("Round 1 “Spring <2027> & co” is closed: 5 of 6")
        rest = [m["text"] for m in summary[1:]]
        assert len(summary[0]["caption"]) + sum(map(len, rest)) > 1024  # it had to be split
        assert all(len(text) <= 4096 for text in rest) and "Where to focus next" in rest[0]
        assert rest[-1].endswith("n at the end of each bar.")


async def test_a_comment_press_asks_with_a_reply_box_naming_the_card(
    fake: FakeTelegram, database_url: str
) -> None:
    """Comment asks (ForceReply, naming the card); the reply is that card's comment, kept
    across a restart; it shows on the card and can be removed; a typed level is an answer."""
    person = PEOPLE[0]
    chat = person["id"]
    note = "Nobody outside the council has read the vision statement."
    async with running_bot(fake, database_url) as bot:
        await enrol(bot, [person], await set_up(bot))
        await bot.say(LEAD, f"/round open {TITLE}", group=GROUP)
        await bot.press(person, "Start")
        assert labels(fake.last_message(chat))[2] == ["Comment"]
        await bot.press(person, "Comment")
        asked = fake.last_message(chat)
        assert asked["text"].startswith("Your comment on Vision: write it in your next message")
        assert asked["asked_with"] == {
            "force_reply": True,
            "input_field_placeholder": "Comment on Vision",
        }
        updates = bot.updates
    async with running_bot(fake, database_url, updates=updates) as bot:  # a restart loses nothing
        await bot.say(person, note)
        assert texts(fake, chat)[-1].startswith("Comment saved for Vision.")
        await bot.say(person, "continue")
        card = fake.last_message(chat)
        assert "You have a comment on this question" in card["text"]
        assert labels(card)[2:] == [["Comment"], ["Remove comment"]]
        await bot.press(person, "Remove comment")
        assert texts(fake, chat)[-1] == "Your comment on Vision is removed."
        await bot.say(person, "4")
        assert any(t.startswith("✓ Vision: 4") for t in texts(fake, chat))
        async with bot.storage.transaction() as repo:
            (answer,) = await repo.answers(1)
        assert answer.level == 4 and answer.comment is None


async def test_a_whole_round_over_a_webhook(fake: FakeTelegram, database_url: str) -> None:
    async with running_bot(fake, database_url, webhook=True) as bot:
        (hook,) = fake.called("setWebhook")
        assert hook.params["url"] == "https://bot.example.org/telegram/webhook"
        assert hook.params["secret_token"] == "test-secret_0123456789"
        assert hook.params["allowed_updates"] == ["message", "callback_query"]
        code = await set_up(bot)
        await enrol(bot, PEOPLE[:1], code)
        await bot.say(LEAD, "/round open", group=GROUP)
        await answer_round(bot, PEOPLE[0], 2)
        await bot.say(LEAD, "/round close anyway", group=GROUP)
        assert "is closed: 1 of 2 completed" in fake.last_message(GROUP)["text"]
    assert fake.called("getUpdates") == []


async def test_a_wrong_or_missing_webhook_secret_is_refused(
    fake: FakeTelegram, sqlite_url: str
) -> None:
    async with running_bot(fake, sqlite_url, webhook=True) as bot:
        calls = len(fake.calls)
        update = bot.updates.group(GROUP, LEAD, "/round setup Riverside")
        assert await bot.post(update, secret="wrong-secret-0123") == 403
        assert await bot.post(update, secret=None) == 403
        await bot.adapter.idle()
        assert len(fake.calls) == calls
        async with bot.storage.transaction() as repo:
            assert await repo.community_for_chat(ChatRef("telegram", str(GROUP))) is None


async def test_a_replayed_update_is_answered_once_even_after_a_restart(
    fake: FakeTelegram, sqlite_url: str
) -> None:
    async with running_bot(fake, sqlite_url, webhook=True) as bot:
        code = await set_up(bot)
        start = bot.updates.private(PEOPLE[0], f"/start {code}")
        await bot.deliver(start)
        await bot.deliver(start)  # Telegram retries a webhook it thinks failed
        await bot.say(LEAD, "/round open", group=GROUP)
        message, data = fake.with_button(PEOPLE[0]["id"], "Start")
        press = bot.updates.callback(PEOPLE[0], message, data)
        await bot.deliver(press)
        await bot.deliver(press)
        updates = bot.updates
    seen = len(fake.messages(PEOPLE[0]["id"]))
    answers = len(fake.called("answerCallbackQuery"))
    assert answers == 1
    async with running_bot(fake, sqlite_url, webhook=True, updates=updates) as bot:
        await bot.deliver(start)  # the same updates reach a new process
        await bot.deliver(press)
    assert len(fake.messages(PEOPLE[0]["id"])) == seen
    welcome = [t for t in texts(fake, PEOPLE[0]["id"]) if t.startswith("Welcome")]
    assert len(welcome) == 1


async def test_forged_callbacks_are_refused_and_change_nothing(
    fake: FakeTelegram, sqlite_url: str
) -> None:
    amir, mallory = PEOPLE[0], user(666, "Mallory")
    async with running_bot(fake, sqlite_url) as bot:
        code = await set_up(bot)
        await enrol(bot, [amir], code)
        await bot.say(LEAD, "/round open", group=GROUP)
        await bot.press(amir, "Start")
        card, data = fake.with_button(amir["id"], "3")
        await bot.say(mallory, "hello")  # a private chat of her own with the bot
        own = fake.last_message(mallory["id"])
        forgeries = [
            bot.updates.callback(mallory, own, data),  # Amir's button data, from her chat
            bot.updates.callback(mallory, card, data),  # Amir's very message
            bot.updates.callback(amir, card, "1:lvl:vision:9"),  # made-up data
            bot.updates.callback(amir, card, "DROP TABLE answers"),
        ]
        for forged in forgeries:
            await bot.deliver(forged)
        answered = fake.called("answerCallbackQuery")[-4:]
        ids = [f["callback_query"]["id"] for f in forgeries]
        assert [a.params["callback_query_id"] for a in answered] == ids
        assert [a.params.get("show_alert", False) for a in answered] == [False, True, True, True]
        assert "not one of yours" in fake.last_message(mallory["id"])["text"]
        assert fake.last_message(amir["id"]) == card  # the card is untouched
        async with bot.storage.transaction() as repo:
            community = await repo.community_for_chat(ChatRef("telegram", str(GROUP)))
            assert community is not None
            round_ = await repo.latest_round(community.id)
            assert round_ is not None and await repo.answers(round_.id) == []


async def test_someone_who_blocked_the_bot_is_counted_unreachable(
    fake: FakeTelegram, sqlite_url: str
) -> None:
    async with running_bot(fake, sqlite_url) as bot:
        code = await set_up(bot)
        await enrol(bot, PEOPLE[:3], code)
        fake.blocked.add(PEOPLE[1]["id"])
        await bot.say(LEAD, "/round open", group=GROUP)
        await bot.say(LEAD, "/round status", group=GROUP)
        status = fake.last_message(LEAD["id"])["text"]
        assert "Invited 4" in status and "1 could not be reached" in status


async def test_retry_after_during_a_fan_out_loses_and_doubles_nothing(
    fake: FakeTelegram, sqlite_url: str
) -> None:
    clock = FakeTime()
    async with running_bot(fake, sqlite_url, clock=clock) as bot:
        code = await set_up(bot)
        await enrol(bot, PEOPLE, code)
        fake.fail("sendMessage", "retry_after", count=3, retry_after=1)
        fake.fail("sendMessage", "retry_after", chat_id=PEOPLE[3]["id"], count=2, retry_after=7)
        await bot.say(LEAD, "/round open", group=GROUP)
        for person in [LEAD, *PEOPLE]:
            invitations = [t for t in texts(fake, person["id"]) if t.startswith("Hello!")]
            assert len(invitations) == 1
        assert all(f.count == 0 for f in fake.failures)
        counted = bot.web.metrics.registry.get_sample_value(
            "maturity_rate_limited_total", {"platform": "telegram"}
        )
        assert counted == 5  # in /metrics
        assert 7.0 <= max(clock.sleeps) <= 7.5  # waited as told, in the fake's time


async def test_commands_for_other_bots_are_ignored(fake: FakeTelegram, sqlite_url: str) -> None:
    async with running_bot(fake, sqlite_url) as bot:
        await set_up(bot)
        calls = len(fake.calls)
        await bot.say(LEAD, "/round@OtherBot status", group=GROUP)
        await bot.say(LEAD, "what a lovely /round of applause", group=GROUP)
        assert [c.method for c in fake.calls[calls:]] == ["getUpdates"] * 2
        await bot.say(LEAD, f"/round@{USERNAME} status", group=GROUP)
        assert "No rounds yet" in fake.last_message(LEAD["id"])["text"]


async def test_admins_are_asked_once_per_five_minutes_and_leads_need_a_dm(
    fake: FakeTelegram, sqlite_url: str
) -> None:
    clock = FakeTime()
    stranger = user(211000099, "Sam")
    async with running_bot(fake, sqlite_url, clock=clock) as bot:
        await set_up(bot)
        await bot.say(LEAD, "/round status", group=GROUP)
        assert len(fake.called("getChatAdministrators")) == 1
        clock.now += 301
        await bot.say(LEAD, "/round status", group=GROUP)
        assert len(fake.called("getChatAdministrators")) == 2
        # Not an admin, and never started the bot: the refusal cannot go to a DM.
        fake.blocked.add(stranger["id"])
        await bot.say(stranger, "/round close", group=GROUP)
        note = fake.last_message(GROUP)
        assert note["html"].startswith(f'<a href="tg://user?id={stranger["id"]}">You</a>')
        assert [b["url"] for b in buttons(note)] == [f"https://t.me/{USERNAME}"]
        assert "only the leads" not in note["text"]  # the private text stays private


async def test_priorities_step_and_the_debrief_pdf_privately_to_the_lead(
    fake: FakeTelegram, database_url: str
) -> None:
    async with running_bot(fake, database_url) as bot:
        code = await set_up(bot)
        await enrol(bot, PEOPLE, code)  # five: votes are counts
        await bot.say(LEAD, "/round open", group=GROUP)
        for offset, person in enumerate(PEOPLE):
            await answer_round(bot, person, offset)
            card = fake.last_message(person["id"])
            assert "Which areas should the partnership work on first?" in card["text"]
            rows = labels(card)
            assert rows[0] == ["1 Vision"] and rows[-2:] == [["Done"], ["Skip"]]
            assert len(rows) == 11
            await bot.press(person, "6 Finance")
            edited = fake.last_message(person["id"])
            assert edited["message_id"] == card["message_id"]  # the same card, edited
            assert "Your picks so far: Finance." in edited["text"]
            await bot.press(person, "Done")
            done = fake.last_message(person["id"])
            assert done["text"].startswith("Thank you! Your priorities: Finance.")
            assert "reply_markup" not in done

        before = len(fake.messages(GROUP))
        await bot.say(LEAD, "/round close", group=GROUP)
        in_group = fake.messages(GROUP)[before:]
        assert not any("document" in m for m in in_group)  # never posted to the group
        text = " ".join(m.get("caption") or m.get("text", "") for m in in_group)
        assert "The group's priorities (5 people picked" in text and "Finance 5" in text
        (pack,) = [m for m in fake.messages(LEAD["id"]) if "document" in m]
        assert pack["chat"]["type"] == "private"
        assert pack["document"]["file_name"] == "round-1-debrief.pdf"
        assert pack["document"]["mime_type"] == "application/pdf"
        assert pack["caption"].startswith("The debrief pack for round 1")
        assert len(PdfReader(io.BytesIO(pack["content"])).pages) == 10
        await bot.say(LEAD, "/round debrief 1", group=GROUP)
        assert len([m for m in fake.messages(LEAD["id"]) if "document" in m]) == 2


async def test_a_plain_member_cannot_take_a_group_and_its_admin_sets_it_up_by_its_title(
    fake: FakeTelegram, sqlite_url: str
) -> None:
    member = PEOPLE[0]
    async with running_bot(fake, sqlite_url) as bot:
        await bot.say(member, "/start")  # so the refusal can reach her privately
        await bot.say(member, "/round setup", group=GROUP)
        assert "Only an admin of this group" in fake.last_message(member["id"])["text"]
        async with bot.storage.transaction() as repo:
            assert await repo.community_for_chat(ChatRef("telegram", str(GROUP))) is None
        await bot.say(LEAD, "/round setup", group=GROUP)
        announcement = fake.last_message(GROUP)["text"]
        assert announcement.startswith("Riverside partners is set up, with Lena Okafor")
