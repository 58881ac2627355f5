"""A participant's conversation with the bot, written as transcripts: what they do -> what they see.

Runs on SQLite and PostgreSQL (the storage fixture), with the real engine and repositories.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from support import World, make_world, texts

from bot.model import Stage
from bot.ports import Storage

NINE = ["3", "Not sure", "2", "4", "1", "5", "3", "2", "Not sure"]

Step = tuple[str, str, str, list[str]]  # (who, "say"|"press", what, substrings expected in order)


async def verify_dialog(world: World, steps: list[Step]) -> None:
    """Each step's replies must contain the expected snippets, in that order."""
    for who, how, what, expected in steps:
        replies = await (world.say(who, what) if how == "say" else world.press(who, what))
        transcript = texts(replies)
        position = 0
        for snippet in expected:
            found = transcript.find(snippet, position)
            assert found >= 0, f"{who} {how} {what!r}: expected {snippet!r} in:\n{transcript}"
            position = found + len(snippet)


@pytest.fixture
async def world(storage: Storage) -> World:
    world = await make_world(storage)
    world.join("lead", "alice", "bob")
    await world.command("lead", "/round setup Riverside")
    await world.command("lead", "/round open Spring 2027 for 14 days")
    return world


async def answers_of(world: World, name: str) -> dict[str, int | None]:
    async with world.storage.transaction() as repo:
        person = await repo.person("test", name.upper())
        assert person is not None
        round_ = await repo.latest_round(1)
        assert round_ is not None
        return {a.category_id: a.level for a in await repo.answers(round_.id, person.id)}


async def test_invitation_says_what_it_is_and_what_leads_see(world: World) -> None:
    invitation = world.last_to("alice")
    assert "Spring 2027" in invitation.text
    assert "9 questions, about 10 minutes" in invitation.text
    assert "closes on Monday 16 November 2026 at 11:59pm" in invitation.text
    assert "only totals" in invitation.text
    assert [c.label for c in invitation.choices] == ["Start", "Later"]


async def test_whole_round_with_not_sure_back_and_comment(world: World) -> None:
    await verify_dialog(
        world,
        [
            ("alice", "press", "Later", ["No problem", "Monday 16 November 2026"]),
            ("alice", "press", "Start", ["1/9 · Vision", "1 — There is no clear shared vision"]),
            (
                "alice",
                "press",
                "3",
                ["✓ Vision: 3 — The shared vision is well formed", "2/9 · Collaboration"],
            ),
            (
                "alice",
                "say",
                "We rarely meet across teams.",
                ["Comment saved for Collaboration", "now pick a level"],
            ),
            ("alice", "press", "Not sure", ["✓ Collaboration: Not sure", "3/9 · Accountability"]),
            ("alice", "press", "Back", ["2/9 · Collaboration", "Your answer so far: Not sure"]),
            ("alice", "say", "2", ["✓ Collaboration: 2", "3/9 · Accountability"]),
        ],
    )
    for label in ["4", "1", "5", "3", "2", "Not sure", "Not sure"]:
        await world.press("alice", label)
    last_card = world.sent[-1]
    assert last_card.text.startswith("Nearly done")
    assert "1. Vision: 3\n" in last_card.text
    assert "2. Collaboration: 2 (with a comment)" in last_card.text
    assert "9. Learning, evaluation and continuous improvement: Not sure" in last_card.text
    await verify_dialog(world, [("alice", "press", "Submit", ["Thank you!"])])
    assert await answers_of(world, "alice") == {
        "vision": 3,
        "collaboration": 2,
        "accountability": 4,
        "involvement": 1,
        "planning": 5,
        "finance": 3,
        "service-delivery": 2,
        "workforce": None,
        "learning": None,
    }


async def test_first_card_has_no_back_and_replies_replace_the_pressed_card(world: World) -> None:
    card = (await world.press("alice", "Start"))[-1]
    assert [c.label for c in card.choices] == ["1", "2", "3", "4", "5", "Not sure", "Comment"]
    replies = await world.press("alice", "4")
    assert replies[0].replaces is not None and not replies[0].choices
    assert [c.label for c in replies[1].choices][-2:] == ["Back", "Comment"]


async def test_resume_after_restart_picks_up_where_they_stopped(world: World) -> None:
    await world.press("bob", "Start")
    for label in ["2", "2", "3"]:
        await world.press("bob", label)
    await world.restart()
    await verify_dialog(world, [("bob", "say", "continue", ["4/9 · Involvement"])])
    await verify_dialog(world, [("bob", "say", "hello again", ["4/9 · Involvement"])])


async def test_change_an_answer_after_submitting(world: World) -> None:
    await world.press("alice", "Start")
    for label in NINE:
        await world.press("alice", label)
    await world.press("alice", "Submit")
    await verify_dialog(
        world,
        [
            ("alice", "press", "Skip", ["No priorities from you this round"]),
            ("alice", "say", "hi", ["Your submitted answers", "Change an answer"]),
            ("alice", "press", "Change an answer", ["Which answer would you like to change?"]),
            ("alice", "say", "2", ["2/9 · Collaboration", "Your answer so far: Not sure"]),
            (
                "alice",
                "press",
                "5",
                ["✓ Collaboration: 5", "Your submitted answers", "2. Collaboration: 5"],
            ),
        ],
    )
    assert (await answers_of(world, "alice"))["collaboration"] == 5
    async with world.storage.transaction() as repo:
        alice = await repo.person("test", "ALICE")
        assert alice is not None
        participation = await repo.participation(1, alice.id)
    assert participation is not None and participation.stage is Stage.SUBMITTED


async def test_choice_after_close_is_refused_with_the_date(world: World) -> None:
    await world.press("alice", "Start")
    world.clock.advance(timedelta(days=1))
    await world.command("lead", "/round close anyway")
    await verify_dialog(
        world, [("alice", "press", "3", ["This round closed on Tuesday 3 November 2026"])]
    )
    assert await answers_of(world, "alice") == {}


async def test_choice_after_the_deadline_is_refused(world: World) -> None:
    await world.press("alice", "Start")
    world.clock.advance(timedelta(days=15))
    await verify_dialog(world, [("alice", "press", "3", ["closed on Monday 16 November 2026"])])
    await verify_dialog(
        world, [("alice", "say", "3", ["This round closed on Monday 16 November 2026"])]
    )
    assert await answers_of(world, "alice") == {}


@pytest.mark.parametrize(
    "forged",
    [
        "1:lvl:vision:9",
        "1:lvl:nonexistent:3",
        "999:lvl:vision:3",
        "1:lvl:vision",
        "garbage",
        "1:lvl:vision:3:extra",
        "1:" + "x" * 80,
        "1:drop table",
        "",
    ],
)
async def test_forged_choices_change_nothing(world: World, forged: str) -> None:
    await world.press("alice", "Start")
    replies = await world.press_id("alice", forged)
    assert len(replies) >= 1 and not any(r.replaces for r in replies)
    assert await answers_of(world, "alice") == {}


async def test_someone_elses_button_or_a_stranger_is_refused(world: World) -> None:
    await world.press("alice", "Start")
    vision_3 = next(c.id for c in world.sent[-1].choices if c.label == "3")
    replies = await world.press_id("mallory", vision_3)
    assert "not one of yours" in texts(replies)
    await world.say("bob", "hi")  # bob is invited but not started: he cannot answer yet
    replies = await world.press_id("bob", vision_3)
    assert "Hello!" in texts(replies)  # shown his invitation again, nothing recorded
    assert await answers_of(world, "bob") == {}


async def test_a_later_card_cannot_be_answered_out_of_order(world: World) -> None:
    await world.press("alice", "Start")
    replies = await world.press_id("alice", "1:lvl:finance:5")
    assert "not the question you are on" in texts(replies)
    replies = await world.press("alice", "3")
    replies = await world.press_id("alice", "1:lvl:vision:1")  # an old card's button
    assert "already answered Vision" in texts(replies)
    assert await answers_of(world, "alice") == {"vision": 3}


async def test_the_same_delivery_twice_records_once(world: World) -> None:
    await world.press("alice", "Start")
    first = await world.press("alice", "3", delivery="ev-1")
    assert first
    again = await world.press_id("alice", "1:lvl:collaboration:2", delivery="ev-1")
    assert again == []
    assert await answers_of(world, "alice") == {"vision": 3}


async def test_two_concurrent_choices_for_one_card_record_one_answer(world: World) -> None:
    await world.press("alice", "Start")
    await asyncio.gather(
        world.press_id("alice", "1:lvl:vision:2", delivery="click-a"),
        world.press_id("alice", "1:lvl:vision:4", delivery="click-b"),
    )
    answers = await answers_of(world, "alice")
    assert list(answers) == ["vision"] and answers["vision"] in (2, 4)
    sent = world.platform.sent  # everything Alice was sent (the two presses overlap)
    confirmations = [m for m in sent if m.text.startswith("✓ Vision")]
    assert len(confirmations) == 1
    async with world.storage.transaction() as repo:
        positions = [p.position for p in await repo.participations(1)]
    assert sorted(positions) == [0, 0, 1]  # alice moved on exactly one card


async def test_a_comment_press_waits_half_an_hour_and_a_long_comment_is_refused(
    world: World,
) -> None:
    await world.press("alice", "Start")
    await world.press("alice", "3")
    await world.press("alice", "Comment")
    world.clock.advance(timedelta(hours=2))
    # Long after the question, a short reply is not taken as the comment it asked for.
    await verify_dialog(world, [("alice", "say", "an afterthought", ["2/9 · Collaboration"])])
    await world.press("alice", "2")
    replies = await world.say("alice", "x" * 2100)
    assert "too long" in texts(replies)
    async with world.storage.transaction() as repo:
        stored = await repo.answers(1)
    assert all(a.comment is None for a in stored)


async def test_typed_text_without_a_round_gets_a_polite_answer(storage: Storage) -> None:
    world = await make_world(storage)
    await verify_dialog(world, [("zoe", "say", "hello", ["no assessment open for you"])])
    commenting = "To comment on the question you are looking at"
    await verify_dialog(world, [("zoe", "say", "help", ["self-assessment", commenting])])
    await verify_dialog(world, [("zoe", "say", "/round open", ["channel or group"])])


@pytest.mark.parametrize("attempt", ["6", "3/5", "ok", "Later", "yes please"])
async def test_short_replies_on_a_card_are_not_saved_as_comments(
    world: World, attempt: str
) -> None:
    await world.press("alice", "Start")
    await world.press("alice", "3")
    replies = await world.say("alice", attempt)
    assert "didn't catch that" in texts(replies) and "2/9 · Collaboration" in texts(replies)
    async with world.storage.transaction() as repo:
        assert all(a.comment is None for a in await repo.answers(1))


async def test_text_while_changing_an_answer_is_a_comment_on_that_card(world: World) -> None:
    await world.press("alice", "Start")
    for label in NINE:
        await world.press("alice", label)
    await world.press("alice", "Change an answer")
    await world.say("alice", "Finance, I think this one is the one I want to change")
    await world.say("alice", "6")  # picks Finance from the list
    replies = await world.say("alice", "Funding is still renewed each year, sadly.")
    assert "Comment saved for Finance" in texts(replies)
    async with world.storage.transaction() as repo:
        comments = {a.category_id: a.comment for a in await repo.answers(1) if a.comment}
    assert comments == {"finance": "Funding is still renewed each year, sadly."}


async def test_a_comment_racing_an_answer_loses_neither(world: World) -> None:
    await world.press("alice", "Start")
    await world.press("alice", "3")
    collaboration_2 = next(c.id for c in world.sent[-1].choices if c.label == "2")
    await asyncio.gather(
        world.say("alice", "Vision is clear to the board, not to front-line staff."),
        world.press_id("alice", collaboration_2),
    )
    async with world.storage.transaction() as repo:
        stored = {a.category_id: (a.level, a.comment) for a in await repo.answers(1)}
    note = "Vision is clear to the board, not to front-line staff."
    assert stored["vision"] == (3, None) and stored["collaboration"][0] == 2
    async with world.storage.transaction() as repo:
        person = await repo.person("test", "ALICE")
        assert person is not None
        position = await repo.participation(1, person.id)
    assert position is not None
    # The comment lands on the card shown when it is stored, exactly once: Collaboration (its
    # answer came second) or Accountability (held until it is answered).
    held = [stored["collaboration"][1], position.draft_comment]
    assert sorted(filter(None, held)) == [note]


async def test_concurrent_presses_without_delivery_ids_record_one_answer(world: World) -> None:
    await world.press("alice", "Start")
    await asyncio.gather(
        world.press_id("alice", "1:lvl:vision:1"), world.press_id("alice", "1:lvl:vision:5")
    )
    confirmed = [m for m in world.platform.sent if m.text.startswith("✓ Vision")]
    assert len(confirmed) == 1
    await world.press_id("alice", "1:lvl:collaboration:4")
    answers = await answers_of(world, "alice")
    assert set(answers) == {"vision", "collaboration"} and answers["collaboration"] == 4


async def submitted(world: World, name: str) -> None:
    await world.press(name, "Start")
    for label in NINE:
        await world.press(name, label)
    await world.press(name, "Submit")


async def priorities_of(world: World, name: str) -> tuple[Stage, tuple[str, ...]]:
    async with world.storage.transaction() as repo:
        person = await repo.person("test", name.upper())
        assert person is not None
        participation = await repo.participation(1, person.id)
    assert participation is not None
    return participation.stage, participation.priorities


async def test_after_submit_people_may_pick_up_to_two_priorities_and_change_them(
    world: World,
) -> None:
    await world.press("alice", "Start")
    for label in NINE:
        await world.press("alice", label)
    replies = await world.press("alice", "Submit")
    card = replies[-1]
    assert card.text.startswith("Thank you! Your answers for Spring 2027 are in.")
    assert "Which areas should the partnership work on first? Pick up to two" in card.text
    assert [c.label for c in card.choices][:2] == ["1 Vision", "2 Collaboration"]
    assert [c.label for c in card.choices][-2:] == ["Done", "Skip"] and len(card.choices) == 11
    await verify_dialog(
        world,
        [
            ("alice", "press", "6 Finance", ["Your picks so far: Finance. Pick one more"]),
            ("alice", "say", "12", ["Type an area's name or number to pick it"]),
            ("alice", "say", "2", ["Your picks: Finance and Collaboration. Type Done"]),
            ("alice", "press", "1 Vision", ["picked two already: Finance and Collaboration"]),
            ("alice", "press", "6 Finance", ["Your picks so far: Collaboration."]),
            ("alice", "press", "1 Vision", ["Your picks: Collaboration and Vision."]),
            ("alice", "press", "Done", ["Your priorities: Collaboration and Vision.", "until"]),
        ],
    )
    assert await priorities_of(world, "alice") == (Stage.SUBMITTED, ("collaboration", "vision"))
    # Changeable until the round closes, like the answers.
    await verify_dialog(
        world,
        [
            ("alice", "say", "hello", ["Your priorities: Collaboration and Vision."]),
            ("alice", "press", "Change priorities", ["Your picks: Collaboration and Vision."]),
            ("alice", "press", "Skip", ["No priorities from you this round"]),
        ],
    )
    assert await priorities_of(world, "alice") == (Stage.SUBMITTED, ())
    async with world.storage.transaction() as repo:
        round_ = await repo.latest_round(1)
        assert round_ is not None
        completed = [p for p in await repo.participations(round_.id) if p.completed_at]
    assert len(completed) == 1  # the priorities step is after Submit: the answers are in


async def test_a_picked_priority_counts_even_without_done_and_a_forged_one_is_refused(
    world: World,
) -> None:
    await submitted(world, "bob")
    await world.press("bob", "9 Learning, evaluation and continuous improvement")
    assert await priorities_of(world, "bob") == (Stage.PRIORITIES, ("learning",))
    replies = await world.press_id("bob", "1:pick:nowhere")
    assert "not one of this round's areas" in texts(replies)
    await world.press_id("bob", "1:prio")  # "Change priorities" from an old message: no effect
    assert await priorities_of(world, "bob") == (Stage.PRIORITIES, ("learning",))
    world.clock.advance(timedelta(days=1))
    await world.command("lead", "/round close anyway")
    replies = await world.press("bob", "Done")
    assert "This round closed on" in texts(replies)


async def test_with_priorities_off_submit_ends_with_thanks(world: World) -> None:
    await world.command("lead", "/round settings priorities off")
    await submitted(world, "alice")  # the open round keeps the setting it opened with
    assert await priorities_of(world, "alice") == (Stage.PRIORITIES, ())
    world.clock.advance(timedelta(days=1))
    await world.command("lead", "/round close anyway")
    await world.command("lead", "/round open Summer")
    await world.press("bob", "Start")
    for label in NINE:
        await world.press("bob", label)
    replies = await world.press("bob", "Submit")
    assert replies[-1].text.startswith("Thank you!") and not replies[-1].choices
    assert "Which areas" not in texts(replies)
    replies = await world.say("bob", "hi")
    assert "Change priorities" not in texts(replies) and "priorities" not in texts(replies)


async def stage_of(world: World, name: str) -> Stage:
    stage, _priorities = await priorities_of(world, name)
    return stage


@pytest.mark.parametrize("typed", ["3", "not sure", "Back", "6"])
async def test_an_answer_typed_on_the_invitation_asks_to_press_start_first(
    world: World, typed: str
) -> None:
    replies = await world.say("alice", typed)
    assert replies[0].text.startswith("Press Start first (or type “start”)")
    assert [c.label for c in replies[-1].choices] == ["Start", "Later"]  # the invitation again
    assert await answers_of(world, "alice") == {}
    assert await stage_of(world, "alice") is Stage.INVITED
    await verify_dialog(world, [("alice", "say", "start", ["1/9 · Vision"])])


async def test_a_level_typed_where_none_is_offered_says_what_to_do_instead(world: World) -> None:
    await world.press("alice", "Start")
    for label in NINE:
        await world.press("alice", label)
    await verify_dialog(world, [("alice", "say", "3", ["answered every question", "Submit"])])
    await world.press("alice", "Change an answer")
    await verify_dialog(world, [("alice", "say", "12", ["Type its number", "1 Vision"])])
    assert await stage_of(world, "alice") is Stage.PICKING
    assert (await answers_of(world, "alice"))["vision"] == 3


async def comments_of(world: World, name: str) -> dict[str, str]:
    async with world.storage.transaction() as repo:
        person = await repo.person("test", name.upper())
        assert person is not None
        return {a.category_id: a.comment for a in await repo.answers(1, person.id) if a.comment}


async def test_a_comment_lands_on_the_card_shown_and_a_typed_level_is_an_answer(
    world: World,
) -> None:
    """The new user's round: a comment typed on Accountability is Accountability's, and
    "I'd say 3 really" answers it (it was a comment on Vision before)."""
    note = "Accountability sits inside each organisation, never across the partnership."
    await world.press("alice", "Start")
    await world.press("alice", "4")
    await verify_dialog(
        world,
        [
            ("alice", "say", "two", ["✓ Collaboration: 2", "3/9 · Accountability"]),
            ("alice", "say", note, ["Comment saved for Accountability", "now pick a level"]),
            ("alice", "say", "hello", ["3/9 · Accountability", "You have a comment"]),
            ("alice", "say", "I'd say 3 really", ["✓ Accountability: 3", "4/9 · Involvement"]),
            ("alice", "say", "Level 5.", ["✓ Involvement: 5", "5/9 · Planning"]),
            ("alice", "say", "not sure", ["✓ Planning / strategy / programming: Not sure"]),
        ],
    )
    assert await answers_of(world, "alice") == {
        "vision": 4,
        "collaboration": 2,
        "accountability": 3,
        "involvement": 5,
        "planning": None,
    }
    assert await comments_of(world, "alice") == {"accountability": note}


async def test_a_comment_can_be_asked_for_changed_and_removed_until_close(world: World) -> None:
    first = "Budgets are set a year at a time, so nobody plans ahead."
    second = "Pooled budgets started this spring; too early to say more."
    await world.press("alice", "Start")
    for label in NINE[:5]:
        await world.press("alice", label)
    card = world.last_to("alice")
    assert card.text.startswith("6/9 · Finance") and "press Comment or type it here" in card.text
    asked = await world.press("alice", "Comment")
    assert asked[-1].text.startswith("Your comment on *Finance*: write it in your next message")
    assert asked[-1].reply_hint == "Comment on Finance"  # Telegram opens a reply box with it
    await world.restart()  # the wait for the comment is in the database, not in memory
    await verify_dialog(world, [("alice", "say", first, ["Comment saved for Finance"])])
    await world.press("alice", "3")
    assert (await comments_of(world, "alice")) == {"finance": first}
    for label in NINE[6:]:
        await world.press("alice", label)
    await world.press("alice", "Submit")
    await world.press("alice", "Skip")
    await world.say("alice", "hi")
    await world.press("alice", "Change an answer")
    await verify_dialog(
        world,
        [
            ("alice", "press", "6 Finance", ["6/9 · Finance", "You have a comment"]),
            ("alice", "press", "Comment", ["It replaces the comment you have", "“remove”"]),
            ("alice", "say", second, ["Comment saved for Finance"]),
        ],
    )
    assert await comments_of(world, "alice") == {"finance": second}
    await world.press("alice", "Comment")
    await verify_dialog(world, [("alice", "say", "cancel", ["your comment on Finance is as"])])
    assert await comments_of(world, "alice") == {"finance": second}
    await verify_dialog(
        world, [("alice", "press", "Remove comment", ["Your comment on Finance is removed"])]
    )
    assert await comments_of(world, "alice") == {}
    assert (await answers_of(world, "alice"))["finance"] == 3  # the answer itself stays
    world.clock.advance(timedelta(days=1))
    await world.command("lead", "/round close anyway")
    replies = await world.say("alice", "Actually, I want my comment back on Finance please.")
    assert "no assessment open" in texts(replies)
    assert await comments_of(world, "alice") == {}


async def test_a_number_typed_after_a_comment_press_is_an_answer_and_remove_works_too(
    world: World,
) -> None:
    await world.press("alice", "Start")
    await world.press("alice", "Comment")
    await verify_dialog(world, [("alice", "say", "3", ["✓ Vision: 3", "2/9 · Collaboration"])])
    await world.say("alice", "Nobody has asked the people who use the services yet.")
    await world.press("alice", "Comment")
    await verify_dialog(
        world, [("alice", "say", "remove", ["Your comment on Collaboration is removed"])]
    )
    await world.press("alice", "2")
    assert await comments_of(world, "alice") == {}


async def test_priorities_typed_by_name_or_number_get_a_line_not_the_card_again(
    world: World,
) -> None:
    await submitted(world, "alice")
    before = len(world.sent)
    await verify_dialog(
        world,
        [
            ("alice", "say", "Finance", ["Your picks so far: Finance. Pick one more"]),
            ("alice", "say", "workforce", ["Your picks: Finance and Workforce development."]),
            ("alice", "say", "finance", ["Your picks so far: Workforce development."]),
            ("alice", "say", "3 and learning", ["picked two already"]),
            ("alice", "say", "accountability", ["Workforce development and Accountability"]),
            ("alice", "say", "the weather", ["Type an area's name or number"]),
            ("alice", "say", "done", ["Your priorities: Workforce development and Acc"]),
        ],
    )
    assert await priorities_of(world, "alice") == (
        Stage.SUBMITTED,
        ("workforce", "accountability"),
    )
    thanks = [m for m in world.sent if "Your answers for Spring 2027 are in" in m.text]
    assert len(thanks) == 1 and all(not m.choices for m in world.sent[before:])
