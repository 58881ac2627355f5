"""Email for web participants through a real SMTP server (aiosmtpd on loopback): invitations,
reminders with snooze and stop links, summaries with the chart inline, a lead's debrief pack
attached, an action's owner told; what happens when the server is down, answers 4xx or 5xx, or
hangs; unsubscribing."""

from __future__ import annotations

from datetime import timedelta
from email.message import EmailMessage
from urllib.parse import urlsplit

from web_world import WebWorld, answer_round, community_with, link_in, plain, web_world

from bot.model import Participation, Role
from bot.outbox.item import Outcome
from bot.outbox.sender import LONGEST_WAIT, MAX_ATTEMPTS

ANA, BEN, CY = "ana@example.org", "ben@example.org", "cy@example.org"


async def participation_of(world: WebWorld, address: str) -> Participation:
    async with world.assembly.storage.transaction() as repo:
        person = await repo.person_by_address("web", address)
        round_ = await repo.latest_round(1)
        assert person is not None and round_ is not None
        found = await repo.participation(round_.id, person.id)
        assert found is not None
        return found


async def invite_outcomes(world: WebWorld, *addresses: str) -> list[Outcome | None]:
    """How the invitations to these people ended (None: not yet)."""
    async with world.assembly.storage.transaction() as repo:
        ids = [p.id for a in addresses if (p := await repo.person_by_address("web", a))]
        items = await repo.outbox(1)
        return [i.outcome for i in items if i.key.startswith("invite:") and i.person_id in ids]


def link_labelled(message: EmailMessage, label: str) -> str:
    """The path and query of the link after `label:` in an email's plain text."""
    line = next(x for x in plain(message).splitlines() if x.startswith(f"{label}: http"))
    parts = urlsplit(line.split(": ", 1)[1])
    return f"{parts.path}?{parts.query}"


async def test_smtp_down_at_open_delays_the_invitations_without_losing_them(
    database_url: str,
) -> None:
    async with web_world(database_url, mailbox_up=False) as world:
        await community_with(world, ANA, BEN)
        await world.lead("/round open")
        assert world.mailbox.messages == []
        assert await invite_outcomes(world, ANA, BEN) == [None, None]  # waiting, not given up
        world.clock.advance(timedelta(seconds=3))
        await world.settle()  # still down: tried again, still waiting
        await world.mailbox.start(world.mailbox.port)
        world.clock.advance(timedelta(seconds=10))
        await world.settle()
        assert len(world.mailbox.to(ANA)) == len(world.mailbox.to(BEN)) == 1
        assert "could not be reached" not in await world.lead("/round status")


async def test_a_temporary_refusal_is_retried_with_backoff_then_counted_unreachable(
    database_url: str,
) -> None:
    async with web_world(database_url) as world:
        await community_with(world, ANA)
        world.mailbox.rcpt_replies[ANA] = "451 4.2.0 Mailbox busy, try later"
        await world.lead("/round open")
        async with world.assembly.storage.transaction() as repo:
            [item] = [i for i in await repo.outbox(1) if i.key.startswith("invite:") and i.attempts]
        assert item.due_at - world.clock.now() == timedelta(seconds=2)  # the first wait
        for _ in range(MAX_ATTEMPTS):
            world.clock.advance(LONGEST_WAIT)
            await world.settle()
        assert world.mailbox.to(ANA) == []
        assert "1 could not be reached" in await world.lead("/round status")


async def test_a_permanent_refusal_of_the_recipient_counts_at_once(database_url: str) -> None:
    async with web_world(database_url) as world:
        await community_with(world, ANA, BEN)
        world.mailbox.rcpt_replies[ANA] = "550 5.1.1 No such user here"
        await world.lead("/round open")
        assert "1 could not be reached" in await world.lead("/round status")
        assert (await participation_of(world, ANA)).unreachable
        assert len(world.mailbox.to(BEN)) == 1


async def test_a_server_that_hangs_is_tried_again(database_url: str) -> None:
    async with web_world(database_url, smtp_timeout=0.3) as world:
        await community_with(world, ANA)
        world.mailbox.hang = True
        await world.lead("/round open")
        assert world.mailbox.messages == []
        world.mailbox.hang = False
        world.mailbox.release()
        world.clock.advance(timedelta(seconds=3))
        await world.settle()
        assert world.mailbox.to(ANA)  # at least once (the hung one may land too)
        assert await invite_outcomes(world, ANA) == [Outcome.SENT]


async def test_reminders_come_by_email_with_snooze_and_stop_links(database_url: str) -> None:
    async with web_world(database_url) as world:
        await community_with(world, ANA)
        await world.lead("/round open")
        world.clock.advance(timedelta(days=3))
        await world.settle()
        reminder = world.mailbox.to(ANA)[-1]
        assert reminder["Subject"].startswith("Reminder:")
        text = plain(reminder)
        assert "Remind me tomorrow: http" in text and "Stop reminders: http" in text
        assert "Later" not in text  # an email asks for nothing to be put off
        snooze = await world.get(link_labelled(reminder, "Remind me tomorrow"))
        assert "Please confirm" in snooze.text
        done = await world.submit(snooze, "Remind me tomorrow")
        assert "OK, I will remind you tomorrow." in done.text
        assert (await participation_of(world, ANA)).remind_after is not None


def chart_of(message: EmailMessage) -> tuple[str, bytes]:
    """The HTML part and the inline PNG it shows."""
    html_part = message.get_body(("html",))
    assert html_part is not None
    images = [p for p in message.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 1 and images[0]["Content-Disposition"].startswith("inline")
    cid = images[0]["Content-ID"].strip("<>")
    html = str(html_part.get_content())
    assert f'src="cid:{cid}"' in html
    payload = images[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    return html, payload


async def test_the_summary_comes_by_email_with_the_chart_inline(database_url: str) -> None:
    async with web_world(database_url) as world:
        await community_with(world, ANA, BEN, CY)
        await world.lead("/round open")
        for address, level in ((ANA, "2"), (BEN, "3"), (CY, "3")):
            await answer_round(world, link_in(world.mailbox.to(address)[0]), level)
        await world.lead("/round close")
        for address in (ANA, BEN, CY):
            summary = world.mailbox.to(address)[-1]
            assert "the summary of" in summary["Subject"]
            assert "closed: 3 of 4 completed" in plain(summary)
            html, png = chart_of(summary)
            assert png.startswith(b"\x89PNG") and 'alt="Chart: one bar per category' in html
            assert summary["List-Unsubscribe"]


async def test_email_summary_off_sends_no_summary(database_url: str) -> None:
    async with web_world(database_url) as world:
        await community_with(world, ANA)
        reply = await world.lead("/round settings email_summary off")
        assert "email_summary is now off" in reply
        await world.lead("/round open")
        await world.lead("/round close anyway")
        [invitation] = world.mailbox.to(ANA)
        assert "your questions" in invitation["Subject"]


async def test_one_click_unsubscribe_stops_emails_until_they_join_again(
    database_url: str,
) -> None:
    async with web_world(database_url) as world:
        await community_with(world, ANA)
        await world.lead("/round open")
        [invitation] = world.mailbox.to(ANA)
        unsubscribe = invitation["List-Unsubscribe"].strip("<>").split("127.0.0.1", 1)[1]
        unsubscribe = unsubscribe.split("/", 1)[1]
        posted = await world.post(
            "/" + unsubscribe,
            "List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert posted.status == 200
        assert (await participation_of(world, ANA)).reminders_off
        world.clock.advance(timedelta(days=6))
        await world.settle()
        assert len(world.mailbox.to(ANA)) == 1  # no reminders
        again = await world.lead(f"/round people add {ANA}")
        assert "Not added, because they asked us not to" in again
        await world.lead("/round close anyway")
        await world.lead("/round open Next")
        assert len(world.mailbox.to(ANA)) == 1  # neither a summary nor the next invitation


async def test_a_lead_by_email_gets_the_debrief_pdf_attached_and_an_owner_is_told(
    database_url: str,
) -> None:
    async with web_world(database_url) as world:
        await community_with(world, ANA, BEN, CY)
        async with world.assembly.storage.transaction() as repo:  # as an administrator would
            ana = await repo.person_by_address("web", ANA)
            assert ana is not None
            await repo.set_role(1, ana.id, Role.LEAD)
        await world.lead("/round open")
        for address in (ANA, BEN, CY):
            await answer_round(world, link_in(world.mailbox.to(address)[0]), "3")
        await world.lead("/round close")
        (debrief,) = [m for m in world.mailbox.to(ANA) if "debrief pack" in m["Subject"]]
        assert debrief["Subject"].startswith("Riverside: the debrief pack of ")
        assert "The debrief pack for round 1" in plain(debrief) and "Your page: http" in (
            plain(debrief)
        )
        (pdf,) = list(debrief.iter_attachments())
        assert pdf.get_content_type() == "application/pdf"
        assert pdf.get_filename() == "round-1-debrief.pdf"
        content = pdf.get_payload(decode=True)
        assert isinstance(content, bytes) and content.startswith(b"%PDF")
        assert not [m for m in world.mailbox.to(BEN) if "debrief" in m["Subject"]]  # leads only
        summary = world.mailbox.to(BEN)[-1]
        assert "the summary of" in summary["Subject"] and not list(summary.iter_attachments())
        await world.lead("/round action add finance Pool the two budgets owner ben")
        told = world.mailbox.to(BEN)[-1]
        assert told["Subject"] == "Riverside: an action you own"
        assert "noted you as its owner: “Pool the two budgets” (Finance)" in plain(told)
        assert "Your page: http" in plain(told) and told["List-Unsubscribe"]
