"""What every group of queries shares: the session of one transaction, and a fast path for
Core statements."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Any, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.model import Rubric
from bot.outbox.item import OutboxItem
from bot.ports import Courier

CHUNK = 500  # values in one IN (...): far below either database's limit on parameters

T = TypeVar("T")


class ParsedRubrics:
    """Rounds' rubric snapshots, parsed once and shared by transactions. Only the most
    recently used are kept: a region's year opens thousands of rounds, few of them at once."""

    KEPT = 256

    def __init__(self) -> None:
        self._parsed: OrderedDict[int, Rubric] = OrderedDict()

    def get(self, round_id: int) -> Rubric | None:
        rubric = self._parsed.get(round_id)
        if rubric is not None:
            self._parsed.move_to_end(round_id)
        return rubric

    def keep(self, round_id: int, rubric: Rubric) -> None:
        self._parsed[round_id] = rubric
        self._parsed.move_to_end(round_id)
        while len(self._parsed) > self.KEPT:
            self._parsed.popitem(last=False)

    def __len__(self) -> int:
        return len(self._parsed)


def chunks(items: Sequence[T]) -> list[Sequence[T]]:
    """The items in slices small enough for one IN (...) each."""
    return [items[n : n + CHUNK] for n in range(0, len(items), CHUNK)]


class QueryBase:
    """The session of one transaction, what the storage shares with it (parsed rubrics, the
    deployment's secret) and a fast path for Core statements."""

    def __init__(
        self,
        session: AsyncSession,
        rubrics: ParsedRubrics | None = None,
        secret: bytes | None = None,
        courier: Courier | None = None,
    ) -> None:
        self._session = session
        self._rubrics = ParsedRubrics() if rubrics is None else rubrics
        self._secret = secret  # read once when the storage was opened
        self._postgres = session.get_bind().dialect.name == "postgresql"
        self.queued = False  # outbox rows added: the storage tells its listeners after commit
        # Replies stored claimed by this process's sender: handed to it after the commit.
        self._courier = courier
        self.handed: list[OutboxItem] = []

    async def _run(
        self, statement: Any, params: dict[str, Any] | list[dict[str, Any]] | None = None
    ) -> Any:
        """Execute a Core statement on the transaction's connection, skipping the ORM layer
        (these hot-path statements return plain rows, never ORM objects)."""
        connection = await self._session.connection()
        return await connection.execute(statement, params)
