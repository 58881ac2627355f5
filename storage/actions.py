"""Actions the partnership agreed, numbered per community; a person owner's name comes from
their person row, so forgetting them leaves the action without a name."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select, update

from bot.model import ActionStatus, AgreedAction
from storage.base import QueryBase
from storage.tables import ActionRow, PersonRow, fit, to_model

# An action with its person owner's name (statements are immutable: each query adds to this).
WITH_OWNER = select(ActionRow, PersonRow.display_name, PersonRow.platform_user_id).outerjoin(
    PersonRow, PersonRow.id == ActionRow.owner_person_id
)


def _action(row: Any) -> AgreedAction:
    action, display_name, user_id = row
    owner = (display_name or user_id) if action.owner_person_id else action.owner_name
    return to_model(
        AgreedAction,
        action,
        status=ActionStatus(action.status),
        owner_name=owner or "",
    )


class ActionQueries(QueryBase):
    """Agreed actions."""

    async def add_action(
        self,
        community_id: int,
        category_id: str,
        what: str,
        at: datetime,
        owner_person_id: int | None = None,
        owner_name: str = "",
        due: date | None = None,
    ) -> AgreedAction:
        last = await self._session.scalar(
            select(func.max(ActionRow.number)).where(ActionRow.community_id == community_id)
        )
        row = ActionRow(
            community_id=community_id,
            number=(last or 0) + 1,
            category_id=category_id,
            what=what,
            owner_person_id=owner_person_id,
            owner_name=None if owner_person_id is not None else (owner_name or None),
            due=due,
            status=str(ActionStatus.OPEN),
            created_at=at,
        )
        self._session.add(row)
        await self._session.flush()  # a twin numbered the same fails on the unique key
        added = await self.action_by_id(row.id)
        assert added is not None
        return added

    async def action_by_id(self, action_id: int) -> AgreedAction | None:
        row = (await self._session.execute(WITH_OWNER.where(ActionRow.id == action_id))).first()
        return None if row is None else _action(row)

    async def action_by_number(self, community_id: int, number: int) -> AgreedAction | None:
        statement = WITH_OWNER.where(
            ActionRow.community_id == community_id, ActionRow.number == number
        )
        row = (await self._session.execute(statement)).first()
        return None if row is None else _action(row)

    async def actions(self, community_id: int) -> Sequence[AgreedAction]:
        rows = await self._session.execute(
            WITH_OWNER.where(ActionRow.community_id == community_id).order_by(ActionRow.number)
        )
        return [_action(row) for row in rows]

    async def set_action_status(self, action_id: int, status: ActionStatus, at: datetime) -> None:
        await self._session.execute(
            update(ActionRow)
            .where(ActionRow.id == action_id)
            .values(status=str(status), status_at=at)
        )

    async def update_action(self, action: AgreedAction) -> None:
        await self._session.execute(
            update(ActionRow)
            .where(ActionRow.id == action.id)
            .values(
                what=action.what,
                owner_person_id=action.owner_person_id,
                owner_name=None
                if action.owner_person_id is not None
                else (fit(action.owner_name, ActionRow.owner_name) or None),
                due=action.due,
            )
        )

    async def actions_owned_by(self, person_id: int) -> Sequence[AgreedAction]:
        rows = await self._session.execute(
            WITH_OWNER.where(ActionRow.owner_person_id == person_id).order_by(ActionRow.id)
        )
        return [_action(row) for row in rows]
