"""One community across a Teams team, a Slack channel and people by email: one round, one
summary. Each platform through its real library against its fake (the Teams SDK, Bolt and
slack_sdk, real SMTP and real HTTP for the pages)."""

from __future__ import annotations

import aiohttp
from test_teams import LEAD, ROOT, SCRIPTS, TEAM_CHANNEL, Teams, answer_round
from test_telegram_cross import SLACK_LEAD, SLACK_PERSON, slack_adapter, slack_answers
from test_web_cross import mailbox as mailbox  # the fixture
from web_world import Browser, link_in, plain, smtp_settings

from adapters.assembly import Parts, assembled
from adapters.platform import AdapterContext, PlatformAdapter
from adapters.slack.fake import FakeSlack, SlackSends
from adapters.teams.adapter import TeamsAdapter
from adapters.teams.fake import FakeTeams, TeamsSends
from adapters.teams.limits import Pacer
from adapters.web.adapter import WebAdapter
from adapters.web.mailbox import Mailbox
from bot.config import Settings

pytest_plugins = ["test_telegram_cross", "test_teams"]  # the fakes' fixtures
WEB_PEOPLE = ("ana@example.org", "ben@example.org")


async def test_one_round_across_teams_slack_and_email(
    fake: FakeTeams, slack: FakeSlack, mailbox: Mailbox, database_url: str
) -> None:
    make_slack = slack_adapter(slack)

    def adapters(context: AdapterContext) -> list[PlatformAdapter]:
        return [
            TeamsAdapter(fake.settings(), context.dispatch, context.http, pacer=Pacer.off()),
            make_slack(context),
            WebAdapter(smtp_settings(mailbox, "https://assess.example.org"), context),
        ]

    settings = Settings(database_url, ROOT / "rubric.toml", host="127.0.0.1", port=0)
    async with (
        assembled(settings, parts=Parts(scheduler=False), adapters=adapters) as bot,
        aiohttp.ClientSession() as session,
    ):
        base = f"http://127.0.0.1:{bot.http.port}"
        teams = Teams(fake, bot, TeamsSends(fake, base, session))
        slack_sends = SlackSends(slack, base, session)
        browser = Browser(session, base, bot.drain)

        # The team is the community; the Slack channel joins it by a one-time code.
        assert await teams.sends.install(LEAD) == 200
        await fake.wait_for_text(TEAM_CHANNEL, "Riverside is set up")
        after = fake.seq
        assert await teams.sends.command(LEAD, "round link") == 200
        linked = await fake.wait_for_text(teams.dm(LEAD), "/round link ", after)
        code = linked.text.split("/round link ", 1)[1].split()[0]
        assert await slack_sends.command(SLACK_LEAD, f"/round link {code}", "C1") == 200
        await slack.wait_for_text("C1", "Riverside")
        after = fake.seq
        people = f"round people add {WEB_PEOPLE[0]}, {WEB_PEOPLE[1]}"
        assert await teams.sends.command(LEAD, people) == 200
        await fake.wait_for_text(teams.dm(LEAD), "Added 2 people to Riverside", after)

        after = fake.seq
        assert await teams.sends.command(LEAD, "round open Spring 2027") == 200
        await fake.wait_for_text(TEAM_CHANNEL, "is open until", after)
        await mailbox.wait_for(2)
        await slack.wait_for_text(f"D{SLACK_PERSON}", "Hello!")
        for user in ["29:ann", "29:ben", "29:cat"]:
            await answer_round(teams, user, SCRIPTS[user])
        await slack_answers(slack, slack_sends, SLACK_PERSON)
        done = await browser.answer_round(link_in(mailbox.to(WEB_PEOPLE[0])[0]), "3")
        assert "Your answers are in." in done.text

        after = fake.seq
        assert await teams.sends.command(LEAD, "round status") == 200
        status = await fake.wait_for_text(teams.dm(LEAD), "Invited", after)
        # 5 in the team, 2 in the Slack channel, 2 by email; 5 finished.
        assert "Invited 9 · completed 5" in status.text

        after = fake.seq
        assert await teams.sends.command(LEAD, "round close") == 200
        summary = await fake.wait_for_text(TEAM_CHANNEL, "completed", after)
        assert "5 of 9 completed" in summary.text and summary.images()
        upload = await slack.wait_for(lambda: [f for f in slack.files if f.channel == "C1"])
        assert "5 of 9 completed" in upload[0].comment
        await mailbox.wait_for(4)
        assert "5 of 9 completed" in plain(mailbox.to(WEB_PEOPLE[1])[-1])
        async with bot.storage.transaction() as repo:
            assert len(await repo.closed_rounds(1)) == 1  # one round, one summary
