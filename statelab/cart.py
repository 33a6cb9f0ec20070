"""A small cart service, stateful and stateless (it lives in :mod:`statelab.course.cart`),
and served over HTTP on loopback (:mod:`statelab.course.cart_web`)."""

from statelab.course.cart import (
    ACTIONS,
    COOKIE_LIMIT,
    COOKIE_NAME,
    CartError,
    IdempotencyStore,
    StatefulCartServer,
    StatelessCartHandler,
    cookie_size,
    tamper,
)
from statelab.course.cart_web import CartSite, serve

__all__ = [
    "ACTIONS",
    "COOKIE_LIMIT",
    "COOKIE_NAME",
    "CartError",
    "CartSite",
    "IdempotencyStore",
    "StatefulCartServer",
    "StatelessCartHandler",
    "cookie_size",
    "serve",
    "tamper",
]
