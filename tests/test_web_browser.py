"""The web pages in a real browser: Debian's headless Chromium driven by Selenium. A whole
round done with the keyboard alone, and axe-core (vendored, checked by its sha256) finding no
WCAG 2.2 AA violation on every kind of page, at 320 and 1280 pixels wide. One browser serves
the whole module; it reaches only 127.0.0.1."""

from __future__ import annotations

import asyncio
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.wait import WebDriverWait
from web_world import (
    SECRET,
    WebWorld,
    board_path,
    community_with,
    link_in,
    two_rounds,
    web_world,
)

from bot.access.links import GRACE

AXE = Path(__file__).with_name("vendor") / "axe-core" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})
  .then(r => done(r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' '))
    .join(', '))))
  .catch(e => done(['axe failed: ' + e]));
"""
WIDTHS = (320, 1280)
T = TypeVar("T")


@pytest.fixture(scope="module")
def driver() -> Iterator[WebDriver]:
    """Headless Chromium for the whole module, kept off every network but loopback."""
    profile = tempfile.mkdtemp(prefix="chromium-profile-")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
        f"--user-data-dir={profile}",
        "--window-size=1280,800",
    ):
        options.add_argument(flag)
    browser = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    browser.set_page_load_timeout(20)
    browser.set_script_timeout(30)
    try:
        yield browser
    finally:
        browser.quit()
        shutil.rmtree(profile, ignore_errors=True)


async def call(function: Callable[..., T], *args: Any) -> T:
    """Selenium blocks: run it beside the event loop that serves the pages."""
    return await asyncio.to_thread(function, *args)


def width(driver: WebDriver, pixels: int) -> None:
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": pixels, "height": 800, "deviceScaleFactor": 1, "mobile": pixels < 600},
    )


def active(driver: WebDriver) -> dict[str, str]:
    found: dict[str, str] = driver.execute_script(
        "const e = document.activeElement, s = getComputedStyle(e);"
        "return {tag: e.tagName, text: (e.innerText || '').trim(), value: e.value || '',"
        " type: e.type || '', checked: String(!!e.checked), outline: s.outlineStyle,"
        " shadow: s.boxShadow};"
    )
    return found


def tab_to(driver: WebDriver, wanted: Callable[[dict[str, str]], bool], most: int = 40) -> None:
    """Press Tab until the focused element is the one wanted; its focus must be visible."""
    for _ in range(most):
        driver.switch_to.active_element.send_keys(Keys.TAB)
        focused = active(driver)
        if wanted(focused):
            assert focused["outline"] != "none" or focused["shadow"] != "none", focused
            return
    raise AssertionError("never reached by Tab")


def press(driver: WebDriver, label: str) -> None:
    """Press a button by keyboard, and wait until the page its form leads to has loaded (the
    next key must not go to the page being left)."""
    tab_to(driver, lambda e: e["tag"] == "BUTTON" and e["text"] == label)
    leaving = driver.find_element(By.TAG_NAME, "html")
    driver.switch_to.active_element.send_keys(Keys.ENTER)
    WebDriverWait(driver, 10).until(staleness_of(leaving))
    WebDriverWait(driver, 10).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )


def pick_level(driver: WebDriver, level: int) -> None:
    """Tab into the radio group, then move to the level with the arrow keys."""
    tab_to(driver, lambda e: e["type"] == "radio")
    for _ in range(level - 1):
        driver.switch_to.active_element.send_keys(Keys.ARROW_DOWN)
    assert active(driver)["checked"] == "true"


def body_text(driver: WebDriver) -> str:
    return str(driver.execute_script("return document.body.innerText"))


def checked(driver: WebDriver) -> list[str]:
    """The labels of the radios and checkboxes ticked on the page."""
    found: list[str] = driver.execute_script(
        "return [...document.querySelectorAll('input:checked')]"
        ".map(i => document.querySelector(`label[for='${i.id}']`).innerText.trim())"
    )
    return found


def shoot(driver: WebDriver, folder: str | None, name: str) -> None:
    """A screenshot at 390 px of the whole page into folder (docs/ makes the README's)."""
    if not folder:
        return
    width(driver, 390)
    high = driver.execute_script("return document.documentElement.scrollHeight")
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": 390, "height": int(high), "deviceScaleFactor": 1, "mobile": True},
    )
    driver.save_screenshot(str(Path(folder) / name))
    width(driver, 320)


def keyboard_round(driver: WebDriver, url: str, shots: str | None) -> dict[str, Any]:
    """Open the invitation, answer nine cards (going Back once), check the answers, submit and
    tick a priority, by keyboard; what was seen on the way."""
    width(driver, 320)
    driver.get(url)
    seen: dict[str, Any] = {"invitation buttons": buttons(driver)}
    press(driver, "Start")
    headings = []
    for number in range(9):
        headings.append(str(driver.execute_script("return document.querySelector('h1').innerText")))
        pick_level(driver, 2 + number % 3)
        if number == 0:
            shoot(driver, shots, "web-card-390.png")
            tab_to(driver, lambda e: e["tag"] == "TEXTAREA")
            driver.switch_to.active_element.send_keys("Typed by keyboard, as a comment.")
        if number == 1:  # Back, at the bottom: the first card, as it was answered
            seen["buttons on a card"] = buttons(driver)
            press(driver, "Back")
            seen["back"] = (
                checked(driver),
                driver.find_element(By.ID, "comment").get_attribute("value"),
            )
            press(driver, "Continue")
            pick_level(driver, 3)
        press(driver, "Continue")
        assert "✓" in body_text(driver)
    seen["headings"] = headings
    seen["check title"] = driver.title
    seen["check"] = body_text(driver)
    seen["change links"] = driver.execute_script(
        "return [...document.querySelectorAll('.summary a')].map(a => a.innerText)"
    )
    shoot(driver, shots, "web-check-answers-390.png")
    press(driver, "Submit")
    seen["priorities"] = body_text(driver)
    tab_to(driver, lambda e: e["type"] == "checkbox" and e["value"] == "finance")
    driver.switch_to.active_element.send_keys(Keys.SPACE)
    seen["ticked"] = checked(driver)
    press(driver, "Continue")
    seen["confirmation"] = body_text(driver)
    seen["panel"] = driver.find_element(By.CLASS_NAME, "panel").text
    seen["confirmation buttons"] = buttons(driver)
    shoot(driver, shots, "web-confirmation-390.png")
    seen["scroll"] = driver.execute_script("return document.documentElement.scrollWidth")
    return seen


def buttons(driver: WebDriver) -> list[str]:
    found: list[str] = driver.execute_script(
        "return [...document.querySelectorAll('main button')].map(b => b.innerText.trim())"
    )
    return found


async def test_a_whole_round_by_keyboard_at_phone_width(driver: WebDriver, tmp_path: Path) -> None:
    async with web_world(f"sqlite:///{tmp_path / 'keys.db'}") as world:
        await community_with(world, "ana@example.org")
        await world.lead("/round open")
        url = world.base + link_in(world.mailbox.to("ana@example.org")[0])
        shots = os.environ.get("WEB_SCREENSHOTS")  # docs/web-*-390.png are made this way
        seen = await call(keyboard_round, driver, url, shots)
        status = await world.lead("/round status")
        async with world.assembly.storage.transaction() as repo:
            person = await repo.person_by_address("web", "ana@example.org")
            assert person is not None
            answers = await repo.answers_of(person.id)
            (participation,) = await repo.participations_of(person.id)
    assert seen["invitation buttons"] == ["Start"]  # no "Later" on a page
    headings = seen["headings"]
    assert headings[0].startswith("Question 1/9") and "Vision" in headings[0]
    assert len(set(headings)) == 9
    # Back is a secondary button at the bottom; the answer so far is ticked, the comment kept.
    assert seen["buttons on a card"] == ["Continue", "Back"]
    assert seen["back"][0][0].startswith("Level 2") and len(seen["back"][0]) == 1
    assert seen["back"][1] == "Typed by keyboard, as a comment."
    # Check your answers: a summary list, each level's words, the comment, a Change link a row.
    assert seen["check title"].startswith("Check your answers")
    assert "Level 2\nOur partnership" in seen["check"] or "Level 2" in seen["check"]
    assert "Your comment: Typed by keyboard, as a comment." in seen["check"]
    assert len(seen["change links"]) == 9
    assert all(link.startswith("Change") for link in seen["change links"])
    # Priorities as checkboxes; then the confirmation panel, changing as secondary links.
    assert "Select up to two" in seen["priorities"]
    assert seen["ticked"] == ["6. Finance"]
    assert seen["panel"].startswith("Answers submitted")
    assert (
        "What happens next" in seen["confirmation"]
        and "Your priorities: Finance." in seen["confirmation"]
    )
    assert "Check or change your answers" in seen["confirmation"]
    assert seen["confirmation buttons"] == [] and "message me" not in seen["confirmation"]
    assert seen["scroll"] <= 320
    assert "completed 1" in status
    assert [a.level for a in answers] == [2, 3, 4] * 3
    assert answers[0].comment == "Typed by keyboard, as a comment."
    assert participation.priorities == ("finance",)


def axe_violations(driver: WebDriver, url: str) -> dict[int, list[str]]:
    """axe-core's WCAG 2.2 AA violations on the page at each width (none is what we want)."""
    found = {}
    script = AXE.read_text(encoding="utf-8")
    for pixels in WIDTHS:
        width(driver, pixels)
        driver.get(url)
        driver.execute_script(script)
        found[pixels] = driver.execute_async_script(RUN_AXE, WCAG_22_AA)
        scroll = driver.execute_script("return document.documentElement.scrollWidth")
        if scroll > pixels:
            found[pixels].append(f"scrolls sideways: {scroll} px wide")
    return found


async def page_urls(world: WebWorld) -> dict[str, str]:
    """A URL of every kind of page, with a round to walk through."""
    people = ("ana", "ben", "cy", "dee")
    await community_with(world, *(f"{name}@example.org" for name in people))
    await world.lead("/round open")
    async with world.assembly.storage.transaction() as repo:
        community = await repo.community_by_name("Riverside")
    assert community is not None
    ana = link_in(world.mailbox.to("ana@example.org")[0])
    ben = link_in(world.mailbox.to("ben@example.org")[0])
    urls = {"join": f"/join/{community.join_code}", "invitation": ana}
    card = await world.submit(await world.get(ana), "Start")
    urls["card"] = ana
    error = await world.post(ana, card.form().fill())
    assert "There is a problem" in error.text
    review = await world.get(ben)
    review = await world.submit(review, "Start")
    while "Question" in review.text and review.form().radios:
        review = await world.submit(review, "Continue", level="Level 3", comment="A comment.")
    assert review.title.startswith("Check your answers")
    priorities = await world.submit(review, "Submit")
    assert "Which areas should the partnership work on first?" in priorities.text
    cy = link_in(world.mailbox.to("cy@example.org")[0])
    checking = await world.submit(await world.get(cy), "Start")
    while "Question" in checking.text and checking.form().radios:
        checking = await world.submit(checking, "Continue", level="Level 2")
    assert checking.title.startswith("Check your answers")
    urls["check your answers"] = cy
    dee = link_in(world.mailbox.to("dee@example.org")[0])
    picking = await world.browser.answer_round(dee, "4")
    assert "Select up to two" in picking.text
    urls["priorities"] = dee
    too_many = {f"priority-{a}": a for a in ("vision", "finance", "collaboration")}
    error = await world.post(ben, priorities.form().fill("Continue", **too_many))
    assert "Select up to two areas" in error.text
    done = await world.submit(priorities, "Continue", **{"priority-finance": "finance"})
    assert done.title.startswith("Answers submitted")
    urls["confirmation"] = ben
    urls["your answers"] = ben + "?answers=1"
    urls["change an answer"] = ben + "?change=vision"
    urls["change priorities"] = ben + "?priorities=1"
    urls["stop reminders"] = ben + "?choose=1:mute&label=Stop+reminders"
    urls["invalid link"] = "/a/" + "x" * 43
    urls["unsubscribe"] = "/u/" + ana.rsplit("/", 1)[1]
    return urls


async def test_no_wcag_22_aa_violation_on_any_page(driver: WebDriver, tmp_path: Path) -> None:
    assert hashlib.sha256(AXE.read_bytes()).hexdigest() == AXE_SHA256
    async with web_world(f"sqlite:///{tmp_path / 'axe.db'}") as world:
        urls = await page_urls(world)
        results = {}
        for kind, path in urls.items():
            results[kind] = await call(axe_violations, driver, world.base + path)
        await world.lead("/round close anyway")
        ana = urls["card"]
        results["closed"] = await call(axe_violations, driver, world.base + ana)
        world.clock.advance(GRACE + timedelta(days=2))
        results["expired"] = await call(axe_violations, driver, world.base + ana)
    assert results == {kind: {pixels: [] for pixels in WIDTHS} for kind in results}
    assert {"join", "invitation", "card", "check your answers", "priorities", "closed"} <= set(
        results
    )
    assert {"confirmation", "your answers", "change an answer", "change priorities"} <= set(results)
    assert "invalid link" in results


def board_in_browser(driver: WebDriver, url: str) -> dict[str, Any]:
    """The board as a browser shows it at phone width, then as it prints."""
    width(driver, 320)
    driver.get(url)
    seen: dict[str, Any] = {
        "html": driver.page_source,
        "images": driver.execute_script(
            "return [...document.images].map(i => i.complete ? i.naturalWidth : 0)"
        ),
        "alts": driver.execute_script("return [...document.images].map(i => i.alt)"),
    }
    tab_to(driver, lambda e: e["tag"] == "DIV")  # a table's region scrolls by keyboard
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
    try:
        seen["printed"] = driver.execute_script(
            "const css = s => getComputedStyle(document.querySelector(s));"
            "return {skip: css('.skip').display, header: css('.header').backgroundColor,"
            " wrap: css('.table-wrap').overflowX, main: css('.main').maxWidth};"
        )
        pdf = driver.execute_cdp_cmd("Page.printToPDF", {"paperWidth": 8.27, "paperHeight": 11.69})
        seen["pdf"] = len(pdf["data"])
    finally:
        driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
    return seen


async def test_the_board_passes_axe_shows_its_charts_prints_plainly_and_no_comment(
    driver: WebDriver, tmp_path: Path
) -> None:
    async with web_world(f"sqlite:///{tmp_path / 'board.db'}") as world:
        await two_rounds(world)
        url = world.base + board_path(await world.lead("/round board"))
        assert await call(axe_violations, driver, url) == {pixels: [] for pixels in WIDTHS}
        seen = await call(board_in_browser, driver, url)
        fresh = world.base + board_path(await world.lead("/round board reset"))
        assert fresh != url
        gone = await call(axe_violations, driver, url)  # the polite page of a replaced link
    assert gone == {pixels: [] for pixels in WIDTHS}
    assert SECRET not in seen["html"]  # five comments a round: the debrief quotes them
    # Both charts, from the bot itself under its CSP; in a narrow window the summary's
    # <picture> takes the portrait chart (780 px wide).
    assert seen["images"][0] in (780, 1600) and seen["images"][1] == 1600
    assert all(
        alt.endswith("above give the same figures.")
        or alt.endswith("above gives the same figures.")
        for alt in seen["alts"]
    )
    assert seen["printed"] == {
        "skip": "none",
        "header": "rgba(0, 0, 0, 0)",
        "wrap": "visible",
        "main": "none",
    }
    assert seen["pdf"] > 10_000
