"""End to end in a real headless Chromium (Debian's chromium + chromium-driver), driven with Selenium,
against the app served by werkzeug on loopback: sign in, create a segment from plain language, see its
size and chart, attach a campaign, sign out. Screenshots of every page go to artifacts/screenshots/.

Where Chromium is not installed these tests skip and say why; with CI=true they fail instead.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from admin import AdminServices
from tests.admin.admin_helpers import NOW, make_services
from tests.loopback import on_loopback

pytestmark = pytest.mark.browser

# Debian's packages put both in /usr/bin; elsewhere whatever is on PATH under the same names.
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


def _missing() -> str | None:
    for path in (CHROMIUM, CHROMEDRIVER):
        if not (os.path.exists(path) and os.access(path, os.X_OK)):
            return f"{path} is not installed (apt-get install chromium chromium-driver; scripts/test.sh does it as root)"
    return None


class TickingClock:
    """A clock that moves six hours every time it is read, so counts taken in one test spread over days."""

    def __init__(self) -> None:
        self.moment = NOW
        self.lock = threading.Lock()

    def __call__(self) -> datetime:
        with self.lock:
            self.moment += timedelta(hours=6)
            return self.moment


@pytest.fixture
def services(store: Any) -> AdminServices:
    return make_services(store, now=TickingClock())


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    with on_loopback(app, join_timeout=10) as url:
        yield url


@pytest.fixture
def browser() -> Iterator[Any]:
    reason = _missing()
    if reason:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but the browser tests cannot run: {reason}")
        pytest.skip(f"browser tests need Chromium: {reason}")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="segments-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--no-first-run", f"--user-data-dir={profile}", "--window-size=1280,900"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def shot(driver: Any, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SCREENSHOTS / f"{name}.png"))


def submit(driver: Any, element: Any) -> None:
    """Click something that loads a new page, and wait until it has."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    old = driver.find_element(By.TAG_NAME, "html")
    element.click()

    def page_replaced(d: Any) -> bool:
        try:
            return bool(expected_conditions.staleness_of(old)(d))
        except WebDriverException as exc:
            # Chromium sometimes reports a node of the unloaded page this way instead of as stale.
            if "does not belong to the document" in str(exc):
                return True
            raise

    WebDriverWait(driver, 20).until(page_replaced)
    WebDriverWait(driver, 20).until(lambda d: d.execute_script("return document.readyState") == "complete")


def sign_in(driver: Any, base: str) -> None:
    from selenium.webdriver.common.by import By

    driver.get(f"{base}/segments")
    assert "/auth/login" in driver.current_url
    shot(driver, "01-sign-in")
    driver.find_element(By.ID, "password").send_keys("correct horse battery staple")
    submit(driver, driver.find_element(By.ID, "sign-in"))
    assert driver.current_url.endswith("/segments")


def test_admin_journey(browser: Any, live_server: str, users: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    driver, base = browser, live_server
    sign_in(driver, base)
    shot(driver, "02-segments-empty")

    # Create a segment from plain language: read it, check the size, save.
    submit(driver, driver.find_element(By.ID, "new-segment"))
    driver.find_element(By.ID, "name").send_keys("Pune spenders")
    driver.find_element(By.ID, "text").send_keys("spent over 5k in Pune")
    submit(driver, driver.find_element(By.ID, "read-text"))
    words = driver.find_element(By.ID, "form-words").text
    assert "Pune" in words and "₹5,000" in words
    size_text = driver.find_element(By.ID, "preview-size").text
    assert "people right now" in size_text
    shot(driver, "03-new-segment-read")
    submit(driver, driver.find_element(By.ID, "save"))

    # The segment page: its size and its chart, which grows a point each time it is counted again.
    assert driver.find_element(By.ID, "segment-size").text.split()[0] == size_text.split()[0]
    assert len(driver.find_elements(By.CSS_SELECTOR, "#history-chart svg circle")) == 1
    for _ in range(2):
        submit(driver, driver.find_element(By.ID, "count-again"))
    assert len(driver.find_elements(By.CSS_SELECTOR, "#history-chart svg circle")) == 3
    assert driver.find_element(By.CSS_SELECTOR, "#history-chart svg polyline")
    shot(driver, "04-segment")

    # A campaign, attached to the segment from the segment's page.
    driver.get(f"{base}/campaigns")
    driver.find_element(By.ID, "campaign-name").send_keys("Pune winback")
    Select(driver.find_element(By.ID, "channel")).select_by_value("email")
    driver.find_element(By.ID, "message").send_keys("We miss you")
    submit(driver, driver.find_element(By.ID, "create-campaign"))
    shot(driver, "05-campaigns")
    driver.get(f"{base}/segments")
    submit(driver, driver.find_element(By.LINK_TEXT, "Pune spenders"))
    Select(driver.find_element(By.ID, "campaign_id")).select_by_visible_text("Pune winback (email)")
    submit(driver, driver.find_element(By.ID, "attach"))
    assert "Pune winback" in driver.find_element(By.ID, "attached-campaigns").text
    shot(driver, "06-segment-with-campaign")

    # The campaign's page: the launch checklist with its numbers and the Launch button.
    driver.get(f"{base}/campaigns")
    submit(driver, driver.find_element(By.LINK_TEXT, "Pune winback"))
    assert "people" in driver.find_element(By.ID, "check-reachable").text
    assert driver.find_element(By.ID, "launch").text.startswith("Launch to")
    shot(driver, "06b-campaign-checklist")

    # The list shows the size and the chart; audit log and health.
    driver.get(f"{base}/segments")
    assert "Pune spenders" in driver.page_source and "<svg" in driver.page_source
    shot(driver, "07-segments")
    driver.get(f"{base}/audit")
    assert "campaign.attach" in driver.page_source
    shot(driver, "08-audit")
    driver.get(f"{base}/health")
    assert driver.find_element(By.ID, "db-status").text == "answers"
    shot(driver, "09-health")
    driver.get(f"{base}/tokens")
    driver.find_element(By.ID, "token-name").send_keys("crm-sync")
    submit(driver, driver.find_element(By.ID, "create-token"))
    assert driver.find_element(By.CSS_SELECTOR, "#new-token code.token").text.startswith("seg_")
    shot(driver, "13-tokens")

    # Sign out: the pages are closed again.
    submit(driver, driver.find_element(By.ID, "sign-out"))
    assert "/auth/login" in driver.current_url
    driver.get(f"{base}/segments")
    assert "/auth/login" in driver.current_url


def test_rule_builder_in_the_browser_on_a_phone(browser: Any, live_server: str, users: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    driver, base = browser, live_server
    driver.set_window_size(390, 844)
    sign_in(driver, base)
    driver.get(f"{base}/segments/new")
    # admin.js shows "Add condition" once it has wired the rows: wait for it before using them.
    WebDriverWait(driver, 20).until(lambda d: d.find_element(By.ID, "add-row").is_displayed())
    driver.find_element(By.ID, "name").send_keys("Frequent visitors")
    rows = driver.find_elements(By.CSS_SELECTOR, ".rule-row")
    Select(rows[0].find_element(By.NAME, "field")).select_by_value("visits")
    op = Select(rows[0].find_element(By.NAME, "op"))
    hidden = [o.get_attribute("value") for o in op.options if o.get_attribute("hidden") is not None]
    assert "within_last" in hidden and "gt" not in hidden  # the JS offers only number operators
    op.select_by_value("gt")
    rows[0].find_element(By.NAME, "value").send_keys("50")
    driver.find_element(By.ID, "add-row").click()
    assert len(driver.find_elements(By.CSS_SELECTOR, ".rule-row")) == len(rows) + 1
    submit(driver, driver.find_element(By.ID, "preview"))
    assert "more than 50 visits" in driver.find_element(By.ID, "form-words").text
    shot(driver, "10-rule-builder-phone")
    submit(driver, driver.find_element(By.ID, "save"))
    assert "Frequent visitors" in driver.find_element(By.TAG_NAME, "h1").text
    shot(driver, "11-segment-phone")
    driver.get(f"{base}/segments")
    # On a phone the table becomes cards: no header row, each cell labelled.
    assert not driver.find_element(By.CSS_SELECTOR, "table.list thead").is_displayed()
    width = driver.execute_script("return document.documentElement.scrollWidth")
    assert width <= 400, f"the page scrolls sideways on a phone ({width}px)"
    shot(driver, "12-segments-phone")


def test_editing_a_segment_previews_what_changes_before_saving(browser: Any, live_server: str, users: Any,
                                                               store: Any) -> None:
    from selenium.webdriver.common.by import By

    from segcore import rule_from_json
    from tests.admin.admin_helpers import SPEND_RULE, TEAM

    segment = store.segments.create(TEAM, "Big spenders", rule_from_json(SPEND_RULE), "spent over 5k", "grammar",
                                    "tests")
    old = sum(1 for u in users if u.get("total_spend", 0) > 5000)
    new = sum(1 for u in users if u.get("total_spend", 0) > 10000)
    driver, base = browser, live_server
    sign_in(driver, base)
    driver.get(f"{base}/segments/{segment.id}/edit")
    value = driver.find_elements(By.NAME, "value")[0]
    value.clear()
    value.send_keys("10000")
    submit(driver, driver.find_element(By.ID, "preview"))
    assert driver.find_element(By.ID, "edit-changes").text == "total spend threshold raised from ₹5,000 to ₹10,000"
    assert driver.find_element(By.ID, "edit-audience").text == (
        f"Audience {old:,} → {new:,}: 0 enter, {old - new:,} leave.")
    assert driver.find_element(By.ID, "save").is_displayed()
    shot(driver, "10-edit-preview")
    assert store.segments.get(TEAM, segment.id).rule.value == 5000  # nothing saved by the preview
    submit(driver, driver.find_element(By.ID, "save"))
    assert "Total spend threshold raised from ₹5,000 to ₹10,000" in driver.page_source
    assert store.segments.get(TEAM, segment.id).rule.value == 10000


def test_what_if_curves_appear_beside_the_preview(browser: Any, live_server: str, users: Any) -> None:
    from selenium.webdriver.common.by import By

    driver, base = browser, live_server
    sign_in(driver, base)
    driver.get(f"{base}/segments/new")
    driver.find_element(By.ID, "text").send_keys("spent over 5k and visited in the last 3 months")
    submit(driver, driver.find_element(By.ID, "read-text"))
    size = driver.find_element(By.ID, "preview-size").text.split()[0]
    curves = driver.find_elements(By.CSS_SELECTOR, "#whatif figure.whatif-curve")
    assert [c.find_element(By.TAG_NAME, "figcaption").text for c in curves] == [
        "total spend more than ₹5,000", "visited in the last 3 months"]
    for curve in curves:
        assert len(curve.find_elements(By.CSS_SELECTOR, "svg g.point rect")) >= 7
        current = curve.find_elements(By.CSS_SELECTOR, "svg g.point.current")
        assert len(current) == 1 and current[0].find_elements(By.TAG_NAME, "text")[0].text == size
        assert curve.find_element(By.CSS_SELECTOR, "svg").size["height"] > 50  # drawn, not collapsed
    driver.execute_script("arguments[0].scrollIntoView()", driver.find_element(By.ID, "whatif"))
    shot(driver, "14-what-if")
