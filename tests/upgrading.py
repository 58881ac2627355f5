"""What a database holds, read the same way whatever version of the schema it has: for the
upgrade fixtures (tests/fixtures/upgrades/make.py writes them, tests/test_upgrades.py checks
them).

- `meaning`: the rows that matter, by natural keys (community names, people's platform ids,
  round numbers), without timestamps, ids or random tokens: the same for a version's SQLite
  and PostgreSQL runs, and the same after any upgrade.
- `raw_rows`: every row of every table by primary key, values as the driver returns them:
  before and after an upgrade of the same database, they must agree column by column.
- `schema`: tables, columns, keys, indexes and constraints, to compare two databases' schemas.

Plain SQL on a synchronous Connection (run them with AsyncConnection.run_sync); no ORM, so
they read the schema of any version.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures" / "upgrades"


def _rows(connection: Connection, table: str, tables: set[str]) -> list[dict[str, Any]]:
    if table not in tables:
        return []
    return [dict(row._mapping) for row in connection.execute(text(f'SELECT * FROM "{table}"'))]


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str | bytes) else value


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def _pick(row: dict[str, Any], *names: str) -> dict[str, Any]:
    """The named columns the row has (an older schema lacks the newer ones); booleans as
    booleans whatever the database stores."""
    picked = {}
    for name in names:
        if name in row:
            value = row[name]
            picked[name] = bool(value) if name in _BOOLEANS and value is not None else value
    return picked


_BOOLEANS = frozenset(
    {
        "anonymous",
        "priorities",
        "email_summary",
        "extended",
        "reminders_off",
        "unreachable",
        "keyed",
    }
)


def meaning(connection: Connection) -> dict[str, Any]:
    """The rows that matter, keyed naturally: what an upgrade must keep."""
    tables = set(inspect(connection).get_table_names())
    community = {r["id"]: r["name"] for r in _rows(connection, "communities", tables)}
    # People taking part by email have random platform ids: their address names them.
    address = {r["person_id"]: r["address"] for r in _rows(connection, "addresses", tables)}
    person = {
        r["id"]: f"{r['platform']}:{address.get(r['id'], r['platform_user_id'])}"
        for r in _rows(connection, "people", tables)
    }
    round_key = {
        r["id"]: f"{community[r['community_id']]} #{r['number']}"
        for r in _rows(connection, "rounds", tables)
    }
    found: dict[str, Any] = {
        "communities": {
            r["name"]: {
                **_pick(r, "anonymous", "min_responses", "priorities", "email_summary"),
                "settings": _json(r["settings"]),
                **({"join_code": r["join_code"] is not None} if "join_code" in r else {}),
            }
            for r in _rows(connection, "communities", tables)
        },
        "chats": {
            f"{r['platform']}:{r['chat_id']}": community[r["community_id"]]
            for r in _rows(connection, "community_chats", tables)
        },
        "people": {
            person[r["id"]]: _pick(r, "display_name", "timezone")
            for r in _rows(connection, "people", tables)
        },
        "memberships": {
            f"{community[r['community_id']]} / {person[r['person_id']]}": r["role"]
            for r in _rows(connection, "memberships", tables)
        },
        "rounds": {
            round_key[r["id"]]: {
                **_pick(r, "title", "anonymous", "min_responses", "timezone", "priorities"),
                **_pick(r, "extended"),
                "closed": r["closed_at"] is not None,
                "days_open": (_moment(r["closes_at"]) - _moment(r["opened_at"])).days,
                **({"tallies": _json(r["tallies"])} if r.get("tallies") is not None else {}),
            }
            for r in _rows(connection, "rounds", tables)
        },
        "participations": {
            f"{round_key[r['round_id']]} / {person[r['person_id']]}": {
                **_pick(r, "stage", "position", "reminders_off", "unreachable"),
                "completed": r["completed_at"] is not None,
                **({"snoozed": r["remind_after"] is not None} if "remind_after" in r else {}),
                **({"priorities": _json(r["priorities"])} if "priorities" in r else {}),
            }
            for r in _rows(connection, "participations", tables)
        },
        "answers": {
            f"{round_key[r['round_id']]} / {person[r['person_id']]} / {r['category_id']}": {
                "level": r["level"],
                "comment": r["comment"],
            }
            for r in _rows(connection, "answers", tables)
        },
        "schedules": {
            community[r["community_id"]]: _pick(
                r, "every", "unit", "weekday", "at", "timezone", "duration_days", "occurrence"
            )
            for r in _rows(connection, "schedules", tables)
        },
        "opt_outs": _opt_outs(_rows(connection, "opt_outs", tables)),
        "actions": {
            f"{community[r['community_id']]} #{r['number']}": {
                **_pick(r, "category_id", "what", "status", "owner_name"),
                "owner": person.get(r["owner_person_id"]),
                "due": str(r["due"]) if r["due"] is not None else None,
                "done": r["status_at"] is not None,
            }
            for r in _rows(connection, "actions", tables)
        },
        "addresses": {
            person[r["person_id"]]: r["address"] for r in _rows(connection, "addresses", tables)
        },
        "board_links": sorted(
            community[r["community_id"]] for r in _rows(connection, "board_links", tables)
        ),
        "outbox": _outbox(_rows(connection, "outbox", tables)),
    }
    return {name: value for name, value in found.items() if value or name in _ALWAYS}


def _opt_outs(rows: list[dict[str, Any]]) -> dict[str, int]:
    """How many people asked to be forgotten (and how many of those rows are keyed hashes,
    where the schema says)."""
    counted = {"count": len(rows)}
    if rows and "keyed" in rows[0]:
        counted["keyed"] = sum(bool(row["keyed"]) for row in rows)
    return counted if rows else {}


def _outbox(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The messages owed or sent, by key; replies have random keys, so only their number."""
    keys = [row["key"] for row in rows]
    return {
        "keys": sorted(k for k in keys if not k.startswith("reply:")),
        "replies": sum(k.startswith("reply:") for k in keys),
    }


_ALWAYS = frozenset({"communities", "people", "rounds", "answers"})


def _plain(value: Any) -> Any:
    """A value as JSON can hold it, unchanged in meaning."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | bytes | memoryview):
        return str(value) if isinstance(value, Decimal) else bytes(value).hex()
    return value


def raw_rows(connection: Connection) -> dict[str, dict[str, dict[str, Any]]]:
    """Every row of every table, by its primary key, every column as the driver reads it."""
    schema = inspect(connection)
    rows: dict[str, dict[str, dict[str, Any]]] = {}
    for table in sorted(schema.get_table_names()):
        key_columns = schema.get_pk_constraint(table)["constrained_columns"]
        by_key = {}
        for row in _rows(connection, table, {table}):
            plain = {name: _plain(value) for name, value in row.items()}
            by_key[json.dumps([plain[c] for c in key_columns] or plain, sort_keys=True)] = plain
        rows[table] = by_key
    return rows


def schema(connection: Connection) -> dict[str, Any]:
    """Everything about the schema an upgrade must get right, for comparing two databases:
    per table its columns (type, nullability, default), primary and foreign keys, unique and
    check constraints and indexes (with their WHERE on SQLite and PostgreSQL), and on SQLite
    whether ids may be used twice (AUTOINCREMENT). Column order is left out: the code names
    every column it reads."""
    inspector = inspect(connection)
    described: dict[str, Any] = {}
    for table in sorted(inspector.get_table_names()):
        if table == "sqlite_sequence":
            continue
        foreign = inspector.get_foreign_keys(table)
        described[table] = {
            "columns": {
                c["name"]: [str(c["type"]), c["nullable"], str(c.get("default"))]
                for c in inspector.get_columns(table)
            },
            "primary_key": inspector.get_pk_constraint(table)["constrained_columns"],
            "foreign_keys": sorted(
                json.dumps(
                    [
                        f["name"],
                        f["constrained_columns"],
                        f["referred_table"],
                        f["referred_columns"],
                        f.get("options", {}),
                    ],
                    sort_keys=True,
                )
                for f in foreign
            ),
            "unique": sorted(
                json.dumps([u["name"], u["column_names"]])
                for u in inspector.get_unique_constraints(table)
            ),
            "checks": sorted(
                json.dumps([c["name"], c["sqltext"]])
                for c in inspector.get_check_constraints(table)
            ),
            "indexes": _indexes(connection, table),
        }
        if connection.dialect.name == "sqlite":
            definition = connection.scalar(
                text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :t"),
                {"t": table},
            )
            described[table]["autoincrement"] = "AUTOINCREMENT" in str(definition).upper()
    return described


def _indexes(connection: Connection, table: str) -> list[str]:
    """Each index's own definition as the database keeps it (with its WHERE)."""
    if connection.dialect.name == "sqlite":
        found = connection.execute(
            text("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = :t"),
            {"t": table},
        )
    else:
        found = connection.execute(
            text(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = :t"
                " AND schemaname = current_schema()"
            ),
            {"t": table},
        )
    return sorted(f"{name}: {definition}" for name, definition in found)
