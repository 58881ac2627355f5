"""The texts a participant sees: invitation, category cards, confirmations, review, thanks.

Pure functions from core dataclasses to Outgoing messages, so every platform shows the same
words and a dialogue can be tested as a transcript.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from bot import dates
from bot.conversation import group_card
from bot.conversation.choices import Action, ChoiceId
from bot.messages import Address, Choice, Outgoing, Purpose
from bot.model import LEVELS, Answer, Category, Round

SHORT_DESCRIPTOR = 70
REPLY_HINT = 60  # Telegram shows at most 64 characters in a reply box's placeholder
COMMENT_LABEL = "Comment"
REMOVE_COMMENT_LABEL = "Remove comment"
MAX_PRIORITIES = 2
PRIORITIES_QUESTION = (
    "Which areas should the partnership work on first? Pick up to two, then press Done."
)


def format_day(moment: datetime, timezone: str = "UTC") -> str:
    """'Saturday 12 December 2026', the day it is in that timezone."""
    return dates.day_words(dates.local_day(moment, timezone))


def format_moment(moment: datetime, timezone: str = "UTC") -> str:
    """'Saturday 12 December 2026 at 6:47pm', in the round's timezone."""
    return dates.moment_words(moment, timezone)


def shorten(text: str, limit: int = SHORT_DESCRIPTOR) -> str:
    """Cut text at a word boundary and add an ellipsis when it is too long."""
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",.;:")
    return cut + "…"


def level_label(level: int | None) -> str:
    return "Not sure" if level is None else str(level)


def _choice(
    round_: Round, action: Action, label: str, category: str | None = None, level: int | None = None
) -> Choice:
    return Choice(ChoiceId(round_.id, action, category, level).encode(), label)


def invitation(
    to: Address,
    round_: Round,
    community_name: str,
    reminder: bool = False,
    purpose: Purpose = Purpose.REPLY,
) -> Outgoing:
    """The invitation; purpose says whether it is owed (sent when a round opens or as a
    reminder) or shown again in the conversation."""
    count = len(round_.rubric.categories)
    privacy = (
        "Your answers are anonymous: the leads see only totals for the whole group, never who "
        "said what."
        if round_.anonymous
        else "This community is not anonymous: the leads can see who has finished, and the "
        "export names who gave which answer."
    )
    opening = "A reminder:" if reminder else "Hello!"
    text = (
        f"{opening} {community_name} is running its {round_.rubric.name} self-assessment: "
        f"*{round_.title}*.\n"
        f"It closes on {format_moment(round_.closes_at, round_.timezone)}. "
        f"{count} questions, about "
        f"{max(1, round(count * 10 / 9))} minutes. You can stop at any time and carry on later "
        f"where you left off.\n{privacy}{group_card.invitation_note(round_)}"
    )
    choices: tuple[Choice, ...] = (
        _choice(round_, Action.START, "Start"),
        replace(_choice(round_, Action.LATER, "Later"), chat_only=True),
    )
    if reminder:
        choices += (
            _choice(round_, Action.SNOOZE, "Remind me tomorrow"),
            _choice(round_, Action.MUTE, "Stop reminders"),
        )
    return Outgoing(to, text, choices, purpose=purpose, round_id=round_.id)


def taking_part(groups: Sequence[tuple[str, int]]) -> str:
    """Who else is in the round, so nobody can be added unseen: "12 people are taking part:
    5 on Slack, 7 by email." groups: (where, people) such as ("on Slack", 5)."""
    groups = [(where, n) for where, n in groups if n > 0]
    total = sum(n for _, n in groups)
    if not total:
        return ""
    head = "1 person is taking part" if total == 1 else f"{total} people are taking part"
    if len(groups) == 1:
        return f"{head}, all {groups[0][0]}." if total > 1 else f"{head}, {groups[0][0]}."
    return f"{head}: " + ", ".join(f"{n} {where}" for where, n in groups) + "."


def card(
    to: Address,
    round_: Round,
    index: int,
    current: Answer | None,
    back_to_review: bool = False,
    comment: str | None = None,
    enrolled: str = "",
) -> Outgoing:
    """The card for one category: progress, title, question, the five descriptors, and the
    person's answer and comment on it so far (the comment may be held before the answer).
    enrolled: who takes part (taking_part()), shown on the first card."""
    rubric = round_.rubric
    category = rubric.categories[index]
    lines = [
        f"{index + 1}/{len(rubric.categories)} · {category.title}",
        f"{rubric.question} (1 = {rubric.low_label}, 5 = {rubric.high_label})",
        "",
    ]
    levels = [
        replace(_choice(round_, Action.LEVEL, str(lv), category.id, lv), detail=category.levels[lv])
        for lv in LEVELS
    ]
    lines += [choice.detail_line for choice in levels]
    if current is not None:
        lines += ["", f"Your answer so far: {level_label(current.level)}"]
    if comment:
        # Not quoted: a message's text can reach a platform library's debug log.
        lines += ["", "You have a comment on this question: Comment replaces it."]
    lines += ["", f"Pick a level. To comment on {category.title}, press Comment or type it here."]
    if enrolled:
        lines += ["", enrolled]
    choices = list(levels)
    choices.append(_choice(round_, Action.NOT_SURE, "Not sure", category.id))
    if index > 0 or back_to_review:
        choices.append(_choice(round_, Action.BACK, "Back", category.id))
    note = _choice(round_, Action.COMMENT, COMMENT_LABEL, category.id)
    choices.append(replace(note, takes_text=True, current_text=comment or ""))
    if comment:
        choices.append(_choice(round_, Action.UNCOMMENT, REMOVE_COMMENT_LABEL, category.id))
    return Outgoing(to, "\n".join(lines), tuple(choices))


def comment_asked(to: Address, category: Category, comment: str | None) -> Outgoing:
    """The question a Comment press asks: the person's next message is their comment."""
    lines = [f"Your comment on *{category.title}*: write it in your next message."]
    if comment:
        lines += [
            "It replaces the comment you have on it now.",
            "Type “remove” to remove it, or “cancel” to keep it as it is.",
        ]
    else:
        lines.append("Type “cancel” if you would rather not.")
    hint = shorten(f"Comment on {category.title}", REPLY_HINT)
    return Outgoing(to, "\n".join(lines), reply_hint=hint)


def confirmation(category: Category, level: int | None) -> str:
    if level is None:
        return f"✓ {category.title}: Not sure"
    return f"✓ {category.title}: {level} — {shorten(category.levels[level])}"


def answer_lines(round_: Round, answers: Mapping[str, Answer]) -> list[str]:
    lines = []
    for category in round_.rubric.categories:
        answer = answers.get(category.id)
        value = "—" if answer is None else level_label(answer.level)
        note = " (with a comment)" if answer is not None and answer.comment else ""
        lines.append(f"{category.number}. {category.title}: {value}{note}")
    return lines


def review(
    to: Address,
    round_: Round,
    answers: Mapping[str, Answer],
    submitted: bool,
    priorities: Sequence[str] | None = None,
) -> Outgoing:
    """All chosen levels; Submit (until submitted) and Change an answer; once submitted,
    Change priorities (when the round asks for them) and the priorities picked (unless None:
    not to be mentioned)."""
    choices: tuple[Choice, ...]
    if submitted:
        head = f"Your submitted answers for {round_.title}:"
        foot = (
            f"You can still change them until {format_moment(round_.closes_at, round_.timezone)}."
        )
        choices = (_choice(round_, Action.CHANGE, "Change an answer"),)
        if round_.priorities:
            if priorities is not None:
                foot = f"Your priorities: {titles(round_, priorities) or 'none'}.\n{foot}"
            choices += (_choice(round_, Action.PRIORITIES, "Change priorities"),)
    else:
        head = f"Nearly done. Your answers for {round_.title}:"
        foot = "Submit them, or change one first."
        choices = (
            _choice(round_, Action.SUBMIT, "Submit"),
            _choice(round_, Action.CHANGE, "Change an answer"),
        )
    text = "\n".join([head, *answer_lines(round_, answers), "", foot])
    return Outgoing(to, text, choices)


def picker(to: Address, round_: Round) -> Outgoing:
    """Which answer to change: one choice per category."""
    choices = [
        _choice(round_, Action.REDO, f"{c.number} {c.title}", c.id)
        for c in round_.rubric.categories
    ]
    choices.append(_choice(round_, Action.RESUME, "Cancel"))
    return Outgoing(to, "Which answer would you like to change?", tuple(choices))


def titles(round_: Round, category_ids: Sequence[str]) -> str:
    """'Finance and Vision': the categories' titles, in the order given."""
    names = [c.title for cid in category_ids if (c := round_.rubric.category(cid)) is not None]
    return " and ".join(names) if len(names) <= 2 else ", ".join(names)


def priorities(to: Address, round_: Round, picked: Sequence[str]) -> Outgoing:
    """The optional last step: up to two categories to work on first, Done and Skip."""
    so_far = _so_far(round_, picked)
    text = "\n".join(
        [
            f"Thank you! Your answers for {round_.title} are in.",
            "",
            f"One last step, if you like. {PRIORITIES_QUESTION}",
            so_far,
        ]
    )
    categories = round_.rubric.categories
    choices = [_choice(round_, Action.PICK, f"{c.number} {c.title}", c.id) for c in categories]
    choices += [_choice(round_, Action.DONE, "Done"), _choice(round_, Action.SKIP, "Skip")]
    return Outgoing(to, text, tuple(choices))


def _so_far(round_: Round, picked: Sequence[str]) -> str:
    if not picked:
        return "Your picks so far: none."
    if len(picked) < MAX_PRIORITIES:
        return f"Your picks so far: {titles(round_, picked)}. Pick one more, or press Done."
    return (
        f"Your picks: {titles(round_, picked)}. Press Done, or press one of them again "
        "to take it back."
    )


def priorities_status(to: Address, round_: Round, picked: Sequence[str]) -> Outgoing:
    """Where a typed pick leaves the priorities step, in a line: the card is not sent again."""
    return Outgoing(to, _so_far(round_, picked).replace("press", "type").replace("Press", "Type"))


def priorities_full(to: Address, round_: Round, picked: Sequence[str]) -> Outgoing:
    return Outgoing(
        to,
        f"You have picked two already: {titles(round_, picked)}. Press one of them to take it "
        "back first, or press Done.",
    )


def priorities_done(to: Address, round_: Round, picked: Sequence[str]) -> Outgoing:
    """The end of the priorities step (Done, or Skip when nothing is picked)."""
    until = format_moment(round_.closes_at, round_.timezone)
    if picked:
        head = f"Thank you! Your priorities: {titles(round_, picked)}."
    else:
        head = "Thank you! No priorities from you this round, and that is fine."
    return Outgoing(
        to, f"{head}\nYou can change your answers and priorities until {until}: just message me."
    )


def thanks(to: Address, round_: Round) -> Outgoing:
    return Outgoing(
        to,
        f"Thank you! Your answers for {round_.title} are in. You can change them until "
        f"{format_moment(round_.closes_at, round_.timezone)}: just message me.",
    )


def reminder_note(to: Address, round_: Round, answered: int) -> Outgoing:
    total = len(round_.rubric.categories)
    text = (
        f"A reminder: {round_.title} closes on {format_moment(round_.closes_at, round_.timezone)}. "
        f"You have answered {answered} of {total} questions."
    )
    choices = (
        _choice(round_, Action.RESUME, "Continue"),
        _choice(round_, Action.SNOOZE, "Remind me tomorrow"),
        _choice(round_, Action.MUTE, "Stop reminders"),
    )
    return Outgoing(to, text, choices, purpose=Purpose.REMINDER, round_id=round_.id)
