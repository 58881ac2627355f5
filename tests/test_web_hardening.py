"""The web channel against hostile or unlucky clients (issue 21): a body that arrives in
pieces, a doubled confirmation, a database that goes away, headers on every response, links
and join requests that must not outlive what they are for."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from datetime import timedelta
from urllib.parse import urlencode, urlsplit

import pytest
from sqlalchemy import text
from support import CHANNEL, person
from test_web import answers_of, opened
from web_world import LEAD, WebWorld, email_community, link_in, plain, web_world

from adapters.web import pages
from bot.access.desk import AccessDesk
from bot.access.joining import JOIN_REQUEST_LIFETIME
from bot.access.limits import AccessLimits, Limit
from bot.access.links import GRACE, LINKS_KEPT, RENEW_WINDOW, mint_link
from bot.commands.people import add_people
from bot.commands.requests import EmailEntry
from bot.messages import IncomingText


async def post_in_pieces(world: WebWorld, path: str, body: bytes, cuts: list[int]) -> bytes:
    """POST a form over a real socket, its body in several TCP segments with a pause between
    them (a slow phone link): the raw response."""
    port = int(world.base.rsplit(":", 1)[1])
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    writer.write(head)
    await writer.drain()
    start = 0
    for cut in [*cuts, len(body)]:
        writer.write(body[start:cut])
        await writer.drain()
        start = cut
        await asyncio.sleep(0.2)  # the rest is still on its way: not a timing assertion
    response = await reader.read()
    writer.close()
    return response


async def test_a_form_sent_in_pieces_is_read_whole(database_url: str) -> None:
    async with web_world(database_url) as world:
        path = (await opened(world, "ana@example.org"))["ana@example.org"]
        card = await world.submit(await world.get(path), "Start")
        fields = card.form().fill("Continue", level="Level 3")
        comment = "We share a plan, and we mean it. " * 57  # 1,881 characters
        level = fields.pop("level")
        # the comment first and the level last: a cut anywhere loses something that matters
        body = urlencode({"comment": comment, **fields, "level": level}).encode()
        response = await post_in_pieces(world, path, body, [200, 1200])
        assert response.startswith(b"HTTP/1.1 303"), response[:200]
        await world.settle()
        [answer] = await answers_of(world, "ana@example.org")
        assert (answer.level, answer.comment) == (3, comment.strip())


async def test_a_join_form_sent_in_pieces_is_read_whole(database_url: str) -> None:
    async with web_world(database_url) as world:
        await world.lead("/round setup Riverside")
        async with world.assembly.storage.transaction() as repo:
            community = await repo.community_by_name("Riverside")
        assert community is not None
        join = f"/join/{community.join_code}"
        fields = (await world.get(join)).form().fill(email="ana@example.org")
        email = fields.pop("email")
        body = urlencode({**fields, "email": email}).encode()
        response = await post_in_pieces(world, join, body, [20, len(body) - 6])
        assert response.startswith(b"HTTP/1.1 303"), response[:300]
        await world.settle()
        assert len(world.mailbox.to("ana@example.org")) == 1


async def join_requested(world: WebWorld, address: str) -> str:
    """Riverside with a round open, and a join request for address: its confirmation path."""
    await world.lead("/round setup Riverside")
    await world.lead("/round open Spring check")
    async with world.assembly.storage.transaction() as repo:
        community = await repo.community_by_name("Riverside")
    assert community is not None
    join = f"/join/{community.join_code}"
    await world.submit(await world.get(join), None, email=address)
    [confirm] = world.mailbox.to(address)
    return link_in(confirm, "/j/")


async def test_doubled_and_repeated_confirms_give_the_same_page_one_person_one_email(
    database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with web_world(database_url) as world:
        confirm = await join_requested(world, "ana@example.org")
        page = await world.get(confirm)
        fields = page.form("Yes, take part").fill("Yes, take part")
        other = (await world.get(confirm)).form("Yes, take part").fill("Yes, take part")
        with caplog.at_level(logging.ERROR):
            posted = await asyncio.gather(
                world.post(confirm, fields), world.post(confirm, fields), world.post(confirm, other)
            )
            again = await world.post(confirm, other)  # later, from the browser's history
        assert [p.status for p in posted] == [303, 303, 303] and again.status == 303
        assert len({p.headers["Location"] for p in [*posted, again]}) == 1
        card = await world.browser.follow(posted[0].headers["Location"])
        assert "Spring check" in card.text and "Start" in card.form("Start").buttons
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
        await world.settle()
        async with world.assembly.storage.transaction() as repo:
            ana = await repo.person_by_address("web", "ana@example.org")
            assert ana is not None
            community = await repo.community_by_name("Riverside")
            assert community is not None
            members = await repo.members(community.id)
        assert len([p for p, _role in members if p.platform == "web"]) == 1
        emails = world.mailbox.to("ana@example.org")
        assert [e["Subject"] for e in emails[1:]] == [emails[-1]["Subject"]]  # one link email
        assert "Your link" in emails[-1]["Subject"]


def assert_secure(status: int, headers: Mapping[str, str]) -> None:
    assert "default-src 'none'" in headers.get("Content-Security-Policy", ""), status
    assert headers.get("X-Content-Type-Options") == "nosniff", status
    assert headers.get("X-Frame-Options") == "DENY", status
    assert headers.get("Referrer-Policy") == "no-referrer", status


async def test_every_response_has_the_security_headers_errors_and_css_included(
    database_url: str, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with web_world(database_url) as world:
        path = (await opened(world, "ana@example.org"))["ana@example.org"]
        seen: list[tuple[str, str, int]] = []
        for method, where in [
            ("GET", "/no/such/page"),  # aiohttp's own 404
            ("DELETE", path),  # aiohttp's own 405
            ("PUT", "/join/abcdefgh"),
            ("GET", pages.CSS_URL),
            ("GET", "/web/static/lead.css"),
            ("GET", "/healthz"),
            ("GET", path),
        ]:
            async with world.session.request(method, world.base + where) as response:
                assert_secure(response.status, response.headers)
                seen.append((method, where, response.status))
                if response.content_type == "text/html":
                    body = await response.text()
                    assert 'lang="en"' in body and "<script" not in body
        assert [status for _m, _w, status in seen] == [404, 405, 405, 200, 200, 200, 200]

        async def broken(self: object, token: str) -> None:
            raise RuntimeError("a bug")

        monkeypatch.setattr(AccessDesk, "visit", broken)
        caplog.clear()
        with caplog.at_level(logging.INFO):
            page = await world.get(path)
        assert page.status == 500 and "Nothing was changed" in page.text
        assert_secure(page.status, page.headers)
        [line] = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert path.rsplit("/", 1)[1] not in line.getMessage()  # never the token


async def rows_holding(world: WebWorld, address: str) -> list[str]:
    """Every access_links and outbox row that holds the address, as raw text."""
    engine = world.assembly.storage.engine
    async with engine.connect() as connection:
        links = await connection.execute(text("SELECT address FROM access_links"))
        owed = await connection.execute(text("SELECT CAST(payload AS TEXT) FROM outbox"))
        found = [str(row[0]) for row in [*links, *owed] if row[0] is not None]
    return [row for row in found if address in row.lower()]


async def test_forget_erases_every_row_that_holds_the_address(database_url: str) -> None:
    async with web_world(database_url) as world:
        path = (await opened(world, "ana@example.org"))["ana@example.org"]
        async with world.assembly.storage.transaction() as repo:
            riverside = await repo.community_by_name("Riverside")
        assert riverside is not None
        join = f"/join/{riverside.join_code}"
        await world.submit(await world.get(join), None, email="ana@example.org")  # not confirmed
        # a lead's reply that quotes the address, owed but not sent yet
        await world.assembly.dispatch(
            IncomingText(person(LEAD), CHANNEL, "/round people")  # "By email: ana@…"
        )
        assert len(await rows_holding(world, "ana@example.org")) >= 2
        confirm = await world.get(path + "/forget")
        gone = await world.post(confirm.form().action, confirm.form().fill("Yes, forget me"))
        assert "You have been forgotten" in gone.text
        assert await rows_holding(world, "ana@example.org") == []


async def links_of(world: WebWorld) -> list[tuple[str, bool]]:
    """Every access_links row: (its kind, whether it is a join request)."""
    async with world.assembly.storage.engine.connect() as connection:
        rows = await connection.execute(text("SELECT kind, person_id FROM access_links"))
        return [(row[0], row[1] is None) for row in rows]


async def test_the_scheduler_prunes_old_join_requests_and_links_past_their_time(
    database_url: str,
) -> None:
    async with web_world(database_url) as world:
        path = (await opened(world, "ana@example.org"))["ana@example.org"]
        async with world.assembly.storage.transaction() as repo:
            community = await repo.community_by_name("Riverside")
            ana = await repo.person_by_address("web", "ana@example.org")
            assert community is not None and ana is not None
            for _ in range(LINKS_KEPT + 10):  # a reminder, a renewal: each email makes one
                world.clock.advance(timedelta(minutes=1))
                newest = await mint_link(repo, ana.id, community.id, world.clock.now())
        join = f"/join/{community.join_code}"
        await world.submit(await world.get(join), None, email="ben@example.org")
        world.clock.advance(JOIN_REQUEST_LIFETIME + timedelta(hours=1))
        await world.assembly.duties.run_due()
        rows = await links_of(world)
        assert [is_request for _h, is_request in rows].count(True) == 0  # ben's, unconfirmed
        # ana's newest page links only (and the invitation's unsubscribe link)
        assert sorted(kind for kind, _r in rows) == ["page"] * LINKS_KEPT + ["unsubscribe"]
        assert (await world.get(f"/a/{newest}")).status == 200
        assert (await world.get(path)).status == 404  # the first email's, long superseded
        await world.lead("/round close anyway")
        world.clock.advance(GRACE + RENEW_WINDOW + timedelta(days=1))
        await world.assembly.duties.run_due()
        assert await links_of(world) == []


async def test_join_emails_are_limited_per_mailbox_whatever_its_tag(database_url: str) -> None:
    limits = AccessLimits(join_per_address=Limit("join address", 2))
    async with web_world(database_url, limits=limits) as world:
        await world.lead("/round setup Riverside")
        async with world.assembly.storage.transaction() as repo:
            community = await repo.community_by_name("Riverside")
        assert community is not None
        join = f"/join/{community.join_code}"
        statuses = []
        for address in ["victim+1@example.org", "Victim+2@Example.org", "victim+3@example.org"]:
            posted = await world.post(join, (await world.get(join)).form().fill(email=address))
            statuses.append(posted.status)
        assert statuses == [303, 303, 429]
        other = await world.post(join, (await world.get(join)).form().fill(email="vic@example.org"))
        assert other.status == 303  # another mailbox has its own limit


async def test_list_unsubscribe_carries_a_token_that_can_only_unsubscribe(
    database_url: str,
) -> None:
    async with web_world(database_url) as world:
        page = (await opened(world, "ana@example.org"))["ana@example.org"]
        [invitation] = world.mailbox.to("ana@example.org")
        header = urlsplit(str(invitation["List-Unsubscribe"]).strip().strip("<>")).path
        assert header.startswith("/u/")
        stop_token, page_token = header.rsplit("/", 1)[1], page.rsplit("/", 1)[1]
        assert stop_token != page_token and page_token not in invitation["List-Unsubscribe"]
        assert f"/u/{stop_token}" in plain(invitation)  # the footer's link is the same one
        for path in (f"/a/{stop_token}", f"/a/{stop_token}/data", f"/a/{stop_token}/forget"):
            assert (await world.get(path)).status == 404
        stop = await world.get(header)
        assert stop.status == 200 and "Stop emails from Riverside" in stop.text
        posted = await world.post(header, stop.form().fill("Stop emails"))
        assert posted.status == 303
        assert "no more emails" in (await world.browser.follow(posted.headers["Location"])).text
        assert (await world.get(page)).status == 200  # their page still opens


async def test_an_unsubscribe_applies_to_its_own_community_only_and_is_never_told(
    database_url: str,
) -> None:
    async with web_world(database_url) as world:
        await opened(world, "ana@example.org", "ben@example.org")
        hillside_id = await email_community(world, "Hillside", "hil@example.org")
        [invitation] = world.mailbox.to("ana@example.org")
        header = urlsplit(str(invitation["List-Unsubscribe"]).strip().strip("<>")).path
        one_click = {"Content-Type": "application/x-www-form-urlencoded"}
        stopped = await world.post(header, "List-Unsubscribe=One-Click", headers=one_click)
        assert stopped.status == 200

        async def hillside_adds(address: str) -> str:
            async with world.assembly.storage.transaction() as repo:
                hillside = await repo.community_by_id(hillside_id)
                assert hillside is not None
                entries = [EmailEntry(address)]
                change = await add_people(repo, hillside, entries, "web", world.clock.now())
            return change.sentence("Hillside", "Added")

        assert await hillside_adds("ana@example.org") == "Added 1 person to Hillside."
        unsubscribed = await world.lead("/round people add ana@example.org")
        assert "Not added, because they asked us not to" in unsubscribed
        # ben is forgotten: everywhere, and told in the very same words
        ben = link_in(world.mailbox.to("ben@example.org")[0])
        confirm = await world.get(ben + "/forget")
        await world.post(confirm.form().action, confirm.form().fill("Yes, forget me"))
        forgotten = await world.lead("/round people add ben@example.org")
        assert forgotten.replace("ben@", "ana@") == unsubscribed
        assert "Not added, because they asked us not to" in await hillside_adds("ben@example.org")
