"""Make the workload traces in data/traces/ from a documented model and seed.

Each trace is a CSV with the header ``time_s,sessions_per_s``: the arrival
rate of new shopper sessions (per second) at that time (seconds from the
start); statelab draws straight lines between the rows. Run it again and the
files come out byte for byte the same:

    python scripts/make_traces.py            # writes data/traces/*.csv
    python scripts/make_traces.py OUT_DIR    # writes them elsewhere

The models
----------
flash_sale (900 s, a row every 10 s, seed 7)
    A calm shop at 5 sessions/s. At 300 s a sale is announced: the rate
    climbs in a straight line to 20 sessions/s by 330 s, holds until 420 s,
    then falls back to 5 by 540 s. Every row's rate is multiplied by a
    factor drawn uniformly from 0.95 to 1.05 (the jitter of real traffic).

daily_cycle (1,440 s: one simulated second for each minute of a day, a row
every 20 s, seed 11)
    Night at 1 session/s, a daytime hump of sin^2 shape peaking at 7
    sessions/s at 13:00 (780 s), and an evening hump of 3 sessions/s more
    around 20:00 (1,200 s, Gaussian, 60 s wide). Same multiplicative jitter.
"""

from __future__ import annotations

import math
import random
import sys
from pathlib import Path

HEADER = "time_s,sessions_per_s"


def jitter(rng: random.Random) -> float:
    return rng.uniform(0.95, 1.05)


def flash_sale() -> list[tuple[float, float]]:
    rng = random.Random(7)
    rows = []
    for time in range(0, 901, 10):
        if time < 300:
            rate = 5.0
        elif time < 330:
            rate = 5.0 + 15.0 * (time - 300) / 30
        elif time < 420:
            rate = 20.0
        elif time < 540:
            rate = 20.0 - 15.0 * (time - 420) / 120
        else:
            rate = 5.0
        rows.append((time, rate * jitter(rng)))
    return rows


def daily_cycle() -> list[tuple[float, float]]:
    rng = random.Random(11)
    rows = []
    for time in range(0, 1441, 20):
        day = math.sin(math.pi * min(max((time - 360) / 840, 0.0), 1.0)) ** 2  # 06:00 to 20:00
        evening = math.exp(-(((time - 1200) / 60) ** 2))
        rate = 1.0 + 6.0 * day + 3.0 * evening
        rows.append((time, rate * jitter(rng)))
    return rows


TRACES = {"flash_sale": flash_sale, "daily_cycle": daily_cycle}


def write(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, model in TRACES.items():
        path = folder / f"{name}.csv"
        lines = [HEADER] + [f"{time:g},{rate:.3f}" for time, rate in model()]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    target = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent.parent / "data" / "traces"
    )
    for path in write(target):
        print(f"wrote {path}")
