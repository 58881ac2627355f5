"""The web channel over real HTTP and a real SMTP server: people added by email answer a whole
round on their personal page, the same engine and round as the chat platforms."""

from __future__ import annotations

import logging
import re
from datetime import timedelta
from email.message import EmailMessage
from urllib.parse import urlsplit

import pytest
from web_world import WebWorld, answer_round, community_with, link_in, web_world

from adapters.web import pages
from bot.access.limits import AccessLimits, Limit
from bot.access.links import GRACE
from bot.model import Answer


async def test_a_web_participant_answers_a_round_from_the_invitation_email(
    database_url: str,
) -> None:
    async with web_world(database_url) as world:
        reply = await community_with(world, "ana@example.org", "not-an-address")
        assert "Added 1 person to Riverside" in reply
        assert "Not valid email addresses: not-an-address" in reply
        await world.lead("/round open Spring check for 14 days")
        [invitation] = world.mailbox.to("ana@example.org")
        assert "Spring check" in invitation["Subject"]
        assert invitation["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "/u/" in invitation["List-Unsubscribe"]
        path = link_in(invitation)
        page = await world.get(path)
        assert page.status == 200
        assert "Spring check" in page.text and "Start" in page.form("Start").buttons
        page = await world.submit(page, "Start")
        assert "Question 1/9" in page.text
        assert "Level 1" in " ".join(page.form().radios)
        page = await world.submit(page, "Continue", level="Level 3", comment="We share a plan.")
        assert "✓ Vision: 3" in page.text and "Question 2/9" in page.text
        review = await answer_round(world, path, "4")
        status = await world.lead("/round status")
        assert "Invited 2 · completed 1" in status  # lee, in the chat, and ana
        # The priorities step: a checkbox per area, up to two; more is an error that keeps
        # the ticks and changes nothing.
        assert "Your answers are in." in review.text
        assert "Which areas should the partnership work on first?" in review.text
        assert "Select up to two" in review.text
        assert list(review.form().buttons) == ["Continue"]
        three = {f"priority-{area}": area for area in ("finance", "collaboration", "vision")}
        error = await world.post(path, review.form().fill("Continue", **three))
        assert error.status == 200 and error.title.startswith("Error: ")
        assert "There is a problem" in error.text and "Select up to two areas" in error.text
        assert error.html.count("checked") == 3
        assert await priorities_of(world, "ana@example.org") == ()
        two = {k: v for k, v in three.items() if v != "vision"}
        page = await world.submit(review, "Continue", **two)
        # The confirmation: a panel, what happens next, and changing as secondary links.
        assert page.title.startswith("Answers submitted")
        assert "Answers submitted Thank you for taking part in Spring check." in page.text
        assert "What happens next" in page.text and "The round closes on" in page.text
        assert "we email you the summary" in page.text
        assert "Your priorities: Collaboration, Finance." in page.text
        assert "message me" not in page.text and not page.forms
        assert await priorities_of(world, "ana@example.org") == ("collaboration", "finance")
        again = await world.get(path + "?priorities=1")
        assert again.html.count(" checked") == 2
        page = await world.submit(again, "Continue")  # nothing ticked: no priorities
        assert "Your priorities: none." in page.text
        assert await priorities_of(world, "ana@example.org") == ()
        # Your answers: a summary list with each level's words, the comment, Change links.
        answers = await world.get(path + "?answers=1")
        assert (
            "1. Vision Level 3" in answers.text and "Your comment: We share a plan." in answers.text
        )
        assert answers.html.count(">Change<") == 9
        assert "Change your answer to 1. Vision" in answers.text  # for screen readers
        change = await world.get(path + "?change=vision")
        assert "Question 1/9" in change.text
        assert 'checked><label for="level-3">' in change.html  # the answer so far, ticked
        assert ">We share a plan.</textarea>" in change.html  # and its comment filled in
        page = await world.submit(change, "Continue", level="Level 2", comment="")
        assert "✓ Vision: 2" in page.text and page.title.startswith("Your answers")
        assert "1. Vision Level 2" in page.text and "Your comment" not in page.text
        assert len(world.mailbox.to("ana@example.org")) == 1  # the conversation is not emailed


async def priorities_of(world: WebWorld, address: str) -> tuple[str, ...]:
    async with world.assembly.storage.transaction() as repo:
        person = await repo.person_by_address("web", address)
        assert person is not None
        (participation,) = await repo.participations_of(person.id)
    return participation.priorities


async def opened(world: WebWorld, *addresses: str) -> dict[str, str]:
    """Riverside with these people, a round open: each one's personal page path."""
    await community_with(world, *addresses)
    await world.lead("/round open Spring check for 14 days")
    return {a: link_in(world.mailbox.to(a)[-1]) for a in addresses}


async def answers_of(world: WebWorld, address: str) -> list[Answer]:
    async with world.assembly.storage.transaction() as repo:
        person = await repo.person_by_address("web", address)
        assert person is not None
        return list(await repo.answers_of(person.id))


async def test_a_replayed_or_doubled_form_is_recorded_once(database_url: str) -> None:
    async with web_world(database_url) as world:
        path = (await opened(world, "ana@example.org"))["ana@example.org"]
        card = await world.submit(await world.get(path), "Start")
        fields = card.form().fill("Continue", level="Level 2", comment="First words here.")
        first = await world.post(path, fields)
        again = await world.post(path, fields)  # a double click, or the back button and resend
        assert first.status == again.status == 303
        await world.settle()
        [answer] = await answers_of(world, "ana@example.org")
        assert (answer.level, answer.comment) == (2, "First words here.")
        assert "Question 2/9" in (await world.get(path)).text  # moved on once, not twice


async def test_a_choice_on_the_page_owes_no_message_to_send(database_url: str) -> None:
    """The page shows the next card itself: a choice stores the answer and queues nothing
    for the web person (the outbox holds only what must really be sent)."""
    async with web_world(database_url) as world:
        path = (await opened(world, "ana@example.org"))["ana@example.org"]
        await world.settle()  # the invitation has gone
        card = await world.submit(await world.get(path), "Start")
        posted = await world.post(path, card.form().fill("Continue", level="Level 2"))
        assert posted.status == 303
        async with world.assembly.storage.transaction() as repo:
            owed = await repo.claim_due(world.clock.now() + timedelta(days=1), 100, "probe")
        assert [item.message for item in owed if item.message is not None] == []
        assert len(await answers_of(world, "ana@example.org")) == 1
        assert "Question 2/9" in (await world.get(path)).text


async def test_a_choice_for_another_card_or_round_changes_nothing(database_url: str) -> None:
    async with web_world(database_url) as world:
        path = (await opened(world, "ana@example.org"))["ana@example.org"]
        card = await world.submit(await world.get(path), "Start")
        level = next(iter(card.form().radios.values()))
        round_id, _, category, _n = level.split(":")
        later_card = f"{round_id}:lvl:collaboration:4"
        page = await world.submit(card, None, choice=later_card)
        assert "That is not the question you are on; nothing was changed" in page.text
        other_round = f"{int(round_id) + 7}:lvl:{category}:4"
        page = await world.submit(page, None, choice=other_round)
        assert "That button is not one of yours, so nothing was changed." in page.text
        assert await answers_of(world, "ana@example.org") == []
        assert "Question 1/9" in page.text


async def test_continue_without_a_level_shows_the_error_summary(database_url: str) -> None:
    async with web_world(database_url) as world:
        path = (await opened(world, "ana@example.org"))["ana@example.org"]
        card = await world.submit(await world.get(path), "Start")
        page = await world.post(path, card.form().fill())
        assert page.status == 200
        assert page.title.startswith("Error:")
        assert "There is a problem" in page.text and 'href="#level-1"' in page.html


async def test_an_oversized_comment_is_refused_politely(database_url: str) -> None:
    async with web_world(database_url) as world:
        path = (await opened(world, "ana@example.org"))["ana@example.org"]
        card = await world.submit(await world.get(path), "Start")
        long = "word " * 401  # 2,005 characters: over the 2,000 a question may hold
        page = await world.submit(card, "Continue", level="Level 3", comment=long)
        assert "That comment is too long (at most 2000 characters" in page.text
        assert "Question 1/9" in page.text and await answers_of(world, "ana@example.org") == []
        huge = card.form().fill("Continue", level="Level 3", comment="x" * 40_000)
        too_big = await world.post(path, huge)
        assert too_big.status == 413 and "too long" in too_big.text


async def test_malformed_input_gets_a_4xx_and_one_calm_log_line(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with web_world(database_url) as world:
        path = (await opened(world, "ana@example.org"))["ana@example.org"]
        token = path.rsplit("/", 1)[1]
        card = await world.get(path)
        fields = card.form("Start").fill("Start")
        cases = [
            ({**fields, "csrf": "0" * 32}, {}, 403),  # a forged CSRF token
            ({k: v for k, v in fields.items() if k != "csrf"}, {}, 400),
            (b"\xff\xfe=\x00", {"Content-Type": "application/x-www-form-urlencoded"}, 400),
            ('{"choice": "1:start"}', {"Content-Type": "application/json"}, 415),
            ({**fields, "choice": "9" * 80}, {}, 400),
        ]
        for data, headers, status in cases:
            caplog.clear()
            with caplog.at_level(logging.INFO):
                page = await world.post(path, data, headers=headers)
            assert page.status == status
            assert "Nothing was changed" in page.text
            lines = [r for r in caplog.records if r.name.startswith("adapters.web")]
            assert len(lines) == 1 and token not in lines[0].getMessage()
        assert "Start" in (await world.get(path)).form("Start").buttons  # still not started


async def test_every_page_is_sent_with_strict_headers(database_url: str) -> None:
    async with web_world(database_url) as world:
        path = (await opened(world, "ana@example.org"))["ana@example.org"]
        for page in (await world.get(path), await world.get("/a/" + "x" * 43)):
            csp = page.headers["Content-Security-Policy"]
            assert "default-src 'none'" in csp and "script-src" not in csp
            assert page.headers["Referrer-Policy"] == "no-referrer"
            assert "<script" not in page.html and 'lang="en"' in page.html
        async with world.session.get(world.base + pages.CSS_URL) as css:
            assert css.status == 200 and css.content_type == "text/css"


async def test_a_guessed_or_altered_link_gets_the_same_plain_page(database_url: str) -> None:
    async with web_world(database_url) as world:
        path = (await opened(world, "ana@example.org"))["ana@example.org"]
        token = path.rsplit("/", 1)[1]
        altered = token[:-1] + ("A" if token[-1] != "A" else "B")
        bodies = set()
        for guess in (altered, "x" * 43, "short", token + "x"):
            page = await world.get(f"/a/{guess}")
            assert page.status == 404 and "This link is not valid" in page.text
            bodies.add(page.text)
        assert len(bodies) == 1  # no hint whether anyone is behind it
        posted = await world.post(f"/a/{altered}", {"choice": "1:start"})
        assert posted.status == 404


async def test_a_closed_round_says_so_and_an_expired_link_can_be_renewed(
    database_url: str,
) -> None:
    async with web_world(database_url) as world:
        path = (await opened(world, "ana@example.org"))["ana@example.org"]
        world.clock.advance(timedelta(days=1))
        await world.lead("/round close anyway")
        page = await world.get(path)
        assert "This round closed on Tuesday 3 November 2026" in page.text
        world.clock.advance(GRACE + timedelta(days=1))
        expired = await world.get(path)
        assert expired.status == 410 and "This link has expired" in expired.text
        before = len(world.mailbox.to("ana@example.org"))
        page = await world.submit(expired, "Email me a new link")
        assert "We have emailed you a new link" in page.text
        fresh = world.mailbox.to("ana@example.org")[before:]
        assert len(fresh) == 1 and "Your link" in fresh[0]["Subject"]
        renewed = await world.get(link_in(fresh[0]))
        assert renewed.status == 200 and "This round closed on" in renewed.text


async def test_a_round_opened_later_reaches_people_added_earlier(database_url: str) -> None:
    async with web_world(database_url) as world:
        await community_with(world, "ana@example.org")
        page_before = await world.get("/join/x")  # any page: the server is up
        assert page_before.status == 404
        await world.lead("/round open First")
        await world.lead("/round close anyway")
        await world.lead("/round open Second")
        emails = world.mailbox.to("ana@example.org")
        assert [e["Subject"].split(": ", 1)[1] for e in emails if "questions" in e["Subject"]] == [
            "First, your questions",
            "Second, your questions",
        ]
        summary = [e for e in emails if "summary" in e["Subject"]]
        assert len(summary) == 1  # the first round's, at close


async def test_join_page_double_opt_in_enrols_and_opens_the_page(database_url: str) -> None:
    async with web_world(database_url) as world:
        await world.lead("/round setup Riverside")
        await world.lead("/round open Spring check")
        post = await world.lead("/round join-link")
        join_path = urlsplit(re.search(r"http://\S+/join/\S+", post).group(0)).path  # type: ignore[union-attr]
        page = await world.get(join_path)
        assert "Take part in Riverside's self-assessment" in page.text
        wrong = await world.post(join_path, page.form().fill(email="ana@"))
        assert wrong.status == 200 and "There is a problem" in wrong.text
        assert 'value="ana@"' in wrong.html
        sent = await world.submit(page, None, email="Ana@Example.org")
        assert "Check your email" in sent.text
        [confirm] = world.mailbox.to("ana@example.org")
        assert "List-Unsubscribe" not in confirm
        async with world.assembly.storage.transaction() as repo:
            assert await repo.person_by_address("web", "ana@example.org") is None  # not yet
        confirm_page = await world.get(link_in(confirm, "/j/"))
        card = await world.submit(confirm_page, "Yes, take part")
        assert "Spring check" in card.text and "Start" in card.form("Start").buttons
        status = await world.lead("/round status")
        assert "Invited 2" in status  # lee and ana
        emails = world.mailbox.to("ana@example.org")
        assert "Your link" in emails[-1]["Subject"]
        again = await world.get(link_in(confirm, "/j/"))  # the email opened again later
        assert again.status == 303 and again.headers["Location"] == card_path(confirm)
        assert len(world.mailbox.to("ana@example.org")) == len(emails)  # nothing more sent


def card_path(confirm: EmailMessage) -> str:
    """The personal page a confirmation opens: the confirmation's own token, under /a/."""
    return link_in(confirm, "/j/").replace("/j/", "/a/", 1)


async def test_join_requests_are_rate_limited_per_address_and_per_ip(database_url: str) -> None:
    limits = AccessLimits(
        join_per_address=Limit("join address", 2), join_per_ip=Limit("join ip", 4)
    )
    async with web_world(database_url, limits=limits) as world:
        await world.lead("/round setup Riverside")
        async with world.assembly.storage.transaction() as repo:
            community = await repo.community_by_name("Riverside")
        assert community is not None
        join = f"/join/{community.join_code}"
        statuses = []
        others = ["ben@example.org", "cy@example.org", "dee@example.org"]
        for address in ["ana@example.org"] * 3 + others:
            page = await world.get(join)
            posted = await world.post(join, page.form().fill(email=address))
            statuses.append(posted.status)
        # ana: twice; the IP: four times (a refused request counts against neither)
        assert statuses == [303, 303, 429, 303, 303, 429]
        await world.settle()
        assert len(world.mailbox.messages) == 4


async def test_your_data_shows_downloads_and_forgets_after_a_confirmation(
    database_url: str,
) -> None:
    async with web_world(database_url) as world:
        path = (await opened(world, "ana@example.org"))["ana@example.org"]
        card = await world.submit(await world.get(path), "Start")
        await world.submit(card, "Continue", level="Level 4", comment="Our plan is shared.")
        page = await world.get(path)
        assert 'href="' + path + '/data"' in page.html  # every personal page links to it
        data = await world.get(path + "/data")
        assert data.status == 200 and "Your email address: ana@example.org" in data.text
        assert "vision: 4 — “Our plan is shared.”" in data.text
        async with world.session.get(world.base + path + "/data.json") as download:
            assert (
                download.status == 200 and "attachment" in download.headers["Content-Disposition"]
            )
            record = await download.json(content_type="application/json")
        assert record["person"]["email"] == "ana@example.org"
        assert record["rounds"][0]["answers"][0]["comment"] == "Our plan is shared."
        confirm = await world.get(path + "/forget")
        assert "Forget me?" in confirm.text and "cannot be undone" in confirm.text
        assert await answers_of(world, "ana@example.org")  # nothing gone yet
        gone = await world.post(confirm.form().action, confirm.form().fill("Yes, forget me"))
        assert gone.status == 200 and "You have been forgotten" in gone.text
        async with world.assembly.storage.transaction() as repo:
            assert await repo.person_by_address("web", "ana@example.org") is None
        assert (await world.get(path + "/data")).status == 404  # the link went with them
        again = await world.lead("/round people add ana@example.org")
        assert "Not added, because they asked us not to" in again


async def test_a_comment_shows_in_its_box_again_and_is_changed_or_removed(
    database_url: str,
) -> None:
    async with web_world(database_url) as world:
        path = (await opened(world, "ana@example.org"))["ana@example.org"]
        card = await world.submit(await world.get(path), "Start")
        card = await world.submit(card, "Continue", level="Level 2", comment="First words here.")
        card = await world.submit(card, "Back")
        assert "First words here.</textarea>" in card.html  # the box holds the comment so far
        assert "Comment" not in card.form().buttons  # the box is the card's Comment choice
        card = await world.submit(card, "Continue", level="Level 3", comment="Better words.")
        [answer] = await answers_of(world, "ana@example.org")
        assert (answer.level, answer.comment) == (3, "Better words.")  # replaced, not added
        card = await world.submit(card, "Back")
        await world.submit(card, "Remove comment")
        [answer] = await answers_of(world, "ana@example.org")
        assert (answer.level, answer.comment) == (3, None)
