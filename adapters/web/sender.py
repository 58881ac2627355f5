"""Sends what the core owes a web participant, by email through aiosmtplib: an invitation, a
reminder, a round's summary, a lead's debrief pack, a note to an action's owner (each with a
fresh personal link). The rest of the conversation (the next card, a confirmation) is not
emailed: their page shows where they are, from the database.

How a send went is said in the core's terms, so the outbox retries and counts it: a 4xx answer
or no connection is TryAgain, a 5xx answer about the recipient is Unreachable (counted as "could
not be reached"), a timeout is MaybeSent. Logs never hold an address or a message's text.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from email.message import EmailMessage
from email.utils import parseaddr

import aiosmtplib

from adapters.web.links import mint
from adapters.web.mail import owed_email, personal_links
from adapters.web.settings import PLATFORM, WebSettings
from bot.messages import Outgoing, Purpose
from bot.ports import Clock, MaybeSent, Refused, Storage, TryAgain, Unreachable

log = logging.getLogger(__name__)

PARALLEL_SENDS = 4  # connections to the mail server at once: servers limit them


def _failure(code: int, reason: str) -> Exception:
    if 400 <= code < 500:
        return TryAgain(f"SMTP {code}")  # the server said "later": greylisting, a full queue
    return Unreachable(f"SMTP {code}: {reason[:60]}")


class EmailSender:
    """The web platform's Sender: emails what a person must be told."""

    def __init__(self, settings: WebSettings, storage: Storage, clock: Clock) -> None:
        self._settings, self._storage, self._clock = settings, storage, clock
        self._slots = asyncio.Semaphore(PARALLEL_SENDS)

    async def send(self, message: Outgoing) -> None:
        if message.purpose is Purpose.REPLY:
            return  # the conversation itself: their page shows it
        if not message.to.direct:
            raise Refused("the web has no channels")
        if not self._settings.email:
            raise Unreachable("email is off (no SMTP_URL)")
        email, address = await self._compose(message)
        await self.deliver(email, address)

    async def _compose(self, message: Outgoing) -> tuple[EmailMessage, str]:
        async with self._storage.transaction() as repo:
            person = await repo.person(PLATFORM, message.to.chat_id)
            address = await repo.address_of(person.id) if person else None
            round_ = await repo.round_by_id(message.round_id) if message.round_id else None
            community_id = round_.community_id if round_ else message.community_id
            community = await repo.community_by_id(community_id) if community_id else None
            if person is None or address is None or community is None:
                raise Unreachable("no address for this person")
            if round_ is None and message.purpose is not Purpose.ACTION:
                raise Unreachable("the round this was about is gone")
            token = await mint(repo, person.id, community.id, self._clock.now())
        links = personal_links(self._settings, token)
        return owed_email(self._settings, address, message, round_, community.name, links), address

    async def deliver(self, email: EmailMessage, to: str) -> None:
        """Hand one email for one recipient to the mail server; raises the core's exceptions."""
        smtp = self._settings.smtp
        if smtp is None:
            raise Unreachable("email is off (no SMTP_URL)")
        sender = parseaddr(self._settings.email_from)[1]
        async with self._slots:
            try:
                errors, _reply = await aiosmtplib.send(
                    email,
                    sender=sender,
                    recipients=[to],
                    hostname=smtp.host,
                    port=smtp.port,
                    username=smtp.username or None,
                    password=smtp.password or None,
                    use_tls=smtp.implicit_tls,
                    start_tls=None if not smtp.implicit_tls else False,  # STARTTLS when offered
                    timeout=self._settings.smtp_timeout,
                )
            except aiosmtplib.SMTPRecipientsRefused as error:
                refused = error.recipients[0]
                raise _failure(refused.code, refused.message) from None
            except aiosmtplib.SMTPSenderRefused as error:
                log.warning("the mail server refused the sender EMAIL_FROM (%s)", error.code)
                raise TryAgain(f"SMTP {error.code}") from None
            except aiosmtplib.SMTPTimeoutError:
                raise MaybeSent("the mail server did not answer in time") from None
            except aiosmtplib.SMTPResponseException as error:
                raise _failure(error.code, error.message) from None
            except (aiosmtplib.SMTPException, OSError, ssl.SSLError) as error:
                raise TryAgain(type(error).__name__) from None
        if errors:  # refused for this one recipient, though the server took the message
            answer = next(iter(errors.values()))
            raise _failure(answer.code, answer.message)
