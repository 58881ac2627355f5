"""Perspectives on the web answer page: someone answering by email says whom they speak for
on the page before the first card, with "Prefer not to say" there, and goes on to the cards."""

from __future__ import annotations

from web_world import another_browser, community_with, email_community, link_in, sign_in, web_world

from bot.model import PREFER_NOT_TO_SAY


async def test_a_web_participant_picks_a_group_before_the_first_card(database_url: str) -> None:
    async with web_world(database_url) as world:
        await community_with(world, "ana@example.org")
        await world.lead("/round groups on")
        await world.lead("/round open Spring check for 14 days")
        [invitation] = world.mailbox.to("ana@example.org")
        path = link_in(invitation)
        page = await world.get(path)
        assert "say once whom you speak for" in page.text
        page = await world.submit(page, "Start")
        assert "whom do you speak for" in page.text and "never shown next to your name" in page.text
        buttons = page.form("Council").buttons
        assert {"Council", "People with lived experience", PREFER_NOT_TO_SAY} <= set(buttons)
        page = await world.submit(page, PREFER_NOT_TO_SAY)
        assert "You speak for: Prefer not to say" in page.text
        assert "Question 1/9" in page.text and "Level 1" in " ".join(page.form().radios)
        async with world.assembly.storage.transaction() as repo:
            person = await repo.person_by_address("web", "ana@example.org")
            assert person is not None
            assert await repo.group_of(1, person.id) == PREFER_NOT_TO_SAY


async def test_a_lead_turns_perspectives_on_and_sets_the_groups_on_the_settings_page(
    database_url: str,
) -> None:
    async with web_world(database_url, chat=False) as world, another_browser(world) as lead:
        community = await email_community(world, "Riverside Partnership", "ana@council.gov.uk")
        await sign_in(world, lead, "ana@council.gov.uk")
        page = await lead.follow(f"/lead/c/{community}/settings")
        assert "Results by group" in page.text and "Council\nNHS and health" in page.html
        page = await lead.submit(page, "Save results by group", value="on")
        assert "perspectives are now on" in page.text
        page = await lead.submit(page, "Save the groups", groups="Council\ncouncil")
        assert "There is a problem" in page.text and "A group is named twice." in page.text
        page = await lead.submit(page, "Save the groups", groups="Council\n Health \nResidents")
        assert "the groups are now Council; Health; Residents; Prefer not to say" in page.text
        async with world.assembly.storage.transaction() as repo:
            saved = await repo.community_by_id(community)
        assert saved is not None and saved.perspectives
        assert saved.groups == ("Council", "Health", "Residents", PREFER_NOT_TO_SAY)
