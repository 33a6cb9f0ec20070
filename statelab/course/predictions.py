"""Predictions: the learner guesses before a run, and the run answers back.

Each "Predict" prompt of the course has an id here, with the kind of value it
takes (a number in a range, with its unit, or one of a few choices) and the
sentence that explains what the run shows. A notebook cell records a guess::

    predict("04-sticky-crash", 0.1)       # None means: not answered yet

and, after the run, the course reads it back::

    reveal("04-sticky-crash", runs.interval("event_lost_share")[1], theory=0.25)
    # You predicted 10%, the run lost 26% (theory 25%). Each of the 4 nodes ...

Guesses are kept in this kernel only (a dict in this module): a restarted kernel
has forgotten them, and ``reveal`` then says "you did not predict".
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import pandas as pd

from statelab.course.feedback import NOT_ANSWERED, RECORDED, TRY_AGAIN, Feedback
from statelab.sim.checks import unknown_name
from statelab.sim.result import Described

#: The unit of a prediction that is a share, shown in percent.
SHARE = "share"
#: The unit of a prediction in seconds.
SECONDS = "seconds"


@dataclass(frozen=True)
class Prediction:
    """One Predict prompt: what it asks, what it takes, and why the run comes out as it does.

    Parameters
    ----------
    id : str
        ``"NN-name"``, NN the notebook's number.
    question : str
        The prompt, as the notebook asks it.
    outcome : str
        How the run's value is said: ``"the run lost"`` reads "the run lost 26%".
    why : str
        The sentence that explains the result (``reveal`` shows it).
    unit : str
        ``"share"`` (from 0 to 1, shown in percent), ``"seconds"``, or a plural noun
        (``"carts"``) for a count; empty for a choice.
    low, high : float
        The range a number may take.
    choices : tuple of str
        The answers of a choice (a number prediction has none).
    """

    id: str
    question: str
    outcome: str
    why: str
    unit: str = ""
    low: float = 0.0
    high: float = 1.0
    choices: tuple[str, ...] = ()

    def allowed(self) -> str:
        """What a guess may be, in words."""
        if self.choices:
            return "one of " + ", ".join(repr(choice) for choice in self.choices)
        if self.unit == SHARE:
            return "a share from 0 to 1 (0.25 for 25%)"
        if self.unit == SECONDS:
            return f"a number of seconds from {self.low:g} to {self.high:g}"
        return f"a number of {self.unit} from {self.low:g} to {self.high:g}"

    def accepts(self, value: object) -> object:
        """Return ``value`` as this prediction keeps it, or raise ``ValueError`` saying why not."""
        if self.choices:
            picked = value.strip().lower() if isinstance(value, str) else None
            if picked not in self.choices:
                raise ValueError(
                    f"prediction {self.id!r} takes {self.allowed()}; you gave {value!r}"
                )
            return picked
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise ValueError(f"prediction {self.id!r} takes {self.allowed()}; you gave {value!r}")
        if math.isnan(value) or not self.low <= value <= self.high:
            hint = ""
            if self.unit == SHARE and 1 < value <= 100:
                hint = f" (for {value:g}% write {value / 100:g})"
            raise ValueError(
                f"prediction {self.id!r} takes {self.allowed()}; you gave {value!r}{hint}"
            )
        return float(value) if isinstance(value, float) or self.unit == SHARE else value

    def say(self, value: object) -> str:
        """``value`` in words: 26%, 0.75 s, 12 carts, 'empty'."""
        if self.choices:
            return repr(value)
        if self.unit == SHARE:
            share = 100 * float(value)
            if share == round(share) or abs(share) >= 10:
                return f"{share:.0f}%"
            return f"{share:.1f}%"
        if self.unit == SECONDS:
            return f"{float(value):.3g} s"
        number = f"{value:,.0f}" if float(value) == round(float(value)) else f"{value:,.3g}"
        return f"{number} {_counted(self.unit, float(value) == 1)}"


def _counted(unit: str, one: bool) -> str:
    """``unit`` (a plural: "carts", "design(s)") for one thing or for another number."""
    if unit.endswith("(s)"):
        return unit[:-3] if one else unit[:-3] + "s"
    return unit[:-1] if one and unit.endswith("s") else unit


def _share(id, question, outcome, why):
    return Prediction(id, question, outcome, why, unit=SHARE)


def _count(id, question, outcome, why, unit, high=100_000):
    return Prediction(id, question, outcome, why, unit=unit, high=high)


def _choice(id, question, outcome, why, choices):
    return Prediction(id, question, outcome, why, choices=choices)


YES_NO = ("yes", "no")
DESIGN_CHANGES = ("nodes", "workers", "balancer", "affinity", "state", "retries")

PREDICTIONS = {
    p.id: p
    for p in [
        # 00 start here
        _count(
            "00-calm-lost",
            "On a calm afternoon with sticky sessions and no node failing, how many of the "
            "roughly 600 shoppers lose their cart?",
            "the run lost",
            "With sticky sessions every request returns to the node that holds its cart, "
            "and no node fails, so every cart is where its shopper's requests go.",
            "carts",
        ),
        _share(
            "00-crash-share",
            "Node 1 of 3 crashes at 60 s: what share of the shoppers in the middle of their "
            "visit lose their cart?",
            "the run lost",
            "Each of the 3 nodes holds about a third of the carts, and the crash wipes the "
            "memory of one node; its shoppers find out with their next request.",
        ),
        # 01 what is state
        _choice(
            "01-restart",
            "The stateful server restarts: what does Alice see in her cart afterwards?",
            "the server showed",
            "The carts lived in the memory of the process, and a new process starts with "
            "empty memory.",
            ("book and lamp", "empty"),
        ),
        _count(
            "01-stateful-retry",
            "The stateful server gets the same 'add book' twice: how many books are in the cart?",
            "the cart holds",
            "The server cannot tell a retry from a second click: it applies every add it "
            "gets, unless the request carries an idempotency key.",
            "books",
            high=100,
        ),
        _choice(
            "01-stateless-retry",
            "The stateless handler gets the retried 'add book' with the same old cookie as "
            "the first attempt: how many books are in the cart?",
            "the cart holds",
            "The retry carries the same input as the lost attempt, the cart before the add, "
            "so the handler gives the same answer. Same inputs, same outputs.",
            ("one book", "two books"),
        ),
        # 02 one stateful server
        _share(
            "02-utilisation",
            "One node, 4 workers, 3.2 requests a second of 1 s each: what share of the time "
            "are the workers busy?",
            "the workers were busy",
            "The work that arrives a second (3.2 requests of 1 s) is spread over 4 workers.",
        ),
        Prediction(
            "02-wait-four-workers",
            "The same node: how many seconds does a request wait for a free worker, on average?",
            "requests waited",
            "With 4 workers a request often finds one free, and when all are busy the next "
            "one frees up soon: the wait is shorter than the 1 s of work itself.",
            unit=SECONDS,
            high=60.0,
        ),
        Prediction(
            "02-wait-one-worker",
            "Just as busy, but with a single worker (0.8 requests a second of 1 s each): "
            "how many seconds does a request wait, on average?",
            "requests waited",
            "A single worker is a single line: a request that finds it busy waits for the "
            "whole queue ahead, one request at a time. At the same share of busy time, one "
            "worker makes requests wait far longer than four.",
            unit=SECONDS,
            high=600.0,
        ),
        _choice(
            "02-wait-growth",
            "When the load goes from 60% to 90%, does the wait grow a little or a lot?",
            "the wait grew",
            "The wait does not grow in proportion to the load: it explodes as utilisation "
            "nears 1, because every burst of arrivals has less spare capacity to drain into.",
            ("a little", "a lot"),
        ),
        _share(
            "02-crash-share",
            "The only server crashes at 60 s and is back, empty, 2 s later: what share of the "
            "active shoppers lose their cart?",
            "the run lost",
            "With a single stateful node its memory is every cart; those not counted sent "
            "their last request during the outage and saw an error instead.",
        ),
        # 03 scaling out a stateful service
        _share(
            "03-no-affinity",
            "Three nodes, round robin, no affinity: what share of the shoppers (6 requests "
            "each) lose their cart?",
            "the run lost",
            "The cart lives on the node that served the request before; the next request goes "
            "to another node, which has never heard of this shopper.",
        ),
        _choice(
            "03-hot-spot",
            "Heavy-tailed shoppers, sticky sessions, 4 nodes about 70% busy: does the busiest "
            "node do more than its even share (1/N) of the work, or about the same?",
            "the busiest node did",
            "Sticky affinity pins each heavy shopper to one node for the whole visit, so the "
            "load follows the luck of where they landed.",
            ("more", "about the same"),
        ),
        _count(
            "03-hot-p95",
            "The busiest node's p95 latency is how many times the quietest node's?",
            "the busiest node's p95 was",
            "The busiest node is busier than the average: its queue grows more than in "
            "proportion, and its slowest requests wait the longest.",
            "times the quietest node's",
            high=100,
        ),
        _choice(
            "03-balancer",
            "The same shoppers on 4 nodes: which design has the slowest worst node (the "
            "highest p95 on one node)?",
            "the slowest node was under",
            "Only sticky affinity keeps sending a busy node its pinned shoppers; without "
            "affinity every request can go elsewhere, and a balancer that counts the requests "
            "in flight (least connections, two choices) sends it to a node with room.",
            ("sticky", "round robin", "least connections", "two choices"),
        ),
        # 04 failures lose state
        _share(
            "04-sticky-crash",
            "Node 1 of 4 sticky nodes crashes: what share of the active shoppers lose their cart?",
            "the run lost",
            "Each of the 4 nodes holds about a quarter of the carts, and the crash wipes one "
            "node's memory; one run is an anecdote, so the course measures over ten seeds.",
        ),
        _share(
            "04-source-hash-crash",
            "1 of 4 nodes crashes under source_hash (HAProxy's map-based balance source): "
            "what share of the active shoppers lose their cart?",
            "the run lost",
            "Hashing over the live nodes changes the divisor: hash % 3 differs from hash % 4 "
            "for most clients, so nearly everyone is sent to a node without their cart.",
        ),
        _share(
            "04-ip-hash-crash",
            "1 of 4 nodes crashes under ip_hash (nginx): what share of the active shoppers "
            "lose their cart?",
            "the run lost",
            "nginx hashes over the configured nodes, so the divisor stays: only the crashed "
            "node's clients move, as with sticky cookies.",
        ),
        _share(
            "04-availability",
            "Each node fails every 120 s on average and takes 20 s to repair: what share of the "
            "time is a node up?",
            "the nodes were up",
            "A node's life is a cycle of MTBF up and MTTR down, so it is up "
            "MTBF / (MTBF + MTTR) of the time.",
        ),
        # 05 stateless servers
        _count(
            "05-stateless-crash",
            "Carts in a shared store, node 1 crashes at 60 s: how many shoppers lose their cart?",
            "the run lost",
            "No node holds a cart: the crashed node's shoppers go to another node, which loads "
            "the cart from the store; only the requests in flight on it fail.",
            "carts",
        ),
        _count(
            "05-retries",
            "With 3 retries (half a second apart on average), how many requests fail for good?",
            "the run failed for good",
            "A retry lands on a live node, which can serve it: it needs nothing the dead node "
            "had, and the failed attempt applied nothing.",
            "requests",
        ),
        _share(
            "05-timeout-share",
            "One node, 4 workers 80% busy, 1 s of service: what share of attempts does a 2 s "
            "client timeout give up on?",
            "the clients gave up on",
            "A client gives up when the wait for a worker plus the service takes longer than "
            "its timeout: P(W + S > t), which at 80% busy is far from rare.",
        ),
        _count(
            "05-ambiguous-crash",
            "Ten minutes of random crashes, stateless servers (carts in the store), retries, "
            "no client timeout, and each add written half way through its request's work: "
            "how many items end up in a cart twice?",
            "the run added twice",
            "A node that dies after writing the add and before answering leaves the client "
            "unable to tell: it sees a failed attempt, exactly as after a timeout, and "
            "retries, and the retry adds the item again. 'A failed attempt changed nothing' "
            "is true only of attempts that never reached a node.",
            "items",
        ),
        _choice(
            "05-duplicates",
            "Stateless servers, carts in the store, a 1 s client timeout with retries: does "
            "anyone end up with an item twice?",
            "the run answered",
            "The node finishes the attempt the client gave up on, and the retry adds the item "
            "again: the store applies both, as a stateful server's memory would. "
            "Statelessness makes a retry possible, not safe.",
            YES_NO,
        ),
        _choice(
            "05-duplicates-with-keys",
            "The same, with idempotency keys: does anyone end up with an item twice?",
            "the run answered",
            "With a key on every add the store applies each key once, so the retry changes "
            "nothing: the key, not statelessness, makes the retry safe.",
            YES_NO,
        ),
        _choice(
            "05-scaling",
            "Under a load larger than the cluster, how does throughput grow as stateless nodes "
            "are added?",
            "throughput grew",
            "Any node can serve any request, so the balancer keeps every worker busy and each "
            "node adds its full capacity.",
            ("linearly", "less than linearly", "not at all"),
        ),
        # 06 where state lives
        _choice(
            "06-cookie-loss",
            "Carts in cookies, heavy-tailed shoppers, no server failing: does anyone lose "
            "their cart?",
            "the run answered",
            "A cart that outgrows the browser's cookie limit is not stored: the browser ignores "
            "the too-large cookie and keeps sending the old one, silently.",
            YES_NO,
        ),
        Prediction(
            "06-store-latency",
            "The store takes 0.1 s a call: by how much does a request's mean latency grow?",
            "latency grew by",
            "Every request calls the store once before it is served, so it pays the store's "
            "latency once, as long as a store worker is free.",
            unit=SECONDS,
            high=60.0,
        ),
        _choice(
            "06-store-bottleneck",
            "A store with a single worker at 0.05 s a call, and 30 requests a second: what "
            "happens?",
            "the run showed",
            "One worker at 0.05 s a call serves at most 20 calls a second, fewer than arrive: "
            "its queue grows without end while the web servers sit idle.",
            ("it keeps up", "its queue grows"),
        ),
        _count(
            "06-store-outage",
            "The shared store is down from 60 s to 75 s and keeps its sessions in memory only: "
            "how many carts are lost?",
            "the run lost",
            "Every web node needs the store, so every request fails while it is down; and a "
            "store that keeps its sessions in memory only comes back empty: every cart that was "
            "in it is gone at once, whichever node its shopper uses.",
            "carts",
        ),
        Prediction(
            "06-retry-storm",
            "During the 15 s outage, how many times as many attempts fail with 2 retries as "
            "without retries?",
            "the run failed",
            "Every failed request comes back, and its retry fails too while the store is "
            "down: retries multiply the load on whatever is failing, just when it can least "
            "take it. The same requests fail for good either way; their shoppers only wait "
            "longer to see the error.",
            unit="times as many",
            high=20.0,
        ),
        _choice(
            "06-storm-cure",
            "Which sends fewer attempts into the outage: retries spread by full jitter, or "
            "a retry budget of 10%?",
            "the run answered",
            "Jitter spreads retries out so that they do not arrive in waves, but it sends "
            "just as many (more here: its mean wait is shorter). A budget caps them: while "
            "most attempts fail, retries beyond 10% of the first attempts are not sent at "
            "all, and those requests give up at once.",
            ("full jitter", "a retry budget"),
        ),
        _choice(
            "06-hang",
            "The store hangs for 15 s (it takes calls and answers none); clients give up "
            "after 2 s and retry twice. 85 s after the store answers again, is the shop "
            "serving its shoppers?",
            "the run answered",
            "No: the hang filled every worker and left a queue that takes longer to serve "
            "than a client waits. Each answer comes too late, so each attempt is retried "
            "into the same queue, and the nodes keep serving requests nobody waits for: a "
            "metastable failure, which outlives its trigger. Without retries, or with a "
            "retry budget, the queue drains and the shop recovers.",
            YES_NO,
        ),
        _count(
            "06-two-tabs",
            "Shoppers with two tabs open, carts in the store, and each node reads the cart, "
            "adds the item and writes the whole cart back: in two minutes, how many items "
            "are lost?",
            "the run lost",
            "Two requests of one shopper overlap: both read the same cart, and the later "
            "write puts back a cart without the earlier one's item (a lost update). An "
            "atomic add (Redis's HINCRBY, an UPDATE ... SET n = n + 1) or an optimistic "
            "check (Redis's WATCH, a version number) keeps both; idempotency keys do not "
            "help, as these are two different adds.",
            "items",
        ),
        _count(
            "06-replicated-one-crash",
            "Replicated state, node 1 crashes at 60 s: how many carts are lost?",
            "the run lost",
            "Every cart has a copy on a peer node, and the balancer sends the shopper there.",
            "carts",
        ),
        _count(
            "06-replicated-two-crashes",
            "Replicated state, nodes 1 and 2 crash at the same moment: how many carts are lost?",
            "the run lost",
            "A cart survives while its node or its peer lives: the carts whose node and peer "
            "both died are gone.",
            "carts",
        ),
        # 07 scaling up and down
        _share(
            "07-ip-hash-scale-out",
            "ip_hash, 4 nodes grow to 5: what share of the active shoppers lose their cart?",
            "the run lost",
            "nginx hashes over the configured servers, so adding one changes the divisor: "
            "hash % 5 agrees with hash % 4 for one client in five, and the others are sent to "
            "a node without their cart.",
        ),
        _share(
            "07-ring-scale-out",
            "consistent_hash, 4 nodes grow to 5: what share of the active shoppers lose their "
            "cart?",
            "the run lost",
            "On a ring the new node takes over only the arcs just before its own points, about "
            "1/(N+1) of them; every other client keeps its node.",
        ),
        _count(
            "07-scale-in-abrupt",
            "4 sticky nodes go down to 3 at once (abrupt): how many carts are lost?",
            "the run lost",
            "The removed node's memory goes with it: its carts are lost and its requests in "
            "flight fail.",
            "carts",
        ),
        _count(
            "07-scale-in-in-flight",
            "4 sticky nodes go down to 3, out of the endpoints with 90 s of grace: how many "
            "carts are lost?",
            "the run lost",
            "A grace period is for requests, not for sessions: no new request reaches the node, "
            "sticky ones included, so its carts are lost all the same.",
            "carts",
        ),
        _count(
            "07-scale-in-sticky",
            "4 sticky nodes go down to 3 with HAProxy's drain of 90 s: how many carts are lost?",
            "the run lost",
            "The drain keeps sending pinned sessions to the leaving node, so every session "
            "that ends within the drain ends there with its cart; these last about half a "
            "minute.",
            "carts",
        ),
        Prediction(
            "07-autoscale-recovery",
            "When the flash sale starts, how many seconds until the p95 latency is back under "
            "a second?",
            "p95 came back under 1 s after",
            "The autoscaler looks only every 15 s, new nodes take 30 s to boot, and each "
            "decision is based on the utilisation of a cluster still too small, so it takes "
            "several rounds; meanwhile the queues it must drain keep growing.",
            unit=SECONDS,
            high=900.0,
        ),
        _choice(
            "07-autoscale-scale-in",
            "After the sale the cluster shrinks: are the sticky carts on the removed nodes "
            "kept or lost?",
            "the carts were",
            "A pod the autoscaler removes leaves the endpoints at once: its grace is for "
            "requests in flight, and the carts in its memory go with it.",
            ("kept", "lost"),
        ),
        # 08 REST and a design review
        _count(
            "08-rest-lost",
            "Four designs of the cart meet the crash of node 1 and shoppers whose app gives "
            "up after 1 s and retries: how many of the four designs lose carts?",
            "the runs show",
            "Only the design that keeps the session in a node's memory loses carts: the store, "
            "the cookie and the cart resource keep nothing on the node that died.",
            "design(s)",
            high=4,
        ),
        _count(
            "08-rest-twice",
            "Same runs: how many of the four designs add an item twice?",
            "the runs show",
            "A retried add that the server finishes twice is applied twice wherever the "
            "cart lives, in a node's memory or in a store; the cookie's retry carries the "
            "old cart, and the cart resource's change is applied once per key, as a PUT's "
            "would be. Where the state lives decides what a crash costs; whether a change "
            "is idempotent decides what a retry costs.",
            "design(s)",
            high=4,
        ),
        _choice(
            "08-fix-carts",
            "Which single change of the brief's cluster stops the lost carts?",
            "the review shows",
            "The crash and the scale-in lose the carts held in a node's memory: only moving "
            "the cart off the nodes (a store or a cookie) makes them cost none.",
            ("nodes", "workers", "balancer", "affinity", "state", "retries", "idempotency_keys"),
        ),
        _choice(
            "08-store-passes",
            "With the carts in the shared store, does the design now meet every other target too?",
            "the review answers",
            "Moving the cart fixes the crash, not the rest: the shoppers' retries still add "
            "items twice without idempotency keys, the store's hiccup fails requests that "
            "retry too soon, and the store's 16 workers count in the cost.",
            YES_NO,
        ),
        # 09 the real thing
        _share(
            "09-sticky-crash",
            "Three sticky nodes on this machine, behind a real load balancer, and node 1's "
            "process is killed half way: what share of the shoppers active at the crash lose "
            "their cart?",
            "the real run lost",
            "A killed process takes its memory with it: each of the 3 nodes held about a "
            "third of the carts, on real servers as in the model. The count falls short of "
            "a third when some of node 1's shoppers met only failed requests, sent there "
            "before the health checks noticed, until their visit ended: their carts died "
            "too, but no request of theirs found one missing.",
        ),
        _count(
            "09-redispatch-failed",
            "The same crash, and HAProxy now tries a refused connection twice more, the last "
            "time on another server (retries 2, option redispatch): how many requests fail?",
            "the real run failed",
            "Only those in flight on node 1 when it was killed: every request sent to it "
            "afterwards was refused, retried, and answered by another node, which has never "
            "seen the cart. The failures are gone from the error count; the carts are lost "
            "just the same, and nobody is told.",
            "requests",
            high=1_000,
        ),
        _share(
            "09-no-affinity",
            "The same real shop with round robin and no affinity, nothing crashing: what share "
            "of all the shoppers lose their cart?",
            "the real run lost",
            "Round robin sends a shopper's next request to whichever process's turn it is, "
            "most often one that has never seen the cart; the spared are the shoppers with a "
            "single request, those whose visit the end of the run cut short, and the few "
            "whose requests happened to come back to one node.",
        ),
        _count(
            "09-store-crash",
            "The carts in a real session store, any node serving any request, and node 1 is "
            "killed half way: how many carts are lost?",
            "the real run lost",
            "No node process holds a cart: the next request goes to a live node, which reads "
            "the cart from the store; only the requests in flight on the killed node fail.",
            "carts",
        ),
        _share(
            "09-map-based-scale-out",
            "Four real nodes grow to five under HAProxy's balance source with the default "
            "hash-type map-based: what share of the shoppers active at the scale-out lose "
            "their cart?",
            "the real run lost",
            "Map-based hashing divides by the live servers: hash % 5 agrees with hash % 4 for "
            "about one client in five, and the others go to a node that has never seen them.",
        ),
        _share(
            "09-ring-scale-out",
            "The same scale-out with hash-type consistent: what share of the shoppers active "
            "at the scale-out lose their cart?",
            "the real run lost",
            "On a ring the new server takes over only the arcs before its own points, about "
            "1/(N+1) of the clients; every other client keeps its server and its cart.",
        ),
        _count(
            "09-twice-without-keys",
            "Real stateless nodes, the carts in the store, shoppers whose app gives up after "
            "1 s and retries twice: how many items are added twice?",
            "the real run made",
            "The node finishes the attempt its client gave up on, and the retry adds the item "
            "again: stateless nodes and a shared store apply both. Statelessness is not "
            "idempotency.",
            "duplicate items",
        ),
        _count(
            "09-twice-with-keys",
            "The same, every add carrying an idempotency key: how many items are added twice?",
            "the real run made",
            "The store applies each key once, so a retry of an add that was done changes "
            "nothing: the key makes the retry safe, wherever the cart lives.",
            "duplicate items",
        ),
    ]
}

#: The guesses of this kernel: prediction id -> the value given to ``predict``.
_GUESSES: dict[str, object] = {}
#: What the runs showed in this kernel: prediction id -> (measured, theory) given to ``reveal``.
_REVEALED: dict[str, tuple[object, object]] = {}


@dataclass(frozen=True)
class Reveal:
    """What ``reveal`` says: the guess (or None), what the run measured, theory, and why."""

    prediction: str
    predicted: object
    measured: object
    theory: object
    message: str
    why: str

    def __repr__(self) -> str:
        return f"{self.message} {self.why}".strip()

    def _repr_markdown_(self) -> str:
        return f"🔎 **{self.message}** {self.why}".strip()


def predict(prediction_id: str, value: object) -> Feedback:
    """Record a guess for ``prediction_id`` before the run that answers it.

    ``None`` says "not answered yet" and records nothing. A value of the wrong kind or
    out of range is not recorded; the answer says what the prediction takes. A new
    guess for the same id replaces the old one (in this kernel only).
    """
    prediction = _find(prediction_id)
    if value is None:
        _GUESSES.pop(prediction.id, None)
        return Feedback(
            NOT_ANSWERED,
            f"{prediction.question} Replace None with your guess ({prediction.allowed()}) "
            f"and run the cell again.",
        )
    try:
        kept = prediction.accepts(value)
    except ValueError as error:
        return Feedback(TRY_AGAIN, f"{error}. Not recorded: change it and run the cell again.")
    _GUESSES[prediction.id] = kept
    return Feedback(RECORDED, f"you predict {prediction.say(kept)}. Now run the next cell.")


def reveal(
    prediction_id: str, measured: object, *, theory: object = None, why: str | None = None
) -> Reveal:
    """Read the guess back against what the run measured: "you predicted 10%, the run
    lost 26% (theory 25%)", and why.

    Parameters
    ----------
    prediction_id : str
        The id given to :func:`predict`.
    measured : number or str
        What the run shows, in the prediction's unit (a share from 0 to 1, seconds, a
        count) or one of its choices.
    theory : number, optional
        The closed form's value, shown beside the measurement.
    why : str, optional
        The explanation; by default the prediction's own sentence.
    """
    prediction = _find(prediction_id)
    measured = _measured(prediction, measured, "measured")
    if theory is not None:
        theory = _measured(prediction, theory, "theory")
    shown = f"{prediction.outcome} {prediction.say(measured)}"
    if theory is not None:
        shown += f" (theory {prediction.say(theory)})"
    _REVEALED[prediction.id] = (measured, theory)
    guess = _GUESSES.get(prediction.id)
    if guess is None:
        message = f"You did not predict: {shown}."
    else:
        message = f"You predicted {prediction.say(guess)}, {shown}."
    return Reveal(
        prediction.id,
        guess,
        measured,
        theory,
        message,
        prediction.why if why is None else why,
    )


def guesses() -> dict[str, object]:
    """The guesses recorded in this kernel, by prediction id (a copy)."""
    return dict(_GUESSES)


def your_guesses(notebook: str) -> pd.DataFrame:
    """A notebook's predictions beside what its runs showed, in this kernel: one row a
    prediction of ``notebook`` (``"05"``), in the course's order, with ``question``, ``you
    predicted`` ("" where you did not), ``the run showed`` ("" where it has not run yet)
    and ``theory`` ("" where there is no closed form), each said in its unit."""
    if not isinstance(notebook, str) or not any(p.startswith(f"{notebook}-") for p in PREDICTIONS):
        numbers_ = sorted({p.split("-")[0] for p in PREDICTIONS})
        raise ValueError(
            f"notebook must be one of {', '.join(map(repr, numbers_))}, got {notebook!r}"
        )
    rows = []
    for prediction in PREDICTIONS.values():
        if not prediction.id.startswith(f"{notebook}-"):
            continue
        guess = _GUESSES.get(prediction.id)
        measured, theory = _REVEALED.get(prediction.id, (None, None))
        said = [prediction.say(v) if v is not None else "" for v in (guess, measured, theory)]
        rows.append((prediction.question, *said))
    # shown whole (pandas would cut each question at 50 characters)
    return Described(rows, columns=["question", "you predicted", "the run showed", "theory"])


def _measured(prediction: Prediction, value: object, what: str) -> object:
    if prediction.choices:
        if not isinstance(value, str) or value.strip().lower() not in prediction.choices:
            raise ValueError(
                f"{what} for prediction {prediction.id!r} must be {prediction.allowed()}, "
                f"got {value!r}"
            )
        return value.strip().lower()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{what} for prediction {prediction.id!r} must be a number, got {value!r} "
            f"({type(value).__name__})"
        )
    return float(value) if isinstance(value, float) else value


def _find(prediction_id: str) -> Prediction:
    if prediction_id not in PREDICTIONS:
        raise ValueError(unknown_name("prediction", str(prediction_id), list(PREDICTIONS)))
    return PREDICTIONS[prediction_id]
