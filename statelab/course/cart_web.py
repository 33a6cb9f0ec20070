"""The cart service over real HTTP, on loopback: the cart as a resource.

``serve()`` starts the stateful cart service (:class:`statelab.course.cart.StatefulCartServer`)
behind the standard library's threading HTTP server on ``127.0.0.1`` (a free port), for the
length of a ``with`` block::

    with serve() as site:
        site.put("/carts/42/items/book", {"quantity": 1})       # -> (200, {...})
        site.post("/carts/42/items", {"item": "pen"}, key="k-1")  # an Idempotency-Key

The routes (RFC 9110 says which methods are idempotent, section 9.2.2: GET, PUT and DELETE
are, POST is not):

======  ===========================  ==============================================
method  path                         what it does
======  ===========================  ==============================================
GET     /carts/{id}                  the cart
PUT     /carts/{id}/items/{sku}      sets the item's quantity (``{"quantity": n}``)
POST    /carts/{id}/items            adds one item (``{"item": sku}``); with an
                                     ``Idempotency-Key`` header, once per key
DELETE  /carts/{id}/items/{sku}      removes one of the item
======  ===========================  ==============================================

The answers are the service's: 200, 400 (a wrong request), 404 (no such route), 409 (the first
request with this key is still being processed), 413, 422 (the key was first used with
another request). ``work`` seconds of processing a keyed add (a slow store write) leave the
window in which a second request with the same key gets 409.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from statelab.course.cart import IdempotencyStore, StatefulCartServer

#: The paths the site answers, each a pattern and the cart action of each method.
ROUTES = (
    (re.compile(r"^/carts/([^/]+)$"), {"GET": "view"}),
    (re.compile(r"^/carts/([^/]+)/items$"), {"POST": "add"}),
    (re.compile(r"^/carts/([^/]+)/items/([^/]+)$"), {"PUT": "set", "DELETE": "remove"}),
)


class CartSite:
    """A running site: its ``url``, and one method a verb that sends a real request and
    returns ``(status, body)``; an answer of 4xx is returned, not raised."""

    def __init__(self, url: str, service: StatefulCartServer) -> None:
        self.url = url
        self.service = service

    def request(self, method: str, path: str, body: dict | None = None, key: str | None = None):
        """Send ``method path`` with ``body`` as JSON (and ``key`` as the Idempotency-Key
        header); the answer's status and its JSON body."""
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        if key is not None:
            headers["Idempotency-Key"] = key
        request = urllib.request.Request(self.url + path, data, headers, method=method)
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as answer:
            with answer:
                return answer.code, json.loads(answer.read())

    def get(self, path: str):
        return self.request("GET", path)

    def put(self, path: str, body: dict):
        return self.request("PUT", path, body)

    def post(self, path: str, body: dict, key: str | None = None):
        return self.request("POST", path, body, key)

    def delete(self, path: str):
        return self.request("DELETE", path)


def _handler(service: StatefulCartServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format, *args):  # quiet: the notebook shows the answers
            pass

        def _answer(self, status: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _serve(self) -> None:
            for pattern, actions in ROUTES:
                match = pattern.match(self.path)
                if match is None:
                    continue
                if self.command not in actions:
                    allowed = ", ".join(actions)
                    self._answer(405, {"status": 405, "error": f"{self.path} takes {allowed}"})
                    return
                length = int(self.headers.get("Content-Length") or 0)
                try:
                    body = json.loads(self.rfile.read(length) or b"{}")
                except ValueError:
                    self._answer(400, {"status": 400, "error": "the body is not JSON"})
                    return
                if not isinstance(body, dict):
                    self._answer(400, {"status": 400, "error": "the body is not a JSON object"})
                    return
                session, *rest = match.groups()
                request = {"session": session, "action": actions[self.command]}
                if rest:
                    request["item"] = rest[0]
                elif "item" in body:
                    request["item"] = body["item"]
                if "quantity" in body:
                    request["quantity"] = body["quantity"]
                key = self.headers.get("Idempotency-Key")
                if key is not None:
                    request["idempotency_key"] = key
                answer = service.handle(request)
                self._answer(answer["status"], answer)
                return
            self._answer(404, {"status": 404, "error": f"no route {self.path}"})

        do_GET = do_PUT = do_POST = do_DELETE = do_PATCH = _serve

    return Handler


@contextmanager
def serve(work: float = 0.0) -> Iterator[CartSite]:
    """The cart service on ``127.0.0.1`` for the ``with`` block; stopped at its end.

    ``work``: seconds a keyed add takes to save its answer (a slow store write): a second
    request with the same key within it gets 409.
    """
    slow = (lambda: time.sleep(work)) if work > 0 else None
    service = StatefulCartServer(IdempotencyStore(before_write=slow))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(service))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, name="cart-site", daemon=True)
    thread.start()
    try:
        yield CartSite(f"http://127.0.0.1:{httpd.server_address[1]}", service)
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
