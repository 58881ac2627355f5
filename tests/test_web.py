"""The web channel over real HTTP and a real SMTP server: people added by email answer a whole
round on their personal page, the same engine and round as the chat platforms."""

from __future__ import annotations

from web_world import answer_round, community_with, link_in, web_world


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
        assert "Thank you! Your answers for Spring check are in." in review.text
        status = await world.lead("/round status")
        assert "Invited 2 · completed 1" in status  # lee, in the chat, and ana
        assert len(world.mailbox.to("ana@example.org")) == 1  # the conversation is not emailed
