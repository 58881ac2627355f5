"""What a participant is asked and told about their group (whom they speak for), once per
community: before their first card, when the round has perspectives on and they have not said
yet (or the group they said is no longer among the round's). The same messages serve every
front end: a chat's buttons, a typed label, the web answer page's buttons."""

from __future__ import annotations

from bot.conversation.choices import Action, ChoiceId
from bot.messages import Address, Choice, Outgoing
from bot.model import PREFER_NOT_TO_SAY, Round

WHY = (
    "Partners can see the system differently, so results are also shown by group, but only "
    "where enough people in a group, and outside it, answered that nobody can be singled out. "
    "Your group is never shown next to your name, and you can always prefer not to say."
)


def round_groups(round_: Round) -> tuple[str, ...]:
    """The groups the round opened with, "Prefer not to say" always among them."""
    groups = round_.groups or ()
    return groups if PREFER_NOT_TO_SAY in groups else (*groups, PREFER_NOT_TO_SAY)


def invitation_note(round_: Round) -> str:
    """The invitation's sentence about groups, when the round has them."""
    if round_.groups is None:
        return ""
    return (
        "\nBefore the first question you say once whom you speak for (council, health, "
        "voluntary sector, lived experience, …). Results by group appear only where nobody can "
        "be singled out, never next to your name."
    )


def ask(to: Address, round_: Round, current: str | None = None) -> Outgoing:
    """Which group do you speak for? One button per group of the round."""
    text = f"Before the first question: *whom do you speak for* in this assessment?\n{WHY}"
    if current is not None:
        text += f"\nYou said before: {current}."
    choices = tuple(
        Choice(ChoiceId(round_.id, Action.GROUP, option=number).encode(), name)
        for number, name in enumerate(round_groups(round_), start=1)
    )
    return Outgoing(to, text, choices, round_id=round_.id)


def kept(to: Address, round_: Round, group: str) -> Outgoing:
    """Told as they start, when their group is remembered: they may change it until their
    first answer."""
    text = (
        f"You speak for: {group} (as you said before; never shown next to your name). "
        "To change it, press “Change my group” before your first answer."
    )
    choice = Choice(ChoiceId(round_.id, Action.REGROUP).encode(), "Change my group")
    return Outgoing(to, text, (choice,), round_id=round_.id)


def chosen(group: str) -> str:
    return f"Thank you. You speak for: {group}. You can change it in a later round."
