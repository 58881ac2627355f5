"""SqlRepository: bot.ports.Repository on one AsyncSession, one group of queries per concept;
it returns bot.model dataclasses only."""

from __future__ import annotations

from storage.access import AccessQueries
from storage.actions import ActionQueries
from storage.addresses import AddressQueries
from storage.boards import BoardQueries
from storage.communities import CommunityQueries
from storage.deliveries import DeliveryQueries
from storage.outbox import OutboxQueries
from storage.people import PeopleQueries
from storage.personal_data import PersonalDataQueries
from storage.rounds import RoundQueries
from storage.schedule import ScheduleQueries


class SqlRepository(
    DeliveryQueries,
    CommunityQueries,
    PeopleQueries,
    RoundQueries,
    ScheduleQueries,
    OutboxQueries,
    ActionQueries,
    PersonalDataQueries,
    AddressQueries,
    AccessQueries,
    BoardQueries,
):
    """All reads and writes of one transaction. The session is owned by SqlStorage."""
