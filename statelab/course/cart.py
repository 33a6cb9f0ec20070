"""A tiny, real cart service in plain Python: state you can hold in your hand.

Before any simulation, notebook 01 builds the shop's cart twice:

- :class:`StatefulCartServer` keeps every shopper's cart in its own memory
  (a dictionary). It works, until it restarts: then every cart is gone.
- :class:`StatelessCartHandler` keeps nothing. Each request carries the whole
  cart in a *signed cookie*; the handler checks the signature, applies the
  action and hands back the new cookie. Any copy of it, on any machine, before
  or after a restart, answers a request the same way, as long as every copy
  is given the same secret.

Both take ``add`` (a POST: each one adds an item), ``remove`` and ``set`` (a PUT:
``{"action": "set", "item": "book", "quantity": 1}`` leaves exactly one book, however
often it is sent, so it is idempotent with no key), and ``view``.

Retries show the difference in one line. A client whose "add to cart" timed
out sends it again. The stateful server has already changed its memory, so
the retry adds the item a second time, unless the request carries an
*idempotency key* the server remembers (:class:`IdempotencyStore`). The
stateless handler gets the same old cookie again and gives the same answer:
one item.

Requests and responses are plain dictionaries, as a web framework would hand
them over; nothing here touches the network. Every response has a
``"status"`` like an HTTP server's, and a mistake by the client is a response,
never an exception:

====== ==================================================================
status meaning
====== ==================================================================
200    done: ``"cart"`` (and, stateless, the ``"cookie"`` to keep)
400    the request or its cookie is wrong: ``"error"`` says what and why
409    a request with this idempotency key is still being processed
413    the cart would outgrow its cookie: refused, the cart is unchanged
422    this idempotency key was first used with another request
====== ==================================================================

This module is safe to copy for a small service, and small on purpose: it is
read in class, so it uses only the standard library. It does not depend on
``itsdangerous`` even though real code should use it (see below).

What signing does NOT do
------------------------
- It does not hide the cart. The body is base64, which anyone can decode
  (notebook 01 does it in one line): put nothing private in a cookie. Flask's
  and Django's signed-cookie sessions are readable in the same way.
- It does not stop replay within ``max_age``. A cookie copied today is
  accepted until it expires, even after the shopper changed the cart (Django's
  documentation: a signed cookie "cannot guarantee freshness"). Anything that
  must be revoked (a coupon, a price, a login) is checked against the shop's
  own records when it matters, at checkout.
- It does not merge two tabs. Each tab sends the cookie it has; the last
  cookie written wins and the other tab's change is lost.

What real code uses
-------------------
- ``itsdangerous.URLSafeTimedSerializer`` for signed, timestamped values:
  ``loads(value, max_age=...)`` raises ``SignatureExpired`` for an old one and
  ``BadSignature`` for a forged one.
- A framework's session: Flask's default session is such a cookie (signed
  with ``itsdangerous``, refused while no ``SECRET_KEY`` is set); Django has
  the ``signed_cookies`` session engine (``SESSION_COOKIE_AGE``).
- A shared store such as Redis for idempotency keys, so that every copy of the
  service sees them: ``SET key value NX EX 86400`` reserves a key atomically
  and lets it expire after 24 hours.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import reprlib
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

ACTIONS = ("view", "add", "remove", "set")
#: The actions that change the cart: only these use an idempotency key. ``add`` is a POST
#: (each one adds an item); ``set`` is a PUT (``quantity`` copies of the item, however many
#: times it is sent: idempotent by itself, with no key).
CHANGES = ("add", "remove", "set")
#: The most copies of one item ``set`` puts in a cart.
MAX_QUANTITY = 99

COOKIE_NAME = "cart"
#: Browsers keep at most 4,096 bytes of a cookie's name and value together
#: (RFC 6265bis); a larger one is dropped, and the cart with it.
COOKIE_LIMIT = 4096
MAX_ITEM_LENGTH = 100  # characters in an item's name
MAX_KEY_LENGTH = 255  # characters in an idempotency key or a session id, as Stripe's keys
MIN_SECRET_BYTES = 32
DEFAULT_MAX_AGE = 14 * 24 * 3600.0  # seconds a cookie stays valid after it was signed
CLOCK_SKEW = 60  # seconds a cookie may seem to come from the future (another server's clock)
DEFAULT_KEY_TTL = 24 * 3600.0  # seconds an idempotency key is remembered, as Stripe does
DEFAULT_MAX_KEYS = 10_000

MALFORMED = "malformed cookie"
BAD_SIGNATURE = (
    "the cookie's signature does not match: it was changed on the way, or signed with another key"
)
ITEM_RULE = f"a name of 1 to {MAX_ITEM_LENGTH} printable characters"

_SIGNATURE_LENGTH = 44  # an HMAC-SHA256 in URL-safe base64
_COOKIE_FORM = re.compile(r"([A-Za-z0-9_-]+={0,2})\.([A-Za-z0-9_-]{43}=)")
_SHOW = reprlib.Repr()
_SHOW.maxstring = _SHOW.maxother = 60


class CartError(ValueError):
    """A request the cart service refuses; ``status`` is the HTTP status it answers with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status

    def response(self) -> dict:
        """The response that refuses the request: its status and the error text."""
        return {"status": self.status, "error": str(self)}


# -- requests -------------------------------------------------------------------


def _show(value: object) -> str:
    """``value`` as the error texts quote it: its repr, cut short."""
    return _SHOW.repr(value)


def _is_item(value: object) -> bool:
    return isinstance(value, str) and 0 < len(value) <= MAX_ITEM_LENGTH and value.isprintable()


def _is_name(value: object) -> bool:
    """An idempotency key or a session id: 1 to 255 printable ASCII characters."""
    return (
        isinstance(value, str)
        and 0 < len(value) <= MAX_KEY_LENGTH
        and value.isascii()
        and value.isprintable()
    )


def _parse(request: object) -> tuple[str, str, str | None, int]:
    """The request's action, item, idempotency key and quantity (``set`` only, else 0);
    ``CartError`` (400) names what is wrong."""
    if not isinstance(request, dict):
        raise CartError(
            "a request is a dict such as {'action': 'add', 'item': 'book'}; "
            f"got {type(request).__name__} {_show(request)}"
        )
    action = request.get("action", "view")
    if not isinstance(action, str) or action not in ACTIONS:
        allowed = ", ".join(map(repr, ACTIONS))
        raise CartError(f"field 'action' is {_show(action)}; allowed: {allowed}")
    item = ""
    if action in CHANGES:
        if "item" not in request:
            raise CartError(f"field 'item' is missing; action {action!r} needs {ITEM_RULE}")
        item = request["item"]
        if not _is_item(item):
            raise CartError(f"field 'item' is {_show(item)}; action {action!r} needs {ITEM_RULE}")
    quantity = 0
    if action == "set":
        quantity = request.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int):
            given = f"is {_show(quantity)}" if "quantity" in request else "is missing"
            raise CartError(
                f"field 'quantity' {given}; action 'set' needs a whole number from 0 to "
                f"{MAX_QUANTITY} (the copies of the item the cart should hold)"
            )
        if not 0 <= quantity <= MAX_QUANTITY:
            raise CartError(
                f"field 'quantity' is {quantity}; action 'set' needs a whole number from 0 to "
                f"{MAX_QUANTITY}"
            )
    key = request.get("idempotency_key")
    if key is not None and not _is_name(key):
        raise CartError(
            f"field 'idempotency_key' is {_show(key)}; allowed: 1 to {MAX_KEY_LENGTH} "
            "printable ASCII characters, a new random one for each change (e.g. a UUID)"
        )
    return action, item, key, quantity


def _apply(cart: list[str], action: str, item: str, quantity: int = 0) -> list[str]:
    if action == "add":
        return [*cart, item]
    if action == "set":  # the item's copies replaced by ``quantity`` of them, at the end
        return [*(kept for kept in cart if kept != item), *[item] * quantity]
    if action == "remove" and item in cart:
        changed = list(cart)
        changed.remove(item)
        return changed
    return list(cart)


def _fingerprint(*parts: str) -> str:
    """A digest of what a request asks for: the same key with another one is refused (422)."""
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


# -- idempotency keys -------------------------------------------------------------


@dataclass
class _Entry:
    fingerprint: str
    created: float
    response: str | None = None  # the first response, as JSON; None while it is processed


class IdempotencyStore:
    """The idempotency keys a service has seen, each with the first response it gave.

    ``run(key, fingerprint, apply)`` applies a change once per key, under the
    rules of Stripe's API and of the IETF draft "The Idempotency-Key HTTP
    Header Field" (an Internet-Draft, not yet an RFC):

    - **First use**: the key is reserved, ``apply()`` runs and its response is
      saved and returned.
    - **A retry** (the same key and the same fingerprint) gets the FIRST
      response again, status and body exactly as first sent, even if the cart
      has changed since; the change is not applied again.
    - **The same key with another request** (another fingerprint): 422.
    - **A retry while the first is still being processed**: 409; the client
      tries again a moment later and then gets the first response.
    - A key is remembered for ``ttl`` seconds (24 hours by default, as Stripe
      does); a key used after that is a new request. At most ``max_keys`` are
      kept: past that the oldest finished ones are forgotten first.

    Checking the key and reserving it happen under one lock, so however many
    threads send the same key at once, exactly one applies it. Only the
    requests that change state use a key (a keyed "view" leaves it unused), and
    a request refused for its fields (400) never reaches the store, so a
    corrected request may use the key, as Stripe saves no result for those.

    This store lives in one process's memory: it dies with the process, and
    copies of the service on other machines do not see it. Real code keeps
    the keys in a shared store such as Redis (``SET key value NX EX 86400``
    reserves one atomically).

    Parameters
    ----------
    ttl : float
        Seconds a key is remembered after its first use.
    max_keys : int
        The most keys kept at once.
    now : callable
        The clock, in seconds (``time.time``); tests pass their own.
    before_write : callable, optional
        Called after the change is applied and before its response is saved:
        a slow store write, simulated (tests pass ``lambda: time.sleep(0.01)``).
    """

    def __init__(
        self,
        ttl: float = DEFAULT_KEY_TTL,
        max_keys: int = DEFAULT_MAX_KEYS,
        *,
        now: Callable[[], float] = time.time,
        before_write: Callable[[], object] | None = None,
    ) -> None:
        if isinstance(ttl, bool) or not isinstance(ttl, (int, float)) or not ttl > 0:
            raise ValueError(f"ttl is the seconds a key is kept, above 0; got {ttl!r}")
        if isinstance(max_keys, bool) or not isinstance(max_keys, int) or max_keys < 1:
            raise ValueError(f"max_keys is the most keys kept, at least 1; got {max_keys!r}")
        self.ttl = ttl
        self.max_keys = max_keys
        self._now = now
        self._before_write = before_write
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()  # oldest first
        self._lock = threading.Lock()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            self._forget_expired()
            return key in self._entries

    def run(self, key: Hashable, fingerprint: str, apply: Callable[[], dict]) -> dict:
        """Apply the change once for ``key``: the first response, 409 or 422 (see above)."""
        with self._lock:
            self._forget_expired()
            entry = self._entries.get(key)
            if entry is not None:
                return self._answer_again(key, entry, fingerprint)
            self._entries[key] = _Entry(fingerprint, self._now())  # reserved: others get 409
            self._forget_over_cap()
        try:
            first = json.dumps(apply())
        except BaseException:
            with self._lock:  # nothing was applied: free the key for a retry
                self._entries.pop(key, None)
            raise
        if self._before_write is not None:
            self._before_write()
        with self._lock:
            self._entries[key].response = first
        return json.loads(first)

    def restart(self) -> IdempotencyStore:
        """An empty store with the same settings: what a restarted process starts with."""
        return IdempotencyStore(
            self.ttl, self.max_keys, now=self._now, before_write=self._before_write
        )

    def _answer_again(self, key: Hashable, entry: _Entry, fingerprint: str) -> dict:
        if entry.fingerprint != fingerprint:
            return CartError(
                f"idempotency key {_show(_key_text(key))} was first used with another request; "
                "a key names one request: send a new key with a new request",
                status=422,
            ).response()
        if entry.response is None:
            return CartError(
                f"the first request with idempotency key {_show(_key_text(key))} is still being "
                "processed; retry in a moment to get its response",
                status=409,
            ).response()
        return json.loads(entry.response)

    def _forget_expired(self) -> None:
        now = self._now()
        expired = []
        for key, entry in self._entries.items():  # oldest first: stop at the first fresh one
            if now - entry.created <= self.ttl:
                break
            if entry.response is not None:  # a request in progress keeps its reservation
                expired.append(key)
        for key in expired:
            del self._entries[key]

    def _forget_over_cap(self) -> None:
        while len(self._entries) > self.max_keys:
            oldest = next((k for k, e in self._entries.items() if e.response is not None), None)
            if oldest is None:  # every key is in progress: they are few, one a worker
                return
            del self._entries[oldest]


def _key_text(key: Hashable) -> str:
    """The client's own key inside a store key (a stateful server files it with the session)."""
    return key[-1] if isinstance(key, tuple) else str(key)


# -- the stateful server --------------------------------------------------------------


class StatefulCartServer:
    """A web server that keeps every session's cart in its own memory.

    ``handle({"session": "alice", "action": "add", "item": "book"})`` returns
    ``{"status": 200, "cart": [...]}``. A request that changes the cart may
    carry an ``"idempotency_key"``: the server applies each key once per
    session and answers a retry with the first response (see
    :class:`IdempotencyStore`). A "view" ignores the key.

    Parameters
    ----------
    idempotency : IdempotencyStore, optional
        Where the keys are remembered; by default a new store in this
        process's memory (24 hours, at most 10,000 keys).
    check : callable, optional
        A learner's idempotency check, ``apply(request, seen) -> answer``, in place of the
        store for keyed adds (``statelab.course.judge``; the simulation calls the same
        function, :func:`statelab.sim.state.checked_add`): the request has ``key`` (the
        session and its key), ``item`` and ``cart``; ``seen`` is this server's memory.
    """

    def __init__(
        self,
        idempotency: IdempotencyStore | None = None,
        check: Callable[[dict, dict], dict] | None = None,
    ) -> None:
        self.carts: dict[str, list[str]] = {}
        self.idempotency = IdempotencyStore() if idempotency is None else idempotency
        self.check = check
        self.seen: dict = {}  # the check's memory (with ``check``)
        self._lock = threading.Lock()

    def handle(self, request: dict) -> dict:
        """Apply ``request`` to the session's cart in memory and return the cart."""
        try:
            action, item, key, quantity = _parse(request)
            session = request.get("session")
            if not _is_name(session):
                given = f"is {_show(session)}" if "session" in request else "is missing"
                raise CartError(
                    f"field 'session' {given}; a stateful server needs the id its "
                    f"cart is filed under: 1 to {MAX_KEY_LENGTH} printable ASCII characters"
                )
        except CartError as error:
            return error.response()
        if action not in CHANGES or key is None:
            return self._apply(session, action, item, quantity)
        if self.check is not None and action == "add":
            return self._checked(session, item, key)
        return self.idempotency.run(
            (session, key),
            _fingerprint(action, item, str(quantity)),
            lambda: self._apply(session, action, item, quantity),
        )

    def restart(self) -> StatefulCartServer:
        """Restart the server: a new process with empty memory, as after a crash or a deploy.

        The carts and the idempotency keys were in memory: both are gone.
        """
        return StatefulCartServer(self.idempotency.restart(), self.check)

    def _checked(self, session: str, item: str, key: str) -> dict:
        """A keyed add, as the learner's check decides it (one at a time)."""
        with self._lock:
            cart = self.carts.get(session, [])
            asked = {"key": f"{session}:{key}", "item": item, "cart": list(cart)}
            answer = self.check(asked, self.seen)
            kept = answer.get("cart") if isinstance(answer, dict) else None
            if not isinstance(kept, list) or answer.get("status") not in (200, 422):
                raise ValueError(
                    f"the idempotency check {getattr(self.check, '__name__', self.check)!r} "
                    f"answered {answer!r} for {asked}: it answers a dict with 'status' (200 or "
                    "422) and 'cart' (a list)"
                )
            if answer["status"] == 200:
                self.carts[session] = list(kept)
                return {"status": 200, "cart": list(kept)}
            return CartError(
                f"idempotency key {_show(key)} was first used with another request; a key "
                "names one request: send a new key with a new request",
                status=422,
            ).response()

    def _apply(self, session: str, action: str, item: str, quantity: int = 0) -> dict:
        with self._lock:
            cart = _apply(self.carts.get(session, []), action, item, quantity)
            if action in CHANGES:
                self.carts[session] = cart
            return {"status": 200, "cart": list(cart)}


# -- the stateless handler --------------------------------------------------------------


def _signature(secret: bytes, body: str) -> str:
    digest = hmac.new(secret, body.encode("ascii"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).decode("ascii")


def _body(items: list[str], signed_at: int) -> str:
    value = {"items": items, "signed_at": signed_at}
    return base64.urlsafe_b64encode(json.dumps(value, separators=(",", ":")).encode()).decode()


def cookie_size(cart: list[str], at: float | None = None) -> int:
    """The bytes a browser counts for ``cart``'s cookie: name, ``=``, body, dot, signature.

    ``at`` is the time it is signed (now by default): the time stamp is part of
    the body. Compare with :data:`COOKIE_LIMIT`.
    """
    signed_at = int(time.time() if at is None else at)
    return len(COOKIE_NAME) + 1 + len(_body(list(cart), signed_at)) + 1 + _SIGNATURE_LENGTH


class StatelessCartHandler:
    """A handler that keeps nothing: the cart travels in a signed cookie.

    ``handle({"cookie": cookie, "action": "add", "item": "book"})`` returns
    ``{"status": 200, "cart": [...], "cookie": new_cookie}``. The first request
    carries no cookie (no ``"cookie"`` field, or ``None``). A "view" hands the
    cookie back as it came: it changes nothing, not even the cookie's age.

    The cookie is ``base64(JSON).signature``: the JSON is
    ``{"items": [...], "signed_at": <unix seconds>}`` and the signature an
    HMAC-SHA256 of the base64 text with the secret. Refused, with status 400:
    a cookie whose signature does not match (someone edited their cart, or
    another key signed it); one older than ``max_age`` ("cookie expired");
    and anything else that is not a cookie this handler could have written,
    "malformed cookie" (not a string, too long, not ASCII, not two parts,
    not base64, not JSON, not the cart's shape), whatever its characters.

    A change that would make the cookie larger than :data:`COOKIE_LIMIT`
    (its name and value, as the browser counts them) is refused with status
    413 and the cart as it was. Answering 200 with the old cookie and a flag
    would look like success to any client that ignores the flag: the item
    would seem added and then be missing. No new cookie is sent with a 413,
    so the browser keeps the one it has.

    Retries need no store: a retried add carries the same old cookie as the
    lost attempt, so it gives the same cart (only the new cookie's time stamp
    differs). One case slips through: the browser got the new cookie but the
    page did not get the answer, and retries with the new cookie. For that,
    pass an :class:`IdempotencyStore`: keyed changes are then applied once,
    the fingerprint covers the cookie, so that retry is refused with 422
    instead of adding twice. The store is state: in production it is shared
    (Redis), and the handler is no longer stateless in the strict sense.

    Parameters
    ----------
    secret : bytes
        The key that signs cookies, at least 32 random bytes, and the same
        for every copy of the handler: generate it once
        (``secrets.token_bytes(32)``) and keep it in the app's configuration.
        There is no default. A random key per process would make notebook 01
        look right (its one process shares the key) and fail in production:
        after a restart, or on another worker, every cookie would be refused
        and every cart lost. Flask refuses to sign a session while no
        ``SECRET_KEY`` is set, for the same reason.
    max_age : float
        Seconds a cookie is accepted after it was signed (14 days by default).
        Every change signs the cart again, so a shopper who uses the cart
        keeps it; ``max_age`` bounds how long an unused cookie, or a copy of
        it, stays valid.
    now : callable
        The clock, in seconds (``time.time``); tests pass their own.
    idempotency : IdempotencyStore, optional
        Remember idempotency keys (see above); by default none are.
    """

    def __init__(
        self,
        secret: bytes | None = None,
        *,
        max_age: float = DEFAULT_MAX_AGE,
        now: Callable[[], float] = time.time,
        idempotency: IdempotencyStore | None = None,
    ) -> None:
        if secret is None:
            raise TypeError(
                "StatelessCartHandler needs secret=: at least 32 random bytes, the same for "
                "every copy of the handler. Generate it once with secrets.token_bytes(32) and "
                "keep it in the app's configuration, never in the code."
            )
        if not isinstance(secret, bytes):
            raise TypeError(
                "secret must be bytes, such as secrets.token_bytes(32); "
                f"got {type(secret).__name__}"
            )
        if len(secret) < MIN_SECRET_BYTES:
            raise ValueError(
                f"secret is {len(secret)} bytes; a signing key needs at least "
                f"{MIN_SECRET_BYTES} random bytes: secrets.token_bytes(32)"
            )
        if isinstance(max_age, bool) or not isinstance(max_age, (int, float)) or not max_age > 0:
            raise ValueError(
                f"max_age is the seconds a cookie is accepted, above 0; got {max_age!r}"
            )
        self._secret = secret
        self.max_age = max_age
        self._now = now
        self.idempotency = idempotency

    def handle(self, request: dict) -> dict:
        """Read the cart from the request's cookie, apply the action, return the new cookie."""
        try:
            action, item, key, quantity = _parse(request)
            cookie = request.get("cookie")
            cart = [] if cookie is None else self.read(cookie)
        except CartError as error:
            return error.response()
        if action not in CHANGES:
            return {"status": 200, "cart": cart, "cookie": cookie or self.write([])}
        if key is None or self.idempotency is None:
            return self._change(cart, action, item, quantity)
        return self.idempotency.run(
            key,
            _fingerprint(action, item, str(quantity), cookie or ""),
            lambda: self._change(cart, action, item, quantity),
        )

    def write(self, cart: list[str]) -> str:
        """The signed cookie for ``cart``, signed now (``CartError``, 413, if it is too large)."""
        items = list(cart)
        for item in items:
            if not _is_item(item):
                raise CartError(f"cart item {_show(item)} is not {ITEM_RULE}")
        body = _body(items, int(self._now()))
        cookie = f"{body}.{_signature(self._secret, body)}"
        size = len(COOKIE_NAME) + 1 + len(cookie)
        if size > COOKIE_LIMIT:
            raise CartError(
                f"the cart would not fit in its cookie: {size:,} bytes, and a browser keeps at "
                f"most {COOKIE_LIMIT:,} (the cookie's name and value); it would drop the cookie "
                "and the cart with it. The cart is unchanged: remove an item first.",
                status=413,
            )
        return cookie

    def read(self, cookie: object) -> list[str]:
        """The items in ``cookie``, after every check (``CartError``, status 400, if one fails)."""
        if not isinstance(cookie, str) or len(COOKIE_NAME) + 1 + len(cookie) > COOKIE_LIMIT:
            raise CartError(MALFORMED)  # too large: never written by a handler
        form = _COOKIE_FORM.fullmatch(cookie)  # base64, a dot, a signature: ASCII letters only
        if form is None:
            raise CartError(MALFORMED)
        body, signature = form.groups()
        if not hmac.compare_digest(signature, _signature(self._secret, body)):
            raise CartError(BAD_SIGNATURE)
        try:  # signed by this key, so it was written by a handler: parsing is safe
            value = json.loads(base64.urlsafe_b64decode(body))
        except (ValueError, RecursionError):  # base64, UTF-8 and JSON errors are ValueErrors
            raise CartError(MALFORMED) from None
        if not (isinstance(value, dict) and set(value) == {"items", "signed_at"}):
            raise CartError(MALFORMED)
        items, signed_at = value["items"], value["signed_at"]
        if type(signed_at) is not int or not 0 <= signed_at < 10**12 or not isinstance(items, list):
            raise CartError(MALFORMED)
        if not all(_is_item(item) for item in items):
            raise CartError(MALFORMED)
        age = self._now() - signed_at
        if age < -CLOCK_SKEW:
            raise CartError(MALFORMED)
        if age > self.max_age:
            raise CartError(
                f"cookie expired: signed {age:,.0f} s ago, and cookies are accepted for "
                f"{self.max_age:,.0f} s (max_age); start a new cart"
            )
        return items

    def _change(self, cart: list[str], action: str, item: str, quantity: int = 0) -> dict:
        changed = _apply(cart, action, item, quantity)
        try:
            cookie = self.write(changed)
        except CartError as error:
            return {**error.response(), "cart": cart}
        return {"status": 200, "cart": changed, "cookie": cookie}


def tamper(cookie: str, cart: list[str]) -> str:
    """A cookie whose items were replaced by ``cart`` but whose signature was kept (a forgery)."""
    body, _, signature = cookie.partition(".")
    value = json.loads(base64.urlsafe_b64decode(body))
    return f"{_body(list(cart), value['signed_at'])}.{signature}"
