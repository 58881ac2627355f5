"""What the leads' pages show, as typed data built in the one transaction of a page's request
(LeadDesk.view): the community and its round, its people, its settings and schedule, its
results (the board's view: only what the summary shows) with the actions, and its leads.
Each page has its `/round` command; these are what those commands say, laid out."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from bot.actions.ledger import describe
from bot.board.view import BoardView, board_view
from bot.commands.community import describe_schedule
from bot.commands.context import LeadContext
from bot.commands.parser import DEFAULT_DURATION, MIN_RESPONSES_RANGE
from bot.commands.rounds import REOPEN_WITHIN, why_not_reopen
from bot.model import (
    ActionStatus,
    AgreedAction,
    Community,
    Participation,
    Person,
    Role,
    Round,
    Schedule,
)
from bot.rounds.lifecycle import RoundStatus, round_status
from bot.summary.debrief import DebriefPack, debrief_pack
from bot.summary.numbers import round_summary


@dataclass(frozen=True)
class CommunityPage:
    """The community now: its latest round and how it stands, and what a lead can do."""

    community: Community
    status: RoundStatus | None  # the latest round's; None before the first
    can_close: bool  # a round is open (or past its deadline, not yet closed)
    reopen_until: datetime | None  # the latest round, closed, may be reopened until then
    why_not_reopen: str  # or why it may not ("" when there is no closed round to reopen)
    suggested_title: str  # for opening a round now
    suggested_close: date  # where the community is
    timezone: str
    people: int


async def community_page(ctx: LeadContext) -> CommunityPage:
    repo, community, now = ctx.repo, ctx.community, ctx.now
    latest = await repo.latest_round(community.id)
    status = await round_status(repo, latest, now) if latest else None
    zone = await ctx.community_timezone()
    reopen_until, why = None, ""
    if latest is not None and latest.closed_at is not None:
        why = await why_not_reopen(repo, latest, now)
        if not why:
            reopen_until = latest.closed_at + REOPEN_WITHIN
    close_day = (now + DEFAULT_DURATION).astimezone(ZoneInfo(zone)).date()
    return CommunityPage(
        community,
        status,
        latest is not None and latest.closed_at is None,
        reopen_until,
        why,
        f"{now.astimezone(ZoneInfo(zone)):%B %Y} self-assessment",
        close_day,
        zone,
        len(await repo.members(community.id)),
    )


@dataclass(frozen=True)
class PersonLine:
    """One person of the community, as its leads may see them."""

    id: int
    key: str  # platform:user_id, as a lead may name them in a request
    name: str
    platform: str  # how people call the platform ("the web (by email)", "Slack")
    by_email: bool
    address: str  # their email address, for people by email ("" for the others)
    role: Role
    status: str  # in the round open now: "not started", "in progress", "completed", ...


@dataclass(frozen=True)
class PeoplePage:
    community: Community
    people: tuple[PersonLine, ...]
    round: Round | None  # the round open now, that the statuses are about
    email: bool  # people can be added by email here
    join_page: str  # the community's join page ("" when there is none)


async def people_page(ctx: LeadContext) -> PeoplePage:
    repo, community = ctx.repo, ctx.community
    email = ctx.platforms.by_email()
    round_ = await repo.unclosed_round(community.id)
    taking_part = {p.person_id: p for p in await repo.participations(round_.id)} if round_ else {}
    lines = []
    for person, role in await repo.members(community.id):
        address = await repo.address_of(person.id) if email else None
        lines.append(
            PersonLine(
                person.id,
                person.key,
                person.name,
                ctx.platforms[person.platform].title,
                email is not None and person.platform == email.name,
                address or "",
                role,
                _status(person, taking_part, round_),
            )
        )
    join = email.join_page.format(code=community.join_code) if email and email.join_page else ""
    lines.sort(key=lambda line: (line.name.lower(), line.id))
    return PeoplePage(community, tuple(lines), round_, email is not None, join)


def _status(person: Person, taking_part: dict[int, Participation], round_: Round | None) -> str:
    if round_ is None:
        return "no round open"
    found = taking_part.get(person.id)
    if found is None:
        return "not invited"
    if found.completed_at is not None:
        return "completed"
    if found.unreachable:
        return "could not be reached"
    return "in progress" if found.started_at is not None else "not started"


@dataclass(frozen=True)
class SettingsPage:
    community: Community
    min_responses: range
    schedule: Schedule | None
    schedule_text: str  # the schedule in words, or that there is none
    timezone: str  # the schedule's, or the bot's default


async def settings_page(ctx: LeadContext) -> SettingsPage:
    schedule = await ctx.repo.schedule(ctx.community.id)
    text = (
        describe_schedule(schedule, ctx.community.working_days)
        if schedule
        else "No schedule: rounds open when you open them."
    )
    zone = await ctx.community_timezone()
    return SettingsPage(ctx.community, MIN_RESPONSES_RANGE, schedule, text, zone)


@dataclass(frozen=True)
class ResultsPage:
    community: Community
    board: BoardView  # the latest closed round's summary, its chart, the trend: the board's
    round: Round | None  # the latest closed round
    debrief: bool  # it has a debrief pack to download
    actions: tuple[tuple[AgreedAction, str], ...]  # every one (open first), in words
    categories: tuple[tuple[str, str], ...]  # (id, title) to note an action under
    board_link: bool  # the community has a board link now
    board_page: bool  # this bot serves board pages


async def results_page(ctx: LeadContext) -> ResultsPage:
    repo, community = ctx.repo, ctx.community
    closed = await repo.closed_rounds(community.id)
    latest = closed[-1] if closed else None
    debrief = latest is not None and (await round_summary(repo, latest)).enough
    actions = sorted(
        await repo.actions(community.id),
        key=lambda a: (a.status is not ActionStatus.OPEN, -a.number),
    )
    zone = await ctx.community_timezone()
    today = ctx.now.astimezone(ZoneInfo(zone)).date()
    rubric = latest.rubric if latest is not None else ctx.rubric
    return ResultsPage(
        community,
        await board_view(repo, community, ctx.now),
        latest,
        debrief,
        tuple((action, describe(action, rubric, zone, today)) for action in actions),
        tuple((c.id, f"{c.number}. {c.title}") for c in ctx.rubric.categories),
        await repo.board_link(community.id) is not None,
        ctx.platforms.board_page() is not None,
    )


@dataclass(frozen=True)
class LeadsPage:
    community: Community
    leads: tuple[PersonLine, ...]
    you: int | None  # the lead looking (a person id)


async def leads_page(ctx: LeadContext) -> LeadsPage:
    people = await people_page(ctx)
    leads = tuple(line for line in people.people if line.role is Role.LEAD)
    return LeadsPage(ctx.community, leads, ctx.caller.id if ctx.caller else None)


async def debrief_of(ctx: LeadContext) -> DebriefPack | None:
    """The latest closed round's debrief pack (to draw as a PDF), when it has one."""
    closed = await ctx.repo.closed_rounds(ctx.community.id)
    if not closed or not (await round_summary(ctx.repo, closed[-1])).enough:
        return None
    return await debrief_pack(ctx.repo, closed[-1])


@dataclass(frozen=True)
class ActionPage:
    community: Community
    action: AgreedAction
    category: str  # its title
    owner: str  # as a lead would write it again: a name, or platform:id


def action_page(number: int) -> Callable[[LeadContext], Awaitable[ActionPage | None]]:
    """The page that edits action `number` (None: the community has no such action)."""

    async def build(ctx: LeadContext) -> ActionPage | None:
        action = await ctx.repo.action_by_number(ctx.community.id, number)
        if action is None:
            return None
        category = ctx.rubric.category(action.category_id)
        owner = action.owner_name
        if action.owner_person_id is not None:
            person = await ctx.repo.person_by_id(action.owner_person_id)
            owner = person.key if person is not None else owner
        return ActionPage(
            ctx.community, action, category.title if category else action.category_id, owner
        )

    return build
