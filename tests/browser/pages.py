"""What a person does in JupyterLab and Voila, as functions on a playwright page.

Shared by the browser tests and the browser benchmark.
"""

from __future__ import annotations

import re
import time

from playwright.sync_api import TimeoutError as PlaywrightTimeout

READOUT = ".statelab-readout"
ERRORS = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
VIEW = ".statelab-anim"
#: The animated view's time label ("t = 62.0 s of 120 s").
LABEL = ".statelab-anim-time"


def open_notebook(page, base: str, token: str, name: str) -> None:
    """Open ``name`` in JupyterLab, with a fresh workspace, and wait for its kernel. A page
    whose kernel connection is lost while it starts (seen once on a machine busy with the
    real runs: "No Kernel", "Disconnected", never idle) is loaded once more, as a learner
    would reload it."""
    url = f"{base}/lab/tree/{name}?reset&token={token}"
    page.goto(url)
    try:
        page.wait_for_function("document.body.innerText.includes('Idle')", timeout=45_000)
    except PlaywrightTimeout:
        page.goto(url)
        page.wait_for_function("document.body.innerText.includes('Idle')", timeout=60_000)


def run_all(page, timeout: float = 240.0) -> None:
    """Run > Run All Cells, then wait until every code cell has run and the kernel is idle,
    or until an error stopped the run (JupyterLab runs no cell after one that raised: the
    caller's check of ``error_outputs`` then says what it was, at once)."""
    page.get_by_role("menuitem", name="Run", exact=True).click()
    page.get_by_text("Run All Cells", exact=True).click()
    page.wait_for_function(
        """(errors) => {
            const prompts = Array.from(
                document.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt'));
            const status = document.querySelector('#jp-main-statusbar');
            const idle = status && status.innerText.includes('Idle');
            const ran = prompts.length > 0
                && prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
            const raised = Array.from(document.querySelectorAll(errors))
                .some(e => e.innerText.includes('Traceback') || /Error\\b/.test(e.innerText));
            return idle && (ran || raised);
        }""",
        arg=ERRORS,
        timeout=timeout * 1000,
    )


def error_outputs(page) -> list[str]:
    """The text of every error or warning (stderr) output shown in the page."""
    return page.locator(ERRORS).all_inner_texts()


def readout(page, index: int = 0) -> str:
    """The text of the ``index``-th readout of the page."""
    return page.locator(READOUT).nth(index).inner_text()


def lost(text: str) -> list[int]:
    """Every 'Sessions lost: N' number in a readout's text, in order."""
    return [int(n) for n in re.findall(r"Sessions lost:\s*(\d+)", text)]


def wait_change(read, before: str, what: str, timeout: float = 30.0) -> str:
    """Call ``read()`` until it returns something other than ``before``; return that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = read()
        if now != before:
            return now
        time.sleep(0.05)
    raise AssertionError(f"the {what} did not change within {timeout:g} s")


def wait_readout_change(page, before: str, index: int = 0) -> str:
    """Wait until the readout differs from ``before``; return its new text."""
    return wait_change(lambda: readout(page, index), before, f"readout ({before})")


def view_run(page, container: str, index: int = 0) -> str:
    """Which run the ``index``-th animated view in ``container`` has drawn (its ``data-run``)."""
    return page.locator(f"{container} {VIEW}").nth(index).get_attribute("data-run")


def wait_view_change(page, container: str, before: str, index: int = 0) -> str:
    """Wait until the animated view draws another run than ``before``; return its number."""
    return wait_change(lambda: view_run(page, container, index), before, "animated view")


def view_time(page, container: str, index: int = 0) -> float:
    """The model time the ``index``-th animated view in ``container`` shows (``data-time``)."""
    view = page.locator(f"{container} {VIEW}").nth(index)
    return float(view.get_attribute("data-time") or 0.0)


def choose(page, container: str, description: str, value: str) -> None:
    """Pick ``value`` in the dropdown labelled ``description`` inside ``container``."""
    box = page.locator(f"{container} .widget-dropdown", has_text=description).first
    box.locator("select").select_option(label=value)


def slider_handle(page, container: str, description: str):
    """The handle of the slider labelled ``description`` inside ``container``."""
    box = page.locator(f"{container} .widget-slider", has_text=description).first
    return box.locator(".noUi-handle")


KEYPRESS_TO_RUN = """
([container, handleIndex]) => new Promise((resolve) => {
    const box = document.querySelector(container);
    const handle = box.querySelectorAll('.noUi-handle')[handleIndex];
    const view = box.querySelector('.statelab-anim');
    const before = view.dataset.run;
    const start = performance.now();
    handle.focus();
    handle.dispatchEvent(new KeyboardEvent('keydown', {key: 'ArrowRight', bubbles: true}));
    const poll = () => {
        if (view.dataset.run !== before) { resolve(performance.now() - start); return; }
        if (performance.now() - start > 10000) { resolve(-1); return; }
        requestAnimationFrame(poll);
    };
    requestAnimationFrame(poll);
})
"""


def keypress_to_run(page, container: str, handle_index: int) -> float:
    """Milliseconds from a slider keypress to the animated view drawing the new run."""
    return page.evaluate(KEYPRESS_TO_RUN, [container, handle_index])


def restart_and_run_all(page, timeout: float = 240.0) -> None:
    """Kernel > Restart Kernel and Run All Cells, confirm, and wait until it has run again.

    The outputs of the last run are marked first, so the wait ends only when
    every code cell shows a new output area, numbered, with the kernel idle.
    """
    page.evaluate("""() => document.querySelectorAll('.jp-CodeCell .jp-OutputArea-output')
                            .forEach(output => output.dataset.before = 'yes')""")
    page.get_by_role("menuitem", name="Kernel", exact=True).click()
    page.get_by_text("Restart Kernel and Run All Cells…", exact=True).click()
    page.locator(".jp-Dialog .jp-mod-accept").click()
    page.wait_for_function(
        """() => {
            const cells = Array.from(document.querySelectorAll('.jp-CodeCell'));
            const status = document.querySelector('#jp-main-statusbar');
            return cells.every(cell => {
                    const prompt = cell.querySelector('.jp-InputArea-prompt');
                    const output = cell.querySelector('.jp-OutputArea-output');
                    return /\\[\\d+\\]/.test(prompt.textContent)
                        && (!output || !output.dataset.before);
                })
                && status && status.innerText.includes('Idle');
        }""",
        timeout=timeout * 1000,
    )


def label(page) -> str:
    """The animated view's time label, as shown."""
    return page.locator(LABEL).first.inner_text()


def seconds(text: str) -> float:
    """The time in a view's label: ``t = 62.0 s of 120 s`` -> 62.0."""
    return float(re.search(r"t = ([\d.]+) s", text).group(1))


#: Our widgets' outputs on a JupyterLab page (the Lab, Compare, the animated view, and the
#: ipywidgets controls and figures the course shows).
OUTPUTS = ".jp-OutputArea-output:has(.jupyter-widgets, .statelab-anim)"

CUT = """(selector) => {
    // elements whose content is wider or taller than their box while the box hides what
    // sticks out (overflow hidden or clip, an ellipsis): text a person cannot read whole
    // (the view's visually hidden text for screen readers, .sa-sr, is clipped on purpose)
    const cut = [];
    for (const area of document.querySelectorAll(selector)) {
        for (const el of area.querySelectorAll('*')) {
            if (!el.clientWidth || !el.textContent.trim() || el.closest('.sa-sr')) continue;
            const style = getComputedStyle(el);
            const hides = (v) => v === 'hidden' || v === 'clip';
            const wide = el.scrollWidth > el.clientWidth + 1 && hides(style.overflowX);
            const tall = el.scrollHeight > el.clientHeight + 1 && hides(style.overflowY);
            if ((wide || tall) && el.children.length === 0) {
                cut.push(`${el.className || el.tagName}: ${el.textContent.trim().slice(0, 60)}`);
            }
        }
    }
    return cut;
}"""


def cut_text(page, selector: str = OUTPUTS) -> list[str]:
    """The texts of our outputs that do not fit their box (see ``CUT``)."""
    return page.evaluate(CUT, selector)
