"""Community administration by leads: leads, settings, link, schedule."""

from __future__ import annotations

from bot import linking
from bot import settings as community_settings
from bot.commands import UsageError, parse_mention
from bot.lead_request import Request
from bot.messages import Outgoing
from bot.model import Person, PersonRef, Role


async def leads(req: Request) -> list[Outgoing]:
    verb, _, who = req.command.args.partition(" ")
    mention = parse_mention(who)
    if verb not in ("add", "remove") or mention is None:
        raise UsageError("Say whom to add or remove.", "leads")
    person = await find(req, mention.platform, mention.user_id, mention.name)
    if person is None:
        raise UsageError(f"I can't find {who.strip()} in {req.community.name}.", "leads")
    role = await req.repo.role(req.community.id, person.id)
    if verb == "add":
        await req.repo.set_role(req.community.id, person.id, Role.LEAD)
        return [req.public(f"{person.name} is now a lead of {req.community.name}.")]
    leads = [p for p, r in await req.repo.members(req.community.id) if r is Role.LEAD]
    if role is not Role.LEAD:
        return [req.private(f"{person.name} is not a lead.")]
    if len(leads) == 1:
        return [req.private("A community needs at least one lead; add another first.")]
    await req.repo.set_role(req.community.id, person.id, Role.PARTICIPANT)
    return [req.public(f"{person.name} is no longer a lead of {req.community.name}.")]


async def find(
    req: Request, platform: str | None, user_id: str | None, name: str | None
) -> Person | None:
    if platform and user_id:
        known = await req.repo.person(platform, user_id)
        return known or await req.repo.upsert_person(PersonRef(platform, user_id))
    matches = [
        p
        for p, _ in await req.repo.members(req.community.id)
        if name and name.lower() in (p.display_name.lower(), p.platform_user_id.lower())
    ]
    return matches[0] if len(matches) == 1 else None


async def settings(req: Request) -> list[Outgoing]:
    if not req.command.args.strip():
        return [req.private(community_settings.describe(req.community))]
    changed, sentence = community_settings.change(req.community, req.command.args)
    await req.repo.update_community(changed)
    return [req.public(sentence)]


async def link(req: Request) -> list[Outgoing]:
    if req.command.args.strip():
        text = f"This chat is already part of {req.community.name}."
        return [req.private(text)]
    code = await linking.create_code(req.repo, req.community, req.now)
    return [req.private(linking.instructions(req.community, code))]
