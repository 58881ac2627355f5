"""Communities' cadences, and the lease that lets one process at a time do the scheduled work."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any, cast

from sqlalchemy import CursorResult, delete, or_, select, update

from bot.model import Cadence, Schedule, Unit
from storage.base import QueryBase
from storage.tables import LeaseRow, ScheduleRow


def _schedule(row: ScheduleRow) -> Schedule:
    """The typed schedule from its row (times and dates are kept as text)."""
    plan = Cadence(
        row.every,
        Unit(row.unit),
        row.weekday,
        time.fromisoformat(row.at),
        row.timezone,
        row.duration_days,
    )
    next_open_at = row.next_open_at.astimezone(UTC)  # a row just written keeps the caller's zone
    return Schedule(
        row.community_id, plan, date.fromisoformat(row.anchor), row.occurrence, next_open_at
    )


class ScheduleQueries(QueryBase):
    """Schedules and leases."""

    async def schedule(self, community_id: int) -> Schedule | None:
        row = await self._session.get(ScheduleRow, community_id)
        return None if row is None else _schedule(row)

    async def save_schedule(self, schedule: Schedule) -> None:
        plan = schedule.cadence
        row = ScheduleRow(
            community_id=schedule.community_id,
            every=plan.every,
            unit=str(plan.unit),
            weekday=plan.weekday,
            at=f"{plan.at:%H:%M}",
            timezone=plan.timezone,
            duration_days=plan.duration_days,
            anchor=schedule.anchor.isoformat(),
            occurrence=schedule.occurrence,
            next_open_at=schedule.next_open_at,
        )
        await self._session.merge(row)
        await self._session.flush()

    async def delete_schedule(self, community_id: int) -> None:
        await self._session.execute(
            delete(ScheduleRow).where(ScheduleRow.community_id == community_id)
        )

    async def due_schedules(self, now: datetime) -> Sequence[Schedule]:
        rows = await self._session.scalars(
            select(ScheduleRow).where(ScheduleRow.next_open_at <= now)
        )
        return [_schedule(row) for row in rows]

    async def prune_leases(self, expired_before: datetime) -> int:
        result = cast(
            "CursorResult[Any]",
            await self._session.execute(
                delete(LeaseRow).where(LeaseRow.expires_at < expired_before)
            ),
        )
        return result.rowcount

    async def lease_holder(self, name: str, now: datetime) -> str | None:
        lease = await self._session.get(LeaseRow, name)
        return lease.holder if lease is not None and lease.expires_at > now else None

    async def take_lease(self, name: str, holder: str, now: datetime, until: datetime) -> bool:
        result = cast(
            "CursorResult[Any]",
            await self._session.execute(
                update(LeaseRow)
                .where(
                    LeaseRow.name == name,
                    or_(LeaseRow.holder == holder, LeaseRow.expires_at <= now),
                )
                .values(holder=holder, expires_at=until)
            ),
        )
        if result.rowcount == 1:
            return True
        if await self._session.get(LeaseRow, name) is not None:
            return False  # someone else holds it
        self._session.add(LeaseRow(name=name, holder=holder, expires_at=until))
        await self._session.flush()  # a concurrent first taker fails on the key
        return True
