"""The static site (``make site``) in Chromium, with every request outside its server blocked.

The site is built once for the module (``make site``, one notebook at a time, niced), then
served by ``python -m http.server`` on loopback; a page opened from
``file://`` is tried too. Each page must load with no console error and no failed
request, show every animated view its notebook shows, each of which plays and scrubs; the
Lab without a kernel must answer its main controls from the grid, with the picture and
the readout of ``simulate`` of the same scenario.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from browser import audit, pages
from browser.conftest import ROOT, free_port
from statelab import simulate
from statelab.dashboards.readout import readout_html
from statelab.site import grid as grids

LAB = ".statelab-site-lab"


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """The site, built once by ``make site`` into a folder of its own (one notebook at a time,
    niced: the real runs on the other worker go first); its ``site.json`` and its folder.
    ``STATELAB_SITE=<folder>`` tests a site built before (while working on a test). How long
    ``make site`` takes is ``make bench``'s (bench/bench_site.py)."""
    if os.environ.get("STATELAB_SITE"):
        folder = Path(os.environ["STATELAB_SITE"]).resolve()
    else:
        folder = tmp_path_factory.mktemp("site") / "site"
        command = ["make", "--no-print-directory", "site", "SITE_JOBS=1", f"SITE_OUT={folder}"]
        built = subprocess.run(
            ["nice", "-n", "15", *command],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    info = json.loads((folder / "site.json").read_text(encoding="utf-8"))
    info.update(folder=folder)
    return info


@pytest.fixture(scope="module")
def server(site):
    """``python -m http.server`` serving the site on loopback: its base address."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=site["folder"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(base + "index.html", timeout=2).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        yield base
    finally:
        process.terminate()
        process.wait(10)


class Offline:
    """A page whose requests outside ``allowed`` are blocked, and what it logged."""

    def __init__(self, browser, allowed: str, viewport=(1400, 1000)) -> None:
        self.context = browser.new_context(viewport={"width": viewport[0], "height": viewport[1]})
        self.blocked: list[str] = []
        self.failed: list[str] = []
        self.errors: list[str] = []

        def route(request_route):
            url = request_route.request.url
            if url.startswith((allowed, "blob:", "data:")):
                request_route.continue_()
            else:
                self.blocked.append(url)
                request_route.abort()

        self.context.route("**/*", route)
        self.page = self.context.new_page()
        self.page.set_default_timeout(30_000)
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.failed.append(f"{r.url} ({r.failure})"))

    def trouble(self) -> list[str]:
        return [f"blocked: {u}" for u in self.blocked] + self.failed + self.errors


@pytest.fixture
def offline(browser, server):
    """Pages of the module's Chromium (tests/browser/conftest.py) that reach only ``allowed``."""
    made = []

    def make(viewport=(1400, 1000), allowed=server):
        opened = Offline(browser, allowed, viewport)
        made.append(opened)
        return opened

    yield make
    for opened in made:
        opened.context.close()


def view_count(page) -> int:
    return page.locator(pages.VIEW).count()


def wait_views(page, expected: int) -> None:
    """Until the page shows ``expected`` animated views, each with a run drawn."""
    page.wait_for_function(
        """(n) => {
          const views = document.querySelectorAll('.statelab-anim');
          return views.length === n && [...views].every(v => Number(v.dataset.run) > 0);
        }""",
        arg=expected,
        timeout=30_000,
    )


def test_make_site_builds_every_page_with_every_asset_local(site):
    folder = site["folder"]
    names = [p["name"] for p in site["pages"]]
    course = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert sorted(names) == course
    assert names[0] == "00_start_here" and names[-1] == "lab"
    assert site["bytes"] < 60e6
    for name in ["index", *names]:
        text = (folder / f"{name}.html").read_text(encoding="utf-8")
        sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', text)
        assert sources, name
        assert all(not re.match(r"[a-z]+:", s) for s in sources), (name, sources)
        assert "mathjax" not in text.lower() or name == "index", name
    assert (folder / "lab.html").exists() and (
        folder / "notebooks" / "00_start_here.ipynb"
    ).exists()
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert "A hands-on course on how stateful and stateless web services behave" in index
    assert [href for href in re.findall(r'<li><a href="([^"]+)"', index)] == [
        f"{n}.html" for n in names
    ]
    assert site["runs"] == {"00_start_here": 69, "lab": 165}
    assert len(list((folder / "runs" / "lab").glob("*.js"))) == 165


def test_every_page_loads_offline_with_no_error_and_every_view_plays_and_scrubs(
    site, offline, server
):
    opened = offline()
    page = opened.page
    for info in site["pages"]:
        page.goto(server + info["href"])
        wait_views(page, info["views"])
        assert opened.trouble() == [], info["name"]
        assert pages.cut_text(page) == [], info["name"]  # at 1400x1000, as in JupyterLab
        # the whole page is ours here: no serious or critical violation anywhere on it
        found = audit.failing(audit.audit(page, ["body"]))
        assert found == [], audit.report(info["href"], found)
        for k in range(info["views"]):
            view = page.locator(pages.VIEW).nth(k)
            view.scroll_into_view_if_needed()
            view.locator(".sa-range").focus()
            page.keyboard.press("Home")  # (a Compare's views share their time)
            still = view.locator(".sa-canvas").evaluate("c => c.toDataURL()")
            view.locator(".sa-play").click()
            page.wait_for_function(
                "k => Number(document.querySelectorAll('.statelab-anim')[k].dataset.time) > 0.3",
                arg=k,
            )
            page.wait_for_function(  # the frames change as it plays
                "([k, p]) => document.querySelectorAll('.sa-canvas')[k].toDataURL() !== p",
                arg=[k, still],
            )
            view.locator(".sa-play").click()  # pause
            view.locator(".sa-range").focus()
            page.keyboard.press("End")
            page.wait_for_function(
                """(k) => {
                  const v = document.querySelectorAll('.statelab-anim')[k];
                  const end = Number(v.querySelector('.sa-range').max);
                  return Math.abs(Number(v.dataset.time) - end) < 0.01 && end > 1;
                }""",
                arg=k,
            )
        text = page.locator("main").inner_text()
        if info["name"] == "09_the_real_thing":
            assert "shown, not run" in page.locator(".statelab-site-banner").inner_text()
        elif info["name"][:2].isdigit():
            assert "A prediction." in text or "An exercise." in text, info["name"]
    assert opened.trouble() == []


def _readout_of(grid: grids.Grid, values: dict) -> str:
    return readout_html(simulate(grid.scenario(values)), title=grids.READOUT_TITLE)


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def test_the_site_lab_answers_its_main_controls_from_the_grid_as_simulate_does(offline, server):
    opened = offline()
    page = opened.page
    page.goto(server + "lab.html")
    wait_views(page, 3)
    lab = page.locator(LAB)
    grid = grids.free_play()
    values = dict(grid.fixed)
    assert lab.get_attribute("data-key") == grid.key(values)
    assert _text(lab.locator(".statelab-site-readout").inner_html()) == _text(
        _readout_of(grid, values)
    )

    def picture() -> str:
        return lab.locator("canvas").evaluate("c => c.toDataURL()")

    moves = [
        (
            "nodes",
            "web servers",
            lambda: _press(page, lab, "web servers", "ArrowRight"),
            {"nodes": 4},
        ),
        (
            "affinity",
            "affinity",
            lambda: _select(lab, "affinity", "consistent_hash"),
            {"affinity": "consistent_hash"},
        ),
        ("state", "state lives in", lambda: _select(lab, "state", "cookie"), {"state": "cookie"}),
        ("crash", "crash node", lambda: _select(lab, "crash_node", "1"), {"crash_node": 1}),
    ]
    lab.locator(".sa-range").focus()
    page.keyboard.press("End")  # the whole run drawn: every change of the run shows
    for _name, _label, move, changed in moves:
        before_key, before_picture = lab.get_attribute("data-key"), picture()
        move()
        values.update(changed)
        key = grid.key(values)
        page.wait_for_function(
            "([s, k]) => document.querySelector(s).dataset.key === k", arg=[LAB, key]
        )
        assert key != before_key
        expected = _text(_readout_of(grid, values))
        assert _text(lab.locator(".statelab-site-readout").inner_html()) == expected, key
        page.wait_for_function(
            "([s, p]) => document.querySelector(s + ' canvas').toDataURL() !== p",
            arg=[LAB, before_picture],
        )
    # a control off the grid: said so, and the view keeps its run
    key = lab.get_attribute("data-key")
    _press(page, lab, "workers / node", "ArrowRight")
    message = lab.locator(".statelab-site-message")
    page.wait_for_function(
        "s => document.querySelector(s).textContent.startsWith('No run for')",
        arg=f"{LAB} .statelab-site-message",
    )
    assert "workers / node 5" in message.inner_text() and "workers / node 4" in message.inner_text()
    assert lab.get_attribute("data-key") == key
    assert message.get_attribute("role") == "status"
    assert opened.trouble() == []


def _press(page, lab, label: str, key: str) -> None:
    """A key pressed on the control a screen reader names ``label`` (its <label>)."""
    control = lab.get_by_label(label, exact=True)
    control.focus()
    page.keyboard.press(key)
    assert page.evaluate("document.activeElement.name") == control.get_attribute("name")


def _select(lab, name: str, value: str) -> None:
    lab.locator(f"select[name='{name}']").select_option(value)


def test_a_page_opened_from_file_plays_and_its_lab_answers(site, offline):
    opened = offline(allowed=(site["folder"]).as_uri())
    page = opened.page
    page.goto((site["folder"] / "00_start_here.html").as_uri())
    wait_views(page, 1)
    lab = page.locator(LAB)
    grid = grids.start_here()
    assert lab.get_attribute("data-key") == grid.key(grid.fixed)
    _press(page, lab, "web servers", "ArrowRight")
    values = {**grid.fixed, "nodes": 4}
    page.wait_for_function(
        "([s, k]) => document.querySelector(s).dataset.key === k", arg=[LAB, grid.key(values)]
    )
    assert _text(lab.locator(".statelab-site-readout").inner_html()) == _text(
        _readout_of(grid, values)
    )
    page.goto((site["folder"] / "04_failures_lose_state.html").as_uri())
    views = next(p["views"] for p in site["pages"] if p["name"] == "04_failures_lose_state")
    wait_views(page, views)
    assert opened.trouble() == []


@pytest.mark.parametrize("viewport", [(1280, 720), (390, 844)], ids=["room", "phone"])
def test_the_lab_page_fits_a_room_and_a_phone(offline, server, viewport):
    opened = offline(viewport=viewport)
    page = opened.page
    page.goto(server + "lab.html" + ("?present" if viewport[0] == 1280 else ""))
    wait_views(page, 3)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= viewport[0], f"the page is {width} px wide in a {viewport[0]} px screen"
    lab = page.locator(LAB)
    if viewport[0] == 1280:
        # a room's page: the Lab alone, its controls, readout and whole view (charts included)
        # on the first screen, with no scrolling
        assert "statelab-site-presenter" in (lab.get_attribute("class") or "")
        assert not page.locator(".statelab-site-header").is_visible()
        assert page.evaluate("window.scrollY") == 0
        box = lab.locator("canvas").bounding_box()
        assert box and box["y"] >= 0 and box["y"] + box["height"] <= 720, box
        lab.get_by_role("button", name="Crash node 1 at 60 s").click()
        grid = grids.free_play()
        page.wait_for_function(
            "([s, k]) => document.querySelector(s).dataset.key === k",
            arg=[LAB, grid.key({**grid.fixed, "crash_node": 1})],
        )
    assert opened.trouble() == []
