"""The article reader in a real headless Chromium: click a highlight, see the triple it supports.

Skips with the reason where Debian's Chromium is missing, fails instead under
CI (CI=true), where `.ci/run` installs it. ``KG_UPDATE_SCREENSHOTS=1`` also
rewrites the screenshots in docs/screenshots/ from the same browser.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from chromium import driver

from kg.web.app import create_app
from kg.web.server import running

DOC = "000_99214e3abbb71cf3"
SCREENSHOTS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
HELD_IN = ("Istanbul talks between Russia and Ukraine (2025) · held in · Istanbul")
#: the highlight whose innermost quote is "Held in Istanbul" [169, 185)
HELD_MARK = 'mark[data-q="q169-185"], mark[data-q^="q169-185 "]'


@pytest.fixture(scope="module")
def base(built_store):
    with running(create_app(built_store, timeout=30)) as url:
        yield url


def _wait_visible(browser, css: str):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, 30).until(
        ec.visibility_of_element_located((By.CSS_SELECTOR, css)))


def test_click_a_highlight_shows_the_triple_it_supports(base):
    from selenium.webdriver.common.by import By

    with driver() as browser:
        browser.get(f"{base}/article/{DOC}")
        panel = browser.find_element(By.ID, "sup-q169-185")
        assert not panel.is_displayed()
        mark = browser.find_element(By.CSS_SELECTOR, HELD_MARK)
        assert mark.text == "Held in Istanbul"
        mark.click()
        shown = _wait_visible(browser, "#sup-q169-185")
        assert HELD_IN in shown.text
        assert "selected" in mark.get_attribute("class")
        assert not browser.find_element(By.ID, "panel-hint").is_displayed()
        # only the clicked passage's quotes are shown, the innermost first
        visible = [s.get_attribute("id") for s in
                   browser.find_elements(By.CSS_SELECTOR, "#panel section.quote")
                   if s.is_displayed()]
        assert visible == ["sup-" + k for k in mark.get_attribute("data-q").split()]
        # a triple in the list links back to its highlight: following the link selects it
        browser.find_element(By.CSS_SELECTOR, 'mark[data-q="q6-16"]').click()
        _wait_visible(browser, "#sup-q6-16")
        browser.find_element(By.CSS_SELECTOR, 'ol.supports a.to-quote[href="#q169-185"]').click()
        assert HELD_IN in _wait_visible(browser, "#sup-q169-185").text
        assert browser.current_url.endswith("#q169-185")
        # everything the page loaded came from the server itself
        loaded = browser.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)")
        assert loaded and all(u.startswith(base + "/static/") for u in loaded), loaded
        assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]


@pytest.mark.skipif(os.environ.get("KG_UPDATE_SCREENSHOTS") != "1",
                    reason="KG_UPDATE_SCREENSHOTS=1 rewrites docs/screenshots/")
def test_update_screenshots(base):
    from selenium.webdriver.common.by import By

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with driver(1400, 1000) as browser:
        browser.get(f"{base}/article/{DOC}")
        browser.find_element(By.CSS_SELECTOR, HELD_MARK).click()
        _wait_visible(browser, "#sup-q169-185")
        browser.execute_script("window.scrollTo(0, 0)")
        browser.save_screenshot(str(SCREENSHOTS / "reader.png"))
        browser.get(f"{base}/entity/russia")
        browser.save_screenshot(str(SCREENSHOTS / "entity.png"))
    with driver(760, 760) as browser:
        browser.get(f"{base}/graph/istanbul-talks-2025.svg")
        browser.save_screenshot(str(SCREENSHOTS / "graph.png"))


def test_screenshots_are_in_the_readme():
    readme = (SCREENSHOTS.parent.parent / "README.md").read_text(encoding="utf-8")
    for name in ("reader.png", "entity.png", "graph.png"):
        data = (SCREENSHOTS / name).read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n", name
        assert f"(docs/screenshots/{name})" in readme


def test_without_chromium_the_test_skips_but_fails_under_ci(monkeypatch):
    import chromium

    monkeypatch.setattr(chromium, "CHROMIUM", "/nonexistent/chromium")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception,
                       match="the browser test must run in CI: /nonexistent/chromium not found"):
        chromium.require()
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception, match="/nonexistent/chromium not found: apt-get"):
        chromium.require()
