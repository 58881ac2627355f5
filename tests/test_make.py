"""The README's two commands: `make run` installs the bot's own dependencies only, and `make
test` on a machine without Chromium installs it (root with apt-get, as .ci/run does) or stops
at once with one line saying what to install."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _make(*arguments: str) -> subprocess.CompletedProcess[str]:
    make = shutil.which("make")
    assert make is not None, "make is one of the README's prerequisites"
    return subprocess.run(
        [make, "--no-print-directory", "-C", str(ROOT), *arguments],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_make_test_without_chromium_and_no_way_to_install_it_stops_at_once_with_one_line() -> None:
    done = _make("-n", "test", "CHROMIUM=no-such-chromium", "APT_GET=no-such-apt-get")
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "apt-get install chromium chromium-driver" in lines[0]
    assert "pip install" not in done.stdout  # nothing else was going to run first


def test_make_test_without_chromium_installs_it_when_it_can() -> None:
    # APT_GET=echo stands in for apt-get: the recipe says what it would run.
    done = _make("browsers", "CHROMIUM=no-such-chromium", "APT_GET=echo")
    if done.returncode != 0:  # not root here: then it must have stopped with the one line
        assert "apt-get install chromium chromium-driver" in done.stderr
        return
    assert "install -y -qq chromium chromium-driver" not in done.stdout  # sent to /dev/null
    assert "update -qq" in done.stdout and "Installing Debian's chromium" in done.stdout


def test_make_run_installs_the_main_dependencies_without_the_dev_extras() -> None:
    done = _make("-n", "-B", "run")
    installs = [line for line in done.stdout.splitlines() if "pip install" in line]
    assert done.returncode == 0 and installs
    assert not any("[dev]" in line for line in installs)
    assert done.stdout.strip().splitlines()[-1].endswith("maturity-bot run")
