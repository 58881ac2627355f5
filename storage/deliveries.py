"""Which platform deliveries were handled already (a platform's retry is recognised by its id)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select

from storage.base import QueryBase
from storage.statements import statements
from storage.tables import AnswerRow, ProcessedDeliveryRow, RoundRow


class DeliveryQueries(QueryBase):
    """Delivery ids, and the totals /metrics shows."""

    async def totals(self) -> tuple[int, int]:
        answers = await self._session.scalar(select(func.count()).select_from(AnswerRow))
        open_rounds = await self._session.scalar(
            select(func.count()).select_from(RoundRow).where(RoundRow.closed_at.is_(None))
        )
        return int(answers or 0), int(open_rounds or 0)

    async def claim_delivery(self, platform: str, delivery_id: str, at: datetime) -> bool:
        # One statement, INSERT ... ON CONFLICT DO NOTHING: its row count says whether the id
        # was new, on SQLite and PostgreSQL alike, without an error to interpret.
        statement = statements(self._postgres).claim_delivery
        params = {"platform": platform, "delivery_id": delivery_id, "processed_at": at}
        result = await self._run(statement, params)
        return bool(result.rowcount == 1)

    async def prune_deliveries(self, before: datetime) -> int:
        result = await self._session.execute(
            delete(ProcessedDeliveryRow).where(ProcessedDeliveryRow.processed_at < before)
        )
        return int(getattr(result, "rowcount", 0) or 0)
