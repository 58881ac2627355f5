"""People added by email: the lead's /round people commands, the command line's people add and
list, and their addresses as personal data (own export only, erased by forget)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from web_world import community_with, web_world

from bot.summary.export import export_rows

ANA, BEN = "ana@example.org", "ben@example.org"


async def test_leads_add_list_and_remove_people_by_email(database_url: str) -> None:
    async with web_world(database_url) as world:
        added = await community_with(world, ANA, f"{BEN};  Ana@Example.org", "x@", "@y.org")
        assert "Added 2 people to Riverside." in added
        assert "Not valid email addresses: x@, @y.org" in added
        assert world.chat.sent[-1].private_to  # addresses go to the lead alone
        again = await world.lead(f"/round people add {ANA}")
        assert f"Already taking part: {ANA}" in again
        listed = await world.lead("/round people")
        assert "Riverside has 3 people: 1 on this platform, 2 on the web (by email)." in listed
        assert f"By email: {ANA}, {BEN}" in listed
        removed = await world.lead(f"/round people remove {BEN}")
        assert "Removed 1 person from Riverside." in removed
        await world.lead("/round open")
        assert len(world.mailbox.to(ANA)) == 1 and world.mailbox.to(BEN) == []
        late = await world.lead("/round people add cy@example.org")
        assert "1 person invited to the round that is open now." in late
        assert len(world.mailbox.to("cy@example.org")) == 1
        bad = await world.lead("/round people shout")
        assert "Say add or remove" in bad


async def test_an_address_is_personal_data(database_url: str) -> None:
    async with web_world(database_url) as world:
        await community_with(world, ANA)
        await world.lead("/round settings anonymous off")
        await world.lead("/round open")
        async with world.assembly.storage.transaction() as repo:
            person = await repo.person_by_address("web", ANA)
            community = await repo.community_by_name("Riverside")
            round_ = await repo.latest_round(1)
            assert person is not None and community is not None and round_ is not None
            assert ANA not in json.dumps((await export_rows(repo, community, round_)).rows)
            assert ANA not in person.platform_user_id
            from bot.privacy.data_rights import forget, person_record

            assert (await person_record(repo, person)).to_json()["person"]["email"] == ANA
            await forget(repo, person)
            assert await repo.person_by_address("web", ANA) is None
        again = await world.lead(f"/round people add {ANA}")
        assert "Not added, because they asked us not to" in again


def cli(
    *args: str, db: Path, public_url: str = "https://assess.example.org"
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "PUBLIC_URL": public_url}
    env.update({"SMTP_URL": "smtp://127.0.0.1:2525", "EMAIL_FROM": "bot@example.org"})
    if not public_url:
        for name in ("PUBLIC_URL", "SMTP_URL", "EMAIL_FROM"):
            env.pop(name)
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=db.parent,
        timeout=120,
        check=False,
    )


def test_people_add_and_list_on_the_command_line(tmp_path: Path) -> None:
    db = tmp_path / "people.db"
    script = ":as lead\n/round setup Town\n"
    made = subprocess.run(
        [sys.executable, "-m", "bot", "console", "--db", str(db)],
        input=script,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        cwd=tmp_path,
    )
    assert made.returncode == 0, made.stderr
    sheet = tmp_path / "people.csv"
    sheet.write_text("name,email\nAna,ana@example.org\nBo,not an address\n", encoding="utf-8")
    added = cli("people", "add", "--community", "Town", BEN, "--csv", str(sheet), db=db)
    assert added.returncode == 1  # one was bad; the good ones are kept
    assert "Added 2 people to Town." in added.stdout and "not an address" in added.stdout
    listed = cli("people", "list", "--community", "Town", db=db)
    assert listed.returncode == 0
    rows = [line.split("\t") for line in listed.stdout.splitlines()[1:]]
    assert [row[1:] for row in rows] == [
        [ANA, "the web (by email)", "participant", "no round open"],
        [BEN, "the web (by email)", "participant", "no round open"],
        ["lead", "the console", "lead", "no round open"],
    ]
    assert all(row[0].startswith("id ") for row in rows)
    off = cli("people", "list", db=db, public_url="")
    assert off.returncode == 2 and "the web channel is off" in off.stderr
    check = cli("config", "check", db=db)
    assert "Web: on, pages at https://assess.example.org/" in check.stdout
