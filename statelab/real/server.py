"""One web server node of a real run: ``python -m statelab.real.server``.

The node is the simulation's node made real. It has ``W`` worker slots (a first-come,
first-served line in front of them); a request waits for a slot, then "works" for its
service time (it sleeps ``service * time_scale`` seconds: the work of the model, sped up),
then adds its item to the shopper's cart where the cart lives:

- ``server``: in this process's memory (a dict). Another node does not have it, and a
  crash (SIGKILL) loses it, as the simulation's crash wipes the node's memory.
- ``replicated``: as ``server``, and after every request the cart is copied to a peer node
  (``POST /admin/peer`` tells the node which); the peer takes over a session it holds a copy
  of when the session comes to it.
- ``cookie``: in the signed cookie ``cart`` the browser sends (signed by the course's
  :class:`~statelab.course.cart.StatelessCartHandler`); the answer sets the new cookie. Each
  KB of the incoming cookie costs ``cookie_cost_per_kb`` model seconds of extra work.
- ``store``: in a shared session store (:mod:`statelab.real.store`), called when the
  request arrives (503 if the store is down) and again to apply the item.

Every answer says whether the cart was ``found`` where this node looks (not found: a new,
empty cart is made here, the shopper starts over), whether the item was ``applied`` and
whether that made a ``duplicate`` (a retried request applied twice: only without
idempotency keys), as :mod:`statelab.sim.state` decides it in the simulation.

Every attempt the node finishes is one CSV line in its log (the columns of
:data:`LOG_HEADER`), written and flushed before the answer, so a SIGKILL loses no
finished line. Stamps are ``time.monotonic()`` seconds, one clock for every process.

HTTP (loopback only, the port chosen by the OS, printed as ``READY <port>``):

- ``POST /carts/{session}/items`` ``{"request": int, "attempt": int, "service": float}``
  -> 200 ``{"node", "found", "applied", "duplicate", "items"}`` and ``X-Statelab-Node``;
  400 for a bad body, 503 ``{"error": "session store unavailable"}``.
- ``POST /admin/peer`` ``{"url": "http://127.0.0.1:P" | null}``: the replicated peer.
- ``POST /replica/{session}`` ``{"items": int, "applied": [int]}``: a peer's copy.
- ``GET /admin/sessions/{session}``: where this node holds the cart (for tests).
- ``GET /health`` -> ``ok``.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import ipaddress
import json
import math
import os
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import ClientError, ClientSession, ClientTimeout, web

from statelab.course.cart import COOKIE_NAME, CartError, StatelessCartHandler
from statelab.real import store
from statelab.real.timeouts import REPLICA_TIMEOUT
from statelab.runs.watch import exit_with_parent
from statelab.sim.cookie import encoded_size

STATES = ("server", "cookie", "store", "replicated")
LOG_HEADER = (
    "session,request,attempt,node,queued_from,start,done,found,applied,duplicate,items,"
    "overwrote,wrote"
)
#: A session id in a path: what the load generator sends (no comma: it goes into the CSV).
SESSION_PATTERN = r"[A-Za-z0-9_.-]{1,128}"
MAX_WORKERS = 10_000
STORE_DOWN = {"error": "session store unavailable"}
#: The environment variable that gives a node the hex key signing cart cookies (state=cookie),
#: the same for every node. Not a command-line argument: any user of the machine can read
#: another process's command line (``ps``), but not its environment.
SECRET_ENV = "STATELAB_CART_SECRET"


# -- the command line ------------------------------------------------------------------------


def _whole(name: str, low: int, high: int, what: str):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(
                f"{name} is {text!r}; it is {what}, a whole number from {low} to {high}"
            )
        return value

    return parse


def _number(name: str, low: float, high: float, what: str, low_open: bool = False):
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        ok = (low < value if low_open else low <= value) and value <= high
        if not ok:
            bound = f"above {low:g} and at most" if low_open else f"from {low:g} to"
            raise argparse.ArgumentTypeError(
                f"{name} is {text!r}; it is {what}, a number {bound} {high:g}"
            )
        return value

    return parse


def _store(text: str) -> tuple[str, str]:
    kind, sep, path = text.partition(":")
    if not sep or kind not in ("sqlite", "redis") or not path:
        raise argparse.ArgumentTypeError(
            f"--store is {text!r}; it is sqlite:/path/to/file.db or redis:/path/to/redis.sock"
        )
    return kind, path


def _secret(text: str) -> bytes:
    """The cart cookies' key from :data:`SECRET_ENV`'s hex ``text``; ArgumentTypeError if it
    is not at least 32 bytes of hex (the message never shows it)."""
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        secret = b""
    if len(secret) < 32:
        raise argparse.ArgumentTypeError(
            f"{SECRET_ENV} is {len(text)} characters, {len(secret)} bytes of hex (not shown: it "
            "is a secret); it is the key that signs cart cookies, at least 32 bytes as hex "
            "(64 hex digits): secrets.token_hex(32)"
        )
    return secret


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m statelab.real.server",
        description="One web server node of a real run (statelab.real); prints READY <port>.",
    )
    add = parser.add_argument
    add("--node", required=True, type=_whole("--node", 0, 10_000, "the node's number"))
    add(
        "--workers",
        required=True,
        type=_whole("--workers", 1, MAX_WORKERS, "the node's worker slots"),
    )
    add("--state", required=True, choices=STATES, help="where carts live")
    add(
        "--time-scale",
        required=True,
        type=_number("--time-scale", 0.0, 100.0, "real seconds per model second", True),
    )
    add("--log", required=True, type=Path, help="the CSV file of finished attempts")
    add("--store", type=_store, help="sqlite:/path/db or redis:/path/redis.sock (state=store)")
    add("--keys", action="store_true", help="requests carry idempotency keys")
    add(
        "--store-update",
        default="atomic",
        choices=("atomic", "read_modify_write"),
        help="atomic: read, add and write in one store transaction at the write; "
        "read_modify_write: the cart read at the first store call, written whole at the write",
    )
    add(
        "--write-at",
        default=1.0,
        type=_number("--write-at", 0.0, 1.0, "a share of the attempt's work", False),
        help="where in its work an attempt writes its change (1: at the end)",
    )
    add(
        "--cookie-cost-per-kb",
        default=0.0,
        type=_number("--cookie-cost-per-kb", 0.0, 10.0, "model seconds of work per KB of cookie"),
    )
    add(
        "--cookie-bytes-per-item",
        default=None,
        type=_whole("--cookie-bytes-per-item", 1, 100_000, "bytes an item weighs in a cookie"),
        help="weigh the cookie as the simulation does (items of this size); default: its bytes",
    )
    return parser


@dataclass(frozen=True)
class Config:
    """A node's settings, from the command line (see ``--help``)."""

    node: int
    workers: int
    state: str
    time_scale: float
    log: Path
    store: tuple[str, str] | None = None
    keys: bool = False
    store_update: str = "atomic"
    write_at: float = 1.0
    secret: bytes | None = None
    cookie_cost_per_kb: float = 0.0
    cookie_bytes_per_item: int | None = None


def parse_args(argv: list[str] | None = None) -> Config:
    """The node's :class:`Config`; a bad argument exits with a message naming it."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.state == "store" and args.store is None:
        parser.error("--state store needs --store sqlite:/path/db or redis:/path/redis.sock")
    if args.state != "store" and args.store is not None:
        parser.error(f"--store is only for --state store; --state is {args.state!r}")
    secret = None
    if args.state == "cookie":
        if SECRET_ENV not in os.environ:
            parser.error(
                f"--state cookie needs the environment variable {SECRET_ENV}: the hex key that "
                "signs cart cookies, the same for every node (secrets.token_hex(32))"
            )
        try:
            secret = _secret(os.environ[SECRET_ENV])
        except argparse.ArgumentTypeError as error:
            parser.error(str(error))
    if not args.log.parent.is_dir():
        parser.error(f"--log is {str(args.log)!r}; its folder does not exist")
    return Config(
        node=args.node,
        workers=args.workers,
        state=args.state,
        time_scale=args.time_scale,
        log=args.log,
        store=args.store,
        keys=args.keys,
        store_update=args.store_update,
        write_at=args.write_at,
        secret=secret,
        cookie_cost_per_kb=args.cookie_cost_per_kb,
        cookie_bytes_per_item=args.cookie_bytes_per_item,
    )


# -- the parts of a node ---------------------------------------------------------------------


class WorkerSlots:
    """``W`` worker slots with a first-come, first-served line in front of them."""

    def __init__(self, workers: int) -> None:
        self.free = workers
        self.line: collections.deque[asyncio.Future] = collections.deque()

    async def take(self) -> None:
        """Wait for a slot (in the order of arrival) and take it."""
        if self.free > 0 and not self.line:
            self.free -= 1
            return
        waiter = asyncio.get_running_loop().create_future()
        self.line.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self.give_back()  # it was handed a slot as it was cancelled
            else:
                self.line.remove(waiter)
            raise

    def give_back(self) -> None:
        """Free a slot: the first in line gets it."""
        while self.line:
            waiter = self.line.popleft()
            if not waiter.done():
                waiter.set_result(None)
                return
        self.free += 1


@dataclass
class Change:
    """What an attempt did to its cart: whether the cart was ``found`` where the node
    looks, whether the item was ``applied`` and made a ``duplicate``, the cart's ``items``
    after it, the items a read-modify-write ``overwrote`` (a lost update), the cart cookie
    to set (cookie state) and the cart itself (memory)."""

    found: bool
    applied: bool
    duplicate: bool
    items: int
    overwrote: int = 0
    set_cookie: str | None = None
    cart: dict | None = None


def add_item(cart: dict, request: int, keys: bool) -> tuple[bool, bool]:
    """Add request ``request``'s item to ``cart`` (``{"items": int, "applied": set}``).

    Returns (applied, duplicate), as :func:`statelab.sim.state.add_item`: with idempotency
    keys a request already applied is not applied again; without, it is, as a duplicate.
    """
    applied = cart["applied"]
    if request in applied:
        if keys:
            return False, False
        cart["items"] += 1
        return True, True
    applied.add(request)
    cart["items"] += 1
    return True, False


def new_cart() -> dict:
    """An empty cart, as this node makes one for a session it did not find."""
    return {"items": 0, "applied": set()}


def cart_cookie(header: str) -> str | None:
    """The value of the ``cart`` cookie in a ``Cookie`` header (None: not there)."""
    if COOKIE_NAME not in header:
        return None
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep and name == COOKIE_NAME:
            return value.strip().strip('"')
    return None


def _error(status: int, message: str, node: int) -> web.Response:
    return web.Response(
        status=status,
        text=json.dumps({"error": message}),
        content_type="application/json",
        headers={"X-Statelab-Node": str(node)},
    )


def _parse_body(body: object) -> tuple[int, int, float]:
    """(request, attempt, service) of an add's JSON body; ``ValueError`` names what is wrong."""
    if not isinstance(body, dict):
        raise ValueError(f"the body is {type(body).__name__}; it is a JSON object")
    values = []
    for field in ("request", "attempt"):
        value = body.get(field)
        if type(value) is not int or value < 0:
            raise ValueError(f"field {field!r} is {value!r}; it is a whole number from 0")
        values.append(value)
    service = body.get("service")
    if (
        isinstance(service, bool)
        or not isinstance(service, (int, float))
        or not 0 <= service < math.inf
    ):
        raise ValueError(f"field 'service' is {service!r}; it is model seconds of work, >= 0")
    return values[0], values[1], float(service)


def _peer_url(value: object) -> str | None:
    """A peer's base URL, loopback only (None: no peer); ``ValueError`` otherwise."""
    if value is None:
        return None
    allowed = "http://127.x.y.z:PORT (loopback) or null"
    if not isinstance(value, str):
        raise ValueError(f"field 'url' is {value!r}; it is {allowed}")
    parts = urlsplit(value)
    try:
        loopback = parts.scheme == "http" and ipaddress.ip_address(parts.hostname).is_loopback
        port = parts.port
    except ValueError:
        loopback, port = False, None
    if not loopback or port is None or parts.path not in ("", "/"):
        raise ValueError(f"field 'url' is {value!r}; it is {allowed}")
    return value.rstrip("/")


class Node:
    """A web server node: its worker slots, its carts (or its store), its log."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.node = config.node
        self.header = {"X-Statelab-Node": str(config.node)}
        self.slots = WorkerSlots(config.workers)
        self.memory: dict[str, dict] = {}  # server/replicated state: session -> cart
        self.replicas: dict[str, dict] = {}  # replicated: copies from the node before us
        self.peer: str | None = None
        self.client: ClientSession | None = None
        self.cookies = StatelessCartHandler(config.secret) if config.state == "cookie" else None
        self.store = None
        if config.store is not None:
            kind, path = config.store
            self.store = store.SqliteStore(path) if kind == "sqlite" else store.RedisStore(path)
            self.store_down = store.StoreDown
            # store calls block (a busy SQLite file, a hung Redis): they run in threads of
            # their own, one for SQLite (its writers would only wait for each other's lock)
            self.store_threads = ThreadPoolExecutor(
                1 if kind == "sqlite" else 4, thread_name_prefix="store"
            )
        self.log = self._open_log(config.log)

    @staticmethod
    def _open_log(path: Path):
        log = open(path, "a", encoding="utf-8")  # noqa: SIM115 (open for the node's life)
        if log.tell() == 0:
            log.write(LOG_HEADER + "\n")
            log.flush()
        return log

    def app(self) -> web.Application:
        """The aiohttp application of this node."""
        app = web.Application()
        app.router.add_post(f"/carts/{{session:{SESSION_PATTERN}}}/items", self.add)
        app.router.add_post("/admin/peer", self.set_peer)
        app.router.add_post(f"/replica/{{session:{SESSION_PATTERN}}}", self.replica)
        app.router.add_get(f"/admin/sessions/{{session:{SESSION_PATTERN}}}", self.where)
        app.router.add_get("/health", self.health)
        app.on_cleanup.append(self._cleanup)
        return app

    async def _cleanup(self, _app) -> None:
        if self.client is not None:
            await self.client.close()
        if self.store is not None:
            self.store_threads.shutdown(wait=False, cancel_futures=True)
            self.store.close()
        self.log.close()

    # -- the hot path ---------------------------------------------------------------------

    async def add(self, http: web.Request) -> web.Response:
        """An "add to cart": store call, a worker slot, the work, the item, the log line."""
        config = self.config
        session = http.match_info["session"]
        try:
            request, attempt, service = _parse_body(await http.json())
        except ValueError as error:  # bad JSON is a ValueError too
            return _error(400, str(error), self.node)
        state = config.state
        work = service
        carried = None  # cookie state: the items of the cookie that came, if it verifies
        read = None  # store state: the cart as the first store call read it
        if state == "store":
            try:
                read = await self._in_store(self.store.get, session)
            except self.store_down:
                return _error(503, STORE_DOWN["error"], self.node)
        elif state == "cookie":
            cookie = cart_cookie(http.headers.get("Cookie", ""))
            carried = self._cookie_items(cookie)
            if config.cookie_cost_per_kb > 0:
                work += config.cookie_cost_per_kb * self._cookie_kb(cookie, carried)
        # the change is written at ``write_at`` of the work (cookie state: in the answer)
        early = state != "cookie" and config.write_at < 1.0
        scale = config.time_scale
        queued_from = time.monotonic()
        await self.slots.take()
        start = time.monotonic()
        try:
            if early:
                await asyncio.sleep(work * config.write_at * scale)
                try:
                    change = await self._apply(session, request, read, carried)
                except self.store_down:
                    return _error(503, STORE_DOWN["error"], self.node)
                # written, not yet answered: a crash from here on leaves the change applied
                self._log(session, request, attempt, queued_from, start, None, change)
                await asyncio.sleep(work * (1.0 - config.write_at) * scale)
            else:
                await asyncio.sleep(work * scale)
        finally:
            self.slots.give_back()
        if not early:
            try:
                change = await self._apply(session, request, read, carried)
            except self.store_down:
                return _error(503, STORE_DOWN["error"], self.node)
        done = time.monotonic()
        if state == "replicated" and self.peer is not None:
            await self._copy_to_peer(session, change.cart)
        self._log(session, request, attempt, queued_from, start, done, change)
        headers = self.header
        if change.set_cookie is not None:
            headers = {**headers, "Set-Cookie": f"{COOKIE_NAME}={change.set_cookie}; Path=/"}
        found, applied, duplicate = change.found, change.applied, change.duplicate
        return web.Response(
            text=(
                f'{{"node":{self.node},"found":{"true" if found else "false"},'
                f'"applied":{"true" if applied else "false"},'
                f'"duplicate":{"true" if duplicate else "false"},"items":{change.items}}}'
            ),
            content_type="application/json",
            headers=headers,
        )

    async def _apply(self, session: str, request: int, read, carried) -> Change:
        """The attempt's change, where the cart lives (see :class:`Change`)."""
        state = self.config.state
        if state == "cookie":
            found, items, set_cookie = self._cookie_add(carried, request)
            return Change(found, True, False, items, set_cookie=set_cookie)
        if state == "store":
            if self.config.store_update == "read_modify_write":
                return await self._store_write_back(session, request, read)
            return await self._store_add(session, request)
        found, applied, duplicate, cart = self._memory_add(session, request)
        return Change(found, applied, duplicate, cart["items"], cart=cart)

    def _log(self, session, request, attempt, queued_from, start, done, change) -> None:
        """The attempt's line in the node's log; ``done`` None: the change is written and
        the work goes on (the line says when it was written: ``wrote``)."""
        finished = "" if done is None else f"{done:.6f}"
        wrote = f"{time.monotonic():.6f}" if done is None else ""
        self.log.write(
            f"{session},{request},{attempt},{self.node},{queued_from:.6f},{start:.6f},"
            f"{finished},{change.found},{change.applied},{change.duplicate},{change.items},"
            f"{change.overwrote},{wrote}\n"
        )
        self.log.flush()

    def _cookie_kb(self, cookie: str | None, items: list[str] | None) -> float:
        """KB of the incoming cart cookie: its bytes, or, with ``--cookie-bytes-per-item``,
        weighed as the simulation weighs a cart of as many ``items``."""
        per_item = self.config.cookie_bytes_per_item
        if per_item is None:
            return 0.0 if cookie is None else (len(COOKIE_NAME) + 1 + len(cookie)) / 1024
        return encoded_size(len(items or ()), per_item) / 1024

    def _cookie_items(self, cookie: str | None) -> list[str] | None:
        """The items of a cookie that verifies (None: missing, tampered, malformed)."""
        if cookie is None:
            return None
        try:
            return self.cookies.read(cookie)
        except CartError:
            return None

    def _cookie_add(self, items: list[str] | None, request: int) -> tuple[bool, int, str | None]:
        """(found, items, the new cookie or None if it would not fit in a browser), from the
        items of the cookie that came (None: none that verified)."""
        found = items is not None
        cart = [*(items or ()), f"item-{request}"]
        try:
            value = self.cookies.write(cart)
        except CartError:  # over the browser's limit: no Set-Cookie, the browser keeps its own
            value = None
        return found, len(cart), value

    def _memory_add(self, session: str, request: int) -> tuple[bool, bool, bool, dict]:
        """Server/replicated state: the cart in memory (or a replica taken over), or a new one."""
        cart = self.memory.get(session)
        found = cart is not None
        if not found:
            cart = self.replicas.pop(session, None)
            found = cart is not None
            if not found:
                cart = new_cart()
            self.memory[session] = cart
        applied, duplicate = add_item(cart, request, self.config.keys)
        return found, applied, duplicate, cart

    async def _store_add(self, session: str, request: int) -> Change:
        """Store state, ``atomic``: read, add and write back in one store transaction
        (SQLite's ``BEGIN IMMEDIATE``, Redis's ``WATCH``/``MULTI``), so no add is lost."""
        keys = self.config.keys
        outcome = []

        def change(before: dict | None) -> dict:
            outcome.clear()
            if before is None:
                cart = new_cart()
            else:
                cart = {"items": before["items"], "applied": set(before["applied"])}
            outcome.extend((before is not None, *add_item(cart, request, keys)))
            return {"items": cart["items"], "applied": sorted(cart["applied"])}

        _before, after = await self._in_store(self.store.update, session, change)
        found, applied, duplicate = outcome
        return Change(found, applied, duplicate, after["items"])

    async def _store_write_back(self, session: str, request: int, read: dict | None) -> Change:
        """Store state, ``read_modify_write``: the cart as the first store call read it,
        with this attempt's item, written whole over whatever the store holds now, as an
        unprotected read-modify-write does (the write itself is one transaction, so the
        cart it replaced is known: ``overwrote`` is how many items more that one held than
        the read, a lost update; negative: items brought back). Idempotency keys are kept
        atomically, as the simulation keeps them: a key already in the store's cart is not
        applied again, whatever the read held."""
        keys = self.config.keys
        outcome = []

        def change(before: dict | None) -> dict:
            outcome.clear()
            cart = new_cart() if read is None else {
                "items": read["items"], "applied": set(read["applied"])
            }  # fmt: skip
            held = 0 if before is None else before["items"]
            if keys:
                seen = set() if before is None else set(before["applied"])
                if request in seen:  # applied once already: nothing is written
                    outcome.extend((False, False, held, 0))
                    return before
                duplicate = request in cart["applied"]
                cart["items"] += 1
                cart["applied"] = seen | {request}
            else:
                _applied, duplicate = add_item(cart, request, keys=False)
            outcome.extend(
                (True, duplicate, cart["items"], held - (0 if read is None else read["items"]))
            )
            return {"items": cart["items"], "applied": sorted(cart["applied"])}

        await self._in_store(self.store.update, session, change)
        applied, duplicate, items, overwrote = outcome
        return Change(read is not None, applied, duplicate, items, overwrote=overwrote)

    async def _in_store(self, call, *args):
        """``call(*args)`` on the store's threads, awaited."""
        return await asyncio.get_running_loop().run_in_executor(self.store_threads, call, *args)

    async def _copy_to_peer(self, session: str, cart: dict) -> None:
        """Replicated: copy the cart to the peer (bounded; a failed copy is lost)."""
        if self.client is None:
            self.client = ClientSession(timeout=ClientTimeout(total=REPLICA_TIMEOUT))
        body = {"items": cart["items"], "applied": sorted(cart["applied"])}
        try:
            async with self.client.post(f"{self.peer}/replica/{session}", json=body) as answer:
                await answer.read()
        except (ClientError, asyncio.TimeoutError, OSError):
            pass

    # -- the rest -----------------------------------------------------------------------------

    async def replica(self, http: web.Request) -> web.Response:
        """A copy of a session's cart from the node whose peer this node is."""
        session = http.match_info["session"]
        try:
            body = await http.json()
            items, applied = body["items"], body["applied"]
            if type(items) is not int or items < 0 or not isinstance(applied, list):
                raise ValueError
            cart = {"items": items, "applied": {int(r) for r in applied}}
        except (ValueError, KeyError, TypeError):
            return _error(400, "a replica is {'items': int >= 0, 'applied': [int]}", self.node)
        self.memory.pop(session, None)  # the newest cart is the copy: ours is stale
        self.replicas[session] = cart
        return web.Response(text="ok", headers=self.header)

    async def set_peer(self, http: web.Request) -> web.Response:
        """Which node gets this node's copies (``{"url": ... | null}``)."""
        try:
            body = await http.json()
            if not isinstance(body, dict) or "url" not in body:
                raise ValueError(f"the body is {body!r}; it is {{'url': 'http://127.0.0.1:P'}}")
            self.peer = _peer_url(body["url"])
        except ValueError as error:
            return _error(400, str(error), self.node)
        return web.json_response({"node": self.node, "peer": self.peer}, headers=self.header)

    async def where(self, http: web.Request) -> web.Response:
        """Where this node holds the session's cart: ``memory``, ``replica`` or null."""
        session = http.match_info["session"]
        held, cart = None, None
        if session in self.memory:
            held, cart = "memory", self.memory[session]
        elif session in self.replicas:
            held, cart = "replica", self.replicas[session]
        items = None if cart is None else cart["items"]
        return web.json_response(
            {"node": self.node, "held": held, "items": items}, headers=self.header
        )

    async def health(self, _http: web.Request) -> web.Response:
        return web.Response(text="ok", headers=self.header)


async def serve(config: Config) -> None:
    """Run the node until SIGTERM/SIGINT (or until its parent is gone)."""
    exit_with_parent()
    node = Node(config)
    # handler_cancellation=False (aiohttp's default, said here on purpose): a node finishes
    # the work of a request whose client gave up and closed the connection, as the model's
    # nodes do and as most servers do; that is what makes a retried add a duplicate
    runner = web.AppRunner(
        node.app(), access_log=None, handle_signals=False, handler_cancellation=False
    )
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    print(f"READY {port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    try:
        await stop.wait()
    finally:
        await runner.cleanup()


def main(argv: list[str] | None = None) -> None:
    """``python -m statelab.real.server ...``: parse the arguments and serve."""
    config = parse_args(argv)
    try:
        asyncio.run(serve(config))
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
