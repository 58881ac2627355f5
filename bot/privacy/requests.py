"""A person's own requests in their DM: "my data" shows what is stored about them, "forget me"
(confirmed with "yes, forget me") erases it. Leads and admins use the CLI for the same."""

from __future__ import annotations

import enum

from bot.conversation.cards import level_label
from bot.messages import IncomingText, Outgoing
from bot.platform_text import counted
from bot.platforms import Platforms
from bot.ports import Clock, Repository, Storage
from bot.privacy.data_rights import FORGET_CONFIRMATION, PersonRecord, forget, person_record
from bot.transaction import in_transaction


class Request(enum.Enum):
    SHOW = "show what is stored"
    ASK_TO_FORGET = "explain forgetting and ask to confirm"
    FORGET = "forget, confirmed"


PHRASES = {
    "my data": Request.SHOW,
    "what do you know about me": Request.SHOW,
    "what do you store": Request.SHOW,
    "forget me": Request.ASK_TO_FORGET,
    "delete my data": Request.ASK_TO_FORGET,
    FORGET_CONFIRMATION: Request.FORGET,
}
ROOM_FOR_PLATFORM = 500  # kept free below a platform's message limit


def request_of(text: str) -> Request | None:
    """Which privacy request the text is, if any."""
    return PHRASES.get(" ".join(text.lower().split()).rstrip(".!?"))


class PrivacyDesk:
    """Answers privacy requests; each in one transaction."""

    def __init__(self, storage: Storage, clock: Clock, platforms: Platforms | None = None) -> None:
        self._storage, self._clock = storage, clock
        self._platforms = platforms or Platforms()

    async def handle(self, event: IncomingText, request: Request) -> list[Outgoing]:
        async def work(repo: Repository) -> list[Outgoing]:
            return [Outgoing(event.chat, await self._answer(repo, event, request))]

        return await in_transaction(self._storage, self._clock, work, event)

    async def _answer(self, repo: Repository, event: IncomingText, request: Request) -> str:
        person = await repo.person(event.sender.platform, event.sender.user_id)
        if request is Request.ASK_TO_FORGET:
            return (
                "This erases your name and id, your answers and your comments in every round. "
                "Summaries already posted stay as they were. To go ahead, reply: "
                f"{FORGET_CONFIRMATION}"
            )
        if person is None:
            return "I store nothing about you."
        if request is Request.FORGET:
            answers = await forget(repo, person)
            return (
                f"Done: I have forgotten you and your {counted(answers, 'answer')}, and I will "
                "not invite you again. If you change your mind, just write to me."
            )
        limit = self._platforms[event.chat.platform].limits.text_chars - ROOM_FOR_PLATFORM
        return readable(await person_record(repo, person), limit)


def readable(record: PersonRecord, limit: int) -> str:
    """The record in words, cut to the limit."""
    person = record.person
    lines = [
        "Everything I store about you:",
        f"You: {person.display_name or '(no name)'} ({person.platform} "
        f"{person.platform_user_id}), timezone {person.timezone}",
    ]
    if record.address:
        lines.append(f"Your email address: {record.address}")
    lines += [f"Community {name}: {role}" for name, role in record.communities]
    lines += [f"In {name} you said you speak for: {group}" for name, group in record.groups]
    for round_ in record.rounds:
        lines.append(
            f"Round {round_.number} “{round_.title}”: "
            f"{round_.stage or 'answers'}, {counted(len(round_.answers), 'answer')}"
        )
        for answer in round_.answers:
            comment = f" — “{answer.comment}”" if answer.comment else ""
            lines.append(f"  {answer.category}: {level_label(answer.level).lower()}{comment}")
        if round_.priorities:
            lines.append(f"  priorities: {', '.join(round_.priorities)}")
        if round_.group:
            lines.append(f"  you spoke for: {round_.group}")
    for action in record.actions:
        lines.append(f"Action {action.number} you own ({action.category_id}): {action.what}")
    lines.append("To erase it all, write: forget me")
    text = "\n".join(lines)
    return text if len(text) <= limit else text[:limit] + "\n… (ask a lead for the rest)"
