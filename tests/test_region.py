"""The short variant of bench/region.py: two replicas of the real bot on PostgreSQL, a few
communities on Slack and Telegram through a simulated ten weeks, one replica killed with
SIGKILL in the middle of a mass opening: nothing owed is lost, nothing is doubled."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import postgres_url

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.postgres
def test_a_region_through_ten_weeks_loses_and_doubles_nothing() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "region.py"), "--quick"],
        capture_output=True,
        text=True,
        timeout=1200,
        check=False,
        cwd=ROOT,
        env={**os.environ, "TEST_DATABASE_URL": postgres_url()},
    )
    output = result.stdout + result.stderr
    invitations = next(line for line in result.stdout.splitlines() if "invitations:" in line)
    assert "lost 0, doubled 0" in invitations, output
    assert "still owed 0 |" in result.stdout, output
    assert "posts doubled 0; " in result.stdout, output
    assert "killed: replica" in result.stdout, output
    answers = next(line for line in result.stdout.splitlines() if "answers acknowledged" in line)
    assert answers.endswith("lost 0, doubled 0"), output
