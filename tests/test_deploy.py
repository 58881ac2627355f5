"""Deployment files: the compose file parses and wires what it should, the image's install
steps work in a fresh virtualenv, and .env.example names every setting."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"


def test_compose_runs_the_bot_on_postgres_with_a_named_volume() -> None:
    compose = yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())
    db, bot = compose["services"]["db"], compose["services"]["bot"]
    assert db["image"] == "postgres:16"
    assert "pgdata:/var/lib/postgresql/data" in db["volumes"] and "pgdata" in compose["volumes"]
    assert bot["build"]["dockerfile"] == "deploy/Dockerfile"
    assert (DEPLOY / bot["build"]["context"] / bot["build"]["dockerfile"]).is_file()
    assert bot["env_file"] == ".env"
    assert bot["environment"]["DATABASE_URL"].startswith("postgresql://maturity:")
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"


def test_the_image_runs_as_a_user_and_checks_its_health() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim$", dockerfile, re.M)
    assert re.search(r"^USER maturity$", dockerfile, re.M)
    assert "/healthz" in dockerfile.split("HEALTHCHECK", 1)[1]
    assert 'CMD ["maturity-bot", "run"]' in dockerfile
    for copied in re.findall(r"^COPY (.+) \./?\S*$", dockerfile, re.M):
        for name in copied.split():
            assert (ROOT / name).exists(), name


def test_env_example_names_every_setting() -> None:
    readers = [ROOT / "bot/config.py", *ROOT.glob("adapters/*/settings.py")]
    read = {name for f in readers for name in re.findall(r'env\.get\("([A-Z_]+)"', f.read_text())}
    example = (DEPLOY / ".env.example").read_text()
    named = set(re.findall(r"^#?([A-Z_]+)=", example, re.M))
    assert read - named == set()
    assert read >= {"DATABASE_URL", "SLACK_BOT_TOKEN", "TELEGRAM_BOT_TOKEN", "RETENTION_DAYS"}


def test_the_image_install_steps_work_in_a_fresh_virtualenv(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    subprocess.run(
        [venv / "bin/pip", "install", "--quiet", str(ROOT)],
        check=True,
        timeout=600,
        capture_output=True,
    )
    env = {
        "PATH": f"{venv / 'bin'}",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'image.db'}",
        "HOME": str(tmp_path),
    }
    for command in (["rubric", "check"], ["db", "upgrade"], ["config", "check"]):
        result = subprocess.run(
            [venv / "bin/maturity-bot", *command],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, (command, result.stderr)
    assert (tmp_path / "image.db").is_file()
