"""A participant's side of the bot: button presses and text in the DM, checked and stored.

Every event runs in one transaction: the delivery id is claimed, the choice is checked against
the database (round open, person takes part, card current), the engine decides, and the new
position and answer are stored together. A concurrent twin is retried against fresh state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.conversation import cards, engine
from bot.conversation.choices import parse_choice
from bot.messages import Address, IncomingChoice, IncomingJoin, IncomingText, Outgoing
from bot.model import (
    Answer,
    Community,
    ParticipantState,
    Participation,
    Person,
    PersonRef,
    Role,
    Round,
    Stage,
)
from bot.platforms import Platforms, PlatformTraits
from bot.ports import Clock, Repository, Storage
from bot.privacy.data_rights import address_opt_out_key, opt_out_key
from bot.transaction import in_transaction

NOT_YOURS = "That button is not one of yours, so nothing was changed."
BAD_LINK = "That link does not work any more. Ask a lead of your group for a new one."
NOTHING_OPEN = (
    "There is no assessment open for you right now. I will message you when the next round opens."
)


class Conversation:
    """Handles what participants do in their DM with the bot."""

    def __init__(self, storage: Storage, clock: Clock, platforms: Platforms) -> None:
        self._storage = storage
        self._clock = clock
        self._platforms = platforms

    async def choice(self, event: IncomingChoice) -> list[Outgoing]:
        """A pressed button (or a typed label the adapter matched)."""

        async def work(repo: Repository) -> list[Outgoing]:
            return await self._choice(repo, event)

        return await in_transaction(self._storage, self._clock, work, event)

    async def text(self, event: IncomingText) -> list[Outgoing]:
        """Text typed in the DM: a label, a comment, or anything to resume."""

        async def work(repo: Repository) -> list[Outgoing]:
            return await self._text(repo, event)

        return await in_transaction(self._storage, self._clock, work, event)

    async def enrol(self, event: IncomingJoin) -> list[Outgoing]:
        """A "Take part" link followed: join the community (and its open round)."""

        async def work(repo: Repository) -> list[Outgoing]:
            code = event.code
            community = await repo.community_by_join_code(code) if code else None
            if community is None:
                return [Outgoing(Address.dm(event.sender), BAD_LINK)]
            return await enrol(repo, event.sender, community, self._clock.now(), self._platforms)

        return await in_transaction(self._storage, self._clock, work, event)

    async def _choice(self, repo: Repository, event: IncomingChoice) -> list[Outgoing]:
        dm = Address.dm(event.sender)
        choice = parse_choice(event.choice_id)
        sender = event.sender
        state = (
            await repo.participant_state(choice.round_id, sender.platform, sender.user_id)
            if choice is not None
            else None
        )
        if choice is None or state is None:
            return [Outgoing(dm, NOT_YOURS)]
        now = self._clock.now()
        if not state.round.is_open(now):
            return [Outgoing(dm, _closed_note(state.round), replaces=event.message_id)]
        view = await _view(repo, state, dm, now, self._platforms)
        form = engine.FormAnswer(event.comment or "", event.picks) if event.whole_answer else None
        decision = engine.on_choice(view, choice, event.message_id, event.comment, form)
        return await _apply(repo, view, decision)

    async def _text(self, repo: Repository, event: IncomingText) -> list[Outgoing]:
        dm = Address.dm(event.sender)
        sender = event.sender
        person = await repo.person(sender.platform, sender.user_id)
        if person is None:
            return [Outgoing(dm, NOTHING_OPEN)]
        return await _typed(repo, event, person, self._clock.now(), self._platforms)


async def enrol(
    repo: Repository, who: PersonRef, community: Community, now: datetime, platforms: Platforms
) -> list[Outgoing]:
    """Make someone a member of the community (and of its round open now), in the caller's
    transaction: what they are told, the first card when a round is open."""
    dm = Address.dm(who)
    person = await repo.upsert_person(who)
    # They came back by themselves: a past "forget me" no longer keeps them out.
    secret = repo.deployment_secret()
    await repo.remove_opt_out(opt_out_key(secret, who.platform, who.user_id))
    address = await repo.address_of(person.id)
    if address is not None:  # nor a past unsubscribe from here, when a lead adds them again
        key = address_opt_out_key(secret, address)
        await repo.remove_opt_out(key)
        await repo.set_community_opt_out(community.id, key, False)
    if await repo.role(community.id, person.id) is None:
        await repo.set_role(community.id, person.id, Role.PARTICIPANT)
    welcome = Outgoing(dm, f"Welcome! You take part in {community.name}'s assessments.")
    round_ = await repo.unclosed_round(community.id)
    if round_ is None or not round_.is_open(now):
        return [welcome, Outgoing(dm, NOTHING_OPEN)]
    if await repo.participation(round_.id, person.id) is None:
        invited = Participation(round_.id, person.id, Stage.INVITED, invited_at=round_.opened_at)
        await repo.add_participation(invited)
    resume = IncomingText(who, dm, "continue")
    return [welcome, *await _typed(repo, resume, person, now, platforms)]


async def _typed(
    repo: Repository, event: IncomingText, person: Person, now: datetime, platforms: Platforms
) -> list[Outgoing]:
    """Text the person typed in their DM, against the round open for them."""
    dm = Address.dm(event.sender)
    sender = event.sender
    ended = None
    for active in await repo.active_participations(person.id):
        state = await repo.participant_state(active.round_id, sender.platform, sender.user_id)
        if state is not None and state.round.is_open(now):
            view = await _view(repo, state, dm, now, platforms)
            return await _apply(repo, view, engine.on_text(view, event.text))
        ended = ended or (state.round if state else None)
    if ended is not None:  # past its deadline, not yet closed by a lead
        return [Outgoing(dm, _closed_note(ended))]
    return [Outgoing(dm, NOTHING_OPEN)]


@dataclass(frozen=True)
class Standing:
    """Where someone stands in the latest round of a community they take part in."""

    round: Round
    prompt: Outgoing | None  # what the engine shows them now; None once the round has ended
    participation: Participation | None = None  # while the round is open
    answers: Mapping[str, Answer] = field(default_factory=dict)  # theirs, while it is open
    enrolled: str = ""  # who takes part, in words, while the first card is theirs to answer


async def standing(
    repo: Repository, person: Person, community_id: int, now: datetime, platforms: Platforms
) -> Standing | None:
    """Read-only: the person's latest round in the community and, while it is open, the same
    prompt the engine would send them (a page shows it instead of a message)."""
    who = PersonRef(person.platform, person.platform_user_id, person.display_name)
    for active in await repo.active_participations(person.id):  # the hot path: two queries
        state = await repo.participant_state(active.round_id, person.platform, who.user_id)
        if state is not None and state.round.community_id == community_id:
            if not state.round.is_open(now):
                return Standing(state.round, None)
            view = await _view(repo, state, Address.dm(who), now, platforms)
            prompt = engine.prompt(view)
            first_card = (
                view.participation.stage is Stage.ANSWERING and not view.participation.position
            )
            enrolled = view.enrolled if first_card else ""
            return Standing(state.round, prompt, view.participation, view.answers, enrolled)
    latest: Round | None = None
    for participation in await repo.participations_of(person.id):
        round_ = await repo.round_by_id(participation.round_id)
        if round_ is None or round_.community_id != community_id:
            continue
        if latest is None or round_.number > latest.number:
            latest = round_
    return None if latest is None else Standing(latest, None)


def _closed_note(round_: Round) -> str:
    return (
        f"This round closed on {cards.format_moment(round_.ended_at(), round_.timezone)}; "
        "nothing was changed. "
        "Thank you for taking part."
    )


async def _view(
    repo: Repository, state: ParticipantState, dm: Address, now: datetime, platforms: Platforms
) -> engine.View:
    name, enrolled = "", ""
    stage = state.participation.stage
    if stage is Stage.INVITED:  # only the invitation names the community
        community = await repo.community_by_id(state.round.community_id)
        name = community.name if community else "Your community"
    if stage in (Stage.INVITED, Stage.GROUP) or (
        stage is Stage.ANSWERING and state.participation.position == 0
    ):
        # The first card says who takes part (a lead cannot pad a round unseen): read only
        # where it may be shown, off the hot path of the other cards.
        enrolled = taking_part(await repo.enrolment(state.round.id), platforms)
    answers = {a.category_id: a for a in state.answers}
    group = None
    if state.round.groups is not None and state.participation.stage in (
        Stage.INVITED,
        Stage.GROUP,
    ):  # only starting asks whom they speak for
        group = await repo.group_of(state.round.community_id, state.person.id)
    return engine.View(
        state.round, state.participation, answers, dm, now, name, enrolled=enrolled, group=group
    )


def taking_part(enrolment: Mapping[str, int], platforms: Platforms) -> str:
    """Who takes part in a round, per platform, in words (largest group first)."""
    groups = sorted(enrolment.items(), key=lambda item: (-item[1], item[0]))
    return cards.taking_part([(_where(platforms[name]), n) for name, n in groups])


def _where(traits: PlatformTraits) -> str:
    return "by email" if traits.reached_by_email else f"on {traits.title}"


async def _apply(repo: Repository, view: engine.View, decision: engine.Decision) -> list[Outgoing]:
    participation = decision.participation
    if participation is None and view.participation.unreachable:
        participation = view.participation  # they wrote to us: reachable again
    # The position first: a concurrent twin fails here before it writes an answer.
    if participation is not None:
        await repo.save_participation(replace(participation, unreachable=False))
        if participation.group is not None and participation.group != view.participation.group:
            # remembered for later rounds; this round keeps what it was given
            await repo.set_group(
                view.round.community_id, participation.person_id, participation.group
            )
    if decision.answer is not None:
        await repo.save_answer(decision.answer)
    return list(decision.replies)
