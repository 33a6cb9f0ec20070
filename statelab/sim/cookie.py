"""What a cart cookie weighs, counted as a browser counts it.

With ``state="cookie"`` the cart travels in a signed cookie. Browsers keep a cookie only
while its name and value together stay within their limit (at least 4,096 bytes; RFC 6265
asks for at least that much, and browsers keep no more); a ``Set-Cookie`` over the limit is
ignored, and the browser keeps sending the previous cookie. The value is not the cart's
bytes but their encoding, as :mod:`statelab.cart` writes it::

    cart=<base64 of the cart's JSON>.<base64 of its HMAC-SHA256 signature, 44 characters>

so an item of ``b`` bytes costs about ``4/3 b`` in the cookie, and the name, the ``=``,
the dot and the signature come on top. This module counts exactly that.
"""

from __future__ import annotations

import math

#: The cookie's name, as the browser stores it (``name=value``).
COOKIE_NAME = "cart"
#: Bytes of the signature: the 32 bytes of an HMAC-SHA256, in padded base64.
SIGNATURE_BYTES = 44
#: Bytes of the cart's JSON around its items, before base64: statelab.cart writes
#: ``{"items":["book","lamp"],"signed_at":1767225600}``, 35 bytes when empty; an item of
#: ``b`` bytes (its quotes and comma included) adds ``b``, and the first has no comma.
CART_OVERHEAD = 34


def base64_size(raw: int) -> int:
    """Bytes of the padded base64 of ``raw`` bytes: 4 for every 3, rounded up."""
    return 4 * math.ceil(raw / 3)


def encoded_size(items: int, bytes_per_item: int) -> int:
    """Bytes a browser counts for a cart cookie of ``items`` items of ``bytes_per_item`` bytes:
    the name, ``=``, the base64 of the cart, the dot and the signature."""
    body = base64_size(CART_OVERHEAD + items * bytes_per_item)
    return len(COOKIE_NAME) + 1 + body + 1 + SIGNATURE_BYTES


def items_that_fit(limit: int, bytes_per_item: int) -> int:
    """The most items whose cookie stays within ``limit`` bytes (0 if not even one fits)."""
    if encoded_size(0, bytes_per_item) > limit:
        return 0
    # 4 ceil((overhead + n b) / 3) <= room  <=>  overhead + n b <= 3 floor(room / 4)
    room = limit - len(COOKIE_NAME) - 2 - SIGNATURE_BYTES
    return (room // 4 * 3 - CART_OVERHEAD) // bytes_per_item
