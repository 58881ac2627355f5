"""People's rights over their data: see everything stored about them, be forgotten, and have
old rounds' details purged after RETENTION_DAYS. Published aggregates stay as they were posted:
a closed round keeps its anonymous tallies before anyone's answers are removed."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from bot.commands.parser import check_address
from bot.model import AgreedAction, OptOutKey, Person, Role, Stage
from bot.ports import Repository
from bot.summary.numbers import tally

FORGET_CONFIRMATION = "yes, forget me"


def opt_out_key(secret: bytes, platform: str, user_id: str) -> OptOutKey:
    """How a person's opt-out is stored: enough to not enrol them again, not to name them.

    HMAC-SHA256 keyed with the deployment's secret: without the secret, a candidate platform
    id cannot be checked against the opt-outs (an unkeyed hash could be, by anyone holding the
    rows). The unkeyed form is what rows stored before the key existed hold."""
    person = f"{platform}:{user_id}".encode()
    keyed = hmac.new(secret, b"opt-out:" + person, hashlib.sha256).hexdigest()
    unkeyed = hashlib.sha256(b"maturity-bot:" + person).hexdigest()
    return OptOutKey(keyed, unkeyed)


def address_opt_out_key(secret: bytes, address: str) -> OptOutKey:
    """The same for an email address: a lead adding it again does not enrol them again."""
    return opt_out_key(secret, "email", address.lower())


async def find_person(
    repo: Repository, key: str, email_platform: str | None = None
) -> Person | None:
    """`slack:U123`, `telegram:456`, or someone by email: `web:3f2a…` or their address."""
    if email_platform is not None and (address := check_address(key)) is not None:
        return await repo.person_by_address(email_platform, address)
    platform, _, user_id = key.partition(":")
    return await repo.person(platform, user_id) if platform and user_id else None


@dataclass(frozen=True)
class AnswerRecord:
    category: str
    level: int | None  # None: "not sure"
    comment: str | None
    answered_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class RoundRecord:
    """A round the person took part in (number and title None once the round is gone)."""

    number: int | None
    title: str | None
    stage: Stage | None  # None: answers kept without a position (a purged participation)
    invited_at: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    reminders_off: bool = False
    answers: tuple[AnswerRecord, ...] = ()
    priorities: tuple[str, ...] = ()  # category ids picked as what to work on first
    group: str | None = None  # whom they spoke for in that round (perspectives)


@dataclass(frozen=True)
class PersonRecord:
    """Everything stored about a person."""

    person: Person
    communities: tuple[tuple[str, Role], ...]  # (community name, role)
    rounds: tuple[RoundRecord, ...]
    actions: tuple[AgreedAction, ...] = ()  # actions they own
    address: str | None = None  # their email address, when they take part by email
    groups: tuple[tuple[str, str], ...] = ()  # (community name, whom they said they speak for)

    def to_json(self) -> dict[str, Any]:
        """Plain data for `maturity-bot export-person`."""
        person: dict[str, Any] = {
            "platform": self.person.platform,
            "user_id": self.person.platform_user_id,
            "display_name": self.person.display_name,
            "timezone": self.person.timezone,
        }
        if self.address is not None:
            person["email"] = self.address
        return {
            "person": person,
            "communities": [
                {"community": name, "role": str(role)} | _group_of(dict(self.groups), name)
                for name, role in self.communities
            ],
            "rounds": [
                {
                    "round": r.number,
                    "title": r.title,
                    "stage": str(r.stage) if r.stage else None,
                    "invited_at": _iso(r.invited_at),
                    "started_at": _iso(r.started_at),
                    "completed_at": _iso(r.completed_at),
                    "reminders_off": r.reminders_off,
                    "priorities": list(r.priorities),
                    "group": r.group,
                    "answers": [
                        {
                            "category": a.category,
                            "level": a.level,
                            "not_sure": a.level is None,
                            "comment": a.comment,
                            "answered_at": _iso(a.answered_at),
                            "updated_at": _iso(a.updated_at),
                        }
                        for a in r.answers
                    ],
                }
                for r in self.rounds
            ],
            "actions_owned": [
                {
                    "number": a.number,
                    "category": a.category_id,
                    "what": a.what,
                    "due": a.due.isoformat() if a.due else None,
                    "status": str(a.status),
                }
                for a in self.actions
            ],
        }


def _group_of(groups: dict[str, str], community: str) -> dict[str, str]:
    return {"group": groups[community]} if community in groups else {}


async def person_record(repo: Repository, person: Person) -> PersonRecord:
    """Everything stored about the person."""
    communities, groups = [], []
    for community_id, role in await repo.roles_of(person.id):
        community = await repo.community_by_id(community_id)
        name = community.name if community else str(community_id)
        communities.append((name, role))
        if (group := await repo.group_of(community_id, person.id)) is not None:
            groups.append((name, group))
    rounds: dict[int, RoundRecord] = {}
    for p in await repo.participations_of(person.id):
        round_ = await repo.round_by_id(p.round_id)
        rounds[p.round_id] = RoundRecord(
            round_.number if round_ else None,
            round_.title if round_ else None,
            p.stage,
            p.invited_at,
            p.started_at,
            p.completed_at,
            p.reminders_off,
            priorities=p.priorities,
            group=p.group,
        )
    answers: dict[int, list[AnswerRecord]] = {}
    for answer in await repo.answers_of(person.id):
        answers.setdefault(answer.round_id, []).append(
            AnswerRecord(
                answer.category_id,
                answer.level,
                answer.comment,
                answer.answered_at,
                answer.updated_at,
            )
        )
        rounds.setdefault(answer.round_id, RoundRecord(None, None, None))
    return PersonRecord(
        person,
        tuple(communities),
        tuple(
            replace(record, answers=tuple(answers.get(round_id, ())))
            for round_id, record in rounds.items()
        ),
        tuple(await repo.actions_owned_by(person.id)),
        await repo.address_of(person.id),
        tuple(groups),
    )


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
    address = await repo.address_of(person.id)
    await repo.forget_person(person.id)  # their address and personal links go with them
    secret = repo.deployment_secret()
    await repo.add_opt_out(opt_out_key(secret, person.platform, person.platform_user_id))
    if address is not None:
        await repo.add_opt_out(address_opt_out_key(secret, address))
    return answers


async def stop_emails(repo: Repository, person: Person, community_id: int) -> None:
    """Someone reached by email unsubscribed from a community: the same as "Stop reminders" in
    its rounds still open, and they leave it, so later rounds do not invite them and a lead
    adding their address again does not enrol them (joining again themselves does)."""
    for participation in await repo.active_participations(person.id):
        round_ = await repo.round_by_id(participation.round_id)
        if round_ is not None and round_.community_id == community_id:
            muted = replace(participation, reminders_off=True, remind_after=None)
            await repo.save_participation(muted)
    if await repo.role(community_id, person.id) is not Role.LEAD:
        await repo.remove_member(community_id, person.id)
    address = await repo.address_of(person.id)
    if address is not None:
        await repo.add_opt_out(address_opt_out_key(repo.deployment_secret(), address))


async def purge_old_rounds(repo: Repository, now: datetime, retention_days: int) -> int:
    """Drop answers, comments and who-took-part of rounds closed more than retention_days ago."""
    purged = await repo.rounds_to_purge(now - timedelta(days=retention_days))
    for round_id in purged:
        await keep_tallies(repo, round_id)
        await repo.purge_round(round_id)
    return len(purged)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
