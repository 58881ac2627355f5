"""The round lifecycle: open, status, remind, close. Shared by lead commands and the scheduler.

Each function works inside the caller's transaction and returns the messages to send.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import datetime

from bot.actions.ledger import actions_leading_to, recall
from bot.conversation import cards
from bot.messages import Address, Outgoing, Purpose
from bot.model import (
    ChatRef,
    Community,
    Participation,
    Person,
    PersonRef,
    Role,
    Round,
    Rubric,
    Stage,
)
from bot.outbox.item import OutboxKind
from bot.outbox.queue import queue_debriefs, queue_personal_summaries, queue_summary
from bot.ports import Repository
from bot.privacy.data_rights import opt_out_key
from bot.roster import OddRecord, Roster
from bot.schedule.reminders import queue_invitations, queue_round_messages
from bot.summary.numbers import tally


def dm_to(person: Person) -> Address:
    return Address(person.platform, person.platform_user_id, direct=True)


Members = Mapping[ChatRef, Roster | None]  # None: the platform cannot list


def odd_records(members: Members) -> list[OddRecord]:
    """The odd records in every chat's member list."""
    return [record for roster in members.values() if roster for record in roster.odd]


class RoundProblem(Exception):
    """The command makes sense but the round is not in a state that allows it."""


@dataclass(frozen=True)
class Opened:
    round: Round
    invited: int  # people whose invitations are owed


async def finish_overdue(repo: Repository, community: Community, now: datetime) -> Round | None:
    """Close a round whose deadline passed (as the scheduler would: tallies kept, summary
    queued for every chat); return the round still open, if any."""
    round_ = await repo.unclosed_round(community.id)
    if round_ is None or round_.is_open(now):
        return round_
    await close_round(repo, community, round_, now)
    return None


async def open_round(
    repo: Repository,
    community: Community,
    title: str,
    closes_at: datetime,
    rubric: Rubric,
    members: Members,
    now: datetime,
    timezone: str = "UTC",
) -> Opened:
    """Open a round with a snapshot of the rubric; its announcement to every chat of the
    community, an invitation to every member and their reminders are owed from now."""
    current = await finish_overdue(repo, community, now)
    if current is not None:
        raise RoundProblem(
            f"Round {current.number} “{current.title}” is still open until "
            f"{cards.format_moment(current.closes_at, current.timezone)}. "
            "Close it first with /round close."
        )
    people = await _enrol(repo, community, members)
    round_ = await repo.create_round(
        community.id,
        title,
        now,
        closes_at,
        community.anonymous,
        rubric,
        community.min_responses,
        timezone,
        community.priorities,
        community.groups if community.perspectives else None,
    )
    await repo.add_participations(
        [Participation(round_.id, person.id, Stage.INVITED, invited_at=now) for person in people]
    )
    text = (
        f"Round {round_.number} “{title}” is open until "
        f"{cards.format_moment(closes_at, timezone)}. I am sending {len(people)} "
        f"{'person' if len(people) == 1 else 'people'} a direct message with "
        f"{len(rubric.categories)} questions (about 10 minutes). Not invited? Ask a lead."
    )
    if recalled := recall(await actions_leading_to(repo, round_), round_):
        text = f"{text}\n{recalled}"
    await queue_round_messages(repo, community, round_, text, now, people)
    return Opened(round_, len(people))


async def _enrol(repo: Repository, community: Community, members: Members) -> list[Person]:
    """Who takes part now: everyone the platforms list in the community's chats (made
    members), and the members on any other platform: those enrolled by link where the platform
    cannot list members (Telegram), and those added by email address (the web). People who
    left a listed channel, or asked to be forgotten, are not included."""
    listed_platforms = set()
    listed: dict[tuple[str, str], PersonRef] = {}
    for chat in community.chats:
        roster = members.get(chat)
        if roster is None:  # cannot list (Telegram): those enrolled by link take part
            continue
        listed_platforms.add(chat.platform)
        listed |= {(ref.platform, ref.user_id): ref for ref in roster.people}
    secret = repo.deployment_secret()
    keys = {ref: opt_out_key(secret, ref.platform, ref.user_id) for ref in listed.values()}
    out = await repo.opted_out_among(list(keys.values()))
    found = await repo.upsert_people([ref for ref, key in keys.items() if key not in out])
    await repo.add_members(community.id, [person.id for person in found])
    people = {person.id: person for person in found}
    for person, _role in await repo.members(community.id):
        if person.platform not in listed_platforms:
            people.setdefault(person.id, person)
    return sorted(people.values(), key=lambda p: (p.name.lower(), p.id))


async def invite_newcomers(
    repo: Repository, community: Community, round_: Round, members: Members, now: datetime
) -> list[Person]:
    """Invite members who joined after the round opened (and enrol them first)."""
    taking_part = {p.person_id for p in await repo.participations(round_.id)}
    newcomers = [p for p in await _enrol(repo, community, members) if p.id not in taking_part]
    await repo.add_participations(
        [
            Participation(round_.id, p.id, Stage.INVITED, invited_at=round_.opened_at)
            for p in newcomers
        ]
    )
    await queue_invitations(repo, community, round_, newcomers, now)
    return newcomers


@dataclass(frozen=True)
class RoundStatus:
    """How a round stands: who was invited, started and completed, and what held it up."""

    round: Round
    is_open: bool
    invited: int
    completed: int
    in_progress: int
    not_started: int
    waiting_invitations: int  # not delivered yet: the platform is not taking messages
    unreachable: int
    unfinished: tuple[str, ...] | None  # who has not finished; None: an anonymous round

    @property
    def needed(self) -> int:
        """How many must complete for a summary."""
        return self.round.min_responses


async def round_status(repo: Repository, round_: Round, now: datetime) -> RoundStatus:
    participations = await repo.participations(round_.id)
    completed = [p for p in participations if p.completed_at is not None]
    started = [p for p in participations if p.started_at is not None and p.completed_at is None]
    waiting = sum(
        1
        for item in await repo.outbox(round_.id)
        if item.kind is OutboxKind.INVITE and item.outcome is None
    )
    unfinished = None
    if not round_.anonymous:
        names = [
            (await _person(repo, p.person_id)).name
            for p in participations
            if p.completed_at is None
        ]
        unfinished = tuple(sorted(names, key=str.lower))
    return RoundStatus(
        round_,
        round_.is_open(now),
        len(participations),
        len(completed),
        len(started),
        len(participations) - len(completed) - len(started),
        waiting,
        sum(1 for p in participations if p.unreachable),
        unfinished,
    )


async def status_text(repo: Repository, round_: Round, now: datetime) -> str:
    """Invited / started / completed; who has not finished only when not anonymous."""
    status = await round_status(repo, round_, now)
    state = (
        f"open until {cards.format_moment(round_.closes_at, round_.timezone)}"
        if status.is_open
        else f"closed {cards.format_moment(round_.ended_at(), round_.timezone)}"
    )
    lines = [
        f"Round {round_.number} “{round_.title}” is {state}.",
        f"Invited {status.invited} · completed {status.completed} · "
        f"in progress {status.in_progress} · not started {status.not_started}",
    ]
    waiting = status.waiting_invitations
    if waiting:
        lines.append(
            f"{waiting} invitation{'s' if waiting > 1 else ''} not "
            "delivered yet: the platform is not taking messages just now, and they go out as "
            "soon as it does."
        )
    if status.unreachable:
        lines.append(
            f"{status.unreachable} could not be reached (they blocked or left the bot, or their "
            "email bounced)."
        )
    if status.unfinished is None:
        lines.append("This community is anonymous, so names are not shown.")
    elif status.unfinished:
        lines.append("Not finished yet: " + ", ".join(status.unfinished))
    return "\n".join(lines)


async def reminders(
    repo: Repository, round_: Round, skip: Set[Address] = frozenset()
) -> list[Outgoing]:
    """A nudge for everyone invited to the round who has not completed it (but those in skip)."""
    answered = Counter(a.person_id for a in await repo.answers(round_.id))
    community = await repo.community_by_id(round_.community_id)
    name = community.name if community else ""
    messages = []
    for p in await repo.participations(round_.id):
        if p.completed_at is not None or p.unreachable or p.reminders_off:
            continue
        dm = dm_to(await _person(repo, p.person_id))
        if dm in skip:
            continue
        if p.stage is Stage.INVITED:
            messages.append(cards.invitation(dm, round_, name, True, Purpose.REMINDER))
        else:
            messages.append(cards.reminder_note(dm, round_, answered[p.person_id]))
    return messages


async def close_round(
    repo: Repository, community: Community, round_: Round, now: datetime
) -> Round:
    """Close the round (at its deadline if that has passed), keep its tallies, and owe its
    summary to every chat of the community (and to those in none of them, directly) and its
    debrief pack to each lead, privately."""
    await repo.close_round(round_.id, min(now, round_.closes_at))
    participations = await repo.participations(round_.id)
    kept = tally(await repo.answers(round_.id), participations)
    await repo.save_tallies(round_.id, kept.to_dict())  # the summary as posted, for good
    closed = await repo.round_by_id(round_.id)
    assert closed is not None
    heading = closing_heading(closed, participations)
    await queue_summary(repo, community.id, closed.id, community.chats, now, heading)
    members = await repo.members(community.id)
    leads = [person.id for person, role in members if role is Role.LEAD]
    await queue_debriefs(repo, community.id, closed.id, leads, now)
    if community.email_summary:
        outside = _outside_the_chats(community, members, participations)
        await queue_personal_summaries(repo, community.id, closed.id, outside, now, heading)
    return closed


def closing_heading(round_: Round, participations: Sequence[Participation]) -> str:
    """What the closing post says first: how many completed, and thanks only where there is a
    summary to thank them with."""
    done = sum(1 for p in participations if p.completed_at is not None)
    head = f"Round {round_.number} “{round_.title}” is closed"
    if done == 0:
        return f"{head}: nobody completed it, so there is no summary."
    if done < round_.min_responses:
        return (
            f"{head}: {done} of {len(participations)} completed, fewer than the "
            f"{round_.min_responses} a summary needs."
        )
    return f"{head}: {done} of {len(participations)} completed. Thank you, everyone!"


def _outside_the_chats(
    community: Community,
    members: Sequence[tuple[Person, Role]],
    participations: Sequence[Participation],
) -> list[int]:
    """Participants who see none of the community's chats (people added by email), and are
    still its members: they get the summary directly."""
    chat_platforms = {chat.platform for chat in community.chats}
    people = {person.id: person for person, _role in members}
    return [
        p.person_id
        for p in participations
        if p.person_id in people and people[p.person_id].platform not in chat_platforms
    ]


async def _person(repo: Repository, person_id: int) -> Person:
    person = await repo.person_by_id(person_id)
    if person is None:  # a foreign key makes this impossible; say so loudly if it happens
        raise LookupError(f"person {person_id} vanished")
    return person
