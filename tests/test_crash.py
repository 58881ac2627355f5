"""The short variant of bench/crash.py: the real bot, killed with SIGKILL in the middle of a
round on Slack, Telegram polling, Telegram webhook and Teams (SQLite), loses no acknowledged answer,
doubles nothing, strands nobody and posts nothing twice."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_killing_the_bot_under_load_loses_and_doubles_nothing() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "crash.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=ROOT,
    )
    lines = [line for line in result.stdout.splitlines() if "killed" in line]
    assert len(lines) == 4, result.stdout + result.stderr
    for line in lines:
        assert "killed 2," in line and line.split(" | ")[1].startswith("ok"), line
        assert "lost 0, doubled 0, stranded 0, posts doubled 0" in line, line
    assert result.returncode == 0, result.stdout + result.stderr
