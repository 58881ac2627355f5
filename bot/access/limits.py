"""Rate limits on what anyone may ask for without signing in: sign-in links and join requests
(per address and per IP), and new personal links (per person). A sliding window, counted in
the database: every replica sees the same count, and a restart forgets nothing (a window in
process memory would let each replica, and each restart, allow the whole limit again). What is
counted is a keyed hash of the address or IP, never the value, and hits go after a day.

Two replicas counting at the same instant may both let one more through: a limit is a brake
on abuse, not an exact quota, and one more email an hour does no harm.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.access.tokens import keyed
from bot.ports import Repository

KEEP_HITS = timedelta(days=1)  # longer than any window


@dataclass(frozen=True)
class Limit:
    """At most `hits` requests per value (an address, an IP) in `window`."""

    name: str  # what it counts, as part of the key: "sign-in address"
    hits: int
    window: timedelta = timedelta(hours=1)


@dataclass(frozen=True)
class AccessLimits:
    """Every limit the access rules apply (tests may tighten them)."""

    sign_in_per_address: Limit = Limit("sign-in address", 5)
    sign_in_per_ip: Limit = Limit("sign-in ip", 30)
    join_per_address: Limit = Limit("join address", 3)
    join_per_ip: Limit = Limit("join ip", 30)
    new_link_per_person: Limit = Limit("new link", 3)


def mailbox(address: str) -> str:
    """The mailbox an address reaches, as a limit counts it: the local part without its
    +tag, lower-cased (victim+1@ and Victim+2@ land in one inbox, so they share one limit)."""
    local, _, domain = address.rpartition("@")
    return f"{local.split('+', 1)[0]}@{domain}".lower()


async def allow(repo: Repository, checks: Sequence[tuple[Limit, str]], now: datetime) -> bool:
    """Whether a request within every one of these limits (each with the value it counts);
    an allowed request is counted against each, a refused one against none."""
    secret = repo.deployment_secret()
    keys = [(limit, keyed(secret, f"rate:{limit.name}", value)) for limit, value in checks]
    for limit, key in keys:
        if await repo.count_hits(key, now - limit.window) >= limit.hits:
            return False
    for _limit, key in keys:
        await repo.add_hit(key, now)
    return True
