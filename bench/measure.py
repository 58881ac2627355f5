"""What the benches measure besides wall-clock time, which a loaded machine distorts: the CPU
time a process spends (its own, or a child bot's from /proc), the SQL statements an engine
runs, and a cProfile summary grouped by layer (the core, the ORM, the driver, the sender)."""

from __future__ import annotations

import cProfile
import os
import pstats
import resource
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int | None = None) -> float:
    """CPU seconds (user + system, every thread) used so far by this process, or by pid."""
    if pid is None:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime
    # /proc/<pid>/stat: fields 14 and 15 (utime, stime) in clock ticks, after "(comm)".
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


@dataclass
class CpuMeter:
    """CPU milliseconds of a process between start() and stop()."""

    pid: int | None = None
    _started: float = 0.0
    spent_ms: float = 0.0

    def start(self) -> None:
        self._started = cpu_seconds(self.pid)

    def stop(self) -> float:
        self.spent_ms = (cpu_seconds(self.pid) - self._started) * 1000
        return self.spent_ms


@dataclass
class StatementCounter:
    """The SQL statements (and commits) an engine runs while counting; keeps the text of
    each statement when logging, for reading one click's SQL."""

    statements: int = 0
    commits: int = 0
    counting: bool = False
    log: list[str] | None = None
    kinds: Counter[str] = field(default_factory=Counter)

    def attach(self, engine: AsyncEngine) -> StatementCounter:
        event.listen(engine.sync_engine, "before_cursor_execute", self._executed)
        event.listen(engine.sync_engine, "commit", self._committed)
        return self

    def _executed(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if self.counting:
            self.statements += 1
            words = statement.split()
            self.kinds[" ".join(words[:3]) if words else "?"] += 1
            if self.log is not None:
                self.log.append(" ".join(statement.split()))

    def _committed(self, _conn: Any) -> None:
        if self.counting:
            self.commits += 1
            if self.log is not None:
                self.log.append("COMMIT")

    @contextmanager
    def counted(self) -> Iterator[StatementCounter]:
        self.counting = True
        try:
            yield self
        finally:
            self.counting = False


LAYERS = (  # by the file a function is in, first match wins
    ("sender", ("bot/outbox/sender.py", "adapters/delivery.py")),
    ("storage", ("/storage/",)),
    ("core", ("/bot/", "/adapters/")),
    ("ORM", ("sqlalchemy/orm/",)),
    ("SQLAlchemy core", ("sqlalchemy/", "greenlet")),
    ("driver", ("aiosqlite", "sqlite3", "asyncpg", "_sqlite")),
    ("event loop", ("asyncio/", "uvloop", "selectors")),
)


def layer(filename: str) -> str:
    for name, parts in LAYERS:
        if any(part in filename for part in parts):
            return name
    if filename.startswith("~") or filename == "":  # built-ins: time in C functions
        return "built-ins"
    return "other"


@contextmanager
def profiled(path: Path | None, units: int, unit: str, enabled: bool = True) -> Iterator[None]:
    """Profile the block with cProfile; print where the time went by layer (self time),
    per unit, and write the full pstats summary to path."""
    if not enabled:
        yield
        return
    # The main thread's CPU time, not the wall clock (which counts waiting for the database as
    # time spent in epoll); a driver's own threads (aiosqlite) are the rest of the process's.
    profile = cProfile.Profile(time.thread_time)
    process_before, thread_before = cpu_seconds(), time.thread_time()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        threads = (cpu_seconds() - process_before) - (time.thread_time() - thread_before)
        stats = pstats.Stats(profile)
        by_layer: Counter[str] = Counter()
        raw: dict[Any, Any] = stats.stats  # type: ignore[attr-defined]
        for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in raw.items():
            by_layer[layer(filename)] += tottime
        if threads > 0.0005 * units:
            by_layer["driver threads"] += threads
        total = sum(by_layer.values()) or 1.0
        print(f"  profile: CPU time by layer (self time), per {unit} ({units} {unit}s)")
        for name, seconds in by_layer.most_common():
            print(f"    {name:16} {seconds * 1000 / max(units, 1):7.3f} ms  {seconds / total:6.1%}")
        if path is not None:
            with path.open("w") as out:
                stats.stream = out  # type: ignore[attr-defined]
                stats.sort_stats("tottime").print_stats(60)
                stats.sort_stats("cumulative").print_stats(60)
            print(f"  full profile (top 60 by self and by cumulative time): {path}")
