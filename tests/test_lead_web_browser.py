"""A whole round run from the leads' pages in a real browser (Debian's headless Chromium with
Selenium), with the web and email alone: no Slack, no Telegram. The lead signs in from the
emailed link (a real SMTP server on loopback), adds five people by pasting a list with one bad
entry, opens a round; three people answer from their emails; the lead sees the status, sends a
reminder, is warned when closing below the minimum, closes anyway, reopens; two more answer
and the lead closes; then reads the summary, downloads the debrief pack, adds an action and
gets the board link. axe-core finds no WCAG 2.2 AA violation on any lead page at 320 and 1280
pixels, and no page scrolls sideways."""

from __future__ import annotations

import os
from pathlib import Path

import aiohttp
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.support.expected_conditions import staleness_of
from selenium.webdriver.support.select import Select
from selenium.webdriver.support.wait import WebDriverWait
from test_web_browser import AXE, RUN_AXE, WCAG_22_AA, WIDTHS, call, width
from web_world import WebWorld, email_community, link_in, sign_in_link, web_world

pytest_plugins = ["test_web_browser"]  # its Chromium, kept off every network but loopback

LEAD = "ana@council.gov.uk"
PEOPLE = (
    "ben@example.org",
    "cy@example.org",
    "dee@example.org",
    "eve@example.org",
    "fay@example.org",
)
PASTED = (
    '"Okafor, Ben" <ben@example.org>; Cy Jones <cy@example.org>\n'
    "dee@example.org, not-an-address\neve@example.org; Fay <fay@example.org>"
)


def body_text(browser: WebDriver) -> str:
    return str(browser.execute_script("return document.body.innerText"))


def press(browser: WebDriver, label: str) -> str:
    """Press the button (or a link styled as one) with this text, wait for the page it leads
    to, and say what that page shows."""
    found = [
        element
        for element in browser.find_elements(By.CSS_SELECTOR, "button, a.button-link")
        if " ".join(element.text.split()) == label
    ]
    assert found, f"no {label!r} on: {body_text(browser)[:300]}"
    leaving = browser.find_element(By.TAG_NAME, "html")
    found[0].click()
    WebDriverWait(browser, 20).until(staleness_of(leaving))
    WebDriverWait(browser, 20).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )
    return body_text(browser)


def type_into(browser: WebDriver, field_id: str, text: str) -> None:
    field = browser.find_element(By.ID, field_id)
    field.clear()
    field.send_keys(text)


def visit(browser: WebDriver, url: str) -> str:
    browser.get(url)
    return body_text(browser)


def check_here(browser: WebDriver, name: str) -> dict[int, list[str]]:
    """axe-core's WCAG 2.2 AA violations on the page as it is now, at each width (and any
    sideways scrolling); with LEAD_SCREENSHOTS set, its screenshots at 390 and 1280 pixels."""
    found: dict[int, list[str]] = {}
    script = AXE.read_text(encoding="utf-8")
    browser.execute_script(script)
    for pixels in WIDTHS:
        width(browser, pixels)
        found[pixels] = browser.execute_async_script(RUN_AXE, WCAG_22_AA)
        scroll = browser.execute_script("return document.documentElement.scrollWidth")
        if scroll > pixels:
            found[pixels].append(f"scrolls sideways: {scroll} px wide")
    folder = os.environ.get("LEAD_SCREENSHOTS")
    for pixels in (390, 1280) if folder else ():
        width(browser, pixels)
        height = browser.execute_script("return document.documentElement.scrollHeight")
        browser.execute_cdp_cmd(
            "Emulation.setDeviceMetricsOverride",
            {
                "width": pixels,
                "height": min(int(height), 4000),
                "deviceScaleFactor": 1,
                "mobile": pixels < 600,
            },
        )
        browser.save_screenshot(str(Path(str(folder)) / f"lead-{name}-{pixels}.png"))
    width(browser, 1280)
    return found


async def answer_from_email(world: WebWorld, address: str) -> None:
    """Someone opens their invitation from their email and answers every question."""
    invitation = next(m for m in world.mailbox.to(address) if "your questions" in m["Subject"])
    done = await world.browser.answer_round(link_in(invitation), "3")
    assert "Your answers are in." in done.text


async def test_a_lead_runs_a_whole_round_from_the_browser(
    driver: WebDriver, tmp_path: Path
) -> None:
    found: dict[str, dict[int, list[str]]] = {}

    async def check(kind: str) -> None:
        found[kind] = await call(check_here, driver, kind.replace(" ", "-").replace(",", ""))

    async with web_world(f"sqlite:///{tmp_path / 'lead.db'}", chat=False) as world:
        base = world.base
        community = await email_community(world, "Riverside Partnership", LEAD)
        lead = f"{base}/lead/c/{community}"
        await call(width, driver, 1280)

        # 1. the lead signs in from the email
        await call(visit, driver, f"{base}/lead/sign-in")
        await check("sign in")
        await call(type_into, driver, "email", LEAD)
        assert "Check your email" in await call(press, driver, "Email me a sign-in link")
        await check("check your email")
        await world.settle()
        await call(visit, driver, base + sign_in_link(world, LEAD))
        await check("sign-in link")
        shown = await call(press, driver, "Sign in")
        assert "Riverside Partnership" in shown and "No round yet" in shown
        await check("round none yet")

        # the minimum a summary needs: 5, so three answers are not enough
        await call(visit, driver, f"{lead}/settings")
        select = Select(driver.find_element(By.ID, "min-value"))
        await call(select.select_by_value, "5")
        assert "min_responses is now 5" in await call(press, driver, "Save minimum responses")
        await check("settings")

        # 2. five people pasted as a list, one entry bad
        await call(visit, driver, f"{lead}/people")
        await call(type_into, driver, "entries", PASTED)
        shown = await call(press, driver, "Add people")
        assert "There is a problem" in shown and "“not-an-address” is not an email address" in shown
        assert "Added 5 people to Riverside Partnership." in shown
        await check("people with a bad entry")

        # 3. a round opened; three people answer from their emails
        await call(visit, driver, lead)
        shown = await call(press, driver, "Open the round")
        assert "Round 1:" in shown and "Invited\n6" in shown
        await world.settle()
        for address in PEOPLE[:3]:
            await answer_from_email(world, address)
        invitation = next(m for m in world.mailbox.to(PEOPLE[0]) if "questions" in m["Subject"])
        personal = base + link_in(invitation)
        assert "Download your data (JSON)" in await call(visit, driver, personal + "/data")
        await check("your data")
        assert "Yes, forget me" in await call(visit, driver, personal + "/forget")
        await check("forget me")

        # 4. the status, a reminder, the warning when closing below the minimum
        shown = await call(visit, driver, lead)
        assert "Completed\n3 (50%): a summary needs at least 5" in shown
        await check("round open")
        assert "Sent 3 reminders." in await call(press, driver, "Send a reminder")
        await world.settle()
        reminded = [m for m in world.mailbox.to(PEOPLE[3]) if m["Subject"].startswith("Reminder")]
        assert len(reminded) == 1
        shown = await call(press, driver, "Close the round")
        assert "Closing now gives no summary: 3 of the 5 needed have finished." in shown
        await check("close warning")
        assert "Open until" in await call(press, driver, "Keep it open")
        await call(press, driver, "Close the round")
        shown = await call(press, driver, "Close anyway")
        assert "Closed on" in shown and "Closed by mistake?" in shown
        await check("round closed too early")

        # 5. reopened, two more answer, closed
        assert "is open again until" in await call(press, driver, "Reopen the round")
        for address in PEOPLE[3:]:
            await answer_from_email(world, address)
        await call(visit, driver, lead)
        shown = await call(press, driver, "Close the round")
        assert "Its summary has been sent to everyone" in shown and "Completed\n5 (83%)" in shown
        await world.settle()

        # 6. the summary, the debrief pack, an action, the board link
        shown = await call(visit, driver, f"{lead}/results")
        assert "5 of 6 invited completed (83%)." in shown and "Where to focus next" in shown
        images = await call(
            driver.execute_script,
            "return [...document.images].map(i => [i.complete && i.naturalWidth, i.alt])",
        )
        assert images[0][0] == 1600 and images[0][1].startswith("Chart:")
        link = driver.find_element(By.PARTIAL_LINK_TEXT, "Download the debrief pack")
        href = await call(link.get_attribute, "href")
        cookies = {c["name"]: c["value"] for c in await call(driver.get_cookies)}
        async with aiohttp.ClientSession(cookies=cookies) as session, session.get(href) as pdf:
            assert pdf.status == 200 and pdf.content_type == "application/pdf"
            assert (await pdf.read()).startswith(b"%PDF")
            assert "round-1-debrief.pdf" in pdf.headers["Content-Disposition"]
        category = Select(driver.find_element(By.ID, "category"))
        await call(category.select_by_value, "finance")
        await call(type_into, driver, "what", "Pool the two budgets")
        await call(type_into, driver, "owner", "Sam Okafor")
        shown = await call(press, driver, "Add the action")
        assert "Action 1 agreed. 1. Finance: Pool the two budgets · owner Sam Okafor" in shown
        shown = await call(press, driver, "Get the board link")
        assert f"The link: {base}/board/" in shown
        await check("results")
        await call(visit, driver, f"{lead}/actions/1")
        await check("action")
        await call(visit, driver, f"{lead}/leads")
        await check("leads")
        await call(visit, driver, f"{base}/lead/c/99")
        await check("not yours")
    assert found == {kind: {pixels: [] for pixels in WIDTHS} for kind in found}
