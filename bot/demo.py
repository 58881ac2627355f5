"""`maturity-bot demo`: a demo community with three closed rounds of plausible answers (the last
with comments and priorities, and with perspectives: a wider partnership saying whom each
speaks for) and actions agreed between them, so a newcomer sees a summary, a trend, results by
group and a debrief pack without running a round first."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from bot.model import (
    DEFAULT_GROUPS,
    ActionStatus,
    Answer,
    ChatRef,
    Participation,
    PersonRef,
    Role,
    Rubric,
    Stage,
)
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
# Joined for the last round, when the partnership widened and turned perspectives on.
NEWCOMERS = ["Maya", "Noor", "Omar", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Vik", "Wen"]
COUNCIL, NHS, VCS, LIVED, OTHER_PUBLIC, PREFER_NOT = DEFAULT_GROUPS
GROUPS = {  # whom each speaks for
    "Asha": COUNCIL, "Ben": COUNCIL, "Chloe": NHS, "Dev": VCS, "Emeka": LIVED,
    "Fatima": COUNCIL, "Grace": NHS, "Hugo": VCS, "Iris": LIVED, "Jon": OTHER_PUBLIC,
    "Kiran": NHS, "Lena": PREFER_NOT, "Maya": COUNCIL, "Noor": COUNCIL, "Omar": LIVED,
    "Priya": LIVED, "Quinn": LIVED, "Rosa": NHS, "Sam": NHS, "Tariq": VCS, "Uma": VCS,
    "Vik": COUNCIL, "Wen": LIVED,
}  # fmt: skip
# How far a group's view of a category sits from everyone's, in the last round: people with
# lived experience see involvement and service delivery lower, the council sees them higher.
GROUP_SHIFT = {
    (LIVED, "involvement"): -1.6,
    (LIVED, "service-delivery"): -1.0,
    (COUNCIL, "involvement"): 0.8,
    (COUNCIL, "vision"): 0.5,
}
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
# What the group picks as its priorities in the last round, most often first.
PRIORITY_WEIGHTS = {"finance": 6, "service-delivery": 4, "involvement": 3, "collaboration": 2}
COMMENTS = {  # (category, comment) given by the first people to answer the last round
    "finance": [
        "Every bid is still written by one organisation for one year at a time.",
        "The pooled fund for the youth service worked; nobody has asked to repeat it.",
        "Small charities are priced out of tenders before anyone talks to them.",
    ],
    "service-delivery": [
        "Referrals between the clinic and the food bank still depend on who you know.",
        "The joint front door pilot helped, but it closed when the money ran out.",
    ],
    "involvement": [
        "Residents are asked for views after the decision has been made.",
        "The carers' forum is now part of the board agenda, which is a real change.",
    ],
    "vision": ["Partners can now say what the vision is, but not what it means for them."],
}
ACTIONS = [  # (days after round 1 opened, category, what, owner, due days later, state)
    (20, "finance", "Map every funding stream the partners hold", "asha", 40, "done"),
    (21, "involvement", "Invite the carers' forum to the partnership board", "", 30, "done"),
    (112, "finance", "Draft a joint bid for a three-year pooled fund", "asha", 60, "open"),
    (
        113,
        "service-delivery",
        "Agree one referral route between clinic and food bank",
        "Dr Jo Ng",
        45,
        "done",
    ),
    (113, "vision", "Rewrite the vision on one page", "", None, "dropped"),
]


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
    picker = random.Random(7)  # priorities drawn apart, so the answers stay as they were
    community = await repo.create_community(DEMO_NAME, DEMO_CHAT, True, ROUND_STARTS[0])
    people = [await repo.upsert_person(PersonRef("demo", name.lower(), name)) for name in PEOPLE]
    for index, person in enumerate(people):
        await repo.set_role(community.id, person.id, Role.LEAD if index == 0 else Role.PARTICIPANT)
    newcomer_rng = random.Random(25)  # the newcomers' own: the others' answers stay as they were
    for number, (opened, title) in enumerate(zip(ROUND_STARTS, TITLES, strict=True)):
        closes = opened + timedelta(days=14)
        last = number == len(ROUND_STARTS) - 1
        if last:
            community = replace(community, perspectives=True)
            await repo.update_community(community)
            newcomers = [
                await repo.upsert_person(PersonRef("demo", name.lower(), name))
                for name in NEWCOMERS
            ]
            await repo.add_members(community.id, [p.id for p in newcomers])
            people += newcomers
            for person in people:
                await repo.set_group(community.id, person.id, GROUPS[person.display_name])
        groups = community.groups if last else None
        round_ = await repo.create_round(
            community.id, title, opened, closes, True, rubric, groups=groups
        )
        for index, person in enumerate(people):
            draw = newcomer_rng if person.display_name in NEWCOMERS else rng
            group = GROUPS[person.display_name] if last else None
            if person.display_name not in NEWCOMERS and rng.random() < 0.15:  # some skip a round
                await repo.add_participation(
                    Participation(round_.id, person.id, Stage.INVITED, invited_at=opened)
                )
                continue
            answered_at = opened + timedelta(days=draw.randint(0, 12), minutes=index)
            for position, category in enumerate(rubric.categories):
                base = STARTING_LEVEL[position % len(STARTING_LEVEL)]
                growth = GROWTH[position % len(GROWTH)]
                shift = GROUP_SHIFT.get((group or "", category.id), 0.0)
                contested = category.id in CONTESTED and group is None
                level = _level(draw, base + growth * number + shift, contested)
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
                    priorities=_priorities(picker) if last else (),
                    group=group,
                )
            )
        if number == len(ROUND_STARTS) - 1:
            await _comment(repo, round_.id)
        await repo.close_round(round_.id, closes)
    await _actions(repo, community.id, people[0].id)
    return True


def _priorities(rng: random.Random) -> tuple[str, ...]:
    if rng.random() < 0.2:
        return ()  # skipped the step
    names, weights = list(PRIORITY_WEIGHTS), list(PRIORITY_WEIGHTS.values())
    first = rng.choices(names, weights)[0]
    rest = [n for n in names if n != first]
    return (first,) if rng.random() < 0.3 else (first, rng.choices(rest)[0])


async def _comment(repo: Repository, round_id: int) -> None:
    """The demo's comments, each on the answer of a different person."""
    answers = [a for a in await repo.answers(round_id) if a.level is not None]
    used: set[int] = set()
    for category_id, texts in COMMENTS.items():
        for text in texts:
            answer = next(
                a for a in answers if a.category_id == category_id and a.person_id not in used
            )
            used.add(answer.person_id)
            await repo.save_answer(replace(answer, comment=text))


async def _actions(repo: Repository, community_id: int, owner_id: int) -> None:
    start = ROUND_STARTS[0]
    for days, category_id, what, owner, due_in, state in ACTIONS:
        agreed = start + timedelta(days=days)
        action = await repo.add_action(
            community_id,
            category_id,
            what,
            agreed,
            owner_person_id=owner_id if owner == "asha" else None,
            owner_name="" if owner == "asha" else owner,
            due=(agreed + timedelta(days=due_in)).date() if due_in else None,
        )
        if state != "open":
            status = ActionStatus.DONE if state == "done" else ActionStatus.DROPPED
            await repo.set_action_status(action.id, status, agreed + timedelta(days=14))
