"""The cart service over real HTTP on loopback (statelab.cart.serve): the cart as a resource,
PUT idempotent by itself, POST once per Idempotency-Key, and the real 409 and 422."""

from __future__ import annotations

import socket
import threading
import urllib.parse

from statelab.cart import serve


def test_put_sets_a_quantity_however_often_it_is_sent():
    with serve() as site:
        first = site.put("/carts/42/items/book", {"quantity": 1})
        again = site.put("/carts/42/items/book", {"quantity": 1})
        assert first == again == (200, {"status": 200, "cart": ["book"]})
        assert site.get("/carts/42") == (200, {"status": 200, "cart": ["book"]})


def test_post_adds_each_time_unless_it_carries_the_same_key():
    with serve() as site:
        site.post("/carts/7/items", {"item": "pen"})
        assert site.post("/carts/7/items", {"item": "pen"})[1]["cart"] == ["pen", "pen"]
        keyed = site.post("/carts/8/items", {"item": "pen"}, key="k-1")
        assert site.post("/carts/8/items", {"item": "pen"}, key="k-1") == keyed
        assert site.get("/carts/8")[1]["cart"] == ["pen"]


def test_a_key_reused_with_another_item_is_refused_with_422():
    with serve() as site:
        site.post("/carts/9/items", {"item": "pen"}, key="k-2")
        status, body = site.post("/carts/9/items", {"item": "lamp"}, key="k-2")
        assert status == 422 and "first used with another request" in body["error"]
        assert site.get("/carts/9")[1]["cart"] == ["pen"]


def test_two_threads_with_one_key_at_once_get_one_200_and_one_409():
    with serve(work=0.5) as site:
        answers = []

        def send():
            answers.append(site.post("/carts/3/items", {"item": "mug"}, key="k-3")[0])

        threads = [threading.Thread(target=send) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(answers) == [200, 409]
        assert site.get("/carts/3")[1]["cart"] == ["mug"]  # applied once


def test_wrong_requests_are_answered_not_raised_and_the_site_stops_with_its_block():
    with serve() as site:
        assert site.request("GET", "/nowhere")[0] == 404
        assert site.request("PATCH", "/carts/1")[0] == 405
        assert site.put("/carts/1/items/book", {"quantity": -1})[0] == 400
        port = urllib.parse.urlsplit(site.url).port
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0  # nothing listens any more
