"""`/round action add|edit|done|drop` and `/round actions`: what the partnership agreed to do.

Adding, changing, finishing and dropping an action is said in the chat for everyone to see; the
list is for the lead who asked. An owner on a platform is told by direct message, and reminded three
days before the action is due.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from zoneinfo import ZoneInfo

from bot.actions import notices
from bot.actions.ledger import current, describe
from bot.commands.community import identify
from bot.commands.context import LeadContext
from bot.commands.outcomes import Outcome, announced, said
from bot.commands.parser import UsageError, check_due, check_what, parse_category
from bot.commands.requests import AddAction, EditAction, FinishAction, ListActions, UserMention
from bot.model import ActionStatus, AgreedAction, Person


async def action(ctx: LeadContext, request: AddAction | EditAction | FinishAction) -> Outcome:
    """`/round action add ...`, `edit N ...`, `done N`, `drop N`."""
    if isinstance(request, AddAction):
        return await _add(ctx, request)
    if isinstance(request, EditAction):
        return await _edit(ctx, request)
    return await _finish(ctx, request.number, request.status)


async def _today(ctx: LeadContext) -> tuple[str, date]:
    zone = await ctx.community_timezone()
    return zone, ctx.now.astimezone(ZoneInfo(zone)).date()


async def _add(ctx: LeadContext, request: AddAction) -> Outcome:
    zone, today = await _today(ctx)
    category = ctx.rubric.category(request.category_id)
    if category is None:
        parse_category(request.category_id, ctx.rubric)  # says which categories there are
        raise AssertionError("unreachable")
    if request.due is not None:
        check_due(request.due, today)
    if not request.what.strip():
        raise UsageError(f"Say what was agreed for {category.title}.", "action")
    check_what(request.what)
    owner, owner_name = await _owner(ctx, request.owner)
    added = await ctx.repo.add_action(
        ctx.community.id,
        category.id,
        request.what,
        ctx.now,
        owner_person_id=owner.id if owner else None,
        owner_name=owner_name,
        due=request.due,
    )
    owed = []
    if owner is not None:
        await notices.queue_reminder(ctx.repo, added, owner, zone, ctx.now)
        if ctx.caller is None or owner.id != ctx.caller.id:  # whoever typed it knows already
            by = ctx.caller or owner
            owed.append(notices.assigned(owner, added, ctx.community, ctx.rubric, by))
    return announced(f"Action {added.number} agreed. {_line(ctx, added, zone)}", tuple(owed))


async def _edit(ctx: LeadContext, request: EditAction) -> Outcome:
    found = await _numbered(ctx, request.number)
    if found.status is not ActionStatus.OPEN:
        return said(f"Action {found.number} is {found.status}; it can no longer be changed.")
    zone, today = await _today(ctx)
    changed = found
    if request.what is not None:
        changed = replace(changed, what=check_what(request.what))
    if request.no_due:
        changed = replace(changed, due=None)
    elif request.due is not None:
        check_due(request.due, today)
        changed = replace(changed, due=request.due)
    owner: Person | None = None
    if request.no_owner:
        changed = replace(changed, owner_person_id=None, owner_name="")
    elif request.owner is not None:
        owner, owner_name = await _owner(ctx, request.owner)
        changed = replace(
            changed, owner_person_id=owner.id if owner else None, owner_name=owner_name
        )
    await ctx.repo.update_action(changed)
    saved = await ctx.repo.action_by_id(found.id)
    assert saved is not None
    owed = []
    new_owner = owner is not None and owner.id != found.owner_person_id
    if saved.owner_person_id is not None and (new_owner or saved.due != found.due):
        who = owner or await ctx.repo.person_by_id(saved.owner_person_id)
        if who is not None:
            await notices.queue_reminder(ctx.repo, saved, who, zone, ctx.now)
            if new_owner and (ctx.caller is None or who.id != ctx.caller.id):
                by = ctx.caller or who
                owed.append(notices.assigned(who, saved, ctx.community, ctx.rubric, by))
    return announced(f"Action {saved.number} changed. {_line(ctx, saved, zone)}", tuple(owed))


async def _numbered(ctx: LeadContext, number: int) -> AgreedAction:
    found = await ctx.repo.action_by_number(ctx.community.id, number)
    if found is None:
        raise UsageError(
            f"{ctx.community.name} has no action {number}. /round actions lists them.", "action"
        )
    return found


async def _owner(ctx: LeadContext, mention: UserMention | None) -> tuple[Person | None, str]:
    """A member of the community (named by their id, or by a name only one member has), or
    just a name. An id that names no member is refused: nobody new is stored for it."""
    if mention is None:
        return None, ""
    named = await identify(ctx.repo, ctx.community, mention)
    person = await ctx.repo.person(*named) if named else None
    if person is not None and await ctx.repo.role(ctx.community.id, person.id) is not None:
        return person, ""
    if mention.name:
        return None, mention.name
    raise UsageError(
        f"I can't find {mention.platform}:{mention.user_id} in {ctx.community.name}. Name the "
        "owner as they are known here, or write their name.",
        "action",
    )


async def _finish(ctx: LeadContext, number: int, status: ActionStatus) -> Outcome:
    found = await _numbered(ctx, number)
    if found.status is not ActionStatus.OPEN:
        return said(f"Action {number} is {found.status} already; nothing was changed.")
    await ctx.repo.set_action_status(found.id, status, ctx.now)
    zone = await ctx.community_timezone()
    finished = await ctx.repo.action_by_id(found.id)
    assert finished is not None
    done = status is ActionStatus.DONE
    head = f"Action {number} is done. Well done!" if done else f"Action {number} is dropped."
    return announced(f"{head} {_line(ctx, finished, zone)}")


async def actions(ctx: LeadContext, _request: ListActions) -> Outcome:
    """The open actions and those done recently, for the lead who asked."""
    zone = await ctx.community_timezone()
    shown = current(await ctx.repo.actions(ctx.community.id), ctx.now)
    open_ = [a for a in shown if a.status is ActionStatus.OPEN]
    done = [a for a in shown if a.status is ActionStatus.DONE]
    if not open_ and not done:
        return said(
            f"{ctx.community.name} has no open actions. Note one with "
            "/round action add <category> <what> [owner <person or name>] [due 2027-02-01]."
        )
    lines = [f"Actions of {ctx.community.name}:"]
    if open_:
        lines += ["Open:", *(_line(ctx, a, zone) for a in open_)]
    if done:
        lines += ["Done recently:", *(_line(ctx, a, zone) for a in done)]
    lines.append("Mark one with /round action done N (or drop N).")
    return said("\n".join(lines))


def _line(ctx: LeadContext, action: AgreedAction, zone: str) -> str:
    today = ctx.now.astimezone(ZoneInfo(zone)).date()
    return describe(action, ctx.rubric, zone, today)
