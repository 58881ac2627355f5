"""`/round action add|done|drop` and `/round actions`: what the partnership agreed to do.

Adding, finishing and dropping an action is said in the chat for everyone to see; the list is
for the lead who asked. An owner on a platform is told by direct message, and reminded three
days before the action is due.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from bot.actions import notices
from bot.actions.ledger import current, describe
from bot.commands.community import identify
from bot.commands.parser import (
    ActionArgs,
    UsageError,
    parse_action_add,
    parse_action_number,
)
from bot.messages import Outgoing
from bot.model import ActionStatus, AgreedAction, Person

if TYPE_CHECKING:
    from bot.commands.leads import Request


async def action(req: Request) -> list[Outgoing]:
    """`/round action add ...`, `/round action done N`, `/round action drop N`."""
    verb, _, rest = req.command.args.strip().partition(" ")
    if verb.lower() == "add":
        return await _add(req, rest)
    if verb.lower() in ("done", "drop"):
        status = ActionStatus.DONE if verb.lower() == "done" else ActionStatus.DROPPED
        return await _finish(req, parse_action_number(rest), status)
    raise UsageError("Say add, done or drop after /round action.", "action")


async def _add(req: Request, args: str) -> list[Outgoing]:
    zone = await req.community_timezone()
    today = req.now.astimezone(ZoneInfo(zone)).date()
    parsed = parse_action_add(args, req.rubric, today)
    owner, owner_name = await _owner(req, parsed)
    added = await req.repo.add_action(
        req.community.id,
        parsed.category.id,
        parsed.what,
        req.now,
        owner_person_id=owner.id if owner else None,
        owner_name=owner_name,
        due=parsed.due,
    )
    replies = [req.public(f"Action {added.number} agreed. {_line(req, added, zone)}")]
    if owner is not None:
        await notices.queue_reminder(req.repo, added, owner, zone, req.now)
        if owner.id != req.sender.id:  # whoever typed it knows already
            replies.append(notices.assigned(owner, added, req.community, req.rubric, req.sender))
    return replies


async def _owner(req: Request, parsed: ActionArgs) -> tuple[Person | None, str]:
    """A member of the community (named by their id, or by a name only one member has), or
    just a name. An id that names no member is refused: nobody new is stored for it."""
    mention = parsed.owner
    if mention is None:
        return None, ""
    named = await identify(req.repo, req.community, mention)
    person = await req.repo.person(*named) if named else None
    if person is not None and await req.repo.role(req.community.id, person.id) is not None:
        return person, ""
    if mention.name:
        return None, mention.name
    raise UsageError(
        f"I can't find {mention.platform}:{mention.user_id} in {req.community.name}. Name the "
        "owner as they are known here, or write their name.",
        "action",
    )


async def _finish(req: Request, number: int, status: ActionStatus) -> list[Outgoing]:
    found = await req.repo.action_by_number(req.community.id, number)
    if found is None:
        raise UsageError(
            f"{req.community.name} has no action {number}. /round actions lists them.", "action"
        )
    if found.status is not ActionStatus.OPEN:
        return [req.private(f"Action {number} is {found.status} already; nothing was changed.")]
    await req.repo.set_action_status(found.id, status, req.now)
    zone = await req.community_timezone()
    finished = await req.repo.action_by_id(found.id)
    assert finished is not None
    done = status is ActionStatus.DONE
    head = f"Action {number} is done. Well done!" if done else f"Action {number} is dropped."
    return [req.public(f"{head} {_line(req, finished, zone)}")]


async def actions(req: Request) -> list[Outgoing]:
    """The open actions and those done recently, for the lead who asked."""
    if req.command.args.strip():
        raise UsageError("/round actions takes nothing after it.", "actions")
    zone = await req.community_timezone()
    shown = current(await req.repo.actions(req.community.id), req.now)
    open_ = [a for a in shown if a.status is ActionStatus.OPEN]
    done = [a for a in shown if a.status is ActionStatus.DONE]
    if not open_ and not done:
        return [
            req.private(
                f"{req.community.name} has no open actions. Note one with "
                "/round action add <category> <what> [owner <person or name>] [due 2027-02-01]."
            )
        ]
    lines = [f"Actions of {req.community.name}:"]
    if open_:
        lines += ["Open:", *(_line(req, a, zone) for a in open_)]
    if done:
        lines += ["Done recently:", *(_line(req, a, zone) for a in done)]
    lines.append("Mark one with /round action done N (or drop N).")
    return [req.private("\n".join(lines))]


def _line(req: Request, action: AgreedAction, zone: str) -> str:
    today = req.now.astimezone(ZoneInfo(zone)).date()
    return describe(action, req.rubric, zone, today)
