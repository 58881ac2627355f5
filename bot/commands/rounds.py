"""The round use cases a lead runs: open, status, remind, close, reopen, summary, debrief."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.commands.context import LeadContext
from bot.commands.outcomes import CloseWarning, Outcome, announced, said
from bot.commands.parser import DEFAULT_DURATION, UsageError, closing_time, days_from_now
from bot.commands.requests import (
    CloseRound,
    OpenRound,
    Remind,
    ReopenRound,
    SendDebrief,
    ShowStatus,
    ShowSummary,
)
from bot.conversation import cards
from bot.model import Round
from bot.outbox.queue import queue_debriefs, queue_summary
from bot.platform_text import ROUND_TITLE_CHARS, counted, one_line
from bot.ports import Repository
from bot.roster import odd_note
from bot.rounds import lifecycle as rounds
from bot.summary.numbers import round_summary
from bot.summary.report import not_enough_text

MANUAL_REMINDER_GAP = timedelta(days=1)
REOPEN_WITHIN = timedelta(days=7)  # after closing: later, open a new round instead
REOPENED_FOR = timedelta(days=7)  # a round reopened after its deadline, unless told


async def open(ctx: LeadContext, request: OpenRound) -> Outcome:
    """Open a round now; its announcement and invitations are sent from the outbox."""
    now = ctx.now
    zone = await ctx.community_timezone()
    closes_at = closing_time(request.days, request.until, now, zone, "open")
    title = one_line(request.title or "") or f"{now:%B %Y} self-assessment"
    if len(title) > ROUND_TITLE_CHARS:
        raise UsageError(f"Please keep the title under {ROUND_TITLE_CHARS} characters.", "open")
    await rounds.open_round(
        ctx.repo,
        ctx.community,
        title,
        closes_at or days_from_now(DEFAULT_DURATION.days, now, zone),
        ctx.rubric,
        ctx.members,
        now,
        zone,
    )
    return said(_odd_records(ctx))


def _odd_records(ctx: LeadContext) -> str:
    """The lead's note on odd records in the member lists, if there were any."""
    return odd_note(rounds.odd_records(ctx.members), ctx.platforms) or ""


async def status(ctx: LeadContext, _request: ShowStatus) -> Outcome:
    round_ = await ctx.repo.latest_round(ctx.community.id)
    if round_ is None:
        return said("No rounds yet. Open one with /round open.")
    return said(await rounds.status_text(ctx.repo, round_, ctx.now))


async def remind(ctx: LeadContext, _request: Remind) -> Outcome:
    round_ = await rounds.finish_overdue(ctx.repo, ctx.community, ctx.now)
    if round_ is None:
        return said("There is no open round to remind people about.")
    newcomers = await rounds.invite_newcomers(ctx.repo, ctx.community, round_, ctx.members, ctx.now)
    joined = (
        f" Invited {counted(len(newcomers), 'newcomer')} who joined since the round opened."
        if newcomers
        else ""
    )
    last = round_.manual_reminded_at
    if last is not None and ctx.now - last < MANUAL_REMINDER_GAP:
        # Once a day at most: more would be nagging.
        text = (
            f"Reminders for this round went out at {cards.format_moment(last, round_.timezone)}; "
            "the next can "
            f"go after {cards.format_moment(last + MANUAL_REMINDER_GAP, round_.timezone)}.{joined}"
        )
        return said(text, _odd_records(ctx))
    skip = {rounds.dm_to(person) for person in newcomers}  # they have just been invited
    nudges = await rounds.reminders(ctx.repo, round_, skip=skip)
    await ctx.repo.set_manual_reminded(round_.id, ctx.now)
    sent = f"Sent {counted(len(nudges), 'reminder')}.{joined}"
    return said(sent, _odd_records(ctx), owed=tuple(nudges))


async def close(ctx: LeadContext, request: CloseRound) -> Outcome:
    round_ = await ctx.repo.unclosed_round(ctx.community.id)
    if round_ is None:
        return said("There is no open round to close.")
    finished = sum(
        1 for p in await ctx.repo.participations(round_.id) if p.completed_at is not None
    )
    if finished < round_.min_responses and not request.anyway:
        # Closing would waste the round: say so, and change nothing.
        ends = cards.format_moment(round_.closes_at, round_.timezone)
        text = (
            f"Closing now gives no summary: {finished} of the {round_.min_responses} needed "
            f"have finished. To close it all the same, /round close anyway (it can be reopened "
            f"for {REOPEN_WITHIN.days} days with /round reopen). Or keep it open: it closes by "
            f"itself on {ends}."
        )
        return CloseWarning(said=(text,), finished=finished, needed=round_.min_responses)
    await rounds.close_round(ctx.repo, ctx.community, round_, ctx.now)
    return Outcome()  # the summary goes to every linked chat, from the outbox


async def reopen(ctx: LeadContext, request: ReopenRound) -> Outcome:
    """Open the latest round again: it was closed without a summary (too few had finished),
    within the last REOPEN_WITHIN. A summary that has gone out cannot be taken back."""
    round_ = await ctx.repo.latest_round(ctx.community.id)
    if round_ is None:
        return said("No rounds yet. Open one with /round open.")
    if round_.closed_at is None:
        ends = cards.format_moment(round_.closes_at, round_.timezone)
        return said(f"Round {round_.number} “{round_.title}” is open until {ends} already.")
    why_not = await _not_reopenable(ctx, round_)
    if why_not:
        return said(f"{why_not} Open a new round with /round open.")
    closes_at = closing_time(request.days, request.until, ctx.now, round_.timezone, "reopen")
    if closes_at is None:
        again = days_from_now(REOPENED_FOR.days, ctx.now, round_.timezone)
        closes_at = max(round_.closes_at, again)
    await ctx.repo.reopen_round(round_.id, closes_at)
    ends = cards.format_moment(closes_at, round_.timezone)
    return announced(
        f"Round {round_.number} “{round_.title}” is open again until {ends}. Everyone who "
        "has not finished can carry on where they stopped."
    )


async def _not_reopenable(ctx: LeadContext, round_: Round) -> str:
    """Why a closed round cannot be reopened ("" when it can)."""
    return await why_not_reopen(ctx.repo, round_, ctx.now)


async def why_not_reopen(repo: Repository, round_: Round, now: datetime) -> str:
    """Why the community's latest round, closed, cannot be reopened now ("" when it can): a
    round closed by mistake can be, within REOPEN_WITHIN, unless its summary has gone out
    (it had enough completed answers for one: a summary cannot be taken back)."""
    assert round_.closed_at is not None
    closed = cards.format_moment(round_.closed_at, round_.timezone)
    if now - round_.closed_at > REOPEN_WITHIN:
        return (
            f"Round {round_.number} closed on {closed}, more than {REOPEN_WITHIN.days} days "
            "ago, so it stays closed."
        )
    if (await round_summary(repo, round_)).enough:
        return (
            f"Round {round_.number} closed on {closed} with its summary, which has gone out, "
            "so it stays closed."
        )
    return ""


async def _round_asked_for(ctx: LeadContext, number: int | None, sub: str) -> Round | str:
    """The round numbered so (the latest without a number), or why there is none to show:
    none yet, or an anonymous round still open (summaries taken as answers trickle in would
    show, by difference, what each newcomer answered)."""
    repo, community_id = ctx.repo, ctx.community.id
    round_ = await (
        repo.round_by_number(community_id, number)
        if number is not None
        else repo.latest_round(community_id)
    )
    if round_ is None:
        return f"There is no round {number}." if number is not None else "No rounds yet."
    if round_.anonymous and round_.is_open(ctx.now):
        status = await rounds.status_text(repo, round_, ctx.now)
        return f"{status}\nThe {sub} comes when the round closes."
    return round_


async def summary(ctx: LeadContext, request: ShowSummary) -> Outcome:
    round_ = await _round_asked_for(ctx, request.number, "summary")
    if isinstance(round_, str):
        return said(round_)
    if ctx.chat is None:  # a page shows the summary itself
        return Outcome()
    # Posted where it was asked for, drawn when sent; asked again, posted again.
    await queue_summary(ctx.repo, ctx.community.id, round_.id, [ctx.chat], ctx.now, once=False)
    return Outcome()


async def debrief(ctx: LeadContext, request: SendDebrief) -> Outcome:
    """The round's debrief pack, made when sent, privately to the lead who asked."""
    if ctx.caller is None:
        raise UsageError(
            "The debrief pack goes to a lead: `maturity-bot report --pdf` writes it.", "debrief"
        )
    round_ = await _round_asked_for(ctx, request.number, "debrief")
    if isinstance(round_, str):
        return said(round_)
    numbers = await round_summary(ctx.repo, round_)
    if not numbers.enough:
        return said(f"{not_enough_text(numbers)} There is no debrief pack to make.")
    await queue_debriefs(
        ctx.repo, ctx.community.id, round_.id, [ctx.caller.id], ctx.now, once=False
    )
    how = "by email" if ctx.words.reached_by_email else "in a private message"
    return said(f"I am sending you the debrief pack of round {round_.number} (a PDF) {how}.")
