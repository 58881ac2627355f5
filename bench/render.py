"""Time and memory of the summary chart for a 1,000-participant round, all in memory.

Builds one round of plausible random answers (fixed seed, some "not sure"), then prints:
  * the median wall time of summarise + chart data + summary PNG (target < 300 ms);
  * resident memory before and after N renders (target: growth < 10 MiB).

    .venv/bin/python bench/render.py [--renders 1000] [--participants 1000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.model import Answer, Participation, Round, Stage  # noqa: E402
from bot.rubric.loader import load_rubric  # noqa: E402
from bot.summary.charts import render_summary_png, summary_chart  # noqa: E402
from bot.summary.numbers import summarise  # noqa: E402

TIME_TARGET_MS = 300
GROWTH_TARGET_MIB = 10
TIMED_RUNS, WARM_UP = 20, 3
OPENED = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)


def build_round(
    participants: int, seed: int = 1
) -> tuple[Round, list[Answer], list[Participation]]:
    """A closed round where each category has its own typical level and spread."""
    rng = random.Random(seed)
    rubric = load_rubric(ROOT / "rubric.toml")
    round_ = Round(
        1,
        1,
        1,
        "Bench round",
        OPENED,
        OPENED + timedelta(days=14),
        OPENED + timedelta(days=14),
        True,
        rubric,
    )
    answers: list[Answer] = []
    participations: list[Participation] = []
    centres = {c.id: rng.uniform(1.5, 4.5) for c in rubric.categories}
    for person in range(participants):
        done = rng.random() < 0.9  # some invited people never finish
        participations.append(
            Participation(
                round_.id,
                person,
                Stage.SUBMITTED if done else Stage.ANSWERING,
                completed_at=OPENED if done else None,
            )
        )
        for category in rubric.categories:
            level = None  # "not sure" about one answer in twelve
            if rng.random() >= 1 / 12:
                level = min(5, max(1, round(rng.gauss(centres[category.id], 1.0))))
            answers.append(Answer(round_.id, person, category.id, level, None, OPENED, OPENED))
    return round_, answers, participations


def rss_mib() -> float:
    """Resident set size now, from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--renders", type=int, default=1000, help="renders for the memory check")
    parser.add_argument("--participants", type=int, default=1000)
    args = parser.parse_args()
    round_, answers, participations = build_round(args.participants)

    def once() -> bytes:
        return render_summary_png(summary_chart(summarise(round_, answers, participations)))

    for _ in range(WARM_UP):
        once()
    times = []
    for _ in range(TIMED_RUNS):
        started = time.perf_counter()
        once()
        times.append((time.perf_counter() - started) * 1000)
    median = statistics.median(times)
    verdict = "ok" if median < TIME_TARGET_MS else "MISSED"
    print(
        f"summary render: median {median:.0f} ms over {TIMED_RUNS} runs, {args.participants} "
        f"participants (target < {TIME_TARGET_MS} ms: {verdict})"
    )

    before = rss_mib()
    started = time.perf_counter()
    for _ in range(args.renders):
        once()
    elapsed = time.perf_counter() - started
    after = rss_mib()
    growth = after - before
    verdict = "ok" if growth < GROWTH_TARGET_MIB else "MISSED"
    print(
        f"memory: RSS {before:.1f} MiB before, {after:.1f} MiB after {args.renders} renders "
        f"({elapsed:.0f} s), growth {growth:+.1f} MiB (target growth < {GROWTH_TARGET_MIB} MiB: "
        f"{verdict})"
    )


if __name__ == "__main__":
    main()
