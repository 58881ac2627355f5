"""The round commands a lead runs: open, status, remind, close, summary, debrief."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot.commands.parser import UsageError, parse_open
from bot.conversation import cards
from bot.conversation.choices import MAX_ID_DIGITS
from bot.digits import whole_number
from bot.messages import Outgoing
from bot.model import Round
from bot.outbox.queue import queue_debriefs, queue_summary
from bot.roster import odd_note
from bot.rounds import lifecycle as rounds
from bot.summary.numbers import round_summary
from bot.summary.report import not_enough_text

if TYPE_CHECKING:
    from bot.commands.leads import Request

MANUAL_REMINDER_GAP = timedelta(days=1)


async def open(req: Request) -> list[Outgoing]:
    """Open a round now; its announcement and invitations are sent from the outbox."""
    now = req.now
    zone = await req.community_timezone()
    args = parse_open(req.command.args, now, zone)
    title = args.title or f"{now:%B %Y} self-assessment"
    await rounds.open_round(
        req.repo, req.community, title, args.closes_at, req.rubric, req.members, now, zone
    )
    return _odd_records(req)


def _odd_records(req: Request) -> list[Outgoing]:
    """The lead's note on odd records in the member lists, if there were any."""
    note = odd_note(rounds.odd_records(req.members), req.platforms)
    return [req.private(note)] if note else []


async def status(req: Request) -> list[Outgoing]:
    round_ = await req.repo.latest_round(req.community.id)
    if round_ is None:
        return [req.private("No rounds yet. Open one with /round open.")]
    return [req.private(await rounds.status_text(req.repo, round_, req.now))]


async def remind(req: Request) -> list[Outgoing]:
    round_ = await rounds.finish_overdue(req.repo, req.community, req.now)
    if round_ is None:
        return [req.private("There is no open round to remind people about.")]
    newcomers = await rounds.invite_newcomers(req.repo, req.community, round_, req.members, req.now)
    joined = (
        f" Invited {len(newcomers)} newcomer(s) who joined since the round opened."
        if newcomers
        else ""
    )
    last = round_.manual_reminded_at
    if last is not None and req.now - last < MANUAL_REMINDER_GAP:
        # Once a day at most: more would be nagging.
        text = (
            f"Reminders for this round went out at {cards.format_moment(last, round_.timezone)}; "
            "the next can "
            f"go after {cards.format_moment(last + MANUAL_REMINDER_GAP, round_.timezone)}.{joined}"
        )
        return [req.private(text), *_odd_records(req)]
    skip = {rounds.dm_to(person) for person in newcomers}  # they have just been invited
    nudges = await rounds.reminders(req.repo, round_, skip=skip)
    await req.repo.set_manual_reminded(round_.id, req.now)
    sent = req.private(f"Sent {len(nudges)} reminder(s).{joined}")
    return [sent, *_odd_records(req), *nudges]


async def close(req: Request) -> list[Outgoing]:
    round_ = await req.repo.unclosed_round(req.community.id)
    if round_ is None:
        return [req.private("There is no open round to close.")]
    await rounds.close_round(req.repo, req.community, round_, req.now)
    return []  # the summary goes to every linked chat, from the outbox


async def _round_asked_for(req: Request) -> Round | str:
    """The round `[N]` names (the latest without one), or why there is none to show: none
    yet, or an anonymous round still open (summaries taken as answers trickle in would show,
    by difference, what each newcomer answered)."""
    sub = req.command.sub
    wanted = req.command.args.strip().lstrip("#")
    number = whole_number(wanted, MAX_ID_DIGITS)
    if wanted and number is None:
        raise UsageError(f"“{wanted}” is not a round number.", sub)
    repo, community_id = req.repo, req.community.id
    round_ = await (
        repo.round_by_number(community_id, number)
        if number is not None
        else repo.latest_round(community_id)
    )
    if round_ is None:
        return f"There is no round {wanted}." if wanted else "No rounds yet."
    if round_.anonymous and round_.is_open(req.now):
        status = await rounds.status_text(repo, round_, req.now)
        return f"{status}\nThe {sub} comes when the round closes."
    return round_


async def summary(req: Request) -> list[Outgoing]:
    round_ = await _round_asked_for(req)
    if isinstance(round_, str):
        return [req.private(round_)]
    # Posted where it was asked for, drawn when sent; asked again, posted again.
    chat = req.event.chat.chat
    await queue_summary(req.repo, req.community.id, round_.id, [chat], req.now, once=False)
    return []


async def debrief(req: Request) -> list[Outgoing]:
    """The round's debrief pack, made when sent, privately to the lead who asked."""
    round_ = await _round_asked_for(req)
    if isinstance(round_, str):
        return [req.private(round_)]
    numbers = await round_summary(req.repo, round_)
    if not numbers.enough:
        return [req.private(f"{not_enough_text(numbers)} There is no debrief pack to make.")]
    await queue_debriefs(
        req.repo, req.community.id, round_.id, [req.sender.id], req.now, once=False
    )
    return [
        req.private(
            f"I am sending you the debrief pack of round {round_.number} (a PDF) in a "
            "private message."
        )
    ]
