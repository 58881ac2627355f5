"""The partnership board: `/round board` gives a lead, privately, a read-only link to a page
of what the channel summary shows (the chart with its tables, the trend, the priorities, the
actions and the next round), never a comment; `reset` replaces the link, `off` removes it;
only leads may; without PUBLIC_URL the lead is told what is needed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from support import make_world, stored_rows
from web_world import (
    BOARD_PEOPLE,
    LEAD,
    SECRET,
    Page,
    answer_commenting,
    board_path,
    community_with,
    two_rounds,
    web_world,
)

from adapters.web.adapter import HEADERS
from bot.commands.board import NEEDS_WEB
from bot.ports import Storage


def assert_board_headers(page: Page) -> None:
    for name in ("Content-Security-Policy", "Referrer-Policy", "X-Frame-Options"):
        assert page.headers[name] == HEADERS[name]


async def test_a_lead_gets_the_board_privately_and_it_shows_the_summary_never_a_comment(
    database_url: str,
) -> None:
    async with web_world(database_url) as world:
        await two_rounds(world)
        reply = await world.lead("/round board")
        assert world.chat.sent[-1].private_to == LEAD.upper()  # to the lead alone
        assert "The partnership board of Riverside: http://127.0.0.1:" in reply
        assert "never a comment" in reply and "/round board reset" in reply
        path = board_path(reply)
        assert board_path(await world.lead("/round board")) == path  # the same link again

        page = await world.get(path)
        assert page.status == 200
        assert_board_headers(page)
        assert "<script" not in page.html
        assert page.title == "Riverside: partnership board"
        text = page.text
        assert "Round 2 “Round 2”, closed" in text
        assert "5 of 6 invited completed (83%)." in text  # the lead was invited too
        # The table of the summary, and the counts (five answers: counts may be shown).
        assert "1. Vision 3, agreed +1" in text
        assert "How many chose each level" in text
        assert "6. Finance 0 0 5 0 0 0" in text
        assert f'src="{path}/chart.png"' in page.html
        # Phones get the portrait drawing: a <picture> source for the narrow view.
        assert f'<source media="(max-width: 40em)" srcset="{path}/chart-portrait.png"' in page.html
        assert "The tables above give the same figures." in page.html  # the chart's alt
        assert "The group's priorities (5 people picked up to two areas" in text
        assert "Where to focus next" in text
        assert "Each category's median level, round by round" in text
        assert "1. Vision 2 3" in text  # the trend table
        assert "Finance: Pool the budgets · owner Sam Okafor" in text
        assert "Vision: Write the vision down · done" in text
        assert "The next round opens on Mon" in text
        assert SECRET not in page.html and "ana@example.org" not in page.html

        for chart in ("chart", "chart-portrait", "trend"):
            async with world.session.get(f"{world.base}{path}/{chart}.png") as response:
                assert response.status == 200
                assert response.headers["Content-Type"] == "image/png"
                assert (await response.read()).startswith(b"\x89PNG")

        rows = await stored_rows(world.assembly.storage)
        token = path.rsplit("/", 1)[1]
        assert token not in repr(rows)  # only its hash is kept
        (link,) = rows["board_links"]
        assert len(link[1]) == 64


async def test_reset_replaces_the_link_and_off_removes_it(database_url: str) -> None:
    async with web_world(database_url) as world:
        await community_with(world, *BOARD_PEOPLE[:3])
        nothing_to_replace = await world.lead("/round board reset")
        assert "The partnership board of Riverside: " in nothing_to_replace
        first = board_path(nothing_to_replace)
        assert board_path(await world.lead("/round board")) == first
        before = await world.get(first)
        assert before.status == 200
        assert "No round has closed yet" in before.text
        assert "No next round is scheduled yet" in before.text
        assert "No open actions." in before.text

        reply = await world.lead("/round board reset")
        assert "A new board link for Riverside (the old one no longer works)" in reply
        second = board_path(reply)
        assert second != first
        old = await world.get(first)
        assert old.status == 404
        assert old.title == "This board link is not valid"
        assert "Ask a lead for the current link." in old.text
        assert_board_headers(old)
        assert (await world.get(second)).status == 200

        off = await world.lead("/round board off")
        assert "The board page of Riverside is off: its link no longer works." in off
        assert world.chat.sent[-1].private_to == LEAD.upper()
        assert (await world.get(second)).status == 404
        assert (await world.get(second + "/chart.png")).status == 404
        assert "Riverside has no board link to turn off." in await world.lead("/round board off")
        third = board_path(await world.lead("/round board"))
        assert third not in (first, second) and (await world.get(third)).status == 200

        for wrong in ("/board/x", "/board/" + "A" * 43, "/board/" + "A" * 43 + "/chart.png"):
            page = await world.get(wrong)
            assert page.status == 404 and "This board link is not valid" in page.text
        assert "Say nothing, reset or off" in await world.lead("/round board shout")


async def test_a_small_round_shows_on_the_board_what_its_summary_does(database_url: str) -> None:
    # Three people: a summary, but too few for counts or priority votes.
    async with web_world(database_url) as world:
        await community_with(world, *BOARD_PEOPLE[:3])
        await world.lead("/round open Round 1")
        for address in BOARD_PEOPLE[:3]:
            await answer_commenting(world, address, "3", SECRET)
        await world.lead("/round close")
        page = await world.get(board_path(await world.lead("/round board")))
        assert "1. Vision 3, agreed —" in page.text
        assert "show only their median and whether people agreed" in page.text
        assert "How many chose each level" not in page.text
        assert "fewer than 5 people picked any, so they are not shown" in page.text
        assert "Each category's median level" not in page.text  # one round: no trend yet
        assert SECRET not in page.html


async def test_only_leads_get_a_board_link(database_url: str) -> None:
    async with web_world(database_url) as world:
        await community_with(world, *BOARD_PEOPLE[:1])
        refused = await world.lead("/round board", name="sam")
        assert "Sorry, only the leads of Riverside can run /round board." in refused
        assert world.chat.sent[-1].private_to == "SAM"
        assert "/board/" not in refused
        assert (await stored_rows(world.assembly.storage))["board_links"] == []


async def test_without_public_url_the_lead_is_told_the_board_needs_it(storage: Storage) -> None:
    world = await make_world(storage)
    world.join("lead")
    await world.command("lead", "/round setup Riverside")
    (reply,) = await world.command("lead", "/round board")
    assert reply.text == NEEDS_WEB and "PUBLIC_URL" in reply.text
    assert reply.private_to == "LEAD"
    assert (await stored_rows(storage))["board_links"] == []
    (off,) = await world.command("lead", "/round board off")
    assert "Riverside has no board link to turn off." in off.text


def test_an_operator_gets_the_board_link_on_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "demo.db"

    def board(*args: str, public_url: str = "https://assess.example.org") -> list[str]:
        env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "PUBLIC_URL": public_url}
        if not public_url:
            env.pop("PUBLIC_URL")
        done = subprocess.run(
            [sys.executable, "-m", "bot", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=120,
            check=False,
        )
        return [str(done.returncode), done.stdout.strip(), done.stderr.strip()]

    assert board("demo")[0] == "0"
    assert board("board", public_url="") == [
        "2",
        "",
        "maturity-bot: The board is a web page: set PUBLIC_URL (see docs/web-and-email.md).",
    ]
    code, link, _ = board("board")
    assert code == "0" and re.fullmatch(r"https://assess.example.org/board/[\w-]{43}", link)
    assert board("board", "--community", "Demo Partnership")[1] == link
    code, fresh, _ = board("board", "--reset")
    assert code == "0" and fresh != link and fresh.startswith("https://assess.example.org/")
    assert "The board page of Demo Partnership is off" in board("board", "--off")[1]
