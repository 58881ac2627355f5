"""What a lead request came to, for the front end that asked to show.

`said` is for the lead who asked, `announced` for everyone in the community's chats, and `owed`
are messages to others (a reminder, an action's owner), queued in the request's transaction.
A chat lead sees `said` privately and `announced` posted in their chat; a web lead or the
command line sees both, and `announced` is posted to every chat of the community. A few
outcomes carry more for a page to lay out (a warning with its numbers, the entries a list of
people got wrong, a link).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.messages import Outgoing


@dataclass
class PeopleChange:
    """What adding or removing addresses did (addresses as stored, or entries as typed when
    bad)."""

    done: list[str] = field(default_factory=list)  # added, or removed
    already: list[str] = field(default_factory=list)  # members already, or not members
    opted_out: list[str] = field(default_factory=list)  # unsubscribed here, or forgotten
    invalid: list[str] = field(default_factory=list)
    invited: int = 0  # invited to the round open now

    def sentence(self, community: str, verb: str) -> str:
        """The outcome in words, for the lead (privately: it names addresses)."""
        lines = [f"{verb} {people_count(len(self.done))} {_to_from(verb)} {community}."]
        if self.invited:
            lines.append(f"{people_count(self.invited)} invited to the round that is open now.")
        if self.already:
            state = "already taking part" if verb == "Added" else "not members"
            lines.append(f"{state.capitalize()}: {', '.join(self.already)}")
        if self.opted_out:
            lines.append(
                "Not added, because they asked us not to (they can join again themselves "
                f"from the join page): {', '.join(self.opted_out)}"
            )
        if self.invalid:
            lines.append(f"Not valid email addresses: {', '.join(self.invalid)}")
        return "\n".join(lines)


def people_count(count: int) -> str:
    return f"{count} {'person' if count == 1 else 'people'}"


def _to_from(verb: str) -> str:
    return "to" if verb == "Added" else "from"


@dataclass(frozen=True)
class Outcome:
    said: tuple[str, ...] = ()
    announced: tuple[str, ...] = ()
    owed: tuple[Outgoing, ...] = ()
    refused: bool = False  # nothing was changed: `said` says why
    take_part: str | None = None  # a join code: the announcement offers the Take part link
    messages: tuple[Outgoing, ...] = ()  # what was queued for it, where it went

    @property
    def text(self) -> str:
        """Everything the lead is told, as one text."""
        return "\n".join((*self.said, *self.announced))


def said(*texts: str, owed: tuple[Outgoing, ...] = ()) -> Outcome:
    return Outcome(said=tuple(t for t in texts if t), owed=owed)


def announced(text: str, owed: tuple[Outgoing, ...] = ()) -> Outcome:
    return Outcome(announced=(text,), owed=owed)


def refused(text: str) -> Outcome:
    return Outcome(said=(text,), refused=True)


@dataclass(frozen=True)
class CloseWarning(Outcome):
    """Closing now would give no summary: nothing was closed."""

    finished: int = 0
    needed: int = 0


@dataclass(frozen=True)
class SettingWarning(Outcome):
    """A setting that asks to be confirmed first (min_responses below 5): nothing changed;
    `said` says what it would let people learn."""

    setting: str = ""
    value: int = 0


@dataclass(frozen=True)
class PeopleChanged(Outcome):
    """People added or removed, and the entries that were no address."""

    change: PeopleChange = field(default_factory=PeopleChange)


@dataclass(frozen=True)
class LinkGiven(Outcome):
    """A link for the lead alone (the board's, a sign-in link)."""

    url: str = ""
