"""What a web front end asks of the access rules, one call and one transaction each: personal
pages, joining, unsubscribing, a person's own data, the board by its link, leads signing in
and out, and the emails the outbox owes by email (their links made as they are sent).

The adapter translates HTTP into these calls and lays out what they return; every rule (how
long a link lasts, who may sign in, what a join request keeps, how often anyone may ask) is
here, so the next front end cannot write it again differently.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from typing import TypeVar

from bot.access import sign_in as signing
from bot.access.joining import ask_to_join, confirm, join_request
from bot.access.limits import AccessLimits, allow
from bot.access.links import STOPS_EMAILS, Access, Visit, holder, queue_link_email, visit
from bot.board.access import board_community
from bot.board.view import BoardView, board_view
from bot.messages import Outgoing
from bot.model import Community, PersonRef
from bot.outbox.letters import Letter, letter
from bot.platforms import Platforms
from bot.ports import Clock, Repository, Storage
from bot.privacy.data_rights import PersonRecord, forget, person_record, stop_emails
from bot.transaction import in_one_transaction, once

T = TypeVar("T")


class Asked(enum.Enum):
    """What came of asking for something by email (a link, a sign-in, to join)."""

    SENT = "sent"  # (or, for a sign-in, sent if the address is a lead's: the page says the same)
    LIMITED = "limited"  # asked too often: nothing was sent
    NOT_VALID = "not valid"  # the link or code behind the page is not (or no longer) one


class _Limited(Exception):
    """Asked too often: the transaction is rolled back, so nothing (not even the form's
    delivery id) is kept, and the same form sent again is answered the same."""


class AccessDesk:
    """The access rules' front door."""

    def __init__(
        self,
        storage: Storage,
        clock: Clock,
        platforms: Platforms,
        limits: AccessLimits | None = None,
    ) -> None:
        self._storage, self._clock, self._platforms = storage, clock, platforms
        self.limits = limits or AccessLimits()

    async def _once(
        self, work: Callable[[Repository], Awaitable[T]], repeated: T, delivery: str | None = None
    ) -> T:
        """work in one transaction; a delivery (a form's nonce) seen before gets `repeated`."""
        email = self._platforms.by_email()
        if delivery is None or email is None:
            return await in_one_transaction(self._storage, work)
        return await once(self._storage, self._clock, work, (email.name, delivery), repeated)

    async def _ask(
        self, work: Callable[[Repository], Awaitable[Asked]], delivery: str | None = None
    ) -> Asked:
        """Something asked for by email: LIMITED (and nothing kept) when asked too often."""
        try:
            return await self._once(work, Asked.SENT, delivery)
        except _Limited:
            return Asked.LIMITED

    @property
    def _email_platform(self) -> str:
        email = self._platforms.by_email()
        if email is None:
            raise RuntimeError("no running platform reaches people by email")
        return email.name

    # personal pages

    async def visit(self, token: str) -> Visit | None:
        """A personal link's page: whose it is and where they stand; None: not valid."""

        async def work(repo: Repository) -> Visit | None:
            return await visit(repo, token, self._clock.now(), self._platforms)

        return await self._once(work, None)

    async def holder(self, token: str) -> PersonRef | None:
        """Who a genuine personal link belongs to (the cheap check before a choice)."""

        async def work(repo: Repository) -> PersonRef | None:
            found = await holder(repo, token)
            if found is None:
                return None
            person = found[1]
            return PersonRef(person.platform, person.platform_user_id, person.display_name)

        return await self._once(work, None)

    async def renew_link(self, token: str) -> Asked:
        """ "Email me a new link" on an expired page: owed by email, a few times an hour."""

        async def work(repo: Repository) -> Asked:
            now = self._clock.now()
            found = await visit(repo, token, now, self._platforms)
            if found is None:
                return Asked.NOT_VALID
            limit = [(self.limits.new_link_per_person, str(found.person.id))]
            if not await allow(repo, limit, now):
                raise _Limited()
            await queue_link_email(repo, found.person.id, found.community.id, now)
            return Asked.SENT

        return await self._ask(work)

    async def unsubscribe_page(self, token: str) -> Community | None:
        """The community an unsubscribe link (or a personal page's) stops emails from; None:
        the link is not valid."""

        async def work(repo: Repository) -> Community | None:
            found = await visit(repo, token, self._clock.now(), self._platforms, STOPS_EMAILS)
            return None if found is None else found.community

        return await self._once(work, None)

    async def stop_emails(self, token: str) -> Community | None:
        """Unsubscribe the link's person from its community (an unsubscribe link, or their
        page's); None: the link is not valid."""

        async def work(repo: Repository) -> Community | None:
            found = await visit(repo, token, self._clock.now(), self._platforms, STOPS_EMAILS)
            if found is None:
                return None
            await stop_emails(repo, found.person, found.community.id)
            return found.community

        return await self._once(work, None)

    async def your_data(self, token: str) -> tuple[Visit, PersonRecord] | None:
        """Everything stored about the link's person; None: the link is not valid."""

        async def work(repo: Repository) -> tuple[Visit, PersonRecord] | None:
            found = await visit(repo, token, self._clock.now(), self._platforms)
            if found is None:
                return None
            return found, await person_record(repo, found.person)

        return await self._once(work, None)

    async def forget_me(self, token: str, delivery: str) -> Community | None:
        """Erase the link's person (their link stops working with them); None: not valid."""

        async def work(repo: Repository) -> Community | None:
            found = await visit(repo, token, self._clock.now(), self._platforms)
            if found is None or found.access is Access.EXPIRED:
                return None
            await forget(repo, found.person)
            return found.community

        return await self._once(work, None, delivery)

    # joining

    async def join_page(self, code: str) -> Community | None:
        """The community whose join page this code opens; None: not valid."""

        async def work(repo: Repository) -> Community | None:
            return await repo.community_by_join_code(code)

        return await self._once(work, None)

    async def ask_to_join(self, code: str, address: str, ip: str, nonce: str) -> Asked:
        """A join request from the join page (a form sent twice asks once)."""

        async def work(repo: Repository) -> Asked:
            community = await repo.community_by_join_code(code)
            if community is None:
                return Asked.NOT_VALID
            now = self._clock.now()
            asked = await ask_to_join(
                repo, community, address, ip, self._email_platform, now, self.limits
            )
            if not asked:
                raise _Limited()
            return Asked.SENT

        return await self._ask(work, nonce)

    async def join_request(self, token: str) -> Community | None:
        """The community a confirmation link would enrol its address in; None: not valid."""

        async def work(repo: Repository) -> Community | None:
            asked = await join_request(repo, token, self._clock.now())
            return await repo.community_by_id(asked.community_id) if asked else None

        return await self._once(work, None)

    async def confirm_join(self, token: str) -> bool:
        """Confirm a join request (or find it confirmed already): the address becomes a
        member (and joins the round open now), its page link is emailed, and the token opens
        their page. False: the link is unknown or expired."""

        async def work(repo: Repository) -> bool:
            return await confirm(
                repo, token, self._email_platform, self._clock.now(), self._platforms
            )

        return await self._once(work, False)

    # the partnership board

    async def board(self, token: str) -> BoardView | None:
        """The board its link opens; None: not valid (unknown, replaced or turned off)."""

        async def work(repo: Repository) -> BoardView | None:
            community = await board_community(repo, token)
            if community is None:
                return None
            return await board_view(repo, community, self._clock.now())

        return await self._once(work, None)

    # leads signing in

    async def ask_to_sign_in(self, address: str, ip: str, nonce: str) -> Asked:
        """A sign-in link for this (checked) address, emailed if it is a lead's: SENT either
        way, so the answer never says who leads; LIMITED when asked too often."""

        async def work(repo: Repository) -> Asked:
            now = self._clock.now()
            platform = self._email_platform
            asked = await signing.ask_to_sign_in(repo, address, ip, platform, now, self.limits)
            if not asked:
                raise _Limited()
            return Asked.SENT

        return await self._ask(work, nonce)

    async def sign_in(self, token: str) -> str | None:
        """Use up a sign-in link: a new session's token; None: unknown, used or expired."""

        async def work(repo: Repository) -> str | None:
            return await signing.sign_in(repo, token, self._clock.now())

        return await self._once(work, None)

    async def signed_in(self, session: str) -> signing.SignedIn | None:
        """The lead whose live session this is; None for anything else."""

        async def work(repo: Repository) -> signing.SignedIn | None:
            return await signing.signed_in(repo, session, self._clock.now())

        return await self._once(work, None)

    async def sign_out(self, session: str) -> None:
        async def work(repo: Repository) -> None:
            await signing.sign_out(repo, session)

        await self._once(work, None)

    # what the outbox owes by email

    async def letter(self, message: Outgoing) -> Letter:
        """The email a message becomes, its link made now; Unreachable: nobody to send to."""

        async def work(repo: Repository) -> Letter:
            return await letter(repo, message, self._clock.now())

        return await in_one_transaction(self._storage, work)
