"""A small cart service, stateful and stateless (it lives in :mod:`statelab.course.cart`)."""

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

__all__ = [
    "ACTIONS",
    "COOKIE_LIMIT",
    "COOKIE_NAME",
    "CartError",
    "IdempotencyStore",
    "StatefulCartServer",
    "StatelessCartHandler",
    "cookie_size",
    "tamper",
]
