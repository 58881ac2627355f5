"""The Teams app package: `maturity-bot teams package` writes a zip whose manifest validates
against Microsoft's published schema (v1.30, vendored in tests/vendor/teams-manifest), with
the icons Teams asks for; `config check` shows the Teams settings with the secret masked."""

from __future__ import annotations

import copy
import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from PIL import Image

from adapters.cli import main
from adapters.teams.package import PackageDetails, manifest

SCHEMA = Path(__file__).parent / "vendor" / "teams-manifest" / "MicrosoftTeams.schema.json"
SCHEMA_SHA256 = "3339690aacd9049bc65ade66b258982803d8c6c6d3897a23f8a057b6ebe35479"
APP_ID = "6f1c2a9e-3b7d-4e8f-9a0b-1c2d3e4f5a6b"
TENANT = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
SECRET = "teams-client-secret-value"


def validator() -> jsonschema.Draft4Validator:
    content = SCHEMA.read_bytes()
    assert hashlib.sha256(content).hexdigest() == SCHEMA_SHA256
    return jsonschema.Draft4Validator(json.loads(content))


@pytest.fixture
def teams_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for key, value in {
        "TEAMS_APP_ID": APP_ID,
        "TEAMS_APP_PASSWORD": SECRET,
        "TEAMS_TENANT_ID": TENANT,
        "PUBLIC_URL": "https://smm.riverside.example",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'bot.db'}",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_the_package_holds_a_valid_manifest_and_its_icons(
    teams_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = teams_env / "maturity-bot-teams.zip"
    assert main(["teams", "package", "--out", str(out)]) == 0
    assert "Upload it in Teams" in capsys.readouterr().out
    with zipfile.ZipFile(out) as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        found = json.loads(archive.read("manifest.json"))
        color = Image.open(io.BytesIO(archive.read("color.png")))
        outline = Image.open(io.BytesIO(archive.read("outline.png")))
    assert sorted(validator().iter_errors(found), key=str) == []
    assert found["manifestVersion"] == "1.30" and found["id"] == APP_ID
    (bot,) = found["bots"]
    assert bot["botId"] == APP_ID
    assert sorted(bot["scopes"]) == ["groupChat", "personal", "team"]
    team_commands = [c["title"] for c in bot["commandLists"][0]["commands"]]
    assert "round open" in team_commands and "round close" in team_commands
    assert found["validDomains"] == ["smm.riverside.example"]
    assert found["developer"]["websiteUrl"] == "https://smm.riverside.example"
    assert color.size == (192, 192)
    assert outline.size == (32, 32) and outline.mode == "RGBA"
    # The outline icon is white on transparent, as Teams wants it.
    colours = {pixel for pixel in outline.getdata() if pixel[3]}
    assert colours == {(255, 255, 255, 255)}
    assert SECRET not in out.read_bytes().decode("latin-1")


def test_the_schema_check_catches_a_broken_manifest() -> None:
    good = manifest(
        PackageDetails(APP_ID, "https://a.example", "https://a.example", "https://a.example")
    )
    assert list(validator().iter_errors(good)) == []
    for breaking in ("no bot id", "a title too long", "no icons", "a fourth scope"):
        bad: dict[str, Any] = copy.deepcopy(good)
        bot = bad["bots"][0]
        if breaking == "no bot id":
            del bot["botId"]
        elif breaking == "a title too long":
            bot["commandLists"][0]["commands"][0]["title"] = "x" * 200
        elif breaking == "no icons":
            del bad["icons"]
        else:
            bot["scopes"].append("everywhere")
        assert list(validator().iter_errors(bad)), breaking


def test_the_package_needs_teams_settings_and_an_https_address(
    teams_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PUBLIC_URL")
    assert main(["teams", "package", "--out", "x.zip"]) == 2
    assert "https://" in capsys.readouterr().err and not (teams_env / "x.zip").exists()
    monkeypatch.delenv("TEAMS_APP_ID")
    assert main(["teams", "package", "--out", "x.zip", "--website", "https://a.example"]) == 2
    assert "TEAMS_APP_ID" in capsys.readouterr().err


def test_config_check_shows_the_teams_settings_with_the_secret_masked(
    teams_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "check"]) == 0
    shown = capsys.readouterr().out
    assert "Teams: on, messages at /api/messages" in shown
    assert f"TEAMS_APP_ID: {APP_ID}" in shown
    assert f"TEAMS_TENANT_ID: {TENANT}" in shown
    assert f"TEAMS_APP_PASSWORD: set, {len(SECRET)} characters (hidden)" in shown
    assert SECRET not in shown


def test_config_check_says_what_is_wrong_with_teams_settings(
    teams_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TEAMS_TENANT_ID", "contoso")
    monkeypatch.delenv("TEAMS_APP_PASSWORD")
    assert main(["config", "check"]) == 2
    err = capsys.readouterr().err
    assert "TEAMS_TENANT_ID must be your organisation's Entra tenant id" in err
    assert "TEAMS_APP_PASSWORD" in err
