"""A tiny, real cart service in plain Python: state you can hold in your hand.

Before any simulation, notebook 01 builds the shop's cart twice:

- :class:`StatefulCartServer` keeps every shopper's cart in its own memory
  (a dictionary). It works, until it restarts: then every cart is gone.
- :class:`StatelessCartHandler` keeps nothing. Each request carries the whole
  cart in a *signed cookie*; the handler checks the signature, applies the
  action and hands back the new cookie. It is a function of its request:
  the same request always gives the same response, so a restart loses
  nothing and any copy of it on any machine can answer.

Retries show the difference in one line. A client whose "add to cart" timed
out sends it again. The stateful server has already changed its memory, so
the retry adds the item a second time, unless the request carries an
*idempotency key* the server remembers. The stateless handler gets the same
old cookie again and gives the same answer: one item.

Requests and responses are plain dictionaries, as a web framework would hand
them over; nothing here touches the network.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

ACTIONS = ("view", "add", "remove")


class CartError(ValueError):
    """A request the cart service refuses (unknown action, tampered cookie, ...)."""


def _check(request: dict) -> tuple[str, str]:
    if not isinstance(request, dict):
        raise CartError(
            f"a request is a dict such as {{'action': 'add', 'item': 'book'}}, got {request!r}"
        )
    action = request.get("action", "view")
    if action not in ACTIONS:
        raise CartError(f"action must be one of {', '.join(ACTIONS)}, got {action!r}")
    item = request.get("item", "")
    if action != "view" and not (isinstance(item, str) and item):
        raise CartError(f"action {action!r} needs an item (a non-empty name), got {item!r}")
    return action, item


def _apply(cart: list[str], action: str, item: str) -> list[str]:
    if action == "add":
        return [*cart, item]
    if action == "remove" and item in cart:
        changed = list(cart)
        changed.remove(item)
        return changed
    return list(cart)


class StatefulCartServer:
    """A web server that keeps every session's cart in its own memory.

    ``handle({"session": "alice", "action": "add", "item": "book"})`` returns
    ``{"status": 200, "cart": [...]}``. A request may carry an
    ``"idempotency_key"``: the server remembers the keys it has applied
    and applies each one once.
    """

    def __init__(self) -> None:
        self.carts: dict[str, list[str]] = {}
        self.applied: set[tuple[str, str]] = set()

    def handle(self, request: dict) -> dict:
        """Apply ``request`` to the session's cart in memory and return the cart."""
        action, item = _check(request)
        session = request.get("session")
        if not isinstance(session, str) or not session:
            raise CartError(f"a stateful server needs a session id, got {session!r}")
        key = request.get("idempotency_key")
        cart = self.carts.get(session, [])
        if key is None or (session, key) not in self.applied:
            cart = _apply(cart, action, item)
            self.carts[session] = cart
            if key is not None:
                self.applied.add((session, key))
        return {"status": 200, "cart": list(cart)}

    def restart(self) -> StatefulCartServer:
        """Restart the server: a new process with empty memory, as after a crash or a deploy."""
        return StatefulCartServer()


class StatelessCartHandler:
    """A handler that keeps nothing: the cart travels in a signed cookie.

    ``handle({"cookie": cookie, "action": "add", "item": "book"})`` returns
    ``{"status": 200, "cart": [...], "cookie": new_cookie}``. The first request
    carries no cookie. A cookie whose signature does not match (someone edited
    their cart) is refused with status 400.

    Parameters
    ----------
    secret : bytes
        The key that signs cookies; every copy of the handler shares it.
    """

    def __init__(self, secret: bytes = b"statelab-demo-secret") -> None:
        if not isinstance(secret, bytes) or len(secret) < 8:
            raise CartError("secret must be at least 8 bytes")
        self._secret = secret

    def handle(self, request: dict) -> dict:
        """Read the cart from the request's cookie, apply the action, return the new cookie."""
        action, item = _check(request)
        cookie = request.get("cookie")
        try:
            cart = self.read(cookie) if cookie else []
        except CartError as error:
            return {"status": 400, "error": str(error)}
        cart = _apply(cart, action, item)
        return {"status": 200, "cart": cart, "cookie": self.write(cart)}

    def write(self, cart: list[str]) -> str:
        """The signed cookie for ``cart``: its JSON in base64, a dot, and an HMAC-SHA256."""
        body = base64.urlsafe_b64encode(json.dumps(cart).encode()).decode()
        return f"{body}.{self._sign(body)}"

    def read(self, cookie: str) -> list[str]:
        """The cart in ``cookie``, after checking its signature (``CartError`` if it fails)."""
        body, _, signature = str(cookie).partition(".")
        if not hmac.compare_digest(signature, self._sign(body)):
            raise CartError("the cookie's signature does not match: it was changed on the way")
        return json.loads(base64.urlsafe_b64decode(body.encode()))

    def _sign(self, body: str) -> str:
        return hmac.new(self._secret, body.encode(), hashlib.sha256).hexdigest()


def tamper(cookie: str, cart: list[str]) -> str:
    """A cookie whose cart was replaced by ``cart`` but whose signature was kept (a forgery)."""
    _, _, signature = cookie.partition(".")
    body = base64.urlsafe_b64encode(json.dumps(cart).encode()).decode()
    return f"{body}.{signature}"
