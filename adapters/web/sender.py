"""Sends what the core owes a person by email: the core works out the letter (the address, and
a link made as it is sent: bot/outbox/letters.py), mail.py lays it out, and it goes through
aiosmtplib (or, with SMTP_URL=file:FOLDER, into that folder as an .eml file). The rest of the
conversation (the next card, a confirmation) is not emailed: their page shows where they are.

How a send went is said in the core's terms, so the outbox retries and counts it: a 4xx answer
or no connection is TryAgain, a 5xx answer about the recipient is Unreachable (counted as "could
not be reached"), a timeout is MaybeSent. Logs never hold an address or a message's text.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import re
import secrets
import ssl
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from email import policy
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

import aiosmtplib

from adapters.web.mail import compose
from adapters.web.settings import WebSettings
from bot.messages import Outgoing, Purpose
from bot.outbox.letters import Letter
from bot.ports import MaybeSent, Refused, TryAgain, Unreachable

log = logging.getLogger(__name__)

PARALLEL_SENDS = 4  # connections to the mail server at once: servers limit them
Letters = Callable[[Outgoing], Awaitable[Letter]]  # the core's: the letter a message becomes
_UNSAFE = re.compile(r"[^A-Za-z0-9@._+-]")


def _failure(code: int, reason: str) -> Exception:
    if 400 <= code < 500:
        return TryAgain(f"SMTP {code}")  # the server said "later": greylisting, a full queue
    return Unreachable(f"SMTP {code}: {reason[:60]}")


class EmailSender:
    """The web platform's Sender: emails what a person must be told."""

    def __init__(self, settings: WebSettings, letters: Letters) -> None:
        self._settings, self._letters = settings, letters
        self._slots = asyncio.Semaphore(PARALLEL_SENDS)

    async def send(self, message: Outgoing) -> None:
        if message.purpose is Purpose.REPLY:
            return  # the conversation itself: their page shows it
        if not message.to.direct:
            raise Refused("the web has no channels")
        letter = await self._letters(message)  # Unreachable when there is nobody to send to
        await self.deliver(compose(self._settings, letter), letter.address)

    async def deliver(self, email: EmailMessage, to: str) -> None:
        """Hand one email for one recipient over; raises the core's exceptions."""
        if self._settings.mail_folder is not None:
            await asyncio.to_thread(write_eml, self._settings.mail_folder, email, to)
            return
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


def write_eml(folder: Path, email: EmailMessage, to: str) -> Path:
    """Write the email into folder as an .eml file that reads as plain text (its text parts
    in UTF-8, not base64), named by time and recipient; the path. For trying the bot without
    a mail server: nothing is sent."""
    readable = copy.deepcopy(email)
    for part in readable.walk():
        if part.get_content_maintype() == "text" and not part.is_attachment():
            text = part.get_content()
            part.set_content(text, subtype=part.get_content_subtype(), cte="8bit")
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    path = folder / f"{stamp}-{secrets.token_hex(3)}-{_UNSAFE.sub('_', to)}.eml"
    partial = path.with_suffix(".part")
    partial.write_bytes(readable.as_bytes(policy=policy.SMTPUTF8))
    partial.replace(path)  # a reader never sees half an email
    return path
