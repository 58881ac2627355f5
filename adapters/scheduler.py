"""The one APScheduler in the process: it only wakes the due work up. What is due lives in our
own tables (bot/schedule/duties.py), so APScheduler keeps no job store and a missed wake loses
nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger(__name__)
WAKE_SECONDS = 20  # well inside the lease, so a dead leader is replaced within a minute


class Scheduler:
    """Calls the due work every WAKE_SECONDS, and once straight away (catch-up at start)."""

    def __init__(
        self, due_work: Callable[[], Awaitable[object]], wake_seconds: int = WAKE_SECONDS
    ) -> None:
        self._due_work = due_work
        self._wake_seconds = wake_seconds
        self._scheduler: AsyncIOScheduler | None = None
        self._waking: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Needs a running event loop."""
        scheduler = AsyncIOScheduler(timezone=UTC)
        scheduler.add_job(
            self._wake,
            "interval",
            seconds=self._wake_seconds,
            next_run_time=datetime.now(UTC),  # run once at start: what was missed runs now
            id="due-work",
            max_instances=1,  # a slow wake is never doubled by the next
            coalesce=True,
            misfire_grace_time=None,
        )
        scheduler.start()
        self._scheduler = scheduler

    @property
    def running(self) -> bool:
        return self._scheduler is not None and self._scheduler.running

    def jobs(self) -> list[str]:
        return [job.id for job in self._scheduler.get_jobs()] if self._scheduler else []

    async def _wake(self) -> None:
        self._waking = asyncio.current_task()
        try:
            await self._due_work()
        except Exception:  # the next wake tries again; nothing is marked done on failure
            log.exception("scheduled work failed")
        finally:
            self._waking = None

    async def stop(self, grace_seconds: float = 10) -> None:
        """No more wakes; a wake under way may finish (bounded) before the database closes."""
        scheduler, self._scheduler = self._scheduler, None
        if scheduler is None:
            return
        scheduler.pause()  # no new wakes; shutting down now would cancel the one under way
        waking = self._waking
        if waking is not None and not waking.done():
            try:
                await asyncio.wait_for(asyncio.shield(waking), grace_seconds)
            except TimeoutError:
                log.warning("scheduled work still running at shutdown; it resumes after restart")
        scheduler.shutdown(wait=False)
