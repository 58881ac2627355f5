"""The conversation engine: (participant's state, what they did) -> (new state, replies).

Pure: it reads a View and returns a Decision; bot/conversation/participants.py loads the view
from the repository and stores the decision in one transaction.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from bot.conversation import cards, group_card
from bot.conversation.choices import Action, ChoiceId, parse_choice
from bot.digits import whole_number
from bot.messages import Address, Outgoing
from bot.model import LEVELS, Answer, Category, Participation, Round, Stage

COMMENT_WINDOW = timedelta(minutes=30)  # how long a Comment press waits for the text
COMMENT_LIMIT = 2000
COMMENT_MIN_CHARS = 20
SNOOZE = timedelta(days=1)
REMINDER_WORDS = {  # the reminder's buttons, typed
    "remind me tomorrow": Action.SNOOZE,
    "stop reminders": Action.MUTE,
}
NOT_UNDERSTOOD = (
    "Sorry, I didn't catch that. Press a button or type its label: 1 to 5, “not sure” or "
    "“back”. To comment on the question you are looking at, write a sentence or two."
)
LEVEL_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
LEVEL_PHRASE_WORDS = 6  # "I'd say 3 really": a short phrase naming one level is an answer
CANCEL_WORDS = {"cancel", "never mind", "nevermind", "keep it", "no comment"}
REMOVE_WORDS = {"remove", "delete", "remove it", "delete it", "remove comment", "delete comment"}
NOT_YET = "You can comment on a question once you reach it; nothing was changed."
COMMENT_ON_A_CARD = (
    "To comment on a question, press “Change an answer” and pick it: each question has a "
    "Comment button, and anything you type on it is a comment on that question."
)
RESUME_WORDS = {"continue", "resume", "next", "go on", "carry on", "hi", "hello"}
NOT_SURE_WORDS = {"not sure", "notsure", "unsure", "?", "ns", "don't know", "dont know"}
# Typed answers and steps: where the message shown does not offer them, say why, rather than
# show it again in silence (anything else typed there simply shows where they are).
ANSWER_WORDS = NOT_SURE_WORDS | {"back", "submit"}
PRESS_START_FIRST = (
    "Press Start first (or type “start”): each question comes with its five levels to choose from."
)
ALL_ANSWERED = (
    "You have answered every question. To change one, press “Change an answer” (or type it)."
)
PICK_GROUP = (
    "First, whom do you speak for? Press a group or type its name (or “Prefer not to say”)."
)
PICK_ONE = "Which answer would you like to change? Type its number, or “cancel”."
PICK_PRIORITIES = (
    "Type an area's name or number to pick it (again to take it back), then “done”; or “skip”."
)


@dataclass(frozen=True)
class View:
    """Everything the engine needs to decide, for one participant in one round."""

    round: Round
    participation: Participation
    answers: dict[str, Answer]
    dm: Address
    now: datetime
    community_name: str
    enrolled: str = ""  # who takes part, in words (cards.taking_part): on the first card
    group: str | None = None  # whom they said they speak for in the community (when asked)


@dataclass(frozen=True)
class Decision:
    replies: tuple[Outgoing, ...]
    participation: Participation | None = None  # the new position, when it changed
    answer: Answer | None = None  # an answer (or comment) to store


def prompt(view: View) -> Outgoing:
    """The message that shows where the participant is now."""
    p, round_ = view.participation, view.round
    if p.stage is Stage.INVITED:
        return cards.invitation(view.dm, round_, view.community_name)
    if p.stage is Stage.GROUP:
        return group_card.ask(view.dm, round_, view.group)
    if p.stage in (Stage.ANSWERING, Stage.CHANGING):
        category = round_.rubric.categories[p.position]
        answer = view.answers.get(category.id)
        return cards.card(
            view.dm,
            round_,
            p.position,
            answer,
            back_to_review=p.stage is Stage.CHANGING,
            comment=_comment_held(view, category.id),
            enrolled=view.enrolled if p.position == 0 and p.stage is Stage.ANSWERING else "",
        )
    if p.stage is Stage.PICKING:
        return cards.picker(view.dm, round_)
    if p.stage is Stage.PRIORITIES:
        return cards.priorities(view.dm, round_, p.priorities)
    submitted = p.stage is Stage.SUBMITTED
    return cards.review(view.dm, round_, view.answers, submitted, p.priorities)


@dataclass(frozen=True)
class FormAnswer:
    """What a form (a web page) posts beside its choice. It shows an answer whole, so its
    comment replaces the one stored ("" removes it), and any answered question can be changed
    from the review; picks are the priorities ticked, posted with Done."""

    comment: str = ""
    picks: tuple[str, ...] | None = None


def on_choice(
    view: View,
    choice: ChoiceId,
    message_id: str | None,
    comment: str | None = None,
    form: FormAnswer | None = None,
) -> Decision:
    """Apply a pressed (or typed) choice that already passed the round/person checks; a
    comment typed beside a level is added to that answer (or, from a form, replaces it)."""
    p = view.participation
    action = choice.action
    if action in (Action.LEVEL, Action.NOT_SURE):
        if form is not None:
            return _answer(view, choice, message_id, form.comment.strip(), whole=True)
        return _answer(view, choice, message_id, (comment or "").strip())
    if form is not None and form.picks is not None and action is Action.DONE:
        return _picked(view, form.picks)
    if action is Action.BACK:
        return _back(view, choice, message_id)
    if action is Action.COMMENT:
        if comment is not None:  # typed in a box on the card (Slack, a form)
            return _comment(view, choice.category_id or "", comment.strip(), replacing=True)
        return _ask_comment(view, choice.category_id or "")
    if action is Action.UNCOMMENT:
        return _remove_comment(view, choice.category_id or "")
    if action is Action.START and p.stage is Stage.INVITED:
        return _start(view, message_id)
    if action is Action.GROUP and p.stage is Stage.GROUP:
        return _pick_group(view, choice, message_id)
    if action is Action.REGROUP and _may_regroup(view):
        regroup = replace(p, stage=Stage.GROUP, group=None)
        return _moved(replace(view, group=p.group), regroup, message_id)
    if action is Action.LATER and p.stage is Stage.INVITED:
        note = (
            "No problem. When you are ready, press Start above or type “start”, any time "
            f"before {cards.format_moment(view.round.closes_at, view.round.timezone)}."
        )
        return Decision((Outgoing(view.dm, note),))
    if action is Action.SUBMIT and p.stage is Stage.REVIEW:
        # With priorities on, one optional last step follows: their answers are in already.
        done = replace(
            p,
            stage=Stage.PRIORITIES if view.round.priorities else Stage.SUBMITTED,
            completed_at=p.completed_at or view.now,
            comment_category=None,
            comment_until=None,
        )
        review = cards.review(view.dm, view.round, view.answers, submitted=True)
        replies = [replace(review, choices=(), replaces=message_id)] if message_id else []
        if view.round.priorities:
            replies.append(cards.priorities(view.dm, view.round, done.priorities))
        else:
            replies.append(cards.thanks(view.dm, view.round))
        return Decision(tuple(replies), done)
    if p.stage is Stage.PRIORITIES and action in (Action.PICK, Action.DONE, Action.SKIP):
        return _prioritise(view, choice, message_id)
    if action is Action.PRIORITIES and p.stage is Stage.SUBMITTED and view.round.priorities:
        return _moved(view, replace(p, stage=Stage.PRIORITIES), message_id)
    if action is Action.CHANGE and p.stage in (Stage.REVIEW, Stage.SUBMITTED):
        return _moved(view, _without_comment(replace(p, stage=Stage.PICKING)), message_id)
    if action is Action.REDO and p.stage is Stage.PICKING and choice.category_id:
        index = view.round.rubric.index_of(choice.category_id)
        if index is None:
            return refuse(view.dm, "That question is not part of this round; nothing was changed.")
        changing = _without_comment(replace(p, stage=Stage.CHANGING, position=index))
        return _moved(view, changing, message_id)
    if action is Action.RESUME and p.stage is Stage.PICKING:
        return _moved(view, replace(p, stage=_review_stage(p)), message_id)
    if action is Action.SNOOZE:
        later = replace(p, remind_after=view.now + SNOOZE)
        return Decision((Outgoing(view.dm, "OK, I will remind you tomorrow."),), later)
    if action is Action.MUTE:
        muted = replace(p, reminders_off=True, remind_after=None)
        note = (
            "OK, no more reminders for this round. You can still answer any time before "
            f"{cards.format_moment(view.round.closes_at, view.round.timezone)}: just message me."
        )
        return Decision((Outgoing(view.dm, note),), muted)
    # A button from an earlier step (or "Continue"): show where they are now.
    return Decision((prompt(view),))


def on_text(view: View, text: str) -> Decision:
    """Typed text: a choice label, a level on the card shown, the comment a Comment press asked
    for, a comment on the card shown, or a wish to resume."""
    typed = " ".join(text.split())
    word = typed.lower().rstrip(".!")
    if (action := REMINDER_WORDS.get(word)) is not None:
        return on_choice(view, ChoiceId(view.round.id, action), None)
    shown = prompt(view)
    choice = match_choice(shown, typed)
    p = view.participation
    if p.stage is Stage.PRIORITIES and (choice is None or choice.action is Action.PICK):
        return _typed_priorities(view, typed)  # a line in reply, not the whole card again
    if choice is not None:
        return on_choice(view, choice, None)
    current = _current_category(view)
    asked = p.comment_category if p.comment_until and view.now < p.comment_until else None
    if asked is not None and typed:
        if word in CANCEL_WORDS:
            title = _title(view, asked)
            note = Outgoing(view.dm, f"OK, your comment on {title} is as it was.")
            return Decision((note, shown), _without_comment(p))
        if word in REMOVE_WORDS:
            return _remove_comment(view, asked)
        level = typed_level(typed, exact=True)
        if level is None or asked != current:
            return _comment(view, asked, text.strip(), replacing=True)
    if word in RESUME_WORDS:
        # They moved on: a Comment press no longer waits for its text.
        return Decision((shown,), _without_comment(p) if p.comment_category else None)
    if current is not None:
        level = typed_level(typed)
        if level is not None:
            action = Action.NOT_SURE if level is NOT_SURE else Action.LEVEL
            picked = level if isinstance(level, int) else None
            return on_choice(view, ChoiceId(view.round.id, action, current, picked), None)
    if _looks_like_an_answer(typed):
        return Decision((Outgoing(view.dm, _not_offered_here(p.stage)), shown))
    if not typed:
        return Decision((shown,))
    if not _reads_like_a_comment(typed):
        return Decision((Outgoing(view.dm, NOT_UNDERSTOOD), shown))
    if current is None:
        if p.stage in (Stage.REVIEW, Stage.SUBMITTED):
            return Decision((Outgoing(view.dm, COMMENT_ON_A_CARD), shown))
        return Decision((shown,))
    return _comment(view, current, text.strip(), replacing=False)


class _NotSure(enum.Enum):
    NOT_SURE = "not sure"


NOT_SURE = _NotSure.NOT_SURE
_WORD = re.compile(r"[a-z0-9']+")


def typed_level(typed: str, exact: bool = False) -> int | _NotSure | None:
    """The level a typed answer names: "3", "three", "level 3", "not sure", or a short phrase
    with one level's digit in it ("I'd say 3 really"); None when it names none or more than
    one. exact: the level on its own only. Words ("one", "two") count only on their own:
    "no one leads" is a comment."""
    word = typed.lower().strip().rstrip(".!")
    if word in NOT_SURE_WORDS:
        return NOT_SURE
    words = _WORD.findall(word)
    if words[:1] == ["level"]:
        words = words[1:]
    if len(words) == 1 and words[0] in LEVEL_WORDS:
        return LEVEL_WORDS[words[0]]
    if not words or len(words) > (1 if exact else LEVEL_PHRASE_WORDS):
        return None
    numbers = [whole_number(w, 2) for w in words if w.isdigit()]
    if len(numbers) != 1 or numbers[0] not in LEVELS:
        return None  # none, "6", "2 or 3", "3 out of 10": no one level
    return numbers[0]


def _start(view: View, message_id: str | None) -> Decision:
    """Start: the first card, or first whom they speak for, when the round asks and they have
    not said (or said a group the round no longer has)."""
    p, round_ = view.participation, view.round
    old_text = cards.invitation(view.dm, round_, view.community_name).text
    started = replace(p, stage=Stage.ANSWERING, position=0, started_at=view.now)
    if round_.groups is None or p.group is not None:
        return _moved(view, started, message_id, old_text)
    if view.group not in group_card.round_groups(round_):
        return _moved(view, replace(started, stage=Stage.GROUP), message_id, old_text)
    started = replace(started, group=view.group)
    moved = _moved(view, started, message_id, old_text)
    note = group_card.kept(view.dm, round_, view.group)
    return replace(moved, replies=(*moved.replies[:-1], note, moved.replies[-1]))


def _pick_group(view: View, choice: ChoiceId, message_id: str | None) -> Decision:
    groups = group_card.round_groups(view.round)
    if choice.option is None or not 1 <= choice.option <= len(groups):
        return Decision((prompt(view),))
    group = groups[choice.option - 1]
    picked = replace(view.participation, stage=Stage.ANSWERING, position=0, group=group)
    first = prompt(replace(view, participation=picked))
    said = Outgoing(view.dm, group_card.chosen(group), replaces=message_id)
    return Decision((said, first), picked)


def _may_regroup(view: View) -> bool:
    """A group may be changed until the first answer of the round, never during it."""
    p = view.participation
    return (
        view.round.groups is not None
        and p.stage is Stage.ANSWERING
        and p.position == 0
        and not view.answers
    )


def _looks_like_an_answer(typed: str) -> bool:
    """A level ("3", "6"), "not sure", "back" or "submit": an attempt to answer or move on."""
    word = typed.lower().rstrip(".!")
    return whole_number(word, 2) is not None or word in ANSWER_WORDS


def _not_offered_here(stage: Stage) -> str:
    """Why the answer typed does nothing at this stage, and what to do instead."""
    if stage is Stage.INVITED:
        return PRESS_START_FIRST
    if stage is Stage.PICKING:
        return PICK_ONE
    if stage is Stage.GROUP:
        return PICK_GROUP
    if stage in (Stage.REVIEW, Stage.SUBMITTED):
        return ALL_ANSWERED
    if stage is Stage.PRIORITIES:
        return PICK_PRIORITIES
    return NOT_UNDERSTOOD


def _reads_like_a_comment(typed: str) -> bool:
    """A few words at least: "6", "three", "ok" or "later" are attempts to answer, not notes."""
    return len(typed.split()) >= 3 or len(typed) >= COMMENT_MIN_CHARS


def _without_comment(p: Participation) -> Participation:
    return replace(p, comment_category=None, comment_until=None)


def match_choice(message: Outgoing, typed: str) -> ChoiceId | None:
    """The choice whose label the person typed ("3", "not sure", "submit", "2 Collaboration")."""
    wanted = typed.lower()
    if wanted in NOT_SURE_WORDS:
        wanted = "not sure"
    for choice in message.choices:
        label = choice.label.lower()
        if wanted == label or (label[:1].isdigit() and wanted == label.split(" ", 1)[0]):
            return parse_choice(choice.id)
    return None


def refuse(dm: Address, text: str) -> Decision:
    return Decision((Outgoing(dm, text),))


def _review_stage(p: Participation) -> Stage:
    return Stage.SUBMITTED if p.completed_at is not None else Stage.REVIEW


def _moved(
    view: View, new: Participation, message_id: str | None, old_text: str | None = None
) -> Decision:
    """Go to a new position; the pressed message loses its buttons, the new prompt follows."""
    nxt = prompt(replace(view, participation=new))
    if message_id is None:
        return Decision((nxt,), new)
    if old_text is None:
        return Decision((replace(nxt, replaces=message_id),), new)
    return Decision((Outgoing(view.dm, old_text, replaces=message_id), nxt), new)


def _current_category(view: View) -> str | None:
    p = view.participation
    if p.stage in (Stage.ANSWERING, Stage.CHANGING):
        return view.round.rubric.categories[p.position].id
    return None


def _too_long() -> str:
    return (
        f"That comment is too long (at most {COMMENT_LIMIT} characters "
        "per question); it was not saved. Could you shorten it?"
    )


def _with_comment(old: str | None, text: str) -> str | None:
    if not text:
        return old
    return f"{old}\n{text}" if old else text


_REVIEWING = (Stage.REVIEW, Stage.SUBMITTED, Stage.PICKING)


def _answer(
    view: View, choice: ChoiceId, message_id: str | None, comment: str = "", whole: bool = False
) -> Decision:
    """Record a level (or Not sure) for the card on show; from a form (whole), the comment
    replaces the one stored, and an answered card may be changed straight from the review."""
    p, rubric = view.participation, view.round.rubric
    category = rubric.category(choice.category_id or "")
    if category is None:
        return refuse(view.dm, "That question is not part of this round; nothing was changed.")
    amending = whole and p.stage in _REVIEWING and choice.category_id in view.answers
    if choice.category_id != _current_category(view) and not amending:
        if choice.category_id in view.answers:
            return refuse(
                view.dm,
                f"You have already answered {category.title}. To change it, "
                "use “Change an answer” when you review your answers.",
            )
        return Decision(
            (
                Outgoing(
                    view.dm, "That is not the question you are on; nothing was changed. Here it is:"
                ),
                prompt(view),
            )
        )
    old = view.answers.get(category.id)
    if whole:  # a web form's box holds the whole comment: what is posted replaces it
        kept = comment or None
    else:
        # A comment sent with the level replaces the comment; without one, the comment held
        # stays.
        kept = comment or (old.comment if old else None)
        if p.draft_category == category.id and not comment:  # typed on this card before
            kept = _with_comment(p.draft_comment, kept or "")
    if kept is not None and len(kept) > COMMENT_LIMIT:
        return refuse(view.dm, _too_long())  # nothing is kept, not even the level
    answer = Answer(
        view.round.id,
        p.person_id,
        category.id,
        choice.level,
        kept,
        old.answered_at if old else view.now,
        view.now,
    )
    if p.stage is Stage.CHANGING or amending or p.position + 1 >= len(rubric.categories):
        stage, position = _review_stage(p), p.position
    else:
        stage, position = Stage.ANSWERING, p.position + 1
    new = replace(p, stage=stage, position=position, comment_category=None, comment_until=None)
    if p.draft_category == category.id:
        new = replace(new, draft_category=None, draft_comment=None)
    answers = {**view.answers, category.id: answer}
    nxt = prompt(replace(view, participation=new, answers=answers))
    done = Outgoing(view.dm, cards.confirmation(category, choice.level), replaces=message_id)
    return Decision((done, nxt), new, answer)


def _back(view: View, choice: ChoiceId, message_id: str | None) -> Decision:
    p = view.participation
    if choice.category_id != _current_category(view):
        return Decision((prompt(view),))
    if p.stage is Stage.CHANGING:
        new = replace(p, stage=_review_stage(p), comment_category=None, comment_until=None)
    elif p.position > 0:
        new = replace(p, position=p.position - 1, comment_category=None, comment_until=None)
    else:
        return Decision((prompt(view),))
    return _moved(view, new, message_id)


def _prioritise(view: View, choice: ChoiceId, message_id: str | None) -> Decision:
    """Pick or take back a priority (changing the card in place), or end the step."""
    p, round_ = view.participation, view.round
    if choice.action is not Action.PICK:
        picked = p.priorities if choice.action is Action.DONE else ()
        ended = cards.priorities_done(view.dm, round_, picked)
        new = replace(p, stage=Stage.SUBMITTED, priorities=picked)
        return Decision((replace(ended, replaces=message_id),), new)
    category = round_.rubric.category(choice.category_id or "")
    if category is None:
        return refuse(view.dm, "That is not one of this round's areas; nothing was changed.")
    if category.id in p.priorities:
        picked = tuple(cid for cid in p.priorities if cid != category.id)
    elif len(p.priorities) >= cards.MAX_PRIORITIES:
        return Decision((cards.priorities_full(view.dm, round_, p.priorities),))
    else:
        picked = (*p.priorities, category.id)
    new = replace(p, priorities=picked)
    card = cards.priorities(view.dm, round_, picked)
    return Decision((replace(card, replaces=message_id),), new)


def _picked(view: View, picks: tuple[str, ...]) -> Decision:
    """The priorities ticked on a form, with Done: they replace those picked before (from the
    priorities step, or once submitted)."""
    p, round_ = view.participation, view.round
    if p.stage not in (Stage.PRIORITIES, Stage.SUBMITTED) or not round_.priorities:
        return Decision((prompt(view),))
    known = [c.id for c in round_.rubric.categories]
    if any(pick not in known for pick in picks) or len(set(picks)) != len(picks):
        return refuse(view.dm, "That is not one of this round's areas; nothing was changed.")
    if len(picks) > cards.MAX_PRIORITIES:
        return refuse(view.dm, f"Select up to {cards.MAX_PRIORITIES} areas; nothing was changed.")
    picked = tuple(sorted(picks, key=known.index))
    ended = cards.priorities_done(view.dm, round_, picked)
    return Decision((ended,), replace(p, stage=Stage.SUBMITTED, priorities=picked))


_SEPARATORS = re.compile(r"\s*(?:,|;|&|\+|\band\b)\s*")


def typed_areas(round_: Round, typed: str) -> list[Category] | None:
    """The areas a typed priorities reply names ("Finance", "6", "finance and workforce", "3,
    6"); None when any part names no area, or more than one."""
    rubric = round_.rubric
    found: list[Category] = []
    for part in _SEPARATORS.split(typed.lower().strip().rstrip(".!")):
        if not part:
            continue
        number = whole_number(part, 2)
        if number is not None:
            matches = [c for c in rubric.categories if c.number == number]
        else:
            matches = [c for c in rubric.categories if _names(part, c.title.lower())]
        if len(matches) != 1:
            return None
        if matches[0] not in found:
            found.append(matches[0])
    return found or None


def _names(part: str, title: str) -> bool:
    """ "finance", "workforce", "learning", "service delivery" name their area; "a" does not."""
    if part == title or (len(part) >= 4 and title.startswith(part)):
        return True
    return len(part) >= 4 and part in _WORD.findall(title)


def _typed_priorities(view: View, typed: str) -> Decision:
    """Areas typed by name or number on the priorities step: each picked (or, if picked
    already, taken back); the reply says where that leaves them, without the card again."""
    p, round_ = view.participation, view.round
    areas = typed_areas(round_, typed)
    if areas is None:
        return refuse(view.dm, PICK_PRIORITIES)
    picked = list(p.priorities)
    for area in areas:
        if area.id in picked:
            picked.remove(area.id)
        elif len(picked) >= cards.MAX_PRIORITIES:
            return Decision((cards.priorities_full(view.dm, round_, p.priorities),))
        else:
            picked.append(area.id)
    new = replace(p, priorities=tuple(picked))
    return Decision((cards.priorities_status(view.dm, round_, tuple(picked)),), new)


def _comment_held(view: View, category_id: str) -> str | None:
    """The person's comment on a card: on its answer, or held until they answer it."""
    answer = view.answers.get(category_id)
    if answer is not None:
        return answer.comment
    p = view.participation
    return p.draft_comment if p.draft_category == category_id else None


def _title(view: View, category_id: str) -> str:
    category = view.round.rubric.category(category_id)
    return category.title if category else category_id


def _commentable(view: View, category_id: str) -> Category | None:
    """A card the person may comment on now: one they answered, or the one shown."""
    category = view.round.rubric.category(category_id)
    if category is None:
        return None
    if category_id in view.answers or category_id == _current_category(view):
        return category
    return None


def _ask_comment(view: View, category_id: str) -> Decision:
    """A Comment press: their next message is the comment (the wait is kept in the database)."""
    category = _commentable(view, category_id)
    if category is None:
        return refuse(view.dm, NOT_YET)
    waiting = replace(
        view.participation, comment_category=category.id, comment_until=view.now + COMMENT_WINDOW
    )
    asked = cards.comment_asked(view.dm, category, _comment_held(view, category.id))
    return Decision((asked,), waiting)


def _comment(view: View, category_id: str, text: str, replacing: bool) -> Decision:
    """Save a comment on a card: a new one replacing the old (a Comment press, a text box) or
    typed on the card, added to what is there."""
    category = _commentable(view, category_id)
    if category is None:
        return refuse(view.dm, NOT_YET)
    if not text:
        return _remove_comment(view, category_id)
    held = _comment_held(view, category.id)
    comment = text if replacing else _with_comment(held, text)
    if comment is None or len(comment) > COMMENT_LIMIT:
        return refuse(view.dm, _too_long())
    p = _without_comment(view.participation)
    old = view.answers.get(category.id)
    if old is None:  # the card shown, not answered yet: held until it is
        held_now = replace(p, draft_category=category.id, draft_comment=comment)
        saved = (
            f"Comment saved for {category.title}.\n"
            "It goes with your answer: now pick a level for it."
        )
        return Decision((Outgoing(view.dm, saved),), held_now)
    answer = replace(old, comment=comment, updated_at=view.now)
    saved = f"Comment saved for {category.title}."
    if category.id != _current_category(view):
        saved += "\nYou can change or remove it until the round closes: “Change an answer”."
    # Saving the position too makes a concurrent answer to this card conflict.
    return Decision((Outgoing(view.dm, saved),), participation=p, answer=answer)


def _remove_comment(view: View, category_id: str) -> Decision:
    category = _commentable(view, category_id)
    if category is None:
        return refuse(view.dm, "That is not a question you can comment on; nothing was changed.")
    p = _without_comment(view.participation)
    old = view.answers.get(category.id)
    if old is None or not old.comment:
        if p.draft_category == category.id and p.draft_comment:
            removed = replace(p, draft_category=None, draft_comment=None)
            note = f"Your comment on {category.title} is removed."
            return Decision((Outgoing(view.dm, note),), removed)
        return Decision((Outgoing(view.dm, f"You have no comment on {category.title}."),), p)
    answer = replace(old, comment=None, updated_at=view.now)
    note = f"Your comment on {category.title} is removed."
    return Decision((Outgoing(view.dm, note),), participation=p, answer=answer)
