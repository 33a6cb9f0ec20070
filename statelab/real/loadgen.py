"""The load generator: the Scenario's shoppers, sent as real HTTP requests.

``python -m statelab.real.loadgen --scenario PRESET.toml --time-scale S
(--url URL --t0 STAMP | --go FILE) --out PATH`` plays the workload of a Scenario against a
real cluster, on one asyncio loop in a process of its own (a Jupyter kernel already runs an
event loop of its own).

The shoppers are the simulation's: :class:`~statelab.sim.workload.Workload` draws the same
arrivals, session lengths, service demands and think times from the same seed, and the retry
pauses come from the same stream (``stream(seed, "retries")``), drawn in the order the retries
happen. So a real run and a simulated run of the same seed see the same shoppers; only the
cluster differs.

Time is scaled: model time ``t`` is the monotonic stamp ``t0 + t * S``. A session starts at its
arrival time, sends its requests one after another (thinking between two), waits at most
``client_timeout`` for each (``timed_out``), retries a failed or timed-out attempt after a
pause while it has retries left, and gives up otherwise. A connection error, or any answer
but 200 (a 503 from a balancer with no server, a 502 from a proxy whose node vanished, a 4xx
the shop should never send), is ``failed``; the status is kept in the row. No session starts
at or after ``duration``, no attempt is sent then, and at ``duration`` every attempt still
open is ``in_flight``: the loop stops.

Every attempt carries an ``X-Request-ID`` header, ``session.request.attempt``
(:func:`request_id`), which the balancers log, so their own lines join these rows (refused
and aborted attempts too).

Each session is a client of its own: its own loopback address (``127.a.b.c``, the third and
last octets varying between neighbouring sessions, so nginx's ``ip_hash`` over the first three
octets and HAProxy's ``balance source`` over the whole address see distinct clients), its own
connection and its own cookies, kept by hand as a browser keeps them: ``SERVERID`` (the
balancer's sticky cookie) and ``cart`` (the cart, for ``state="cookie"``).
A cart cookie whose name and value are over ``cookie_limit`` bytes is not kept, as a browser
ignores it: the item is counted as not kept, and every later attempt of the session carries the
old, stale cookie (the assembler books that as ``cookie_too_large``).

Output: ``PATH`` (CSV, one row an attempt: ``session, request, attempt, node, arrival, end,
outcome, status, stale_cookie, found, applied, duplicate, overwrote, aborted, resent``;
``node`` from the answer's ``X-Statelab-Node`` header, -1 without one; times as raw
monotonic stamps, ``end`` empty for an attempt in flight at the end; ``aborted`` 1 for a
connection closed before any answer; ``resent`` 1 for a browser's re-send of one) and
``PATH.sessions.csv`` (one row a session: ``session, start, end, requests, items_not_kept,
gave_up, retries_refused``; ``start`` in model seconds, as drawn; ``end`` a stamp, empty
while it was still going at the end).
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import json
import math
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp

from statelab.real.timeouts import GO_POLL, GO_TIMEOUT, READY_LEAD, STOP_GRACE
from statelab.runs.watch import exit_with_parent
from statelab.sim.cookie import encoded_size
from statelab.sim.retrying import REFUSED, Retrying
from statelab.sim.scenario import Scenario
from statelab.sim.workload import Workload, stream

#: The outcomes a client retries: the attempt failed, or it stopped waiting for it.
RETRIED = ("failed", "timed_out", "aborted")
#: What :meth:`Player._attempt` answers for a failed attempt whose connection closed
#: before any answer (its row says ``failed``, ``aborted`` 1).
ABORTED = "aborted"

REQUEST_FIELDS = (
    "session",
    "request",
    "attempt",
    "node",
    "arrival",
    "end",
    "outcome",
    "status",
    "stale_cookie",
    "found",
    "applied",
    "duplicate",
    "overwrote",
    "aborted",
    "resent",
)
SESSION_FIELDS = (
    "session",
    "start",
    "end",
    "requests",
    "items_not_kept",
    "gave_up",
    "retries_refused",
)


#: The header that names each attempt, logged by the balancers (HAProxy's capture, the
#: embedded proxy's own log), so their lines join the client's rows.
REQUEST_ID_HEADER = "X-Request-ID"


def request_id(session: int, request: int, attempt: int) -> str:
    """The id the load generator sends with an attempt: ``session.request.attempt``."""
    return f"{session}.{request}.{attempt}"


def client_address(session: int) -> str:
    """The loopback address session ``session`` sends from: ``127.a.b.c``, ``b`` its number
    modulo 256, so neighbouring sessions differ in the third octet (nginx's ``ip_hash`` key),
    and ``c`` its number modulo 254, plus 1, so they differ in the last octet too: HAProxy's
    map-based ``balance source`` takes the whole address modulo the live servers, and with the
    last octet fixed every address would be the same modulo 4 (256 is a multiple of 4)."""
    return f"127.{1 + (session // 256) % 254}.{session % 256}.{1 + session % 254}"


def sessions_file(out: Path) -> Path:
    """Where the session rows go, beside the request rows at ``out``."""
    return out.with_name(out.name + ".sessions.csv")


@dataclass
class Shopper:
    """One session as the load generator plays it (model seconds where not said otherwise)."""

    id: int
    start: float  # arrival, model seconds
    services: list[float]
    thinks: list[float]
    sent: int = 0
    end: float = math.nan  # stamp of its last answer (NaN: still going)
    items_not_kept: int = 0
    gave_up: int = 0  # requests it gave up: no retry left, or the budget refused one
    retries_refused: int = 0  # retries the retry budget refused
    cart_items: int = 0  # items of the cart cookie the browser holds (state="cookie")
    stale: bool = False  # the browser dropped a cart cookie over the limit: it sends the old
    cookies: dict[str, str] = field(default_factory=dict)


def plan(scenario) -> list[Shopper]:
    """Every session of the run, with the simulation's draws: arrivals before ``duration``."""
    workload = Workload(scenario)
    shoppers: list[Shopper] = []
    now = 0.0
    bound = 10_000_000  # the Scenario's own size checks keep runs far below this
    while len(shoppers) < bound:
        gap = workload.next_gap(now)
        if gap == math.inf or now + gap >= scenario.duration:
            break
        now += gap
        services, thinks = workload.next_session()
        shoppers.append(Shopper(len(shoppers), now, services, thinks))
    return shoppers


class Player:
    """Plays the sessions of one scenario against ``url`` and keeps the rows."""

    def __init__(
        self, scenario, url: str, time_scale: float, t0: float, resend_aborted: bool = False
    ) -> None:
        self.scenario = scenario
        self.resend_aborted = resend_aborted
        self.url = url.rstrip("/")
        self.scale = time_scale
        self.t0 = t0
        self.t_end = t0 + scenario.duration * time_scale
        self.retrying = Retrying(scenario, stream(scenario.seed, "retries"))
        self.timeout = (
            None if scenario.client_timeout is None else scenario.client_timeout * time_scale
        )
        self.rows: list[tuple] = []
        self.open: dict[tuple[int, int, int], tuple] = {}  # attempts under way: their row start
        self.shoppers: list[Shopper] = []

    def stamp(self, model_time: float) -> float:
        return self.t0 + model_time * self.scale

    async def run(self, shoppers: list[Shopper]) -> None:
        self.shoppers = shoppers
        tasks = []
        for shopper in shoppers:
            tasks.append(asyncio.create_task(self._visit(shopper)))
        remaining = self.t_end - time.monotonic()
        if tasks:
            await asyncio.wait(tasks, timeout=max(0.0, remaining))
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.wait(tasks, timeout=STOP_GRACE)
        end = math.nan
        for key, (node, arrival, stale) in sorted(self.open.items()):
            self._record(key, node, arrival, end, "in_flight", stale)
        self.open.clear()

    async def _sleep_until(self, stamp: float) -> bool:
        """Sleep until ``stamp``; False if that is at or after the end of the run."""
        if stamp >= self.t_end:
            return False
        delay = stamp - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        return time.monotonic() < self.t_end

    async def _visit(self, shopper: Shopper) -> None:
        """One shopper: its requests dealt in turn to its ``tabs`` browser tabs (request
        ``k`` to tab ``k mod tabs``), which share its cookies as last received and its
        connections (one a tab); the session ends when its last tab is done."""
        if not await self._sleep_until(self.stamp(shopper.start)):
            return
        tabs = min(self.scenario.tabs, len(shopper.services)) or 1
        connector = aiohttp.TCPConnector(
            local_addr=(client_address(shopper.id), 0), limit=tabs, ttl_dns_cache=None
        )
        async with aiohttp.ClientSession(
            connector=connector, cookie_jar=aiohttp.DummyCookieJar()
        ) as http:
            n = len(shopper.services)
            tabs_ks = [range(t, n, tabs) for t in range(tabs)]
            ends = await asyncio.gather(*(self._tab(http, shopper, ks) for ks in tabs_ks))
        if all(end is not None for end in ends):
            shopper.end = max(ends, default=math.nan)

    async def _tab(self, http, shopper: Shopper, ks: range) -> float | None:
        """One tab of a shopper: requests ``ks`` one after another (the think time before
        request ``k`` is ``thinks[k - 1]``, except before the tab's first), each retried as
        the scenario's retry rules say (:class:`~statelab.sim.retrying.Retrying`: the same
        waits, jitter, cap and budget as the simulation, in model seconds). Returns the
        stamp of its last answer, or None if the run ended first."""
        last_end = math.nan
        first = ks[0] if len(ks) else 0
        for k in ks:
            think = shopper.thinks[k - 1] if k != first else 0.0
            if think and not await self._sleep_until(time.monotonic() + think * self.scale):
                return None
            attempt = tries = 1  # tries: the shopper's own (a browser's re-send is not one)
            resend = False
            while True:
                if time.monotonic() >= self.t_end:
                    return None
                if attempt == 1:
                    self.retrying.sent(self.now())
                service = shopper.services[k]
                outcome, last_end = await self._attempt(
                    http, shopper, k, attempt, service, resent=resend
                )
                if outcome == "in_flight" or self.after_the_end(last_end):
                    # the run ended while it was under way (a timeout or an error noticed
                    # late on a busy machine is booked in flight at the end, as the
                    # assembler books it: no retry, no give-up)
                    return None
                resend = outcome == ABORTED and self.resend_aborted and not resend
                if resend:  # as a browser: at once, once, the shopper none the wiser
                    attempt += 1
                    continue
                if outcome not in RETRIED:
                    break
                wait = self.retrying.wait(tries, self.now())
                if wait is None or wait == REFUSED:  # the shopper sees an error
                    shopper.gave_up += 1
                    shopper.retries_refused += wait == REFUSED
                    break
                attempt += 1
                tries += 1
                if wait and not await self._sleep_until(time.monotonic() + wait * self.scale):
                    return None
        return last_end

    def now(self) -> float:
        """Model seconds since model time 0."""
        return (time.monotonic() - self.t0) / self.scale

    def after_the_end(self, stamp: float) -> bool:
        """Whether an attempt that ended at ``stamp`` ended after the run's ``duration``, in
        model seconds as the assembler reckons it (it books such an attempt in flight)."""
        return stamp == stamp and (stamp - self.t0) / self.scale > self.scenario.duration

    async def _attempt(
        self, http, shopper: Shopper, request: int, attempt: int, service: float, resent=False
    ):
        """Send one attempt and record it; returns (outcome, end stamp): ``ABORTED`` (a
        failed attempt whose connection closed before any answer) or a row's outcome.
        ``resent``: a browser's re-send of the attempt before, marked so in its row."""
        key = (shopper.id, request, attempt)
        stale = shopper.stale
        carried = shopper.cart_items  # the items of the cart cookie this attempt carries
        headers = {REQUEST_ID_HEADER: request_id(*key)}
        if shopper.cookies:
            headers["Cookie"] = "; ".join(f"{n}={v}" for n, v in shopper.cookies.items())
        arrival = time.monotonic()
        if arrival >= self.t_end:  # the end came while this waited for a busy processor:
            return "in_flight", math.nan  # not sent, so not an attempt of the run
        shopper.sent += 1
        self.open[key] = (-1, arrival, stale)
        give_up = self.t_end if self.timeout is None else min(self.t_end, arrival + self.timeout)
        node, status, found, applied, duplicate = -1, 0, "", "", ""
        try:
            async with asyncio.timeout(give_up - arrival):
                async with http.post(
                    f"{self.url}/carts/{shopper.id}/items",
                    json={"request": request, "attempt": attempt, "service": service},
                    headers=headers,
                ) as response:
                    status = response.status
                    node = _int(response.headers.get("X-Statelab-Node"), -1)
                    body = await response.read()
                    end = time.monotonic()
                    overwrote = self._keep_cookies(shopper, response, status, body, carried)
        except TimeoutError:
            end = time.monotonic()
            if end >= self.t_end and (self.timeout is None or arrival + self.timeout > self.t_end):
                return "in_flight", math.nan  # left in self.open: in flight at the end
            del self.open[key]
            self._record(key, node, arrival, end, "timed_out", stale, resent=resent)
            return "timed_out", end
        except (aiohttp.ClientError, OSError, ValueError) as error:
            end = time.monotonic()
            del self.open[key]
            # the connection closed (or was reset) with no answer: an abort, which a browser
            # re-sends when the connection was a kept-alive one (aiohttp does not)
            aborted = isinstance(error, (aiohttp.ServerDisconnectedError, ConnectionResetError))
            aborted = aborted or "reset" in str(error).lower()
            self._record(key, node, arrival, end, "failed", stale, aborted=aborted, resent=resent)
            return (ABORTED if aborted else "failed"), end
        del self.open[key]
        outcome = "ok" if status == 200 else "failed"
        if status == 200:
            found, applied, duplicate = _answer(body)
        self._record(
            key, node, arrival, end, outcome, stale, status, (found, applied, duplicate),
            overwrote, resent=resent,
        )  # fmt: skip
        return outcome, end

    def _record(
        self,
        key,
        node,
        arrival,
        end,
        outcome,
        stale,
        status=0,
        answer=("", "", ""),
        overwrote=0,
        aborted=False,
        resent=False,
    ) -> None:
        """One row of :data:`REQUEST_FIELDS`; ``answer``: the node's (found, applied,
        duplicate), empty where no answer came."""
        self.rows.append(
            (*key, node, arrival, end, outcome, status, int(stale), *answer, overwrote,
             int(aborted), int(resent))
        )  # fmt: skip

    def _keep_cookies(
        self, shopper: Shopper, response, status: int, body: bytes, carried: int
    ) -> int:
        """Keep ``SERVERID`` and ``cart`` as a browser would; returns the items a new cart
        cookie overwrote (a lost update: another tab's answer, kept since this attempt was
        sent with a cart of ``carried`` items, held that many more; 0 where none).

        A new cart cookie is not kept (the browser keeps the old one, and the item is not
        kept) when its name and value are over ``cookie_limit`` bytes, or when the cart it
        carries weighs more than that as the simulation weighs it (``cookie_bytes_per_item``
        bytes an item, :func:`statelab.sim.cookie.encoded_size`; the node's items are short
        names, so the weight is the simulation's), or when an answer of a cookie cart sets
        no cookie at all (the node found it too large to write).
        """
        cart = None
        for header in response.headers.getall("Set-Cookie", []):
            pair = header.split(";", 1)[0].strip()
            name, _, value = pair.partition("=")
            name = name.strip()
            if name == "cart":
                cart = value
            elif name == "SERVERID":
                shopper.cookies[name] = value
        if status != 200 or self.scenario.state != "cookie":
            return 0
        limit = self.scenario.cookie_limit
        fits = cart is not None and len("cart=") + len(cart) <= limit
        if fits:
            items = _items(body)
            fits = items is None or self.weight(items) <= limit
        if fits:
            shopper.cookies["cart"] = cart
            overwrote = shopper.cart_items - carried
            shopper.cart_items = carried + 1
            return overwrote
        shopper.items_not_kept += 1
        shopper.stale = True
        return 0

    def weight(self, items: int) -> int:
        """Bytes a cart cookie of ``items`` items weighs, as the simulation counts it."""
        return encoded_size(items, self.scenario.cookie_bytes_per_item)


def _items(body: bytes) -> int | None:
    """The ``items`` of a node's JSON answer (None: not readable)."""
    try:
        return int(json.loads(body)["items"])
    except (ValueError, KeyError, TypeError):
        return None


def _int(text, default: int) -> int:
    try:
        return int(text)
    except (TypeError, ValueError):
        return default


def _answer(body: bytes) -> tuple[int, int, int]:
    """(found, applied, duplicate) of a node's JSON answer, as 0 or 1 (-1: not readable)."""
    try:
        data = json.loads(body)
        return int(bool(data["found"])), int(bool(data["applied"])), int(bool(data["duplicate"]))
    except (ValueError, KeyError, TypeError):
        return -1, -1, -1


def write(out: Path, rows: list[tuple], shoppers: list[Shopper]) -> None:
    """The request rows to ``out`` and the session rows beside it (see the module docstring)."""

    def cell(value):
        return "" if isinstance(value, float) and math.isnan(value) else value

    with open(out, "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(REQUEST_FIELDS)
        writer.writerows([cell(v) for v in row] for row in rows)
    with open(sessions_file(out), "w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(SESSION_FIELDS)
        for s in shoppers:
            if s.sent:
                writer.writerow(
                    [s.id, repr(s.start), cell(s.end), s.sent, s.items_not_kept, s.gave_up,
                     s.retries_refused]
                )  # fmt: skip


#: What a load generator ready too late prints (with the seconds it was late), sending
#: nothing, and its exit status (``--t0``: a caller starts it again with a longer margin).
LATE = "LATE"
LATE_EXIT = 3
#: What it prints once it has its model time 0 from the go file, with the go's number.
GO = "GO"
#: The exit status of a load generator that never got its go.
NO_GO_EXIT = 4


def read_go(path: Path) -> tuple[int, float, str]:
    """The go file's number, model time 0 (a monotonic stamp) and the balancer's URL;
    (0, nan, "") while there is none. The controller writes it whole (a new file renamed
    over the old)."""
    try:
        number, stamp, url = path.read_text().split()
        return int(number), float(stamp), url
    except (OSError, ValueError):
        return 0, math.nan, ""


def wait_for_go(path: Path, timeout: float) -> tuple[float, str] | None:
    """Wait for the go file (see :func:`main`): model time 0 and the balancer's URL, or
    None after ``timeout`` seconds without a go that came in time.

    Each go that comes too late to start on time (less than ``READY_LEAD`` ahead, a busy
    machine) is answered ``LATE <number> <seconds late>``, and the next one waited for; the
    one in time is answered ``GO <number>``."""
    answered = 0
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        number, t0, url = read_go(path)
        if number > answered:
            answered = number
            late = time.monotonic() - (t0 - READY_LEAD)
            if late <= 0:
                print(f"{GO} {number}", flush=True)
                return t0, url
            print(f"{LATE} {number} {late:.3f}", flush=True)
        time.sleep(GO_POLL)
    return None


def main(argv: list[str] | None = None) -> int:
    """Play a scenario's shoppers (see the module's docstring).

    Model time 0 is ``--t0``, a monotonic stamp given at the start (the load generator must
    be ready ``READY_LEAD`` before it, else it prints ``LATE`` and exits), with ``--url``;
    or both come by ``--go FILE``: the load generator starts, draws its shoppers, prints
    ``READY 1`` and waits for FILE to hold ``<number> <stamp> <url>``, so it can start
    beside the cluster it plays against, and model time 0 be set a moment after all of it
    is ready."""
    parser = argparse.ArgumentParser(prog="python -m statelab.real.loadgen", description=__doc__)
    parser.add_argument("--scenario", required=True, help="a Scenario saved as TOML")
    parser.add_argument("--url", help="the balancer, http://127.0.0.1:PORT (with --t0)")
    parser.add_argument("--time-scale", type=float, required=True)
    zero = parser.add_mutually_exclusive_group(required=True)
    zero.add_argument("--t0", type=float, help="monotonic stamp of model t=0")
    zero.add_argument("--go", type=Path, help="a file that will hold the stamp of model t=0")
    parser.add_argument("--out", required=True, type=Path)
    parser.add_argument(
        "--resend-aborted",
        action="store_true",
        help="re-send at once, once, an attempt whose connection closed with no answer",
    )
    args = parser.parse_args(argv)
    if (args.url is None) == (args.go is None):
        parser.error("--url goes with --t0 (with --go, the go file names the balancer)")

    scenario = Scenario.load(args.scenario)
    shoppers = plan(scenario)
    t0, url = args.t0, args.url
    if args.go is not None:
        # it listens on no port: "1" only fills ProcessGroup's "READY <port>" line
        print("READY 1", flush=True)
        exit_with_parent()
        go = wait_for_go(args.go, GO_TIMEOUT)
        if go is None:
            print(f"no go in {args.go} within {GO_TIMEOUT:g} s", flush=True)
            return NO_GO_EXIT
        t0, url = go
    else:
        late = time.monotonic() - (t0 - READY_LEAD)
        if late > 0:  # a slow start (a busy machine): the first shoppers would come late
            print(f"{LATE} {late:.3f}", flush=True)
            return LATE_EXIT
        print("READY 1", flush=True)
    player = Player(scenario, url, args.time_scale, t0, args.resend_aborted)

    async def play() -> None:
        exit_with_parent()
        await player.run(shoppers)

    asyncio.run(play())
    write(args.out, player.rows, shoppers)
    print(f"DONE {len(player.rows)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
