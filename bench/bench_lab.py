"""Benchmark: how fast the Lab answers, measured in Python (no browser).

- control change -> simulated, summarised and redrawn figure (median and p95
  over many changes of every main control, the node count included);
- scrubbing: one step of the time slider -> cluster view and cursors redrawn
  (frames a second);
- the same two measured for a trivial one-line plot redrawn the same way, in
  the same run, as the floor the machine allows.

The canvas is matplotlib's Agg, as ipympl renders in the kernel. Goals of the
visual-lab issue: median <= 100 ms and p95 <= 200 ms per change, >= 15
frames a second when scrubbing. Run with ``make bench`` or
``python bench/bench_lab.py``.
"""

from __future__ import annotations

import statistics
import time

import matplotlib

matplotlib.use("Agg")

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from statelab.widgets import Lab

CHANGES = [
    ("nodes", 4),
    ("arrival_rate", 6.0),
    ("balancer", "random"),
    ("affinity", "none"),
    ("state", "store"),
    ("crash_node", 1),
    ("workers", 5),
    ("nodes", 3),
    ("balancer", "least_connections"),
    ("affinity", "sticky"),
    ("state", "server"),
    ("crash_node", 2),
    ("arrival_rate", 5.0),
    ("workers", 4),
    ("crash_node", "none"),
    ("balancer", "round_robin"),
]
ROUNDS = 4


def percentile(values, q):
    return float(np.percentile(values, q))


def lab_changes() -> tuple[list[float], Lab]:
    lab = Lab()
    times = []
    for _ in range(ROUNDS):
        for name, value in CHANGES:
            begin = time.perf_counter()
            lab.controls[name].value = value
            lab.wait()
            times.append(time.perf_counter() - begin)
    return times, lab


def lab_scrub(lab: Lab) -> list[float]:
    times = []
    for index in list(range(0, 120, 2)) * 3:
        begin = time.perf_counter()
        lab.time.value = index
        times.append(time.perf_counter() - begin)
    return times


def trivial() -> tuple[list[float], list[float]]:
    figure = Figure(figsize=(11, 5.2), dpi=80)
    canvas = FigureCanvasAgg(figure)
    ax = figure.add_subplot()
    (line,) = ax.plot(np.arange(100), np.zeros(100))
    ax.set_ylim(0, 1)
    canvas.draw()
    redraws, rng = [], np.random.default_rng(1)
    for _ in range(len(CHANGES) * ROUNDS):
        begin = time.perf_counter()
        line.set_ydata(rng.random(100))
        canvas.draw()
        redraws.append(time.perf_counter() - begin)
    background = canvas.copy_from_bbox(figure.bbox)
    line.set_animated(True)
    frames = []
    for _ in range(180):
        begin = time.perf_counter()
        line.set_ydata(rng.random(100))
        canvas.restore_region(background)
        figure.draw_artist(line)
        canvas.blit(figure.bbox)
        frames.append(time.perf_counter() - begin)
    return redraws, frames


def main() -> None:
    changes, lab = lab_changes()
    frames = lab_scrub(lab)
    plain_changes, plain_frames = trivial()
    ms = 1000
    print(
        f"Lab: {len(changes)} control changes (every main control, {ROUNDS} rounds), "
        f"about {lab.scenario.expected_requests():,.0f} requests a run"
    )
    print(
        f"  change -> redrawn figure: median {statistics.median(changes) * ms:6.1f} ms, "
        f"p95 {percentile(changes, 95) * ms:6.1f} ms  (goal: <= 100 / <= 200 ms); "
        f"{lab.full_draws} of {lab.updates} runs needed a full draw, the rest were blitted"
    )
    print(
        f"  trivial one-line plot   : median {statistics.median(plain_changes) * ms:6.1f} ms, "
        f"p95 {percentile(plain_changes, 95) * ms:6.1f} ms"
    )
    print(
        f"  scrubbing: median frame {statistics.median(frames) * ms:5.1f} ms = "
        f"{1 / statistics.median(frames):5.0f} frames/s (goal: >= 15); trivial blit "
        f"{statistics.median(plain_frames) * ms:.1f} ms"
    )


if __name__ == "__main__":
    main()
