"""Benchmark: notebook 09's scenarios behind every balancer, real against simulated.

Each of notebook 09's real runs (its short runs: 24 model seconds at time scale 0.1, the
carts in Redis where it is installed) is played behind HAProxy, nginx and the embedded
proxy, each beside 10 simulated runs (``real.compare``, seeds 1 to 10), and the number the
notebook reveals is printed: the simulated minimum, mean and maximum, and the real run's.
nginx has no sticky cookie (the sticky scenarios run with its ``ip_hash``) and no map-based
hashing over the live servers (that scale-out is left out behind it); a balancer that is not
installed is skipped with a note.

Run with ``python bench/bench_notebook09.py`` (about three minutes) on a calm machine.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path[:0] = [str(TESTS / "real"), str(TESTS)]

from test_real_writes import TWO_TABS  # noqa: E402

from statelab import Crash, ScaleTo, Scenario, real  # noqa: E402
from statelab.real.procs import ProgramMissing, require_program  # noqa: E402

DURATION, SCALE, SEEDS = 24.0, 0.1, 10


def installed(program: str) -> bool:
    try:
        return bool(require_program(program))
    except ProgramMissing:
        return False


def scenarios() -> list[tuple[str, Scenario, str, dict]]:
    """(name, scenario, the summary's key the notebook reveals, real.compare's options)."""
    sticky = Scenario.load("crash").replace(duration=DURATION, events=(Crash(1, at=DURATION / 2),))
    grow = Scenario(
        nodes=4, affinity="source_hash", duration=DURATION, events=(ScaleTo(5, at=DURATION / 2),)
    )
    impatient = Scenario(
        nodes=3,
        arrival_rate=4.0,
        service_time=0.25,
        think_time=2.0,
        state="store",
        affinity="none",
        client_timeout=1.0,
        retries=2,
        duration=DURATION,
    )
    # notebook 09's two tabs: the real-run tests' own shop, at the notebook's length
    two_tabs = TWO_TABS.replace(store_update="read_modify_write", duration=DURATION)
    redispatch = {"balancer_retries": 2, "redispatch": True}
    return [
        ("sticky crash", sticky, "event_lost_share", {}),
        ("sticky crash, failed", sticky, "failed", {}),
        ("retries 2 + redispatch, failed", sticky, "failed", redispatch),
        ("no affinity: carts lost", sticky.replace(affinity="none", events=()),
         "sessions_lost", {}),
        ("store, crash: carts lost", sticky.replace(state="store", affinity="none"),
         "sessions_lost", {}),
        ("scale-out, map-based", grow, "event_lost_share", {}),
        ("scale-out, ring", grow.replace(affinity="consistent_hash"), "event_lost_share", {}),
        ("timeouts, no keys: duplicates", impatient, "duplicate_items", {}),
        ("timeouts, keys: duplicates", impatient.replace(idempotency_keys=True),
         "duplicate_items", {}),
        ("two tabs, read-modify-write", two_tabs, "lost_updates", {}),
        ("two tabs, atomic", two_tabs.replace(store_update="atomic"), "lost_updates", {}),
    ]  # fmt: skip


def behind(balancer: str, scenario: Scenario) -> Scenario | None:
    """The scenario as it runs behind ``balancer`` (None: not there)."""
    if balancer != "nginx":
        return scenario
    if scenario.affinity == "sticky":
        return scenario.replace(affinity="ip_hash")
    if scenario.affinity == "source_hash":
        return None
    return scenario


def main() -> int:
    store = "redis" if installed("redis-server") else "sqlite"
    balancers = [b for b in ("haproxy", "nginx", "embedded") if b == "embedded" or installed(b)]
    skipped = sorted({"haproxy", "nginx"} - set(balancers))
    print(f"Notebook 09's scenarios, {SEEDS} simulated seeds against the real run ({store})")
    if skipped:
        print(f"(not installed here, skipped: {', '.join(skipped)})")
    print(f"{'scenario':32s} {'balancer':9s} {'sim min':>8s} {'mean':>8s} {'max':>8s} {'real':>8s}")
    began = time.monotonic()
    for name, scenario, key, options in scenarios():
        for balancer in balancers:
            played = behind(balancer, scenario)
            if played is None:
                continue
            compared = real.compare(
                played, seeds=SEEDS, time_scale=SCALE, balancer=balancer, store=store,
                progress=False, **options,
            )  # fmt: skip
            simulated = compared.replications.summaries[key]
            got = compared.real.summary()[key]
            print(
                f"{name:32s} {balancer:9s} {simulated.min():8.3g} {simulated.mean():8.3g} "
                f"{simulated.max():8.3g} {got:8.3g}"
            )
    print(f"({time.monotonic() - began:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
