"""Benchmark: the Lab in a real browser, and the time the browser suite takes.

Starts JupyterLab and Voila on loopback (as the browser tests do), opens the
Lab, and presses ArrowRight/ArrowLeft on its "shoppers / s" slider many
times. Each press stamps ``performance.now()`` on the keydown, in the page,
and the page then polls every animation frame until the figure's pixels
changed (and, separately, the readout's text): the time a learner waits.
The same is measured, in the same run, for a trivial one-slider, one-line
ipympl plot. Then the whole browser suite is timed.

Goals of the browser-tests issue: median <= 150 ms and p95 <= 250 ms from
keypress to redrawn figure, the readout within 100 ms, the suite in under
5 minutes. Needs Debian's Chromium; without it, says so and stops.
Run with ``make bench`` or ``python bench/bench_browser.py``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser import conftest as harness  # noqa: E402
from browser import pages  # noqa: E402

PRESSES = 24

ARM = """([canvas, readout]) => {
    window.__before = [canvas.toDataURL(), readout.innerText];
    window.__canvas = canvas; window.__readout = readout;
    window.__t0 = null;
    document.addEventListener('keydown', () => { window.__t0 = performance.now(); },
                              {capture: true, once: true});
}"""
WAIT = """() => new Promise((resolve) => {
    let picture = null, text = null;
    const poll = () => {
        const now = performance.now();
        if (text === null && window.__readout.innerText !== window.__before[1]) text = now;
        if (picture === null && window.__canvas.toDataURL() !== window.__before[0]) picture = now;
        if ((picture !== null && text !== null) || now - window.__t0 > 10000) {
            resolve([picture === null ? -1 : picture - window.__t0,
                     text === null ? -1 : text - window.__t0]);
            return;
        }
        requestAnimationFrame(poll);
    };
    requestAnimationFrame(poll);
})"""


def measure(page, container: str, slider: str) -> tuple[list[float], list[float]]:
    handle = page.locator(f"{container} .widget-slider", has_text=slider).first.locator(
        ".noUi-handle"
    )
    canvas = page.locator(f"{container} {pages.FIGURE}").first.element_handle()
    readout = page.locator(f"{container} {pages.READOUT}").first.element_handle()
    pictures, texts = [], []
    for press in range(PRESSES):
        page.evaluate(ARM, [canvas, readout])
        handle.press("ArrowRight" if press % 2 == 0 else "ArrowLeft")
        picture, text = page.evaluate(WAIT)
        if picture >= 0:
            pictures.append(picture)
        if text >= 0:
            texts.append(text)
        time.sleep(0.3)
    return pictures, texts


def describe(name: str, values: list[float]) -> str:
    if not values:
        return f"{name}: no change seen"
    return (
        f"{name}: median {statistics.median(values):6.0f} ms, "
        f"p95 {float(np.percentile(values, 95)):6.0f} ms ({len(values)} presses)"
    )


def main() -> None:
    missing = harness.browser_missing()
    if missing:
        print(f"browser benchmark skipped: {missing}; {harness.HOW}")
        return
    from playwright.sync_api import sync_playwright

    work = Path(tempfile.mkdtemp(prefix="statelab-bench-"))
    course = harness.make_course(Path(tempfile.mkdtemp(prefix="statelab-course-")))
    (work / "lab").mkdir()
    (work / "voila").mkdir()
    lab, token = harness.start_jupyterlab(course, work / "lab")
    voila = harness.start_voila(course, work / "voila")
    results = {}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=harness.CHROMIUM, args=harness.FLAGS
            )
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            pages.open_notebook(page, lab.url, token, "lab.ipynb")
            pages.run_all(page)
            results["JupyterLab, Lab"] = measure(page, ".statelab-lab", "shoppers / s")
            pages.open_notebook(page, lab.url, token, "trivial.ipynb")
            pages.run_all(page)
            results["JupyterLab, trivial plot"] = measure(page, ".jp-OutputArea", "phase")
            page.goto(f"{voila.url}/voila/render/lab.ipynb")
            page.wait_for_selector(pages.READOUT, timeout=120_000)
            time.sleep(3)
            results["Voila, Lab"] = measure(page, ".statelab-lab", "shoppers / s")
            page.goto(f"{voila.url}/voila/render/trivial.ipynb")
            page.wait_for_selector(pages.READOUT, timeout=120_000)
            time.sleep(2)
            results["Voila, trivial plot"] = measure(page, "body", "phase")
            browser.close()
    finally:
        lab.stop()
        voila.stop()
    print("Keypress on a slider -> changed figure / changed readout, measured in the page")
    for name, (pictures, texts) in results.items():
        print(f"  {describe(name + ', figure ', pictures)}")
        print(f"  {describe(name + ', readout', texts)}")
    begin = time.perf_counter()
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            str(ROOT / "tests" / "browser"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - begin
    summary = run.stdout.strip().splitlines()[-1] if run.stdout.strip() else run.stderr[-300:]
    print(f"Browser suite: {seconds:.0f} s (goal: under 300 s); {summary}")


if __name__ == "__main__":
    main()
