"""The scheduler's lease: one process at a time does the scheduled work and sends the
fan-outs (invitations and reminders) it queues; another takes over once it expires."""

from __future__ import annotations

from datetime import timedelta

LEASE_NAME = "scheduler"
LEASE_TIME = timedelta(seconds=60)  # a dead leader is replaced within a minute
HEARTBEAT_TIME = timedelta(seconds=60)  # an outbox sender renews its heartbeat at every batch


def heartbeat(holder: str) -> str:
    """The name of the lease an outbox sender renews while it is alive."""
    return f"outbox:{holder}"
