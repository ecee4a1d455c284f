"""
The workshop dashboard in a real browser: Debian's chromium driven by Playwright.

One dashboard server runs for the module (a subprocess on a free port); each test opens its
own tab, which Solara serves with its own settings and market. Every test checks that the
page raised no errors and that no request left 127.0.0.1, and leaves screenshots in its
tmp dir.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pytest

from vendorsim.viz import dashboard_plots
from vendorsim.why_words import OUTCOME_WORDS

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Seconds to wait for the page or an update; generous for a busy 2-core CI machine.
WAIT_MS = 60_000
# A why reruns the market about two dozen times: seconds alone, longer beside the server.
WHY_WAIT_MS = 180_000

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM),
        reason=f"no chromium at {CHROMIUM}: `apt-get install chromium` (.ci/run does)",
    ),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_http(url: str, proc: subprocess.Popen, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"dashboard exited with {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise TimeoutError(f"dashboard did not answer at {url}")


def start_dashboard(*args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen(
        [sys.executable, "-m", "vendorsim.viz.app", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def stop(proc: subprocess.Popen) -> str:
    proc.terminate()
    try:
        out, _ = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
    return out or ""


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    port = free_port()
    proc = start_dashboard("--port", str(port))
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_http(url, proc)
        yield url
    finally:
        log = stop(proc)
        assert "Traceback" not in log, log


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@dataclass
class Tab:
    """A page with everything it asked for and every error it raised."""

    page: object
    shots: Path
    requests: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def shot(self, name: str) -> Path:
        path = self.shots / f"{name}.png"
        self.page.screenshot(path=path, full_page=True)
        return path

    def month(self, n: int) -> None:
        self.page.get_by_text(f"Month {n} of 60", exact=True).wait_for(timeout=WAIT_MS)

    def click(self, label: str) -> None:
        self.page.locator("button", has_text=label).first.click()

    def current_month(self) -> int:
        text = self.page.locator(".vendorsim-month").inner_text()  # "Month 7 of 60"
        return int(text.split()[1])

    def step(self, times: int) -> None:
        start = self.current_month()
        for k in range(1, times + 1):
            self.click("Step")
            self.month(start + k)

    def settle(self, quiet_ms: int = 3000) -> int:
        """Wait until the month stops changing (a paused play loop may finish its month)."""
        month = self.current_month()
        while True:
            self.page.wait_for_timeout(quiet_ms)
            now = self.current_month()
            if now == month:
                return now
            month = now

    def barrier(self) -> None:
        """
        Return once the server has handled every earlier click. It handles a tab's messages
        in order, so nudging a slider and seeing its label change proves the queue is done.
        """
        slider = self.page.locator(".lever-pushiness [role=slider]")
        label = self.page.locator(".lever-pushiness").get_by_text("Sales pushiness")
        before = label.inner_text()
        slider.focus()
        slider.press("ArrowRight")
        self.page.wait_for_function(
            "t => document.querySelector('.lever-pushiness').innerText.split('\\n')[0] !== t",
            arg=before,
            timeout=WAIT_MS,
        )
        slider.press("ArrowLeft")
        label.filter(has_text=before).wait_for(timeout=WAIT_MS)

    def item(self, heading: str):
        """The view whose text contains ``heading``."""
        return self.page.locator(".vendorsim-view").filter(has_text=heading).first

    def figure(self, index: int):
        return self.page.locator(".vendorsim-view img").nth(index)

    def headline(self) -> str:
        return self.page.locator(".vendorsim-headline").inner_text()

    def open_tab(self, name: str) -> None:
        self.page.locator(".vendorsim-tabs .v-tab", has_text=name).click()
        self.page.locator(".vendorsim-tabs .v-tab--active", has_text=name).wait_for(timeout=WAIT_MS)

    def small_text(self) -> list[dict]:
        """Every visible text on the page whose computed font size is under 16 px."""
        return self.page.evaluate(SMALL_TEXT_JS)

    def external(self) -> list[str]:
        return [u for u in self.requests if not _local(u)]


# Every text node and every input's value that is rendered (has a box, is not hidden), with
# its element's computed font size times any scaling transform; those under 16 px are
# returned.
SMALL_TEXT_JS = """
() => {
  const out = [];
  const shown = (el) => {
    const cs = getComputedStyle(el);
    return cs.visibility !== 'hidden' && cs.display !== 'none' && parseFloat(cs.opacity) > 0;
  };
  // A transform (Vuetify scales a raised field label to 0.75) shrinks text on screen without
  // changing its computed size: scale by the element's drawn height over its laid-out one.
  // (offsetHeight is rounded to whole pixels: ratios above 0.95 are rounding, not scaling.)
  const scale = (el) => {
    const h = el.offsetHeight;
    const r = h > 0 ? el.getBoundingClientRect().height / h : 1;
    return r < 0.95 ? r : 1;
  };
  const check = (el, text, rect) => {
    if (!text || rect.width < 1 || rect.height < 1 || !shown(el)) return;
    const size = parseFloat(getComputedStyle(el).fontSize) * scale(el);
    if (size < 16) out.push({size, text: text.slice(0, 60), tag: el.tagName,
                             cls: String(el.className).slice(0, 80)});
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const range = document.createRange();
    range.selectNodeContents(node);
    check(node.parentElement, node.textContent.trim(), range.getBoundingClientRect());
  }
  for (const el of document.querySelectorAll('input, textarea')) {
    if (el.type === 'checkbox' || el.readOnly) continue;
    check(el, (el.value || el.placeholder || '').trim(), el.getBoundingClientRect());
  }
  return out;
}
"""


def _local(url: str) -> bool:
    parsed = urlparse(url[5:] if url.startswith("blob:") else url)
    return parsed.scheme == "data" or parsed.hostname == "127.0.0.1"


@pytest.fixture
def tab(browser, server, tmp_path) -> Iterator[Tab]:
    # The room's projector.
    page = browser.new_page(viewport={"width": 1920, "height": 1080})
    t = Tab(page, tmp_path)
    page.on("request", lambda r: t.requests.append(r.url))
    page.on("pageerror", lambda e: t.errors.append(f"pageerror: {e}"))
    page.on(
        "console", lambda m: t.errors.append(f"console: {m.text}") if m.type == "error" else None
    )
    page.on(
        "response",
        lambda r: t.errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None,
    )
    page.goto(server)
    t.month(0)
    page.locator(".vendorsim-view img").nth(3).wait_for(timeout=WAIT_MS)
    yield t
    page.close()
    assert t.errors == []
    assert t.external() == []


def trust_png(t: Tab) -> bytes:
    """Pixels of the trust figure (the second figure of the Market tab)."""
    return t.figure(1).screenshot()


def test_page_renders_offline_and_steps(tab: Tab) -> None:
    page = tab.page
    tab.shot("start")
    for text in (
        "Workshop settings",
        "Compare two policies",
        "Settings apply when you press Reset",
    ):
        assert page.get_by_text(text).first.is_visible()
    assert not page.get_by_text("Model Parameters").first.is_visible()
    before = trust_png(tab)
    tab.step(3)
    assert trust_png(tab) != before
    assert page.get_by_text("Outcomes").first.is_visible()
    tab.shot("month3")
    assert tab.requests, "the page made no requests at all"


def test_slider_then_reset_changes_the_market(tab: Tab) -> None:
    page = tab.page
    tab.step(6)
    baseline = tab.headline()
    baseline_png = trust_png(tab)
    tab.shot("baseline_month6")

    slider = page.locator(".lever-overpromise [role=slider]")
    slider.focus()
    slider.press("End")  # over-promise to the top of its range: tall commitments
    page.get_by_text("Sales over-promise (share over capacity): 3").wait_for(timeout=WAIT_MS)
    page.get_by_text("Settings changed").first.wait_for(timeout=WAIT_MS)
    assert page.get_by_text("Month 6 of 60", exact=True).is_visible(), "applies on Reset only"

    tab.click("Reset")
    tab.month(0)
    page.get_by_text("Settings apply when you press Reset").first.wait_for(timeout=WAIT_MS)
    tab.step(6)
    tab.shot("overpromise3_month6")
    assert trust_png(tab) != baseline_png
    assert tab.headline() != baseline


def test_compare_mode_runs_two_policies_on_one_seed(tab: Tab) -> None:
    page = tab.page
    page.get_by_text("Compare policy B on the same seed").click()
    page.get_by_text("Policy B value: 0").wait_for(timeout=WAIT_MS)
    tab.click("Reset")
    page.get_by_text("comparing A: sales over-promise 0.1 with B: sales over-promise 0").wait_for(
        timeout=WAIT_MS
    )
    tab.step(6)
    headline = tab.headline()
    assert "\nA\t" in headline and "\nB\t" in headline, headline
    tab.shot("compare_month6")
    # Over 20 common seeds: the paired difference B - A with its 95% interval.
    tab.open_tab("Compare two policies")
    table = page.locator(".vendorsim-ci table")
    table.wait_for(timeout=WAIT_MS)
    text = table.inner_text()
    assert "B \u2212 A [95% CI]" in text
    # A tenth of a point: whole points rounded an interval clear of 0 to one touching it.
    number = r"[+-]\d+\.\d"
    assert re.search(rf"churn\t\d+\.\d%\t\d+\.\d%\t{number} pp \[{number}, {number}\]", text), text
    assert tab.small_text() == []
    tab.shot("compare_ci")
    # The story panel can tell either policy's version of the same client.
    tab.open_tab("Story of a client")
    story = page.locator(".vendorsim-story")
    story_a = story.inner_text()
    page.locator(".v-btn-toggle button", has_text="B").click()
    page.get_by_text("Shown: B: sales over-promise 0").wait_for(timeout=WAIT_MS)
    assert story.inner_text().startswith("Client 0, seed 1")
    assert story_a.startswith("Client 0, seed 1")


def test_story_of_a_selected_client(tab: Tab) -> None:
    page = tab.page
    tab.step(8)
    tab.open_tab("Story of a client")
    tab.item("Story of a client").locator(".v-select").click()
    page.locator(".v-menu__content .v-list-item", has_text="Client 3:").click()
    story = page.locator(".vendorsim-story")
    page.wait_for_function(
        "() => document.querySelector('.vendorsim-story').innerText.startsWith('Client 3,')",
        timeout=WAIT_MS,
    )
    text = story.inner_text()
    assert "Engagement" in text and "=> outcome:" in text
    assert tab.small_text() == []
    tab.shot("story_client3")
    tab.item("Story of a client").screenshot(path=tab.shots / "story_panel.png")


def test_why_panel_answers_for_the_chosen_client(tab: Tab) -> None:
    """The story view's "Why?" reruns the market with each mechanism off and says, in text
    a room can read, how the client's engagement ended and what it would have been."""
    page = tab.page
    tab.open_tab("Story of a client")
    tab.item("Story of a client").locator(".v-select").click()
    page.locator(".v-menu__content .v-list-item", has_text="Client 2").click()
    page.get_by_role("button", name="Why?").click()
    page.wait_for_selector(".vendorsim-why", timeout=WHY_WAIT_MS)
    text = page.locator(".vendorsim-why").inner_text()
    first = text.split(".")[0].lower()
    assert any(words in first for words in OUTCOME_WORDS.values()), text[:200]
    assert "Client 2 (seed" in text
    assert "margin" in text and "Trust went from" in text
    assert tab.small_text() == []
    tab.item("Story of a client").screenshot(path=tab.shots / "why_panel.png")


def test_burst_of_resets_steps_and_play(tab: Tab) -> None:
    page = tab.page
    for _ in range(4):
        for _ in range(3):
            tab.click("Step")
        tab.click("Reset")
    tab.barrier()
    assert tab.current_month() == 0, "the last click was Reset"
    page.locator("button", has_text="\u25b6").click()  # play
    page.get_by_text("Month 3 of 60", exact=True).wait_for(timeout=WAIT_MS)
    page.locator("button", has_text="\u275a\u275a").click()  # pause
    # Mesa's play loop may finish the month it was sleeping on; wait for it to stop.
    assert tab.settle() >= 3
    tab.click("Reset")
    tab.month(0)
    tab.barrier()
    tab.step(2)
    tab.shot("after_burst")


def test_readable_from_the_back_of_the_room(tab: Tab) -> None:
    page = tab.page
    names = page.locator(".vendorsim-tabs .v-tab").all_inner_texts()
    assert names == ["Market", "Story of a client", "Compare two policies"]
    assert not [n for n in names if re.fullmatch(r"page \d+", n.strip(), re.I)]
    assert tab.small_text() == []
    tab.step(2)
    assert tab.small_text() == []
    # Figures: their smallest type, as shown at this width, is 16 px or more.
    for k in range(4):
        scale = tab.figure(k).evaluate("img => img.clientWidth / img.naturalWidth")
        shown = dashboard_plots.SMALLEST * dashboard_plots.DPI / 72 * scale
        assert shown >= 16, (k, scale, shown)
    tab.shot("projector_market")
    page.locator(".lever-pricing .v-select").click()  # an open menu's items too
    page.locator(".v-menu__content .v-list-item", has_text="discretionary").wait_for()
    assert tab.small_text() == []
    page.keyboard.press("Escape")


def test_developer_controls_hidden_until_asked_for(tab: Tab) -> None:
    page = tab.page
    developer = ("Play Interval (ms)", "Render Interval (steps)", "Use Threads", "Information")
    for text in developer:
        assert not page.get_by_text(text).first.is_visible(), text
    assert not page.get_by_text("Time: 0").first.is_visible()
    tab.step(1)  # Reset, Play and Step stay
    page.get_by_text("Show developer controls").click()
    for text in developer:
        page.get_by_text(text).first.wait_for(timeout=WAIT_MS)
    page.get_by_text("Time: 1").first.wait_for(timeout=WAIT_MS)
    assert tab.small_text() == []
    tab.shot("developer_controls")
    tab.step(1)
    page.get_by_text("Show developer controls").click()
    page.get_by_text("Use Threads").wait_for(state="hidden", timeout=WAIT_MS)
