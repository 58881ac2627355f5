"""People's rights over their data: see everything stored about them, be forgotten, and have
old rounds' details purged after RETENTION_DAYS. Published aggregates stay as they were posted:
a closed round keeps its anonymous tallies before anyone's answers are removed."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from bot.model import Person
from bot.ports import Repository
from bot.summary.numbers import tally

FORGET_CONFIRMATION = "yes, forget me"


def opt_out_key(platform: str, user_id: str) -> str:
    """A one-way hash of a platform id: enough to not enrol someone again, not to name them."""
    return hashlib.sha256(f"maturity-bot:{platform}:{user_id}".encode()).hexdigest()


async def find_person(repo: Repository, key: str) -> Person | None:
    """`slack:U123` or `telegram:456`."""
    platform, _, user_id = key.partition(":")
    return await repo.person(platform, user_id) if platform and user_id else None


async def person_record(repo: Repository, person: Person) -> dict[str, Any]:
    """Everything stored about the person, as plain data."""
    communities = []
    for community_id, role in await repo.roles_of(person.id):
        community = await repo.community_by_id(community_id)
        communities.append(
            {"community": community.name if community else community_id, "role": str(role)}
        )
    rounds: dict[int, dict[str, Any]] = {}
    for p in await repo.participations_of(person.id):
        round_ = await repo.round_by_id(p.round_id)
        rounds[p.round_id] = {
            "round": round_.number if round_ else None,
            "title": round_.title if round_ else None,
            "stage": str(p.stage),
            "invited_at": _iso(p.invited_at),
            "started_at": _iso(p.started_at),
            "completed_at": _iso(p.completed_at),
            "reminders_off": p.reminders_off,
            "answers": [],
        }
    for answer in await repo.answers_of(person.id):
        rounds.setdefault(answer.round_id, {"answers": []})["answers"].append(
            {
                "category": answer.category_id,
                "level": answer.level,
                "not_sure": answer.not_sure,
                "comment": answer.comment,
                "answered_at": _iso(answer.answered_at),
                "updated_at": _iso(answer.updated_at),
            }
        )
    return {
        "person": {
            "platform": person.platform,
            "user_id": person.platform_user_id,
            "display_name": person.display_name,
            "timezone": person.timezone,
        },
        "communities": communities,
        "rounds": list(rounds.values()),
    }


async def keep_tallies(repo: Repository, round_id: int) -> None:
    """Before details go, a closed round keeps its tallies (rounds closed before tallies were
    kept get them now)."""
    round_ = await repo.round_by_id(round_id)
    if round_ is not None and round_.closed_at is not None and round_.tallies is None:
        kept = tally(await repo.answers(round_id), await repo.participations(round_id))
        await repo.save_tallies(round_id, kept.to_dict())


async def forget(repo: Repository, person: Person) -> int:
    """Erase the person; returns how many answers went. Closed rounds' summaries stay."""
    for participation in await repo.participations_of(person.id):
        await keep_tallies(repo, participation.round_id)
    answers = len(await repo.answers_of(person.id))
    await repo.forget_person(person.id)
    await repo.add_opt_out(opt_out_key(person.platform, person.platform_user_id))
    return answers


async def purge_old_rounds(repo: Repository, now: datetime, retention_days: int) -> int:
    """Drop answers, comments and who-took-part of rounds closed more than retention_days ago."""
    purged = await repo.rounds_to_purge(now - timedelta(days=retention_days))
    for round_id in purged:
        await keep_tallies(repo, round_id)
        await repo.purge_round(round_id)
    return len(purged)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
