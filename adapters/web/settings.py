"""The web channel's settings: PUBLIC_URL (the web channel is on when it is set), and SMTP_URL
with EMAIL_FROM (email is on when both are set too). SMTP_URL=file:mail/ writes each email to
that folder as an .eml file instead of sending it (for trying the bot without a mail server).
Passwords are masked in `config check` and kept out of repr()."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import unquote, urlsplit

from bot.config import Setting, mask

PLATFORM = "web"
LOCAL_HOSTS = ("127.0.0.1", "localhost", "::1")  # plain http is allowed for these (tests, trials)

SETTINGS = (
    Setting(
        "PUBLIC_URL",
        "",
        "the https address people reach the bot at (http only on 127.0.0.1): turns the web "
        "pages on",
    ),
    Setting(
        "SMTP_URL",
        "",
        "the mail server: `smtp://user:password@host:587` (STARTTLS when offered), "
        "`smtps://…@host:465`, or `file:mail/` to write each email to that folder. Email is on "
        "when it and `EMAIL_FROM` are set",
    ),
    Setting("EMAIL_FROM", "", "the sender of every email: `Name <address>` or an address"),
)


@dataclass(frozen=True)
class SmtpSettings:
    """Where email is handed over: smtp:// (STARTTLS when offered) or smtps:// (TLS at once)."""

    host: str
    port: int
    implicit_tls: bool
    username: str = ""
    password: str = field(default="", repr=False)

    def describe(self) -> str:
        scheme = "smtps" if self.implicit_tls else "smtp"
        user = f"{self.username}:***@" if self.username else ""
        return f"{scheme}://{user}{self.host}:{self.port}"


@dataclass(frozen=True)
class WebSettings:
    public_url: str  # the https base people reach the bot at, without a trailing /
    smtp: SmtpSettings | None = None
    email_from: str = ""
    smtp_timeout: float = 30.0  # seconds for each step of a send (tests shorten it)
    platform: str = PLATFORM
    mail_folder: Path | None = None  # SMTP_URL=file:FOLDER: emails written there, not sent

    @property
    def email(self) -> bool:
        """Whether the bot can send email (or write it to a folder)."""
        return (self.smtp is not None or self.mail_folder is not None) and bool(self.email_from)

    @property
    def secure(self) -> bool:
        return self.public_url.startswith("https://")


def parse_smtp_url(url: str) -> SmtpSettings | None:
    """smtp://user:pass@host:587 or smtps://user:pass@host:465; None when it is not one."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        return None
    implicit = parts.scheme == "smtps"
    return SmtpSettings(
        parts.hostname,
        port or (465 if implicit else 587),
        implicit,
        unquote(parts.username or ""),
        unquote(parts.password or ""),
    )


def _public_url(text: str, problems: list[str]) -> str:
    url = text.rstrip("/")
    try:
        parts = urlsplit(url)
    except ValueError:
        parts = urlsplit("")
    local_http = parts.scheme == "http" and parts.hostname in LOCAL_HOSTS
    if not parts.hostname or (parts.scheme != "https" and not local_http):
        problems.append(f"PUBLIC_URL: “{text}” must be an https:// URL (http:// only on 127.0.0.1)")
    elif parts.query or parts.fragment:
        problems.append(f"PUBLIC_URL: “{text}” must not have a query or fragment")
    return url


def read_settings(env: Mapping[str, str], problems: list[str]) -> WebSettings | None:
    public_url = env.get("PUBLIC_URL", "").strip()
    smtp_url = env.get("SMTP_URL", "").strip()
    email_from = env.get("EMAIL_FROM", "").strip()
    if not public_url:
        if smtp_url or email_from:
            problems.append("SMTP_URL and EMAIL_FROM need PUBLIC_URL: the links in emails use it")
        return None
    url = _public_url(public_url, problems)
    folder = None
    if smtp_url.startswith("file:"):
        folder = Path(smtp_url.removeprefix("file:").strip() or "mail")
    smtp = parse_smtp_url(smtp_url) if smtp_url and folder is None else None
    if smtp_url and smtp is None and folder is None:
        problems.append(
            "SMTP_URL: not smtp://user:password@host:587, smtps://…@host:465 or file:FOLDER/"
        )
    if email_from and "@" not in parseaddr(email_from)[1]:
        problems.append(f"EMAIL_FROM: “{email_from}” is not an email address")
    if bool(smtp_url) != bool(email_from):
        problems.append("SMTP_URL and EMAIL_FROM go together: set both for email, or neither")
    return WebSettings(url, smtp, email_from, mail_folder=folder)


def describe(settings: WebSettings | None) -> list[str]:
    if settings is None:
        return ["Web and email: off (no PUBLIC_URL)"]
    lines = [f"Web: on, pages at {settings.public_url}/"]
    if settings.mail_folder is not None:
        lines += [
            f"  SMTP_URL: file:{settings.mail_folder} (emails are written there, not sent)",
            f"  EMAIL_FROM: {settings.email_from}",
        ]
    elif settings.smtp is None:
        lines.append("  Email: off (no SMTP_URL and EMAIL_FROM): nobody can be sent a link")
    else:
        lines += [
            f"  SMTP_URL: {settings.smtp.describe()}",
            f"  SMTP password: {mask(settings.smtp.password)}",
            f"  EMAIL_FROM: {settings.email_from}",
        ]
    return lines
