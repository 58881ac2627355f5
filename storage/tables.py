"""ORM tables, and their conversion to bot.model dataclasses. Nothing outside storage/ sees
these classes."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import DeclarativeBase, InstrumentedAttribute, Mapped, mapped_column

from bot.model import Participation, Rubric, Stage
from bot.platform_text import clip
from bot.rubric.loader import rubric_from_dict

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

UNCLOSED_ROUND_INDEX = "uq_rounds_one_unclosed"


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC; always returns aware UTC datetimes.

    SQLite keeps naive UTC text (so text order is time order); PostgreSQL uses timestamptz.
    Naive datetimes are refused: the caller must say which zone it means.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} given; pass an aware datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def fit(text: str, column: InstrumentedAttribute[str] | InstrumentedAttribute[str | None]) -> str:
    """Text clipped to its column's width: the last guard, so that one long name from a platform
    never fails a whole transaction (PostgreSQL refuses what SQLite would quietly keep)."""
    length = getattr(column.type, "length", None)
    return clip(text, length) if length else text


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


class CommunityRow(Base):
    __tablename__ = "communities"
    __table_args__ = (Index("uq_communities_join_code", "join_code", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    export_salt: Mapped[str] = mapped_column(String(64))
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict, server_default=text("'{}'"))
    created_at: Mapped[datetime]
    min_responses: Mapped[int] = mapped_column(Integer, default=3, server_default=text("3"))
    join_code: Mapped[str | None] = mapped_column(String(64))
    email_summary: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    priorities: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    perspectives: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    groups: Mapped[list[str] | None] = mapped_column(JSON)  # None: the default list
    export_groups: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )


class CommunityChatRow(Base):
    __tablename__ = "community_chats"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)  # unique(platform, chat)
    chat_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )


class LinkCodeRow(Base):
    """A one-time code that joins another platform's chat to a community."""

    __tablename__ = "link_codes"

    code: Mapped[str] = mapped_column(String(32), primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    expires_at: Mapped[datetime]


class PersonRow(Base):
    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("platform", "platform_user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    platform: Mapped[str] = mapped_column(String(32))
    platform_user_id: Mapped[str] = mapped_column(String(200))
    display_name: Mapped[str] = mapped_column(String(200), default="")
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")


class AddressRow(Base):
    """The email address of a person who takes part by email (erased with the person)."""

    __tablename__ = "addresses"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True
    )
    address: Mapped[str] = mapped_column(String(320), unique=True)


class AccessLinkRow(Base):
    """A personal link, by the hash of its token; with no person, a join request not yet
    confirmed (its address kept until then, pruned after a day)."""

    __tablename__ = "access_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    address: Mapped[str | None] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(index=True)
    salt: Mapped[str | None] = mapped_column(String(64))  # a join request's, since 0013
    kind: Mapped[str] = mapped_column(  # since 0014: LinkKind
        String(16), default="page", server_default=text("'page'")
    )


class SignInRow(Base):
    """A lead's one-time sign-in link, by the hash of its token."""

    __tablename__ = "sign_in_links"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(index=True)


class LeadSessionRow(Base):
    """A lead signed in to the web pages, by the hash of the session cookie's token."""

    __tablename__ = "lead_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    seen_at: Mapped[datetime] = mapped_column(index=True)


class RateHitRow(Base):
    """One request counted by a rate limit: a keyed hash of what it counts (an address, an
    IP) and when. Shared by every replica; kept for the longest window."""

    __tablename__ = "rate_hits"
    __table_args__ = (Index("ix_rate_hits_key_at", "key", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]


class BoardLinkRow(Base):
    """A community's board link, by the hash of its token (one per community)."""

    __tablename__ = "board_links"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    salt: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]


class MembershipRow(Base):
    __tablename__ = "memberships"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    role: Mapped[str] = mapped_column(String(32))
    group: Mapped[str | None] = mapped_column(String(60))  # whom they speak for, remembered


class RoundRow(Base):
    __tablename__ = "rounds"
    __table_args__ = (
        UniqueConstraint("community_id", "number"),
        Index(
            UNCLOSED_ROUND_INDEX,
            "community_id",
            unique=True,
            sqlite_where=text("closed_at IS NULL"),
            postgresql_where=text("closed_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    number: Mapped[int]
    title: Mapped[str] = mapped_column(String(200))
    opened_at: Mapped[datetime]
    closes_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    anonymous: Mapped[bool] = mapped_column(Boolean)
    rubric: Mapped[dict[str, Any]]
    min_responses: Mapped[int] = mapped_column(Integer, default=3, server_default=text("3"))
    extended: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    manual_reminded_at: Mapped[datetime | None]
    tallies: Mapped[dict[str, Any] | None]
    timezone: Mapped[str] = mapped_column(String(64), default="UTC", server_default="UTC")
    priorities: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("true"))
    groups: Mapped[list[str] | None] = mapped_column(JSON)  # None: perspectives were off


class ParticipationRow(Base):
    __tablename__ = "participations"

    round_id: Mapped[int] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), primary_key=True
    )
    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    stage: Mapped[str] = mapped_column(String(32))
    position: Mapped[int] = mapped_column(Integer, default=0)
    comment_category: Mapped[str | None] = mapped_column(String(100))
    comment_until: Mapped[datetime | None]
    invited_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    completed_at: Mapped[datetime | None]
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(Integer, default=0)
    reminders_off: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    remind_after: Mapped[datetime | None] = mapped_column(index=True)
    priorities: Mapped[list[str]] = mapped_column(JSON, default=list, server_default=text("'[]'"))
    group: Mapped[str | None] = mapped_column(String(60))  # whom they spoke for in this round
    draft_category: Mapped[str | None] = mapped_column(String(100))
    draft_comment: Mapped[str | None] = mapped_column(Text)


class AnswerRow(Base):
    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("round_id", "person_id", "category_id"),
        CheckConstraint("level IS NULL OR (level >= 1 AND level <= 5)", name="level_range"),
        Index(None, "round_id", "answered_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    category_id: Mapped[str] = mapped_column(String(100))
    level: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class ProcessedDeliveryRow(Base):
    __tablename__ = "processed_deliveries"

    platform: Mapped[str] = mapped_column(String(32), primary_key=True)
    delivery_id: Mapped[str] = mapped_column(String(200), primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(index=True)


class ScheduleRow(Base):
    __tablename__ = "schedules"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    every: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(8))
    weekday: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[str] = mapped_column(String(5))
    timezone: Mapped[str] = mapped_column(String(64))
    duration_days: Mapped[int] = mapped_column(Integer)
    anchor: Mapped[str] = mapped_column(String(10))
    occurrence: Mapped[int] = mapped_column(Integer)
    next_open_at: Mapped[datetime] = mapped_column(index=True)


class OutboxRow(Base):
    """A message owed; the unique key stops a second copy being queued."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index(
            "ix_outbox_waiting",
            "due_at",
            "id",
            sqlite_where=text("sent_at IS NULL AND claimed_at IS NULL"),
            postgresql_where=text("sent_at IS NULL AND claimed_at IS NULL"),
        ),
        # Ids are never used twice: a sender finishing an item that was deleted meanwhile
        # (a forgotten person's) must not touch a newer one.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE")
    )
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("rounds.id", ondelete="CASCADE"), index=True
    )
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    platform: Mapped[str | None] = mapped_column(String(32))
    chat_id: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[dict[str, Any] | None]
    due_at: Mapped[datetime] = mapped_column(index=True)
    claimed_at: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    sent_at: Mapped[datetime | None] = mapped_column(index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    outcome: Mapped[str | None] = mapped_column(String(16))
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id", ondelete="CASCADE"))


class ActionRow(Base):
    """An action the partnership agreed, numbered per community. Its owner is a person (who
    may later be forgotten: the action stays, without owner) or a plain name."""

    __tablename__ = "actions"
    __table_args__ = (UniqueConstraint("community_id", "number"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    category_id: Mapped[str] = mapped_column(String(100))
    what: Mapped[str] = mapped_column(Text)
    owner_person_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="SET NULL"), index=True
    )
    owner_name: Mapped[str | None] = mapped_column(String(200))  # a plain name only
    due: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))
    status_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class LeaseRow(Base):
    """Who runs the scheduler's due work now; another process takes over once it expires."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    expires_at: Mapped[datetime]


class OptOutRow(Base):
    """Someone who asked to be forgotten: not enrolled again unless they come back themselves.
    Only a keyed hash of their platform id is kept (keyed False: an unkeyed sha256 stored before
    migration 0008, replaced by the keyed form when the person is next met)."""

    __tablename__ = "opt_outs"

    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime]
    keyed: Mapped[bool] = mapped_column(Boolean, default=True, server_default=text("false"))


class CommunityOptOutRow(Base):
    """Someone who unsubscribed from one community: a lead there does not add them again
    (joining again themselves does). Only a keyed hash of their address is kept."""

    __tablename__ = "community_opt_outs"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    key_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[datetime]


class DeploymentSecretRow(Base):
    """A secret of this deployment, made at first start (storage/deployment.py); never logged."""

    __tablename__ = "deployment_secrets"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]


# rows to bot.model dataclasses (and back)

_Model = TypeVar("_Model", bound="DataclassInstance")


def to_model(cls: type[_Model], row: Base, **overrides: Any) -> _Model:
    """A bot.model dataclass from the row's same-named attributes (plus overrides)."""
    values = {f.name: getattr(row, f.name) for f in fields(cls) if f.name not in overrides}
    for name, value in values.items():
        if isinstance(value, datetime):  # rows just written still hold the caller's zone
            values[name] = value.astimezone(UTC)
    return cls(**values, **overrides)


def snapshot_rubric(round_id: int, data: dict[str, Any]) -> Rubric:
    """The rubric a round was opened with, from its JSON snapshot."""
    return rubric_from_dict(data, source=f"round {round_id} rubric snapshot")


def participation_model(row: Any) -> Participation:
    """A participation from its row (an ORM row or a plain result row)."""
    return to_model(
        Participation, row, stage=Stage(row.stage), priorities=tuple(row.priorities or ())
    )


def model_values(model: DataclassInstance) -> dict[str, Any]:
    """A flat dict of a dataclass's fields (asdict's deep copy is slow on the hot path)."""
    return {f.name: getattr(model, f.name) for f in fields(model)}


def participation_values(participation: Participation) -> dict[str, Any]:
    return model_values(participation) | {
        "stage": str(participation.stage),
        "priorities": list(participation.priorities),
    }
