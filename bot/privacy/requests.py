"""A person's own requests in their DM: "my data" shows what is stored about them, "forget me"
(confirmed with "yes, forget me") erases it. Leads and admins use the CLI for the same."""

from __future__ import annotations

from bot.conversation.participants import delivery_of, in_transaction
from bot.messages import IncomingText, Outgoing
from bot.ports import Clock, Repository, Storage
from bot.privacy.data_rights import FORGET_CONFIRMATION, forget, person_record

MY_DATA = ("my data", "what do you know about me", "what do you store")
FORGET_ME = ("forget me", "delete my data")
TEXT_LIMIT = 3500  # leaves room on every platform


def request_of(text: str) -> str | None:
    """Which privacy request the text is, if any."""
    typed = " ".join(text.lower().split()).rstrip(".!?")
    if typed in MY_DATA:
        return "show"
    if typed in FORGET_ME:
        return "ask"
    if typed == FORGET_CONFIRMATION:
        return "forget"
    return None


class PrivacyDesk:
    """Answers privacy requests; each in one transaction."""

    def __init__(self, storage: Storage, clock: Clock) -> None:
        self._storage, self._clock = storage, clock

    async def handle(self, event: IncomingText, request: str) -> list[Outgoing]:
        async def work(repo: Repository) -> list[Outgoing]:
            return [Outgoing(event.chat, await self._answer(repo, event, request))]

        return await in_transaction(self._storage, self._clock, work, delivery_of(event))

    async def _answer(self, repo: Repository, event: IncomingText, request: str) -> str:
        person = await repo.person(event.sender.platform, event.sender.user_id)
        if request == "ask":
            return (
                "This erases your name and id, your answers and your comments in every round. "
                "Summaries already posted stay as they were. To go ahead, reply: "
                f"{FORGET_CONFIRMATION}"
            )
        if person is None:
            return "I store nothing about you."
        if request == "forget":
            answers = await forget(repo, person)
            return (
                f"Done: I have forgotten you and your {answers} answer(s), and I will not invite "
                "you again. If you change your mind, just write to me."
            )
        return _readable(await person_record(repo, person))


def _readable(record: dict[str, object]) -> str:
    person = record["person"]
    assert isinstance(person, dict)
    lines = [
        "Everything I store about you:",
        f"You: {person['display_name'] or '(no name)'} ({person['platform']} "
        f"{person['user_id']}), timezone {person['timezone']}",
    ]
    for membership in record["communities"]:  # type: ignore[attr-defined]
        lines.append(f"Community {membership['community']}: {membership['role']}")
    for round_ in record["rounds"]:  # type: ignore[attr-defined]
        answers = round_["answers"]
        lines.append(
            f"Round {round_.get('round')} “{round_.get('title')}”: "
            f"{round_.get('stage', 'answers')}, {len(answers)} answer(s)"
        )
        for answer in answers:
            level = "not sure" if answer["not_sure"] else answer["level"]
            comment = f" — “{answer['comment']}”" if answer["comment"] else ""
            lines.append(f"  {answer['category']}: {level}{comment}")
    lines.append("To erase it all, write: forget me")
    text = "\n".join(lines)
    return text if len(text) <= TEXT_LIMIT else text[:TEXT_LIMIT] + "\n… (ask a lead for the rest)"
