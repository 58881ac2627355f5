"""The leads' pages over real HTTP, with the web and email alone (no chat platform): a lead
signs in from an emailed link and runs a round, and what must not work does not: a sign-in
link used twice, expired or forged, asking too often, telling a lead's address from anyone's,
a session planted before signing in, a form from elsewhere, another community's pages."""

from __future__ import annotations

from datetime import timedelta
from http.cookies import SimpleCookie

import pytest
from web_world import (
    Browser,
    WebWorld,
    another_browser,
    email_community,
    link_in,
    plain,
    sign_in,
    sign_in_link,
    web_world,
)

from bot.access.limits import AccessLimits, Limit
from bot.access.sign_in import SESSION_IDLE, SIGN_IN_LIFETIME

ANA = "ana@council.gov.uk"
PEOPLE = ("ben@example.org", "cy@example.org", "dee@example.org", "eve@example.org")


async def round_of(world: WebWorld, community_id: int = 1) -> tuple[int, bool] | None:
    """The community's latest round: (its number, whether it is closed)."""
    async with world.assembly.storage.transaction() as repo:
        latest = await repo.latest_round(community_id)
    return None if latest is None else (latest.number, latest.closed_at is not None)


async def answer(world: WebWorld, browser: Browser, address: str, level: str = "3") -> None:
    """Everyone answers from the invitation in their email."""
    invitation = next(m for m in world.mailbox.to(address) if "your questions" in m["Subject"])
    await browser.answer_round(link_in(invitation), level)


async def test_a_lead_by_email_runs_a_whole_round_from_the_pages(database_url: str) -> None:
    async with web_world(database_url, chat=False) as world, another_browser(world) as lead:
        community = await email_community(world, "Riverside Partnership", ANA)
        assert "Sign in" in world.mailbox.to(ANA)[0]["Subject"]  # welcome: a sign-in link
        page = await sign_in(world, lead, ANA)
        assert "Riverside Partnership" in page.text and "No round yet" in page.text
        people = await lead.follow(f"/lead/c/{community}/people")
        pasted = (
            '"Smith, Ben" <ben@example.org>; cy@example.org\nnot-an-address, Dee <dee@example.org>'
        )
        people = await lead.submit(people, "Add people", entries=pasted)
        assert (
            "There is a problem" in people.text
            and "“not-an-address” is not an email" in people.text
        )
        assert "Added 3 people to Riverside Partnership." in people.text
        assert "Smith, Ben" in people.text and "not-an-address" in people.html  # put back
        home = await lead.follow(f"/lead/c/{community}")
        opened = await lead.submit(home, "Open the round", title="Spring check")
        assert "Round 1: Spring check" in opened.text and "Invited 4" in opened.text
        assert await round_of(world, community) == (1, False)
        for address in ("ben@example.org", "cy@example.org"):
            await answer(world, world.browser, address)
        status = await lead.follow(f"/lead/c/{community}")
        assert "Completed 2 (50%): a summary needs at least 3" in status.text
        reminded = await lead.submit(status, "Send a reminder")
        assert "Sent 2 reminders." in reminded.text
        warning = await lead.submit(reminded, "Close the round")
        assert "Closing now gives no summary: 2 of the 3 needed have finished" in warning.text
        kept = await lead.follow(f"/lead/c/{community}")  # "Keep it open" is a link back
        assert await round_of(world, community) == (1, False) and "Open until" in kept.text
        closed = await lead.submit(warning, "Close anyway")
        assert "Closed on" in closed.text and await round_of(world, community) == (1, True)
        reopened = await lead.submit(closed, "Reopen the round")
        assert "is open again until" in reopened.text
        await answer(world, world.browser, "dee@example.org")
        done = await lead.submit(await lead.follow(f"/lead/c/{community}"), "Close the round")
        assert "Its summary has been sent to everyone" in done.text and await round_of(
            world, community
        ) == (1, True)
        results = await lead.follow(f"/lead/c/{community}/results")
        assert "3 of 4 invited completed" in results.text
        pdf = await lead.session.get(f"{world.base}/lead/c/{community}/results/round-1-debrief.pdf")
        assert pdf.status == 200 and (await pdf.read()).startswith(b"%PDF")
        chart = await lead.session.get(f"{world.base}/lead/c/{community}/results/chart.png")
        assert chart.status == 200 and (await chart.read()).startswith(b"\x89PNG")
        added = await lead.submit(
            results, "Add the action", category="finance", what="Pool the budgets", owner="Sam"
        )
        assert "Action 1 agreed" in added.text
        board = await lead.submit(added, "Get the board link")
        assert f"{world.base}/board/" in board.text
        summaries = [m for m in world.mailbox.to("dee@example.org") if "summary" in m["Subject"]]
        first, second = (plain(m) for m in summaries)  # closed too early, then with its summary
        assert "fewer than the 3 a summary needs" in first and "Thank you" not in first
        assert "closed: 3 of 4 completed. Thank you, everyone!" in second


async def test_a_sign_in_link_works_once_and_only_for_a_while(database_url: str) -> None:
    async with web_world(database_url, chat=False) as world:
        await email_community(world, "Riverside", ANA)
        async with another_browser(world) as first:
            signed = await sign_in(world, first, ANA)
            assert "Riverside" in signed.text and signed.status == 200
        used = sign_in_link(world, ANA)
        async with another_browser(world) as second:  # the same link again: used up
            confirm = await second.get(used)
            again = await second.post(confirm.form().action, confirm.form().fill("Sign in"))
            assert again.status == 404 and "expired or been used" in again.text
            assert "lead" not in again.headers.get("Set-Cookie", "")
            page = await second.get("/lead/sign-in")
            await second.submit(page, "Email me a sign-in link", email=ANA)
            fresh = sign_in_link(world, ANA)
            world.clock.advance(SIGN_IN_LIFETIME + timedelta(seconds=1))
            confirm = await second.get(fresh)
            late = await second.post(confirm.form().action, confirm.form().fill("Sign in"))
            assert late.status == 404 and "expired or been used" in late.text
            token = fresh.rsplit("/", 1)[1]
            for forged in ("x" * 43, token[:-1] + ("A" if token[-1] != "A" else "B"), "short"):
                confirm = await second.get(f"/lead/sign-in/{forged}")
                posted = await second.post(confirm.form().action, confirm.form().fill("Sign in"))
                assert posted.status == 404 and "expired or been used" in posted.text
            assert (await second.get("/lead/c/1")).status == 303  # still not signed in


async def test_asking_for_sign_in_links_is_limited_and_never_says_who_leads(
    database_url: str,
) -> None:
    limits = AccessLimits(sign_in_per_address=Limit("a", 2), sign_in_per_ip=Limit("b", 5))
    async with web_world(database_url, chat=False, limits=limits) as world:
        await email_community(world, "Riverside", ANA)
        welcome = len(world.mailbox.to(ANA))
        async with another_browser(world) as browser:
            answers = []
            for address in (ANA, "nobody@example.org"):
                page = await browser.get("/lead/sign-in")
                form = page.form()
                posted = await browser.post(form.action, form.fill(email=address))
                sent = await browser.follow(posted.headers["Location"])
                answers.append((posted.status, posted.headers["Location"], sent.text))
            assert answers[0] == answers[1]  # a lead's address and anyone's: the same answer
            await world.settle()
            assert len(world.mailbox.to(ANA)) == welcome + 1
            assert world.mailbox.to("nobody@example.org") == []
            statuses = []
            for address in (ANA, ANA, "a@example.org", "b@example.org", "c@example.org"):
                page = await browser.get("/lead/sign-in")
                posted = await browser.post(page.form().action, page.form().fill(email=address))
                statuses.append(posted.status)
            # ANA twice an hour (one already asked); five a hour from one IP (two already)
            assert statuses == [303, 429, 303, 303, 429]
            assert (
                "Too many requests"
                in (await browser.post(page.form().action, page.form().fill(email=ANA))).text
            )
            await world.settle()
            assert len(world.mailbox.to(ANA)) == welcome + 2


async def test_a_session_planted_before_signing_in_is_never_one(database_url: str) -> None:
    async with web_world(database_url, chat=False) as world:
        await email_community(world, "Riverside", ANA)
        async with another_browser(world) as victim:
            planted = "p" * 43
            victim.session.cookie_jar.update_cookies({"lead": planted})
            await sign_in(world, victim, ANA)
            cookies = {c.key: c.value for c in victim.session.cookie_jar}
            assert cookies["lead"] != planted
        async with another_browser(world) as attacker:
            attacker.session.cookie_jar.update_cookies({"lead": planted})
            page = await attacker.get("/lead/c/1")
            assert page.status == 303 and page.headers["Location"].startswith("/lead/sign-in")


async def test_sessions_end_when_idle_and_at_sign_out(database_url: str) -> None:
    async with web_world(database_url, chat=False) as world:
        await email_community(world, "Riverside", ANA)
        async with another_browser(world) as browser:
            first = await sign_in(world, browser, ANA)
            old = {c.key: c.value for c in browser.session.cookie_jar}["lead"]
            await sign_in(world, browser, ANA)
            assert {c.key: c.value for c in browser.session.cookie_jar}["lead"] != old
            world.clock.advance(SESSION_IDLE + timedelta(minutes=1))
            assert (await browser.get("/lead/c/1")).status == 303  # idle too long
            page = await sign_in(world, browser, ANA)
            gone = await browser.submit(page, "Sign out")
            assert "You have signed out." in gone.text
            assert (await browser.get("/lead/c/1")).status == 303
            assert "Riverside" in first.text


async def test_a_form_without_its_token_or_from_elsewhere_changes_nothing(
    database_url: str,
) -> None:
    async with web_world(database_url, chat=False) as world:
        await email_community(world, "Riverside", ANA)
        async with another_browser(world) as lead, another_browser(world) as other:
            page = await sign_in(world, lead, ANA)
            fields = page.form("Open the round").fill("Open the round")
            action = page.form("Open the round").action
            for forged, headers, status in (
                ({**fields, "csrf": "0" * 32}, {}, 403),
                ({k: v for k, v in fields.items() if k != "csrf"}, {}, 400),
                (fields, {"Origin": "https://evil.example"}, 403),
            ):
                posted = await lead.post(action, forged, headers=headers)
                assert posted.status == status and "Nothing was changed" in posted.text
            await sign_in(world, other, ANA)  # a session of its own: its forms are not lead's
            theirs = await other.follow("/lead/c/1")
            posted = await lead.post(action, theirs.form("Open the round").fill("Open the round"))
            assert posted.status == 403
            assert await round_of(world) is None
            assert (await lead.post(action, fields)).status == 303  # the real form works
            assert await round_of(world) == (1, False)


async def test_a_lead_cannot_see_or_change_another_community(database_url: str) -> None:
    async with web_world(database_url, chat=False) as world:
        ours = await email_community(world, "Riverside", ANA)
        theirs = await email_community(world, "Hillside", "hal@example.org")
        async with another_browser(world) as lead:
            page = await sign_in(world, lead, ANA)
            assert "Riverside" in page.text
            for path in ("", "/people", "/settings", "/results", "/leads"):
                seen = await lead.get(f"/lead/c/{theirs}{path}")
                assert seen.status == 404 and "Hillside" not in seen.text
            form = page.form("Open the round")
            posted = await lead.post(
                f"/lead/c/{theirs}/open", form.fill("Open the round", title="Taken over")
            )
            assert posted.status == 404
            assert await round_of(world, theirs) is None and await round_of(world, ours) is None


async def test_the_session_cookie_is_httponly_samesite_lax_and_secure_behind_https(
    database_url: str,
) -> None:
    async with web_world(
        database_url, chat=False, public_url="https://assess.example.org"
    ) as world:
        await email_community(world, "Riverside", ANA)
        async with another_browser(world) as browser:
            page = await browser.get("/lead/sign-in")
            await browser.post(page.form().action, page.form().fill(email=ANA), headers={})
            link = link_in(world.mailbox.to(ANA)[-1], "/lead/sign-in/")
            confirm = await browser.get(link)
            posted = await browser.post(confirm.form().action, confirm.form().fill("Sign in"))
            assert posted.status == 303
            cookie = SimpleCookie(posted.headers["Set-Cookie"])
            session = cookie["__Host-lead"]
            assert session["httponly"] and session["secure"] and session["path"] == "/"
            assert session["samesite"] == "Lax"


@pytest.mark.parametrize("chat", [True])
async def test_round_web_gives_a_chat_lead_a_one_time_link(database_url: str, chat: bool) -> None:
    async with web_world(database_url, chat=chat) as world:
        await world.lead("/round setup Riverside")
        reply = await world.lead("/round web")
        assert world.chat.sent[-1].private_to == "LEE"
        path = "/lead/sign-in/" + reply.split("/lead/sign-in/", 1)[1].split()[0]
        async with another_browser(world) as browser:
            confirm = await browser.get(path)
            page = await browser.submit(confirm, "Sign in")
            assert (
                "Riverside" in page.text and "Lee" in (await browser.follow("/lead/c/1/leads")).text
            )
            again = await browser.post(confirm.form().action, confirm.form().fill("Sign in"))
            assert again.status == 404


async def test_working_days_are_set_from_the_settings_page_as_from_chat(
    database_url: str,
) -> None:
    async with web_world(database_url, chat=False) as world, another_browser(world) as lead:
        community = await email_community(world, "Riverside Partnership", ANA)
        await sign_in(world, lead, ANA)
        settings = await lead.follow(f"/lead/c/{community}/settings")
        assert settings.html.count('name="day-') == 7
        assert settings.html.count('value="on" checked') >= 5  # Monday to Friday
        none = await lead.post(
            f"/lead/c/{community}/settings",
            settings.form("Save working days").fill("Save working days"),
        )
        if none.status == 303:
            none = await lead.follow(none.headers["Location"])
        assert "Select at least one working day" in none.text
        saved = await lead.submit(
            settings, "Save working days", **{"day-0": "on", "day-2": "on", "day-5": "on"}
        )
        assert "working days only, Monday, Wednesday and Saturday" in saved.text
        async with world.assembly.storage.transaction() as repo:
            stored = await repo.community_by_id(community)
        assert stored is not None and stored.working_days == (0, 2, 5)
