"""A real SMTP server on 127.0.0.1 (aiosmtpd, port 0, in the caller's event loop) that keeps
what it receives: the tests' and benches' mail server. It can answer a recipient or DATA with
an error, hang, or be down, so the bot's retries and bounces are tried for real."""

from __future__ import annotations

import asyncio
import email
import email.policy
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.smtp import SMTP, Envelope, Session


@dataclass
class Mailbox:
    """What the server received, and how it should answer next."""

    messages: list[EmailMessage] = field(default_factory=list)
    rcpt_replies: dict[str, str] = field(default_factory=dict)  # address -> "550 5.1.1 ..."
    data_reply: str | None = None  # e.g. "451 4.3.0 Try again later"
    hang: bool = False  # DATA waits until released
    _released: asyncio.Event = field(default_factory=asyncio.Event)
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)
    _server: asyncio.Server | None = None
    port: int = 0

    async def handle_RCPT(
        self, _server: SMTP, _session: Session, envelope: Envelope, address: str, _options: object
    ) -> str:
        reply = self.rcpt_replies.get(address.lower())
        if reply is not None:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, _server: SMTP, _session: Session, envelope: Envelope) -> str:
        if self.hang:
            await self._released.wait()
        if self.data_reply is not None:
            return self.data_reply
        content = envelope.content
        raw = content if isinstance(content, bytes) else (content or "").encode()
        message = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        self._arrived.set()
        return "250 2.0.0 Message accepted"

    async def start(self, port: int = 0) -> None:
        """Listen on 127.0.0.1 (on port, or any free port), in the running loop."""
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: SMTP(self, hostname="mail.test", loop=loop), host="127.0.0.1", port=port
        )
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening (the bot then finds the mail server down)."""
        self._released.set()
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    def release(self) -> None:
        """Let a hung DATA go on."""
        self._released.set()

    def to(self, address: str) -> list[EmailMessage]:
        """The messages for one address, in the order received."""
        return [m for m in self.messages if str(m["To"]).lower() == address.lower()]

    async def wait_for(self, count: int, within: float = 10.0) -> None:
        """Until at least count messages have arrived (a bounded wait, for tests)."""
        async with asyncio.timeout(within):
            while len(self.messages) < count:
                self._arrived.clear()
                await self._arrived.wait()
