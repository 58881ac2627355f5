"""`maturity-bot demo`: a demo community with three closed rounds of plausible answers, so a
newcomer sees a summary and a trend without running a round first."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from bot.model import Answer, ChatRef, Participation, PersonRef, Role, Rubric, Stage
from bot.ports import Repository

DEMO_NAME = "Demo Partnership"
DEMO_CHAT = ChatRef("demo", "partnership")
PEOPLE = [
    "Asha",
    "Ben",
    "Chloe",
    "Dev",
    "Emeka",
    "Fatima",
    "Grace",
    "Hugo",
    "Iris",
    "Jon",
    "Kiran",
    "Lena",
]
ROUND_STARTS = [
    datetime(2026, 3, 2, 9, tzinfo=UTC),
    datetime(2026, 6, 1, 9, tzinfo=UTC),
    datetime(2026, 9, 7, 9, tzinfo=UTC),
]
TITLES = ["Spring 2026", "Summer 2026", "Autumn 2026"]
# Where each category starts and how fast it grows per round: a system getting going, with
# finance and service delivery lagging and involvement contested.
STARTING_LEVEL = [2.2, 1.8, 1.5, 2.0, 1.6, 1.2, 1.5, 1.8, 2.0]
GROWTH = [0.6, 0.7, 0.5, 0.3, 0.6, 0.2, 0.3, 0.5, 0.6]
CONTESTED = {"involvement"}


def _level(rng: random.Random, centre: float, contested: bool) -> int | None:
    if rng.random() < 0.08:
        return None  # not sure
    spread = 1.6 if contested else 0.7
    return max(1, min(5, round(rng.gauss(centre, spread))))


async def create_demo(repo: Repository, rubric: Rubric) -> bool:
    """Create the demo community and its rounds; False when it exists already."""
    if await repo.community_by_name(DEMO_NAME) is not None:
        return False
    rng = random.Random(2026)  # the same demo every time
    community = await repo.create_community(DEMO_NAME, DEMO_CHAT, True, ROUND_STARTS[0])
    people = [await repo.upsert_person(PersonRef("demo", name.lower(), name)) for name in PEOPLE]
    for index, person in enumerate(people):
        await repo.set_role(community.id, person.id, Role.LEAD if index == 0 else Role.PARTICIPANT)
    for number, (opened, title) in enumerate(zip(ROUND_STARTS, TITLES, strict=True)):
        closes = opened + timedelta(days=14)
        round_ = await repo.create_round(community.id, title, opened, closes, True, rubric)
        for index, person in enumerate(people):
            if rng.random() < 0.15:  # some never take part in a given round
                await repo.add_participation(
                    Participation(round_.id, person.id, Stage.INVITED, invited_at=opened)
                )
                continue
            answered_at = opened + timedelta(days=rng.randint(0, 12), minutes=index)
            for position, category in enumerate(rubric.categories):
                base = STARTING_LEVEL[position % len(STARTING_LEVEL)]
                growth = GROWTH[position % len(GROWTH)]
                level = _level(rng, base + growth * number, category.id in CONTESTED)
                when = answered_at + timedelta(minutes=position)
                await repo.save_answer(
                    Answer(round_.id, person.id, category.id, level, None, when, when)
                )
            await repo.add_participation(
                Participation(
                    round_.id,
                    person.id,
                    Stage.SUBMITTED,
                    len(rubric.categories) - 1,
                    invited_at=opened,
                    started_at=answered_at,
                    completed_at=answered_at,
                )
            )
        await repo.close_round(round_.id, closes)
    return True
