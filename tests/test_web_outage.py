"""PostgreSQL out of reach while people use the web pages: every page answers a calm 503 with
Retry-After and the security headers, the log says so once per outage (no tracebacks), no
answer is lost, and once the database is back the pages work again."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import pytest
from test_database_outage import Proxy, behind_a_proxy
from test_web import answers_of, opened
from web_world import Page, WebWorld, web_world

pytestmark = pytest.mark.postgres


@pytest.fixture
async def world() -> AsyncIterator[tuple[WebWorld, Proxy]]:
    async with behind_a_proxy() as (proxy, through), web_world(through) as world:
        yield world, proxy


def calm_503(page: Page) -> None:
    assert page.status == 503, (page.status, page.text[:200])
    assert page.headers["Retry-After"].isdigit()
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    assert page.headers["X-Frame-Options"] == "DENY"
    assert "nothing was changed" in page.text.lower() and "try again" in page.text.lower()
    assert 'lang="en"' in page.html and "<script" not in page.html


async def test_a_database_outage_gets_a_calm_503_and_one_log_line(
    world: tuple[WebWorld, Proxy], caplog: pytest.LogCaptureFixture
) -> None:
    web, proxy = world
    path = (await opened(web, "ana@example.org"))["ana@example.org"]
    card = await web.submit(await web.get(path), "Start")
    card = await web.submit(card, "Continue", level="Level 2")
    fields = card.form().fill("Continue", level="Level 3")
    for outage in range(2):
        caplog.clear()
        proxy.cut()
        with caplog.at_level(logging.INFO):
            for _ in range(3):
                calm_503(await web.get(path))
                calm_503(await web.post(path, fields))
                calm_503(await web.get(path + "/data"))
        logged = [r for r in caplog.records if r.levelno >= logging.WARNING]
        assert len(logged) == 1, [r.getMessage() for r in logged]
        assert "database" in logged[0].getMessage() and logged[0].exc_info is None
        proxy.restore()
        for _ in range(3):  # a pooled connection may have died with the proxy: try again
            page = await web.get(path)
            if page.status == 200:
                break
        assert page.status == 200, outage
    assert [a.level for a in await answers_of(web, "ana@example.org")] == [2]  # none lost
    posted = await web.post(path, fields)
    assert posted.status == 303
    assert [a.level for a in await answers_of(web, "ana@example.org")] == [2, 3]
