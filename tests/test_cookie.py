"""A cart cookie's size, counted as a browser counts it: name, '=', base64 value, signature."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from statelab.cart import COOKIE_LIMIT, StatelessCartHandler
from statelab.cart import cookie_size as cart_cookie_size
from statelab.sim.cookie import (
    CART_OVERHEAD,
    COOKIE_NAME,
    SIGNATURE_BYTES,
    encoded_size,
    items_that_fit,
)


def real_cookie(items: int, bytes_per_item: int) -> str:
    """``name=value`` of a signed cart cookie whose JSON is the overhead plus the items."""
    padding = "x" * (CART_OVERHEAD - len(json.dumps({"t": 0, "items": ""})))
    cart = json.dumps({"t": 0, "items": "i" * (items * bytes_per_item) + padding})
    assert len(cart) == CART_OVERHEAD + items * bytes_per_item
    body = base64.urlsafe_b64encode(cart.encode()).decode()
    digest = hmac.new(b"k" * 32, body.encode(), hashlib.sha256).digest()
    signature = base64.urlsafe_b64encode(digest).decode()
    assert len(signature) == SIGNATURE_BYTES
    return f"{COOKIE_NAME}={body}.{signature}"


@pytest.mark.parametrize(("items", "size"), [(0, 1), (1, 150), (7, 150), (19, 150), (3, 1000)])
def test_the_encoded_size_is_the_length_of_a_real_signed_cookie(items, size):
    assert encoded_size(items, size) == len(real_cookie(items, size).encode())


@pytest.mark.parametrize("name_length", [1, 5, 97])
def test_the_size_is_what_the_cart_service_writes(name_length):
    handler = StatelessCartHandler(b"k" * 32, now=lambda: 1_767_225_600.0)
    for items in range(1, 25):
        cart = [chr(ord("a") + k % 26) * name_length for k in range(items)]
        if cart_cookie_size(cart, at=1_767_225_600) > COOKIE_LIMIT:
            break
        written = f"{COOKIE_NAME}={handler.write(cart)}"
        # an item of n characters is n + 3 bytes of JSON: its quotes and a comma
        assert encoded_size(items, name_length + 3) == len(written) == cart_cookie_size(cart)


def test_base64_makes_an_item_cost_four_thirds_of_its_bytes():
    assert encoded_size(30, 150) - encoded_size(0, 150) == 4 * (30 * 150) // 3


@pytest.mark.parametrize("size", [1, 2, 3, 50, 150, 999])
def test_the_items_that_fit_are_the_most_whose_cookie_stays_within_the_limit(size):
    for limit in range(60, 5_000, 7):
        n = items_that_fit(limit, size)
        if n == 0:
            assert encoded_size(1, size) > limit
        else:
            assert encoded_size(n, size) <= limit < encoded_size(n + 1, size)
