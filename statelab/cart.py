"""A small cart service, stateful and stateless (it lives in :mod:`statelab.course.cart`)."""

from statelab.course.cart import (
    ACTIONS,
    CartError,
    StatefulCartServer,
    StatelessCartHandler,
    tamper,
)

__all__ = ["ACTIONS", "CartError", "StatefulCartServer", "StatelessCartHandler", "tamper"]
