"""Small rounds (issue 21, defect 3): a lead who sets min_responses 3 or 4 is told in plain
words what two people comparing notes could learn, in chat and on the lead pages, and nothing
changes until they confirm; and everyone taking part sees how many people are enrolled and
where, so a round cannot be padded unseen."""

from __future__ import annotations

from support import make_world, texts
from web_world import another_browser, email_community, link_in, sign_in, web_world

from adapters.slack import TRAITS as SLACK
from adapters.web import TRAITS as WEB
from bot.conversation.participants import taking_part
from bot.platforms import Platforms
from bot.ports import Storage

ANA = "ana@council.gov.uk"


async def test_a_minimum_below_five_is_explained_and_confirmed_first(storage: Storage) -> None:
    world = await make_world(storage)
    world.join("lead", "alice")
    await world.command("lead", "/round setup Riverside")
    higher = texts(await world.command("lead", "/round settings min_responses 6"))
    assert "min_responses is now 6" in higher  # nothing to confirm from five on
    asked = texts(await world.command("lead", "/round settings min_responses 3"))
    assert "Set min_responses to 3?" in asked
    assert "Two of them who compare notes" in asked and "the third person" in asked
    assert "/round settings min_responses 3 confirm" in asked
    assert "min_responses: 6" in texts(await world.command("lead", "/round settings"))
    four = texts(await world.command("lead", "/round settings min_responses 4"))
    assert "Set min_responses to 4?" in four and "half-way between the others' answers" in four
    done = texts(await world.command("lead", "/round settings min_responses 3 confirm"))
    assert "min_responses is now 3" in done
    assert "min_responses: 3" in texts(await world.command("lead", "/round settings"))


async def test_the_first_card_says_how_many_take_part(storage: Storage) -> None:
    world = await make_world(storage)
    world.join("lead", "alice", "bob")
    await world.command("lead", "/round setup Riverside")
    await world.command("lead", "/round open")
    first = texts(await world.press("alice", "Start"))
    assert "1/9 · Vision" in first and "3 people are taking part, all on " in first
    second = texts(await world.press("alice", "3"))
    assert "2/9" in second and "taking part" not in second  # once is enough


def test_who_takes_part_is_said_per_platform() -> None:
    platforms = Platforms([SLACK, WEB])
    said = taking_part({"slack": 5, "web": 7}, platforms)
    assert said == "12 people are taking part: 7 by email, 5 on Slack."
    assert taking_part({"slack": 1}, platforms) == "1 person is taking part, on Slack."
    assert taking_part({}, platforms) == ""


async def test_on_the_lead_pages_a_lower_minimum_is_explained_and_confirmed(
    database_url: str,
) -> None:
    async with web_world(database_url, chat=False) as world, another_browser(world) as lead:
        community = await email_community(world, "Riverside", ANA)
        await sign_in(world, lead, ANA)
        settings = await lead.follow(f"/lead/c/{community}/settings")
        assert "Below 5, you are asked to confirm" in settings.text
        six = await lead.submit(settings, "Save minimum responses", value="6")
        assert "min_responses is now 6" in six.text  # nothing to confirm from five on
        asked = await lead.submit(six, "Save minimum responses", value="3")
        assert "Set the minimum to 3?" in asked.text
        assert "learn the third person's answers" in asked.text and "Keep 6" in asked.text
        async with world.assembly.storage.transaction() as repo:
            before = await repo.community_by_id(community)
        assert before is not None and before.min_responses == 6  # nothing changed yet
        done = await lead.submit(asked, "Set it to 3")
        assert "min_responses is now 3" in done.text
        async with world.assembly.storage.transaction() as repo:
            after = await repo.community_by_id(community)
        assert after is not None and after.min_responses == 3


async def test_the_answer_page_says_how_many_take_part_by_email(database_url: str) -> None:
    async with web_world(database_url, chat=False) as world, another_browser(world) as lead:
        community = await email_community(world, "Riverside", ANA)
        await sign_in(world, lead, ANA)
        people = await lead.follow(f"/lead/c/{community}/people")
        await lead.submit(people, "Add people", entries="ben@example.org, cy@example.org")
        home = await lead.follow(f"/lead/c/{community}")
        await lead.submit(home, "Open the round", title="Spring check")
        invitation = next(
            m for m in world.mailbox.to("ben@example.org") if "your questions" in m["Subject"]
        )
        page = await world.browser.get(link_in(invitation))
        card = await world.browser.submit(page, "Start")
        assert "Question 1/9" in card.text
        assert "3 people are taking part, all by email." in card.text
