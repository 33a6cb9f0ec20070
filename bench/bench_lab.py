"""Benchmark: how fast the Lab answers a control, measured in Python (no browser).

For each of the Lab's main controls ("web servers", "shoppers / s", "workers / node",
"affinity", "state lives in", "crash node"), set the control's value the way a learner's
move does and call ``lab.wait()``: the run simulated, the readout written and the view
given the new run (``AnimatedCluster.show``: the payload packed and the traits set; with
no kernel, nothing is sent). The controls take turns, one change each a round, so that
they share the same moments of a noisy machine. Every change runs its scenario (no run is
kept, as in the browser benchmark's first table). Inside each update the time is split into
the simulation, ``statelab.view.playback.payload`` (called by the dashboard, which keeps
it with the run) and the rest.

In the browser the same update also crosses the comm and is drawn by the page: see
``bench/bench_browser.py`` for the times a learner sees. Goals of issue 16: payload
prepared in <= 20 ms for 5,000 requests; the whole keypress-to-picture path <= 150 ms
median in the page, of which this is the kernel's share. Run with ``make bench`` or
``python bench/bench_lab.py``.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from statelab.dashboards import dashboard
from statelab.dashboards.ahead import KeptRuns
from statelab.widgets import Lab

ROUNDS = 20
CHANGES = {  # control -> (its name in Lab.controls, the values set in turn)
    "web servers": ("nodes", (4, 3)),
    "shoppers / s": ("arrival_rate", (5.5, 5.0)),
    "workers / node": ("workers", (5, 4)),
    "affinity": ("affinity", ("none", "sticky")),
    "state lives in": ("state", ("store", "server")),
    "crash node": ("crash_node", (1, "none")),
}


def timed(store: dict, name: str, function):
    def wrapper(*args, **kwargs):
        begin = time.perf_counter()
        value = function(*args, **kwargs)
        store[name] = time.perf_counter() - begin
        return value

    return wrapper


def measure() -> tuple[dict[str, list[dict]], Lab]:
    lab = Lab()
    lab.run_ahead, lab.kept = False, KeptRuns(runs=0)  # every change runs its scenario
    now: dict = {}
    lab._simulate = timed(now, "simulate", lab._simulate)
    lab.view.show = timed(now, "show", lab.view.show)
    original = dashboard.payload
    dashboard.payload = timed(now, "payload", original)
    seen: dict[str, list[dict]] = {control: [] for control in CHANGES}
    try:
        for count in range(ROUNDS):
            for control, (name, values) in CHANGES.items():
                now.clear()
                begin = time.perf_counter()
                lab.controls[name].value = values[count % len(values)]
                lab.wait()
                now["update"] = time.perf_counter() - begin
                now["requests"] = lab.result.request_count
                seen[control].append(dict(now))
    finally:
        dashboard.payload = original
    return seen, lab


def main() -> None:
    seen, lab = measure()
    ms = 1000
    print(
        f"Lab in Python: control change -> lab.wait() done, {ROUNDS} changes a control "
        f"(in rounds); medians unless said, ms"
    )
    print(
        "  control           update median   p95   max | simulate  payload  show  other | requests"
    )
    for control, rows in seen.items():
        update = [r["update"] * ms for r in rows]

        def med(key, rows=rows):
            return statistics.median(r[key] * ms for r in rows if key in r)

        show, simulate, packed = med("show"), med("simulate"), med("payload")
        other = statistics.median(update) - simulate - packed - show
        requests = statistics.median(r["requests"] for r in rows)
        print(
            f"  {control:16s}  {statistics.median(update):13.1f} "
            f"{float(np.percentile(update, 95)):5.1f} {max(update):5.1f} |"
            f" {simulate:8.1f} {packed:8.1f} {show:5.1f} {other:6.1f} | {requests:8.0f}"
        )
    view = lab.view
    size = sum(len(getattr(view, block)) for block in ("requests", "sessions", "late", "ring"))
    shows = [r["show"] * ms for rows in seen.values() for r in rows]
    payloads = [r["payload"] * ms for rows in seen.values() for r in rows]
    print(
        f"  AnimatedCluster.show per run (all {len(shows)} runs): median "
        f"{statistics.median(shows):.1f} ms, p95 {float(np.percentile(shows, 95)):.1f} ms; "
        f"payload() before it median {statistics.median(payloads):.1f} ms, p95 "
        f"{float(np.percentile(payloads, 95)):.1f} ms (goal for 5,000 requests: <= 20 ms); "
        f"{size / view.result.request_count:.1f} bytes a request (last run)"
    )
    print(
        "  (update = simulate + payload + readout + show; 'other' = the readout's text, the "
        "message line and the controls' checks)"
    )


if __name__ == "__main__":
    main()
