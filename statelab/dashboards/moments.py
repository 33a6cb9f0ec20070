"""What a one-click moment did, in the words the Lab's message line says (after its run).

Each function reads the run the moment made, so the message says what the room is about to
see, with its number: the carts a crash takes, the carts lost after a scale-out and why, what
a store outage takes (nothing, from a store that keeps its carts, and why). The words match
the animated view's narration (``static/src/narration.js``): "carts in its memory", "lost
to <cause>".
"""

from __future__ import annotations

from statelab.sim.result import Result

#: The words of the causes of a lost cart (as the view says them).
CAUSE_WORDS = {
    "crash": "crash",
    "rehash": "rehash",
    "scale_in": "scale-in",
    "no_affinity": "no affinity",
    "store_outage": "store outage",
    "cookie_too_large": "cookie too large",
}


def carts(n: int) -> str:
    """ "1 cart", "38 carts"."""
    return f"{n} cart{'' if n == 1 else 's'}"


def carts_held(result: Result, node: int, t: float) -> int:
    """Carts in ``node``'s memory just before ``t`` (seconds), from the run's cart moves."""
    moves = result.cart_moves
    if moves.empty:
        return 0
    before = moves[moves["time"] < t].sort_values("time", kind="stable")
    where = before.groupby("session")["node"].last()
    return int((where == node).sum())


def crash_words(result: Result, node: int, at: float) -> str:
    """``node crashes at <at> s``, then what it takes: the carts in its memory (server
    state), their copies taking over (replicated), or nothing (carts elsewhere), and the
    shoppers who find their cart gone by the end."""
    said = f"node {node} crashes at {at:g} s"
    state = result.scenario.state
    if state in ("store", "cookie"):
        where = "in the session store" if state == "store" else "in the shoppers' cookies"
        return f"{said}: its carts live {where}, so none is lost to the crash"
    held = carts_held(result, node, at)
    losses = result.losses
    found = int(
        ((losses["cause"] == "crash") & (losses["node"] == node) & (losses["time"] >= at)).sum()
    )
    if state == "replicated":
        return (
            f"{said}: the {carts(held)} in its memory live on as copies on the next node; "
            f"{carts(found)} lost to the crash by the end"
        )
    gone = f"the {carts(held)} in its memory are gone"
    return f"{said}: {gone} ({found} shoppers find out by the end)"


def scale_words(result: Result, nodes: int, at: float) -> str:
    """``the cluster scales to <nodes> nodes at <at> s``, then the carts lost after it, by
    cause (rehash, no affinity, scale-in), or that none is."""
    said = f"the cluster scales to {nodes} nodes at {at:g} s"
    losses = result.losses
    moved = losses["cause"].isin(("rehash", "no_affinity", "scale_in"))
    after = losses[(losses["time"] >= at) & moved]
    if after.empty:
        return f"{said}: no cart is lost to it"
    counts = after["cause"].value_counts()
    parts = ", ".join(f"{n} to {CAUSE_WORDS[cause]}" for cause, n in counts.items())
    return f"{said}: {carts(len(after))} lost after it ({parts})"


def outage_words(result: Result, at: float, duration: float) -> str:
    """``the store is down <at>–<end> s``, then the carts it takes (none
    from a persistent store, which keeps them, said so) and the requests that failed
    during it."""
    end = at + duration
    said = f"the store is down {at:g}–{end:g} s"
    requests = result.requests
    during = (requests["end"] >= at) & (requests["end"] < end)
    failed = int(((requests["outcome"] == "failed") & during).sum())
    failing = f"{failed} request{'' if failed == 1 else 's'} fail meanwhile"
    losses = result.losses
    lost = int(((losses["cause"] == "store_outage") & (losses["time"] >= at)).sum())
    if result.scenario.store_persistent:
        return f"{said}: no cart lost (it keeps carts on disk); {failing}"
    return f"{said}: {carts(lost)} lost (it keeps carts in memory only); {failing}"
