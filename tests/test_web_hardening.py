"""The web channel against hostile or unlucky clients (issue 21): a body that arrives in
pieces, a doubled confirmation, a database that goes away, headers on every response, links
and join requests that must not outlive what they are for."""

from __future__ import annotations

import asyncio
from urllib.parse import urlencode

from test_web import answers_of, opened
from web_world import WebWorld, web_world


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
