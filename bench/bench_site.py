"""Benchmark: the static site (``make site``): its build, its size, each page's load time,
and the Lab without a kernel's latency for each main control (issue 31).

Builds the site into a temporary folder (or takes one: ``--site DIR``), serves it with
``python -m http.server`` on loopback and opens it in Debian's Chromium with every request
outside that server blocked.

- Load time of each page: from navigation to every animated view holding its run
  (``data-run`` set), the median of 3 loads.
- Latency of the site's Lab (``lab.html``), for each main control on its own line: from the
  key press (web servers: ArrowRight and ArrowLeft in turn on the range, the keydown
  stamped in the page with ``performance.now()``) or the choice (affinity, state lives in,
  crash node: the page stamps the time, sets the ``<select>`` and dispatches ``change``) to
  the new run drawn: the view's root gets the new ``data-run``, then its ``data-frame``
  counter moves (a MutationObserver sees both). Goal: a median of 100 ms or less. A run
  shown before on the page is kept by it (no second fetch): each line says the first
  fetches apart.

Run with ``make bench`` or ``python bench/bench_site.py [--site DIR] [--rounds N]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from browser.conftest import CHROMIUM, FLAGS, free_port  # noqa: E402

GOAL_MS = 100.0
LAB = ".statelab-site-lab"

#: Armed before a press: records, in the page, when the Lab's view has a new run (its
#: ``data-run``) and has drawn it (its ``data-frame`` moved after that), as a MutationObserver
#: sees them: ``window.statelabDrawn``.
ARM = """() => {
  const root = document.querySelector('.statelab-site-lab .statelab-anim');
  const run = root.dataset.run;
  let frame = null;
  window.statelabDrawn = null;
  const seen = new MutationObserver(() => {
    if (root.dataset.run === run) return;
    if (frame === null) { frame = root.dataset.frame; return; }
    if (root.dataset.frame !== frame) {
      window.statelabDrawn = performance.now();
      seen.disconnect();
    }
  });
  seen.observe(root, { attributes: true, attributeFilter: ['data-run', 'data-frame'] });
}"""
DRAWN = "() => window.statelabDrawn !== null"
ELAPSED = "() => window.statelabDrawn - window.statelabStamp"
ALL_DRAWN = """(n) => { const v = document.querySelectorAll('.statelab-anim');
  return v.length === n && [...v].every(x => Number(x.dataset.run) > 0); }"""
STAMP_KEYS = """() => { document.addEventListener('keydown',
  () => { window.statelabStamp = performance.now(); }, true); }"""
CHOOSE = """([name, value]) => {
  const select = document.querySelector(`.statelab-site-lab select[name='${name}']`);
  window.statelabStamp = performance.now();
  select.value = value;
  select.dispatchEvent(new Event('change', { bubbles: true }));
}"""


def build(folder: Path) -> float:
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "statelab.site", "--output", str(folder)],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return time.perf_counter() - began


def serve(folder: Path):
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}/"
    for _ in range(200):
        try:
            urllib.request.urlopen(base, timeout=1).close()
            return process, base
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("the site's server did not answer")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--site", type=Path, help="a site built before (default: build one)")
    parser.add_argument("--rounds", type=int, default=12, help="presses of each control")
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as work:
        folder = args.site
        if folder is None:
            folder = Path(work) / "site"
            took = build(folder)
            print(f"make site (2 jobs): {took:.0f} s (goal < 180 s)")
        info = json.loads((folder / "site.json").read_text(encoding="utf-8"))
        print(f"the site: {info['bytes'] / 1e6:.1f} MB (goal < 60 MB), runs {info['runs']}")
        process, base = serve(folder)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
                context = browser.new_context(viewport={"width": 1400, "height": 1000})

                def route(request_route):
                    url = request_route.request.url
                    if url.startswith((base, "blob:", "data:")):
                        request_route.continue_()
                    else:
                        request_route.abort()

                context.route("**/*", route)
                page = context.new_page()
                print("Load time of each page, to every view drawn (median of 3, ms):")
                for entry in info["pages"]:
                    times = []
                    for _ in range(3):
                        began = time.perf_counter()
                        page.goto(base + entry["href"])
                        page.wait_for_function(ALL_DRAWN, arg=entry["views"])
                        times.append((time.perf_counter() - began) * 1000)
                    size = (folder / entry["href"]).stat().st_size / 1e6
                    print(
                        f"  {entry['href']:<32} {statistics.median(times):6.0f}   ({size:.1f} MB)"
                    )
                latency(page, base, args.rounds)
                browser.close()
        finally:
            process.terminate()


def latency(page, base: str, rounds: int) -> None:
    page.goto(base + "lab.html")
    page.wait_for_function("() => document.querySelector('.statelab-site-lab')?.dataset.key")
    page.evaluate(STAMP_KEYS)
    lab = page.locator(LAB)
    found = {"web servers": [], "affinity": [], "state lives in": [], "crash node": []}
    first = {label: [] for label in found}  # a run not shown before on the page (not cached)
    seen = {lab.get_attribute("data-key")}

    def keep(label: str, ms: float) -> None:
        key = lab.get_attribute("data-key")
        (first[label] if key not in seen else found[label]).append(ms)
        seen.add(key)

    choices = {
        "affinity": ("affinity", ["consistent_hash", "sticky", "ip_hash", "none"]),
        "state lives in": ("state", ["store", "cookie", "server"]),
        "crash node": ("crash_node", ["1", "none"]),
    }
    for k in range(rounds):
        lab.locator("input[name='nodes']").focus()
        page.evaluate(ARM)
        page.keyboard.press("ArrowRight" if k % 2 == 0 else "ArrowLeft")
        page.wait_for_function(DRAWN)
        keep("web servers", page.evaluate(ELAPSED))
        for label, (name, values) in choices.items():
            page.evaluate(ARM)
            page.evaluate(CHOOSE, [name, values[k % len(values)]])
            page.wait_for_function(DRAWN)
            keep(label, page.evaluate(ELAPSED))
    print(f"The site's Lab: press -> new run drawn, {rounds} presses each (ms):")
    for label in found:
        times = found[label] + first[label]
        median = statistics.median(times)
        verdict = "ok" if median <= GOAL_MS else "MISS"
        print(
            f"  {label:<16} median {median:5.1f}  max {max(times):5.1f}  (goal <= {GOAL_MS:g}: "
            f"{verdict}); a run fetched for the first time: median "
            f"{statistics.median(first[label]):5.1f} of {len(first[label])}, again: "
            f"{statistics.median(found[label]) if found[label] else float('nan'):5.1f}"
        )


if __name__ == "__main__":
    main()
