"""Figures: the share of active sessions each event loses, measured next to theory.

The same shop as tests/test_hashing_and_scaling.py (4 nodes, about 250
active sessions), the event at 300 s, 30 seeds; prints the mean share and
its 95% confidence interval beside the closed form of statelab.theory.

Run with ``make bench`` or ``python bench/loss_shares.py``.
"""

from __future__ import annotations

from statelab import Crash, ScaleTo, Scenario, simulate, theory
from statelab.runs.confidence import interval

N = 4
AT = 300.0
SEEDS = range(30)


def shop(**changes) -> Scenario:
    base = Scenario(
        nodes=N,
        workers=8,
        arrival_rate=10.0,
        requests_per_session=6,
        think_time=5.0,
        service_time=0.1,
        duration=AT + 60.0,
    )
    return base.replace(**changes)


CASES = [
    ("crash 1 of 4, sticky", shop(events=(Crash(1, AT),)), theory.sticky_lost_on_crash(N)),
    *(
        (
            f"{'crash 1 of 4' if verb == 'crash' else f'scale 4 -> {size}'}, {affinity}",
            shop(affinity=affinity, events=(event,)),
            theory.hashed_moved(affinity, N, size, crash=verb == "crash"),
        )
        for verb, size, event in (
            ("crash", N - 1, Crash(1, AT)),
            ("scale", N + 1, ScaleTo(N + 1, AT)),
            ("scale", N - 1, ScaleTo(N - 1, AT)),
        )
        for affinity in ("ip_hash", "source_hash", "consistent_hash")
    ),
    ("scale 4 -> 5, sticky", shop(events=(ScaleTo(N + 1, AT),)), 0.0),
    ("scale in 4 -> 3 abruptly, sticky", shop(events=(ScaleTo(N - 1, AT),)), 1 / N),
    ("scale in 4 -> 2 abruptly, sticky", shop(events=(ScaleTo(N - 2, AT),)), 2 / N),
    (
        "scale in 4 -> 3, drain 90 s, sticky",
        shop(events=(ScaleTo(N - 1, AT, drain=90.0),), duration=AT + 120.0),
        0.0,
    ),
    (
        "crash + scale 4 -> 5, store state",
        shop(state="store", affinity="none", events=(Crash(1, AT), ScaleTo(N + 1, AT))),
        0.0,
    ),
]


def main() -> None:
    print(f"Share of the sessions active at the event that lose their cart ({len(SEEDS)} seeds)")
    print(f"  {'case':38s} {'measured':>9s} {'95% interval':>17s} {'theory':>7s}")
    for name, scenario, expected in CASES:
        shares = []
        for seed in SEEDS:
            active = simulate(scenario.replace(seed=seed)).active_at(AT)
            shares.append(float(active["lost_state"].mean()))
        if max(shares) == min(shares):
            low = mean = high = shares[0]
        else:
            low, mean, high = interval(shares)
        print(f"  {name:38s} {mean:9.3f}   [{low:.3f}, {high:.3f}] {expected:7.3f}")


def timeouts() -> None:
    """The share of attempts a client with a timeout gives up on, next to P(W + S > t)."""
    print(f"\nShare of attempts timed out, one node, M/M/c ({len(SEEDS)} seeds)")
    print(f"  {'case':38s} {'measured':>9s} {'95% interval':>17s} {'theory':>7s}")
    for rate, workers, timeout in ((3.2, 4, 2.0), (0.7, 1, 3.0), (0.9, 1, 10.0)):
        shares = []
        for seed in SEEDS:
            shop = Scenario(
                arrival_rate=rate,
                requests_per_session=1,
                service_time=1.0,
                think_time=0.0,
                nodes=1,
                workers=workers,
                affinity="none",
                client_timeout=timeout,
                duration=10_000.0,
                warmup=200.0,
                seed=seed,
            )
            summary = simulate(shop).summary()
            shares.append(summary["timed_out"] / summary["requests"])
        low, mean, high = interval(shares, 0.95)
        expected = theory.p_response_over(timeout, rate, 1.0, workers)
        name = f"M/M/{workers}, load {rate / workers:.2f}, timeout {timeout:g} s"
        print(f"  {name:38s} {mean:9.3f}   [{low:.3f}, {high:.3f}] {expected:7.3f}")


if __name__ == "__main__":
    main()
    timeouts()
