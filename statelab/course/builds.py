"""Build-it exercises: the learner writes the ten lines that decide the outcome (a router, a
drain rule, an idempotency check) and the judge (:mod:`statelab.course.judge`) tries them.

Each has the stub the notebook's cell starts from, the worked solution and two plausible
wrong solutions, as code. ``tests/test_builds.py`` runs all of them through the judge: the stub
and each wrong solution fail with the counter-example their message names; the solution
passes. ``solution("03-b")`` shows the worked code (it defines nothing in the notebook).
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from dataclasses import dataclass

from statelab.sim.routing import stable_hash


@dataclass(frozen=True)
class Build:
    """One build-it exercise: ``name`` is the function the code defines; ``stub`` the cell's
    start; ``solution`` the worked code and ``explanation`` why it works; ``wrong`` plausible
    wrong solutions, each (code, what it gets wrong)."""

    id: str
    task: str
    name: str
    stub: str
    solution: str
    explanation: str
    wrong: tuple[tuple[str, str], ...]

    def _repr_markdown_(self) -> str:
        return f"**Solution {self.id}:**\n\n```python\n{self.solution}\n```\n\n{self.explanation}"

    def __repr__(self) -> str:
        return f"Solution {self.id}:\n{self.solution}\n{self.explanation}"


def _code(text: str) -> str:
    return textwrap.dedent(text).strip("\n")


MODULO = _code(
    """
    def route(key, up, configured):
        return up[key % len(up)]
    """
)

NGINX_STYLE = _code(
    """
    def route(key, up, configured):
        node = key % configured  # the key's home among the configured nodes
        while node not in up:  # its home is down: stir the key and try again
            key = stable_hash(key)
            node = key % configured
        return node
    """
)

RING = _code(
    """
    import bisect
    import functools

    @functools.cache  # the ring of one set of nodes, built once
    def ring(up):
        return sorted((stable_hash("node", node, v), node) for node in up for v in range(100))

    def route(key, up, configured):
        points = ring(up)
        i = bisect.bisect(points, (key,)) % len(points)  # the first point after the key
        return points[i][1]
    """
)

APPLY_ONCE = _code(
    """
    def apply(request, seen):
        key, item, cart = request["key"], request["item"], request["cart"]
        if key in seen:  # a key seen before: apply nothing again
            if seen[key]["item"] != item:
                return {"status": 422, "cart": cart}  # the same key for another add
            return {"status": 200, "cart": cart}
        answer = {"status": 200, "cart": [*cart, item], "item": item}
        seen[key] = answer
        return answer
    """
)

BUILDS = {
    build.id: build
    for build in (
        Build(
            "03-b",
            "router-keeps-carts",
            "route",
            _code(
                """
                def route(key, up, configured):
                    # your code here: one node of `up`, the same one for the same key
                    return None
                """
            ),
            MODULO,
            "The key modulo the number of nodes names one of them, the same one for the same "
            "key while the nodes stay the same, and spreads 10,000 keys evenly: HAProxy's "
            "`balance source` does this.",
            (
                (
                    "import random\n\ndef route(key, up, configured):\n"
                    "    return random.choice(up)",
                    "a fresh node every request: the cart is where the last request went",
                ),
                (
                    "def route(key, up, configured):\n    return up[0]",
                    "every shopper on node 0: carts kept, but one node does all the work",
                ),
            ),
        ),
        Build(
            "04-b",
            "router-survives-crash",
            "route",
            MODULO,
            NGINX_STYLE,
            "Hash over the *configured* nodes, which a crash does not change, so every key "
            "whose home is up keeps it; only the crashed node's keys (1/N) are stirred to "
            "another node. nginx's `ip_hash` does this.",
            (
                (
                    _code(
                        """
                        def route(key, up, configured):
                            if len(up) < configured:  # a node is down: use the live ones
                                return up[key % len(up)]
                            return key % configured
                        """
                    ),
                    "falls back to modulo the live nodes while one is down: every key moves",
                ),
                (
                    "def route(key, up, configured):\n    return up[key % configured % len(up)]",
                    "the configured count, then the nodes up again: a crash still renumbers",
                ),
            ),
        ),
        Build(
            "07-b",
            "router-scales-out",
            "route",
            NGINX_STYLE,
            RING,
            "On a hash ring each node owns the arcs before its points; a new node's points "
            "take keys only from the arcs they land on, about 1/(N+1) of them, and every key "
            "that moves goes to the new node.",
            (
                (MODULO, "modulo: a new node renumbers the division and moves N/(N+1) of the keys"),
                (
                    _code(
                        """
                        import bisect

                        def route(key, up, configured):
                            points = sorted((stable_hash("node", k, len(up)), k) for k in up)
                            i = bisect.bisect(points, (key,)) % len(points)
                            return points[i][1]
                        """
                    ),
                    "a ring whose points depend on the number of nodes: every point moves",
                ),
            ),
        ),
        Build(
            "07-d",
            "drain-loses-nothing",
            "may_stop",
            _code(
                """
                def may_stop(node, waited):
                    # your code here: node["carts"], node["in_flight"], node["pinned"],
                    # node["idle_s"]; waited: seconds since the node began to leave
                    return True
                """
            ),
            _code(
                """
                def may_stop(node, waited):
                    return node["carts"] == 0 and node["in_flight"] == 0
                """
            ),
            "Stop once nothing is left to lose: no cart in memory and no request in flight. "
            "The sessions pinned to the node end on their own, so the drain ends too (within "
            "600 s here); a fixed drain time is a guess about the longest session.",
            (
                (
                    'def may_stop(node, waited):\n    return node["in_flight"] == 0',
                    "requests are done, but the carts in memory are not: they go with the node",
                ),
                (
                    "def may_stop(node, waited):\n    return waited >= 20",
                    "a fixed 20 s drain: a session longer than that loses its cart",
                ),
            ),
        ),
        Build(
            "08-b",
            "idempotent-add",
            "apply",
            _code(
                """
                def apply(request, seen):
                    # your code here; the server today applies every add it gets:
                    return {"status": 200, "cart": [*request["cart"], request["item"]]}
                """
            ),
            APPLY_ONCE,
            "Remember each key's first answer. The same key again is a retry: apply nothing "
            "and answer as before. The same key with another item is a client bug: refuse it "
            "(422), as Stripe's API and the IETF's Idempotency-Key draft do.",
            (
                (
                    _code(
                        """
                        def apply(request, seen):
                            cart = [*request["cart"], request["item"]]  # applied first...
                            if request["key"] in seen:  # ...then the key is looked at
                                return {"status": 200, "cart": cart}
                            seen[request["key"]] = request["item"]
                            return {"status": 200, "cart": cart}
                        """
                    ),
                    "looks at the key after applying the add: the retry adds it again",
                ),
                (
                    "def apply(request, seen):\n"
                    '    if request["key"] in seen:\n'
                    '        return {"status": 200, "cart": request["cart"]}\n'
                    '    seen[request["key"]] = True\n'
                    '    return {"status": 200, "cart": [*request["cart"], request["item"]]}',
                    "a reused key with another item is silently dropped, not refused",
                ),
            ),
        ),
    )
}


def define(code: str, name: str) -> Callable:
    """The function ``name`` that ``code`` defines (``stable_hash`` is there to use)."""
    namespace: dict = {"stable_hash": stable_hash}
    exec(compile(code, f"<{name}>", "exec"), namespace)  # our own code, from this module
    return namespace[name]
