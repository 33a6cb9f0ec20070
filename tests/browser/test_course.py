"""The course as a person uses it: in JupyterLab and Voila, in headless Chromium.

Executing notebooks headlessly proves the cells run; these tests open each
notebook in a real JupyterLab, run it from the Run menu and look at the page,
and they move the Lab's controls with the mouse and the keyboard and read
what the learner reads: the readout's text and the figure's pixels.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from urllib.parse import urlsplit

import pytest
from exclusive import real_runs_alone
from snippets import snippets

from browser import access, audit, pages
from browser.conftest import ROOT, with_snippets

NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))
#: The notebooks run in JupyterLab here: the first a learner opens, the real runs (09, run
#: nowhere else) and the free-play Lab. Every other notebook is run headless by the static
#: site's build (tests/browser/test_site.py: ``make site`` runs each notebook and the snippets
#: its text tells the learner to type, and fails on any error or stderr output, as this test
#: does), whose pages Chromium then opens: every widget and view rendered, none of their text
#: cut, every view playing. Running them here too took two minutes of the 8-minute budget.
IN_JUPYTERLAB = (
    "00_start_here.ipynb",
    # last of the browser tests: its real runs come after the real group's (xdist_groups)
    pytest.param("09_the_real_thing.ipynb", marks=pytest.mark.late),
    "lab.ipynb",
)
LAB = ".statelab-lab"
#: The presenter page's title (the Lab notebook's metadata "title").
TITLE = "statelab: the Lab"
COMPARE = ".statelab-compare"


#: Notebooks that are also restarted and run again after their first run: the Lab (the most
#: widgets; notebook 07, the most runs, was restarted too, for 13 s of the 8-minute budget).
RESTARTED = ("lab.ipynb",)


@pytest.mark.parametrize("name", IN_JUPYTERLAB)
def test_notebooks_run_in_jupyterlab_with_no_error_shown(page, jupyterlab, name):
    """Every cell of the notebook runs, then every snippet its text tells the learner to
    type (a cell each, in the copy ``with_snippets(name)``: see ``make_course``), with no
    error or warning (stderr) shown. The other notebooks: see ``IN_JUPYTERLAB``; headless
    runs of them all (tests/test_notebooks.py) are left to machines without Chromium. The
    notebooks of ``RESTARTED`` are then restarted and run again, as cleanly (once: a second
    restart cost 20 s of the 8-minute budget)."""
    base, token = jupyterlab
    pages.open_notebook(page, base, token, with_snippets(name))
    # notebook 09 makes real runs: none of the real group's beside them (tests/exclusive.py)
    with real_runs_alone() if name.startswith("09") else contextlib.nullcontext():
        pages.run_all(page)
    assert pages.error_outputs(page) == []
    document = json.loads((ROOT / "notebooks" / name).read_text(encoding="utf-8"))
    own = sum(cell["cell_type"] == "code" for cell in document["cells"])
    typed = snippets(document)
    if name[:2].isdigit():
        assert typed, f"{name} tells the learner no snippet to type"
    prompts = page.locator(".jp-CodeCell .jp-InputArea-prompt").all_inner_texts()
    assert len(prompts) == own + len(typed)
    assert all(re.fullmatch(r"\[\d+\]:", prompt.strip()) for prompt in prompts), prompts
    # every notebook has a moment the learner drives: a slider, a choice or the view's Play
    controls = ".widget-slider:visible, .widget-dropdown:visible, .statelab-anim .sa-play:visible"
    page.wait_for_selector(controls, timeout=30_000)
    assert page.locator(controls).count() > 0
    # no text of our widgets is cut, at 1400x1000 (the page's size)
    assert pages.cut_text(page) == []
    if name in RESTARTED:
        pages.restart_and_run_all(page)
        assert pages.error_outputs(page) == []
        readouts = page.locator(pages.READOUT)
        assert readouts.count() >= 1
        assert "Sessions lost" in readouts.first.inner_text()


def test_the_lab_plays_and_answers_its_controls_in_jupyterlab(page, jupyterlab):
    base, token = jupyterlab
    pages.open_notebook(page, base, token, "lab.ipynb")
    pages.run_all(page)
    page.locator(LAB).first.scroll_into_view_if_needed()

    # Play moves the time and the picture; a run is watched from its start
    assert pages.view_time(page, LAB) == 0.0
    canvas = page.locator(f"{LAB} {pages.VIEW} canvas").first
    picture = canvas.evaluate("c => c.toDataURL()")
    play = page.locator(f"{LAB} {pages.VIEW} .sa-play").first
    play.click()
    time.sleep(2.0)
    assert pages.view_time(page, LAB) > 0.5
    assert canvas.evaluate("c => c.toDataURL()") != picture
    play.click()  # paused again, for the controls below

    calm = pages.readout(page)
    assert pages.lost(calm) == [0]
    run = pages.view_run(page, LAB)

    # a crash of node 1 loses carts while they live on the servers ...
    pages.choose(page, LAB, "crash node", "1")
    crashed = pages.wait_readout_change(page, calm)
    assert pages.lost(crashed)[0] > 0 and "crash" in crashed
    run = pages.wait_view_change(page, LAB, run)

    # ... and none when they live in a shared store
    pages.choose(page, LAB, "state lives in", "store")
    stored = pages.wait_readout_change(page, crashed)
    assert pages.lost(stored) == [0]
    run = pages.wait_view_change(page, LAB, run)

    # no affinity with server state: nearly every session loses its cart
    pages.choose(page, LAB, "state lives in", "server")
    back = pages.wait_readout_change(page, stored)
    pages.choose(page, LAB, "affinity", "none")
    scattered = pages.wait_readout_change(page, back)
    assert pages.lost(scattered)[0] > 10 * pages.lost(back)[0] / 2

    # one more web server, with the keyboard on the slider
    handle = pages.slider_handle(page, LAB, "web servers")
    before = pages.readout(page)
    handle.focus()
    page.keyboard.press("ArrowRight")
    pages.wait_readout_change(page, before)
    assert float(handle.get_attribute("aria-valuenow")) == 4
    pages.wait_view_change(page, LAB, run)


def test_compare_shows_server_state_losing_carts_and_store_state_not(page, jupyterlab):
    """Compare's left side loses carts, its right side none; and the page of the Lab and
    Compare passes the accessibility audit (browser/audit.py: axe-core, no serious or
    critical violation in our outputs, the ipywidgets controls included)."""
    base, token = jupyterlab
    pages.open_notebook(page, base, token, "lab.ipynb")
    pages.run_all(page)
    text = page.locator(COMPARE).first.locator(pages.READOUT).inner_text()
    left, right = pages.lost(text)
    assert left > 0 and right == 0
    page.wait_for_selector(f"{COMPARE} {pages.VIEW}[data-frame]")
    audit.assert_our_outputs_pass(page)
    # every slider says what it sets (ipywidgets' handles are named by SliderNames)
    for name in ("web servers", "workers / node", "shoppers / s", "crash at (s)"):
        assert page.locator(f'{LAB} [role=slider][aria-label="{name}"]').count() == 1, name


def test_the_lab_answers_in_voila(page, voila):
    page.goto(f"{voila}/voila/render/lab.ipynb")
    page.wait_for_selector(pages.READOUT, timeout=120_000)
    page.wait_for_function(
        "() => document.querySelector('.statelab-readout').innerText.includes('Sessions lost')"
    )
    calm = pages.readout(page)
    assert pages.lost(calm) == [0]
    assert "from statelab" not in page.content()  # no code on the page
    run = pages.view_run(page, LAB)
    pages.choose(page, LAB, "crash node", "1")
    crashed = pages.wait_readout_change(page, calm)
    assert pages.lost(crashed)[0] > 0
    pages.wait_view_change(page, LAB, run)
    access.walk_in_voila(page)  # keys only, and the live region (browser/access.py)
    pages.choose(page, LAB, "state lives in", "store")
    assert pages.lost(pages.wait_readout_change(page, crashed)) == [0]
    page.locator(f"{LAB} {pages.VIEW} .sa-play").first.click()
    page.wait_for_function(
        "() => Number(document.querySelector('.statelab-lab .statelab-anim').dataset.time) > 1"
    )


BOTTOMS = """() => Object.fromEntries(['.statelab-lab', '.statelab-readout', '.statelab-anim']
    .map((s) => [s, document.querySelector(s).getBoundingClientRect().bottom]))"""


def test_the_room_page_holds_the_whole_lab_above_the_fold_at_1280x720(page, voila):
    """`make present`'s page (Voila, the project's template): the controls, the readout and
    the whole view, charts and "so far" lines included, in a 1280x720 screen with no
    scrolling, in presenter type; choosing where state lives (a store row) keeps it so; and
    the page passes the accessibility audit (browser/audit.py)."""
    page.set_viewport_size({"width": 1280, "height": 720})
    outside = []  # every request that would leave the machine: refused, and counted

    def loopback_only(route):
        host = urlsplit(route.request.url).hostname or ""
        if host in ("127.0.0.1", "localhost", "::1") or route.request.url.startswith("data:"):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", loopback_only)
    page.goto(f"{voila}/voila/render/lab.ipynb")
    page.wait_for_selector(f"{LAB}.statelab-presenter {pages.VIEW}[data-frame]", timeout=120_000)
    assert page.title() == TITLE
    assert page.locator(".jp-MarkdownCell:visible").count() == 0  # the Lab alone
    bottoms = page.evaluate(BOTTOMS)
    assert max(bottoms.values()) <= 720, bottoms
    size = page.locator(f"{LAB} {pages.VIEW} canvas").bounding_box()
    run = pages.view_run(page, LAB)
    pages.choose(page, LAB, "state lives in", "store")
    pages.wait_view_change(page, LAB, run)
    assert page.locator(f"{LAB} {pages.VIEW} canvas").bounding_box() == size
    assert max(page.evaluate(BOTTOMS).values()) <= 720
    font = page.locator(f"{LAB} .statelab-readout").evaluate("(e) => getComputedStyle(e).fontSize")
    assert float(font.removesuffix("px")) >= 15
    run = pages.view_run(page, LAB)
    pages.choose(page, LAB, "state lives in", "server")  # carts in memory, for the moments
    pages.wait_view_change(page, LAB, run)
    # after every one-click moment, its message line included, the page still fits
    for button in ("Crash node 2 now", "Scale to 6 now", "Store outage now", "Clear moments"):
        run = pages.view_run(page, LAB)
        page.locator(f"{LAB} button", has_text=button).click()
        pages.wait_view_change(page, LAB, run)
        bottoms = page.evaluate(BOTTOMS)
        assert max(bottoms.values()) <= 720, (button, bottoms)
        message = page.locator(f"{LAB} .statelab-message").inner_text()
        if button == "Scale to 6 now":
            access.tell_a_scale_out_as_it_plays(page, message)
        elif button == "Store outage now":
            access.tell_a_store_outage_when_scrubbed(page, message)
    # no text of the page is cut: every line in its box, the buttons as wide as their words
    assert pages.cut_text(page, LAB) == []
    cut = page.evaluate(
        """() => [...document.querySelectorAll('.statelab-lab button')]
            .filter((b) => b.scrollWidth > b.clientWidth + 1).map((b) => b.textContent)"""
    )
    assert cut == [], cut
    audit.assert_the_page_passes(page, "the presenter page")
    assert outside == [], f"the room's page asked outside the machine for {outside}"
