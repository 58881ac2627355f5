"""The few interfaces through which the core reaches the outside world.

storage/ implements Storage and the Repository (one small protocol per concept, combined);
adapters implement MemberDirectory and Messenger; the clock is injected so tests control time.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from bot.messages import Outgoing
from bot.model import (
    AccessLink,
    ActionStatus,
    AgreedAction,
    Answer,
    BoardLink,
    ChatRef,
    Community,
    LeadSession,
    OptOutKey,
    ParticipantState,
    Participation,
    Person,
    PersonRef,
    Role,
    Round,
    Rubric,
    Schedule,
    SignInLink,
)
from bot.outbox.item import OutboxItem, Outcome
from bot.roster import Roster


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class SystemClock:
    """The real clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ShiftedClock:
    """A clock a person can move forward (the console's `:clock +3d`): real time plus the moves,
    or, started at a fixed moment, a clock that moves only when told."""

    def __init__(self, start: datetime | None = None) -> None:
        self._fixed = start
        self._shift = timedelta()

    def now(self) -> datetime:
        base = self._fixed if self._fixed is not None else datetime.now(UTC)
        return base + self._shift

    def forward(self, delta: timedelta) -> None:
        if delta < timedelta():
            raise ValueError("the clock only moves forward")
        self._shift += delta


class MemberDirectory(Protocol):
    """Who belongs to a platform chat, as far as the platform can tell."""

    async def members(self, chat: ChatRef) -> Roster | None:
        """The chat's people, and the odd records among them; None when the platform cannot
        list them (Telegram). Raises when the platform would not say who is in the chat."""
        ...

    async def member(self, chat: ChatRef, user_id: str) -> PersonRef | None:
        """The person, when they exist on the platform, are in the chat and are not a bot or
        a deactivated account; None otherwise. Raises when the platform would not say."""
        ...


class Messenger(Protocol):
    """Sends a message on the platform it is addressed to."""

    async def send(self, message: Outgoing) -> None:
        """Send (or edit) it. Raises Unreachable, TryAgain, MaybeSent or Refused when it did
        not plainly go out; any other exception counts as TryAgain."""
        ...


class Unreachable(Exception):
    """The platform will not deliver to this person (they blocked or never started the bot,
    left, or were deactivated): sending again will not help."""


class TryAgain(Exception):
    """The platform did not take the message (5xx, 429, no connection): nothing went out."""

    def __init__(self, reason: str, after: float | None = None) -> None:
        super().__init__(reason)
        self.after = after  # seconds the platform asked us to wait, when it said


class MaybeSent(Exception):
    """No answer in time: the message may or may not have gone out."""


class Refused(Exception):
    """The platform refused this message for good (malformed, or the bot is not in the chat):
    sending it again will not help."""


class ConcurrentUpdate(Exception):
    """Someone else changed the same row first; reload and decide again."""


class Deliveries(Protocol):
    """Which platform deliveries were handled already."""

    async def claim_delivery(self, platform: str, delivery_id: str, at: datetime) -> bool:
        """Record a delivery id; False when it was recorded before."""
        ...

    async def prune_deliveries(self, before: datetime) -> int:
        """Forget delivery ids recorded before then (platforms stop retrying long before)."""
        ...

    async def totals(self) -> tuple[int, int]:
        """(answers recorded, rounds not yet closed), for monitoring."""
        ...


class Communities(Protocol):
    """Communities, the chats they span and the codes that link more chats."""

    async def community_for_chat(self, chat: ChatRef) -> Community | None: ...
    async def community_by_name(self, name: str) -> Community | None: ...
    async def community_by_id(self, community_id: int) -> Community | None: ...
    async def list_communities(self) -> Sequence[Community]: ...
    async def create_community(
        self, name: str, chat: ChatRef | None, anonymous: bool, at: datetime
    ) -> Community:
        """A new community, in that chat, or (None) in no chat: run from the web pages."""
        ...

    async def community_by_join_code(self, code: str) -> Community | None: ...
    async def add_chat(self, community_id: int, chat: ChatRef) -> None:
        """Link another chat to the community; ConcurrentUpdate if it is linked already."""
        ...

    async def move_chat(self, old: ChatRef, new: ChatRef) -> Community | None:
        """The platform gave a chat a new id: its community (and what is still owed to the
        chat) moves to it. The community, or None when the old chat is not one, or the new
        one belongs to another community."""
        ...

    async def create_link_code(
        self, community_id: int, code: str, expires_at: datetime
    ) -> None: ...
    async def take_link_code(self, code: str, now: datetime) -> int | None:
        """Use up a link code: its community id, or None when unknown or expired."""
        ...

    async def update_community(self, community: Community) -> None:
        """Save a community's name and settings: anonymous, min_responses, priorities,
        email_summary (not its chats)."""
        ...


class People(Protocol):
    """People on the platforms and their roles in communities."""

    async def person(self, platform: str, user_id: str) -> Person | None: ...
    async def person_by_id(self, person_id: int) -> Person | None: ...
    async def upsert_people(self, refs: Sequence[PersonRef]) -> list[Person]:
        """upsert_person for many at once (a round opening for thousands), in that order."""
        ...

    async def add_members(self, community_id: int, person_ids: Sequence[int]) -> None:
        """Make them participants of the community, where they have no role there yet."""
        ...

    async def upsert_person(self, ref: PersonRef) -> Person:
        """Find or create a person; a non-empty display name replaces the stored one."""
        ...

    async def role(self, community_id: int, person_id: int) -> Role | None: ...
    async def set_role(self, community_id: int, person_id: int, role: Role) -> None: ...
    async def remove_member(self, community_id: int, person_id: int) -> None:
        """The person no longer belongs to the community (no role there)."""
        ...

    async def members(self, community_id: int) -> Sequence[tuple[Person, Role]]: ...
    async def group_of(self, community_id: int, person_id: int) -> str | None:
        """Whom the person said they speak for in the community (None: not yet said)."""
        ...

    async def set_group(self, community_id: int, person_id: int, group: str) -> None:
        """Remember whom a member speaks for in the community, for later rounds."""
        ...


class Rounds(Protocol):
    """Rounds, the participants' positions in them, and their answers."""

    async def create_round(
        self,
        community_id: int,
        title: str,
        opened_at: datetime,
        closes_at: datetime,
        anonymous: bool,
        rubric: Rubric,
        min_responses: int = 3,
        timezone: str = "UTC",
        priorities: bool = True,
        groups: tuple[str, ...] | None = None,
    ) -> Round:
        """Open a round numbered after the community's last; raises ConcurrentUpdate
        when the community already has a round that is not closed."""
        ...

    async def round_by_id(self, round_id: int) -> Round | None: ...
    async def round_by_number(self, community_id: int, number: int) -> Round | None: ...
    async def latest_round(self, community_id: int) -> Round | None: ...
    async def unclosed_round(self, community_id: int) -> Round | None:
        """The community's round whose closed_at is not set, if any."""
        ...

    async def close_round(self, round_id: int, at: datetime) -> None: ...
    async def reopen_round(self, round_id: int, closes_at: datetime) -> None:
        """Open a closed round again until closes_at: its tallies go, and so do the closing
        messages owed or sent for it (its summary, trend and debrief packs), so that closing
        it again owes them afresh."""
        ...

    async def closed_rounds(self, community_id: int) -> Sequence[Round]:
        """The community's closed rounds, oldest first."""
        ...

    async def overdue_rounds(self, now: datetime) -> Sequence[int]:
        """Ids of rounds past their closing time and not yet closed."""
        ...

    async def extend_round(self, round_id: int, closes_at: datetime) -> None: ...
    async def set_manual_reminded(self, round_id: int, at: datetime) -> None: ...
    async def save_tallies(self, round_id: int, tallies: dict[str, Any]) -> None:
        """Keep a closed round's anonymous tallies: its summary as posted."""
        ...

    async def add_participation(self, participation: Participation) -> None: ...
    async def add_participations(self, participations: Sequence[Participation]) -> None:
        """Many at once: a round opening for thousands."""
        ...

    async def participation(self, round_id: int, person_id: int) -> Participation | None: ...
    async def participations(self, round_id: int) -> Sequence[Participation]: ...
    async def active_participations(self, person_id: int) -> Sequence[Participation]:
        """The person's participations in rounds not yet closed, most recently opened first."""
        ...

    async def participant_state(
        self, round_id: int, platform: str, user_id: str
    ) -> ParticipantState | None:
        """The platform user's person, participation, round and answers, if they take part
        in that round (the hot path: one query)."""
        ...

    async def save_participation(self, participation: Participation) -> Participation:
        """Store a changed position if its version is still the stored one; returns it with
        the version bumped, or raises ConcurrentUpdate."""
        ...

    async def due_snoozes(self, now: datetime) -> Sequence[Participation]:
        """Participations whose "remind me tomorrow" is due, in rounds not yet closed."""
        ...

    async def save_answer(self, answer: Answer) -> None:
        """Insert or replace the person's answer to that category in that round."""
        ...

    async def answers(self, round_id: int, person_id: int | None = None) -> Sequence[Answer]:
        """The round's answers (or one person's), in the order they were first given."""
        ...


class Schedules(Protocol):
    """Communities' cadences, and the lease that lets one process do the scheduled work."""

    async def schedule(self, community_id: int) -> Schedule | None: ...
    async def save_schedule(self, schedule: Schedule) -> None: ...
    async def delete_schedule(self, community_id: int) -> None: ...
    async def due_schedules(self, now: datetime) -> Sequence[Schedule]: ...
    async def take_lease(self, name: str, holder: str, now: datetime, until: datetime) -> bool:
        """Hold (or renew) the named lease until `until`; False while another holds it."""
        ...

    async def prune_leases(self, expired_before: datetime) -> int:
        """Forget leases that ran out before then (senders' heartbeats of replicas gone)."""
        ...

    async def lease_holder(self, name: str, now: datetime) -> str | None:
        """Who holds the named lease now; None when nobody does (never taken, or expired)."""
        ...


class Outbox(Protocol):
    """Messages owed to people and chats."""

    async def queue(self, items: Sequence[OutboxItem]) -> None:
        """Add items; one whose key is queued (or was sent) already is left out."""
        ...

    async def claim_due(
        self,
        now: datetime,
        limit: int,
        holder: str,
        *,
        fan_out: bool = True,
        platforms: frozenset[str] | None = None,
    ) -> Sequence[OutboxItem]:
        """Take up to limit unclaimed items due by now to send, for holder (the process sending
        them); without fan_out, no invitations or reminders (FAN_OUT); with platforms, only
        items for people or chats on those platforms (the ones this process serves: the rest
        wait for a process that serves theirs). Communities take turns (each one's oldest
        item, then each one's next, ...), so a big opening does not hold back a small one;
        the items come back in the order queued."""
        ...

    async def stale_claims(
        self, holder: str, stale_before: datetime, silent_before: datetime, now: datetime
    ) -> Sequence[OutboxItem]:
        """Items claimed but never finished: by holder (in an earlier life of this process),
        by anyone before stale_before, or before silent_before by a sender whose heartbeat
        (its lease named by heartbeat()) has run out by now."""
        ...

    async def finish_outbox(self, item_id: int, now: datetime, outcome: Outcome) -> None: ...
    async def finish_sent(self, item_ids: Sequence[int], now: datetime) -> None:
        """Record that these items were sent, in one statement."""
        ...

    async def retry_outbox(self, item_id: int, due_at: datetime, failed: bool = True) -> None:
        """Put an item back, due again at due_at; a failed attempt is counted."""
        ...

    async def next_due_at(
        self, *, fan_out: bool = True, platforms: frozenset[str] | None = None
    ) -> datetime | None:
        """When the earliest unclaimed item is due (without fan_out: of the others; with
        platforms: of those claim_due would take)."""
        ...

    async def outbox(self, round_id: int) -> Sequence[OutboxItem]: ...
    async def prune_outbox(self, finished_before: datetime) -> int:
        """Forget finished items of closed rounds (and items of no round) finished before
        then; returns how many went."""
        ...


class Actions(Protocol):
    """What the partnership agreed to do, numbered per community."""

    async def add_action(
        self,
        community_id: int,
        category_id: str,
        what: str,
        at: datetime,
        owner_person_id: int | None = None,
        owner_name: str = "",
        due: date | None = None,
    ) -> AgreedAction:
        """Store an action numbered after the community's last; ConcurrentUpdate when another
        took that number at the same moment."""
        ...

    async def action_by_id(self, action_id: int) -> AgreedAction | None: ...
    async def action_by_number(self, community_id: int, number: int) -> AgreedAction | None: ...
    async def actions(self, community_id: int) -> Sequence[AgreedAction]:
        """The community's actions, in the order they were agreed."""
        ...

    async def set_action_status(
        self, action_id: int, status: ActionStatus, at: datetime
    ) -> None: ...

    async def update_action(self, action: AgreedAction) -> None:
        """Save what an action says, who owns it and when it is due (not its status)."""
        ...

    async def actions_owned_by(self, person_id: int) -> Sequence[AgreedAction]: ...


class PersonalData(Protocol):
    """What is stored about one person, and erasing it."""

    async def participations_of(self, person_id: int) -> Sequence[Participation]: ...
    async def answers_of(self, person_id: int) -> Sequence[Answer]: ...
    async def roles_of(self, person_id: int) -> Sequence[tuple[int, Role]]:
        """(community id, role) of every community the person belongs to."""
        ...

    async def forget_person(self, person_id: int) -> None:
        """Erase a person: identity, answers, comments, positions, memberships."""
        ...

    def deployment_secret(self) -> bytes:
        """This deployment's secret (made at first start, shared by every replica): the key of
        the hashes that must not be recomputable from a platform id alone."""
        ...

    async def is_opted_out(self, key: OptOutKey) -> bool:
        """Whether the person asked to be forgotten (an unkeyed row found is keyed now)."""
        ...

    async def opted_out_among(self, keys: Sequence[OptOutKey]) -> set[OptOutKey]:
        """Which of these people asked to be forgotten (is_opted_out for many at once)."""
        ...

    async def add_opt_out(self, key: OptOutKey) -> None:
        """Remember (by a keyed hash) that someone asked to be forgotten: do not enrol them
        again."""
        ...

    async def remove_opt_out(self, key: OptOutKey) -> None: ...
    async def rounds_to_purge(self, closed_before: datetime) -> Sequence[int]:
        """Rounds closed before then that still link answers or positions to people."""
        ...

    async def purge_round(self, round_id: int) -> None:
        """Drop a closed round's answers, comments and positions (its tallies stay)."""
        ...


class Addresses(Protocol):
    """People reached by email rather than on a chat platform: their addresses (personal data,
    erased with the person) and their personal links (stored as hashes only)."""

    async def address_of(self, person_id: int) -> str | None: ...
    async def person_by_address(self, platform: str, address: str) -> Person | None: ...
    async def set_address(self, person_id: int, address: str) -> None: ...
    async def save_link(self, link: AccessLink) -> None: ...
    async def link_by_hash(self, token_hash: str) -> AccessLink | None: ...
    async def drop_link(self, token_hash: str) -> None: ...
    async def prune_join_requests(self, before: datetime) -> int:
        """Forget join requests (links with no person yet) made before then."""
        ...


class Access(Protocol):
    """Leads' sign-in links and sessions (hashes of their tokens only), and the hits counted
    by rate limits (keyed hashes of addresses and IPs, never the values)."""

    async def save_sign_in(self, link: SignInLink) -> None: ...
    async def take_sign_in(self, token_hash: str) -> SignInLink | None:
        """The sign-in link stored under that hash, used up (deleted); None when unknown."""
        ...

    async def save_session(self, session: LeadSession) -> None: ...
    async def lead_session(self, token_hash: str) -> LeadSession | None: ...
    async def touch_session(self, token_hash: str, at: datetime) -> None: ...
    async def drop_session(self, token_hash: str) -> None: ...
    async def prune_access(self, sign_ins_before: datetime, idle_before: datetime) -> int:
        """Forget sign-in links made before then and sessions idle since before then."""
        ...

    async def count_hits(self, key: str, since: datetime) -> int:
        """How many hits were counted for key since then."""
        ...

    async def add_hit(self, key: str, at: datetime) -> None: ...
    async def prune_hits(self, before: datetime) -> int: ...


class Boards(Protocol):
    """Each community's board link (stored as a hash only), at most one."""

    async def board_link(self, community_id: int) -> BoardLink | None: ...
    async def board_link_by_hash(self, token_hash: str) -> BoardLink | None: ...
    async def save_board_link(self, link: BoardLink) -> None:
        """Store the community's board link, replacing the one it had."""
        ...

    async def drop_board_link(self, community_id: int) -> bool:
        """Remove the community's board link; False when it had none."""
        ...


class Repository(
    Deliveries,
    Communities,
    People,
    Rounds,
    Schedules,
    Outbox,
    Actions,
    PersonalData,
    Addresses,
    Access,
    Boards,
    Protocol,
):
    """Everything the core reads and writes, inside one transaction."""


class Courier(Protocol):
    """This process's running outbox sender, taking the replies a transaction stored straight
    from it: they are stored already claimed by the courier (its holder), and handed over in
    memory once the transaction commits, so no transaction of the sender's claims them. A
    crash before they are sent leaves them claimed in the outbox, to be sent again once the
    claim is found abandoned (bot/outbox/sender.py)."""

    @property
    def holder(self) -> str:
        """The name claims are made in (this process's)."""
        ...

    def serves(self, item: OutboxItem) -> bool:
        """Whether this item is one to hand over (a direct message decided in full, due now,
        on a platform this process sends on)."""
        ...

    def hold(self, item_ids: Sequence[int]) -> None:
        """These items are claimed for it in a transaction not yet committed: until taken or
        dropped, they are in its hands (not claims left behind)."""
        ...

    def take(self, items: Sequence[OutboxItem]) -> None:
        """The transaction that stored these items committed: send them."""
        ...

    def drop(self, item_ids: Sequence[int]) -> None:
        """The transaction that held these items rolled back: they never existed."""
        ...


class Storage(Protocol):
    """A database: hands out one Repository per transaction."""

    def transaction(self) -> AbstractAsyncContextManager[Repository]:
        """Commit on normal exit, roll back on an exception. A concurrent update to the same
        row or unique key surfaces as ConcurrentUpdate."""
        ...

    def on_queued(self, listener: Callable[[], None]) -> None:
        """Call listener after each commit that queued outbox items (to wake the sender)."""
        ...

    def hand_to(self, courier: Courier | None) -> None:
        """Store the replies the courier serves claimed by it, and hand them to it after each
        commit (None: leave every item to be claimed from the outbox)."""
        ...

    async def ping(self) -> bool:
        """True when the database answers (for health checks)."""
        ...

    async def close(self) -> None: ...
