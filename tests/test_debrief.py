"""The debrief pack: sent privately to each lead at close and on /round debrief, a real PDF
with a headline page and one page per category whose text can be read (pypdf)."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta
from itertools import pairwise

import pytest
from pypdf import PdfReader
from support import ROOT, World, answer_all, make_world, texts

from bot.messages import PDF, Outgoing
from bot.ports import Storage
from bot.rubric.loader import load_rubric
from bot.summary import debrief_pdf
from bot.summary.debrief import DebriefPack, debrief_pack
from bot.summary.export import export_rows

RUBRIC = load_rubric(ROOT / "rubric.toml")
PEOPLE = ("alice", "bob", "carol", "dave", "erin")
A4_POINTS = (595.3, 841.9)  # 210 x 297 mm
COMMENTS = {  # who comments on Finance, in what words
    "alice": "Each bid is written by one organisation for one year.",
    "bob": "The pooled youth fund worked and nobody repeated it.",
    "carol": "Small charities are priced out of tenders early on.",
    "dave": "Budgets are set before partners ever talk to each other.",
    "erin": "We have never seen one shared budget for the area.",
}


@pytest.fixture
async def world(storage: Storage) -> World:
    world = await make_world(storage)
    world.join("lead", *PEOPLE)
    await world.command("lead", "/round setup Riverside")
    await world.command("lead", "/round open Spring 2027")
    await world.command("lead", "/round leads add @alice")  # a member once invited
    return world


async def answer(world: World, name: str, levels: list[str], comment: str | None = None) -> None:
    """Answer the nine cards (a comment on Finance, the sixth, if given), submit, and pick
    Finance and Vision as priorities."""
    await world.press(name, "Start")
    for index, label in enumerate(levels):
        if index == 5 and comment:  # typed on the Finance card: a comment on Finance
            await world.say(name, comment)
        await world.press(name, label)
    await world.press(name, "Submit")
    await world.press(name, "6 Finance")
    await world.press(name, "1 Vision")
    await world.press(name, "Done")


def pdf_of(message: Outgoing) -> PdfReader:
    assert message.attachment is not None and message.attachment.media_type == PDF
    assert message.attachment.content.startswith(b"%PDF")
    return PdfReader(io.BytesIO(message.attachment.content))


def pdf_name(message: Outgoing) -> str:
    return message.attachment.name if message.attachment else ""


def words(text: str) -> str:
    return " ".join(text.split())


async def test_each_lead_gets_the_pack_privately_at_close_with_a_page_per_category(
    world: World,
) -> None:
    levels = {"alice": "1", "bob": "3", "carol": "3", "dave": "5", "erin": "2"}  # split
    for name in PEOPLE:
        await answer(world, name, [levels[name]] * 5 + ["1", "2", "3", "2"], COMMENTS[name])
    closing = await world.command("lead", "/round close")
    packs = [m for m in closing if m.attachment and m.attachment.media_type == PDF]
    assert sorted(m.to.chat_id for m in packs) == ["ALICE", "LEAD"]  # the leads, nobody else
    assert all(m.to.direct and pdf_name(m) == "round-1-debrief.pdf" for m in packs)
    assert "It quotes people's comments, unattributed" in packs[0].text
    reader = pdf_of(packs[0])
    assert len(reader.pages) == 1 + len(RUBRIC.categories)  # the headline, then a page each
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width, 1), round(height, 1)) == A4_POINTS
    headline = words(reader.pages[0].extract_text())
    assert "Round 1 “Spring 2027”: debrief pack" in headline
    assert "5 of 6 invited completed (83%)" in headline and "Answers are anonymous" in headline
    assert "The group's priorities (5 people picked" in headline
    for category, page in zip(RUBRIC.categories, reader.pages[1:], strict=True):
        text = words(page.extract_text())
        assert f"{category.number}. {category.title}" in text
        at = {"finance": 1, "service-delivery": 2, "workforce": 3, "learning": 2}
        median_level = at.get(category.id, 3)
        assert words(category.levels[median_level + 1]) in text  # the next level up
        assert "To discuss" in text and "who needs to be in the room?" in text
    finance = words(reader.pages[6].extract_text())
    assert "level chosen" in finance  # five answers: how many chose each level is drawn
    assert "5 of the 5 people who picked priorities chose this one." in finance
    assert "Unattributed, in random order." in finance
    for name, comment in COMMENTS.items():
        assert words(comment) in finance
        assert name.title() not in finance and name not in finance  # never attributed
    vision = words(reader.pages[1].extract_text())
    assert "the group is split (answers from 1 to 5)" in vision
    assert "Some of us see Vision at level 1, others at level 5." in vision
    assert "Nobody commented on this category." in vision
    assert not any(m.attachment for m in closing if m.to.chat_id not in ("ALICE", "LEAD", "C1"))


async def test_few_comments_stay_out_and_a_thin_category_shows_nothing(storage: Storage) -> None:
    world = await make_world(storage)
    world.join("lead", "alice", "bob", "carol")
    await world.command("lead", "/round setup Riverside")
    await world.command("lead", "/round settings anonymous off")
    await world.command("lead", "/round open")
    await answer(world, "alice", ["3"] * 9, "Only one comment: too few to share.")
    await answer(world, "bob", ["3", "3", "3", "3", "3", "Not sure", "3", "3", "3"])
    await answer(world, "carol", ["3", "3", "3", "3", "3", "Not sure", "3", "3", "3"])
    closing = await world.command("lead", "/round close")
    (pack,) = [m for m in closing if m.attachment and m.attachment.media_type == PDF]
    reader = pdf_of(pack)
    headline = words(reader.pages[0].extract_text())
    assert "Completed: Alice, Bob, Carol." in headline  # not anonymous: named
    finance = words(reader.pages[6].extract_text())
    assert "Not enough answers to show: fewer than 3 scored it" in finance
    assert "Only one comment" not in words(" ".join(p.extract_text() for p in reader.pages))
    assert "What is already working in Finance that we could build on?" in finance
    vision = words(reader.pages[1].extract_text())
    assert "Comments are left out: fewer than 5 different people commented" in vision


async def test_a_category_without_counts_shows_no_distribution_range_or_votes(
    storage: Storage,
) -> None:
    # Four answers: at least min_responses (3) but fewer than five, so each category shows its
    # median and agreed/split only (bot/summary/disclosure.py), and four votes are not shown.
    world = await make_world(storage)
    world.join("lead", "alice", "bob", "carol", "dave")
    await world.command("lead", "/round setup Riverside")
    await world.command("lead", "/round open")
    for name, vision in (("alice", "1"), ("bob", "5"), ("carol", "1"), ("dave", "5")):
        await answer(world, name, [vision] + ["3"] * 8)
    closing = await world.command("lead", "/round close")
    (pack,) = [m for m in closing if m.attachment and m.attachment.media_type == PDF]
    reader = pdf_of(pack)
    headline = words(reader.pages[0].extract_text())
    assert "too few answers to show counts" in headline and "n = " not in headline
    assert "The group's priorities: fewer than 5 people picked any" in headline
    vision = words(reader.pages[1].extract_text())
    assert "Median 3 · the group is split · fewer than 5 scored it" in vision
    assert "answers from" not in vision and "level chosen" not in vision  # no range, no bars
    assert "Some of us see Vision lower, others higher." in vision
    assert "Priority votes are not shown: fewer than 5 people picked priorities." in vision
    assert "Where the group is: level 3" in vision  # the median's descriptor is still there
    everything = words(" ".join(page.extract_text() for page in reader.pages))
    assert "4 of the 4" not in everything and "chose this one" not in everything


async def test_round_debrief_sends_the_pack_again_to_the_lead_who_asks(world: World) -> None:
    replies = await world.command("lead", "/round debrief")
    assert "The debrief comes when the round closes." in texts(replies)  # anonymous, open
    for name in PEOPLE[:2]:
        await answer_all(world, name, ["3"] * 9)
    world.clock.advance(timedelta(days=1))
    await world.command("lead", "/round close anyway")
    replies = await world.command("lead", "/round debrief 1")
    assert "2 of 6 invited have completed" in texts(replies)
    assert "There is no debrief pack to make." in texts(replies)
    assert not any(m.attachment for m in replies)
    await world.command("lead", "/round open Summer")
    for name in PEOPLE[:3]:
        await answer_all(world, name, ["4"] * 9)
    await world.command("lead", "/round close")
    replies = await world.command("alice", "/round debrief")
    (note,) = [m for m in replies if not m.to.direct]
    (pack,) = [m for m in replies if m.to.direct]
    assert (
        note.private_to == "ALICE" and "I am sending you the debrief pack of round 2" in note.text
    )
    assert pack.to.chat_id == "ALICE" and pack.to.direct
    assert len(pdf_of(pack).pages) == 10
    assert "There is no round 7" in texts(await world.command("lead", "/round debrief 7"))
    assert "not a round number" in texts(await world.command("lead", "/round debrief two"))
    assert "only the leads" in texts(await world.command("bob", "/round debrief"))


def test_the_pdf_has_real_text_in_an_embedded_truetype_font_and_prints_in_grey() -> None:
    """Text extracts because fonts are TrueType (not drawn glyphs), and the level greys step
    from light to dark, so a black and white print keeps their order."""
    reader = PdfReader(io.BytesIO(debrief_pdf.render_debrief_pdf(_demo_pack())))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add((str(font.get_object()["/Subtype"]), str(font.get_object()["/BaseFont"])))
    assert fonts and all(subtype != "/Type3" for subtype, _ in fonts)
    assert any("DejaVuSans" in name for _, name in fonts)

    def luminance(colour: str) -> float:
        red, green, blue = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
        return 0.2126 * red + 0.7152 * green + 0.0722 * blue

    greys = [luminance(c) for c in debrief_pdf.GREYS]
    steps = [lighter - darker for lighter, darker in pairwise(greys)]
    assert min(steps) > 25  # each level clearly darker than the one before


def test_comments_that_do_not_fit_the_page_end_with_how_many_more() -> None:
    pack = _demo_pack()
    finance = pack.pages[5]
    long = tuple(
        f"Comment {n}: " + "the budget cycle decides everything here. " * 45 for n in range(6)
    )
    pages = (*pack.pages[:5], replace(finance, comments=long), *pack.pages[6:])
    reader = PdfReader(io.BytesIO(debrief_pdf.render_debrief_pdf(replace(pack, pages=pages))))
    text = words(reader.pages[6].extract_text())
    assert "Comment 0: the budget cycle" in text and "Comment 5" not in text
    shown = sum(f"Comment {n}:" in text for n in range(6))
    assert f"… and {6 - shown} more (they are in the export)." in text
    assert "page 7 of 11" in text  # the footer is still there, nothing ran over it


def _demo_pack() -> DebriefPack:
    """The demo community's last round (with comments, priorities and actions) as a pack."""
    import asyncio
    import tempfile

    from bot.demo import create_demo
    from storage import open_storage

    async def make() -> DebriefPack:
        with tempfile.TemporaryDirectory() as folder:
            storage = await open_storage(f"sqlite:///{folder}/demo.db")
            try:
                async with storage.transaction() as repo:
                    await create_demo(repo, RUBRIC)
                    latest = await repo.latest_round(1)
                    assert latest is not None
                    return await debrief_pack(repo, latest)
            finally:
                await storage.close()

    return asyncio.run(make())


def test_the_last_page_says_where_perspectives_differ_for_the_workshop() -> None:
    """The demo's last round has groups: the pack ends with its perspectives page."""
    reader = PdfReader(io.BytesIO(debrief_pdf.render_debrief_pdf(_demo_pack())))
    last = words(reader.pages[-1].extract_text())
    assert "Where perspectives differ" in last
    assert "People with lived experience put Involvement at 1; Council at 4." in last
    assert "What would help us see this the same way?" in last
    assert "page 11 of 11" in last


async def set_min_responses(world: World, value: int) -> None:
    """The lead sets min_responses, confirming what a small threshold lets people learn."""
    replies = texts(await world.command("lead", f"/round settings min_responses {value}"))
    if "is now" not in replies:
        replies = texts(await world.command("lead", f"/round settings min_responses {value} yes"))
    assert f"min_responses is now {value}" in replies


async def test_one_persons_many_comments_reach_no_lead_however_many_they_are(
    storage: Storage,
) -> None:
    # Defect 2 of issue 21: comments were counted, not their writers. Carol writes a comment on
    # five cards; nobody else comments. Five comments but one person: the PDF and the export
    # must not hand the leads (who may control other accounts) her words.
    world = await make_world(storage)
    world.join("lead", *PEOPLE)
    await world.command("lead", "/round setup Riverside")
    await set_min_responses(world, 3)
    await world.command("lead", "/round open")
    # No digits in them: "remark number 3" would read as the answer 3.
    secrets = [
        f"Carol's private remark, the {n} one."
        for n in ("first", "second", "third", "fourth", "fifth")
    ]
    await world.press("carol", "Start")
    for index in range(9):
        await world.press("carol", "3")
        if index < len(secrets):
            await world.say("carol", secrets[index])
    await world.press("carol", "Submit")
    for name in ("alice", "bob", "dave", "erin"):
        await answer_all(world, name, ["3"] * 9)
    closing = await world.command("lead", "/round close")
    (pack,) = [m for m in closing if m.attachment and m.attachment.media_type == PDF]
    everything = words(" ".join(page.extract_text() for page in pdf_of(pack).pages))
    assert "private remark" not in everything
    assert "Comments are left out: fewer than 5 different people commented" in everything
    async with world.storage.transaction() as repo:
        community = await repo.community_by_name("Riverside")
        round_ = await repo.round_by_number(1, 1)
        assert community is not None and round_ is not None
        stored = [a.comment for a in await repo.answers(round_.id) if a.comment]
        assert len(stored) == 5  # the comments were kept: they are only not shown
        rows = await export_rows(repo, community, round_)
    assert rows.rows and not any(row["comment"] for row in rows.rows)


async def test_comments_from_enough_different_people_reach_the_pack(storage: Storage) -> None:
    # The other side of the rule: one comment each from five people is shared.
    world = await make_world(storage)
    world.join("lead", *PEOPLE)
    await world.command("lead", "/round setup Riverside")
    await world.command("lead", "/round open")
    for name in PEOPLE:
        await answer(world, name, ["3"] * 9, COMMENTS[name])
    closing = await world.command("lead", "/round close")
    (pack,) = [m for m in closing if m.attachment and m.attachment.media_type == PDF]
    finance = words(pdf_of(pack).pages[6].extract_text())
    assert all(words(comment) in finance for comment in COMMENTS.values())


async def test_a_prompt_never_cites_how_few_picked_a_priority(storage: Storage) -> None:
    # Issue 23 item 10: "1 of 7 of us picked Collaboration" pointed at one person in the room.
    # Seven people pick priorities; only Gus picks Collaboration. The votes table may say 1
    # (a count among seven voters); no discussion prompt may build on it.
    seven = (*PEOPLE, "fay", "gus")
    world = await make_world(storage)
    world.join("lead", *seven)
    await world.command("lead", "/round setup Riverside")
    await world.command("lead", "/round open")
    for name in seven:
        await answer_all(world, name, ["3"] * 9)
        await world.press(name, "6 Finance")
        await world.press(name, "2 Collaboration" if name == "gus" else "1 Vision")
        await world.press(name, "Done")
    closing = await world.command("lead", "/round close")
    (pack,) = [m for m in closing if m.attachment and m.attachment.media_type == PDF]
    reader = pdf_of(pack)
    collaboration = words(reader.pages[2].extract_text())
    assert "1 of the 7 people who picked priorities chose this one." in collaboration
    assert "of us picked Collaboration" not in collaboration
    finance = words(reader.pages[6].extract_text())
    assert "7 of 7 of us picked Finance as a priority." in finance  # enough people: cited
