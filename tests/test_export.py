"""The answer export: an anonymous round's rows show no more than its summary; a round that is
not anonymous names who answered what, and when."""

from __future__ import annotations

from typing import Any

import pytest
from support import World, answer_all, make_world

from bot.model import Community, Round
from bot.ports import Storage
from bot.summary.export import FIELDS, AnswerRows, ExportError, export_rows

FIVE = ["ann", "bo", "cy", "di", "ed"]
# Everyone scores every category but Finance (6th), where two are not sure: three scored.
LEVELS = {
    name: [str(1 + (i + j) % 5) if j != 5 or i < 3 else "Not sure" for j in range(9)]
    for i, name in enumerate(FIVE)
}


async def closed_round(storage: Storage, anonymous: bool = True) -> World:
    world = await make_world(storage)
    world.join("lead", *FIVE)
    await world.command("lead", "/round setup Riverside")
    if not anonymous:
        await world.command("lead", "/round settings anonymous off")
    await world.command("lead", "/round open")
    for name in FIVE:
        await answer_all(world, name, LEVELS[name])
    await world.command("lead", "/round close")
    return world


async def export(
    world: World, keys: bool = False, shuffle: Any = None
) -> tuple[AnswerRows, Round, list[tuple[int, str]]]:
    """The export of round 1, and the stored answers' (person, category) in stored order."""
    async with world.storage.transaction() as repo:
        community = await repo.community_by_name("Riverside")
        round_ = await repo.round_by_number(1, 1)
        assert isinstance(community, Community) and round_ is not None
        stored = [(a.person_id, a.category_id) for a in await repo.answers(round_.id)]
        options: dict[str, Any] = {"keys": keys} | ({"shuffle": shuffle} if shuffle else {})
        return await export_rows(repo, community, round_, **options), round_, stored


async def test_an_anonymous_export_is_shuffled_dated_to_the_day_and_keyless(
    storage: Storage,
) -> None:
    world = await closed_round(storage)
    answers, round_, stored = await export(world, shuffle=list.reverse)
    assert answers.fields == tuple(f for f in FIELDS if f != "participant")
    assert answers.left_out == ("finance",)  # three scored: the summary shows no counts
    kept = [category for _, category in stored if category != "finance"]
    assert [row["category_id"] for row in answers.rows] == kept[::-1]  # the shuffle was used
    assert {row["answered_at"] for row in answers.rows} == {"2026-11-02"}
    assert all("participant" not in row for row in answers.rows)
    with_keys, _, _ = await export(world, keys=True)
    people = {row["participant"] for row in with_keys.rows}
    assert len(people) == 5 and all(key.startswith("p-") for key in people)
    assert round_.anonymous


async def test_an_anonymous_round_still_open_exports_no_answers(storage: Storage) -> None:
    world = await make_world(storage)
    world.join("lead", *FIVE)
    await world.command("lead", "/round setup Riverside")
    await world.command("lead", "/round open")
    for name in FIVE:
        await answer_all(world, name, LEVELS[name])
    with pytest.raises(ExportError, match="anonymous and still open"):
        await export(world)


async def test_a_named_round_exports_every_answer_with_its_name_and_moment(
    storage: Storage,
) -> None:
    world = await closed_round(storage, anonymous=False)
    answers, _round, stored = await export(world)
    assert answers.fields == FIELDS and answers.left_out == ()
    assert [row["category_id"] for row in answers.rows] == [c for _, c in stored]
    assert answers.rows[0]["participant"] == "test:ANN (Ann)"
    assert answers.rows[0]["answered_at"] == "2026-11-02T09:00:00+00:00"
