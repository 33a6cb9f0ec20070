"""Where state lives: what "served" means for a session, depending on where its cart is.

When a node finishes a request, the question is whether the shopper's login and cart were
there. The answer depends on where the scenario keeps them, and each answer is a small
policy with one method, :meth:`settle`, that the model calls when a request completes:

- :class:`ServerState`: in the memory of the node that served the session. A request that
  lands on another node finds nothing: the shopper is logged out with an empty cart.
- :class:`ReplicatedState`: as server state, copied after every request to a peer node
  that takes over when the session's node dies.
- :class:`CookieState`: in a cookie the browser sends with every request, until the
  cookie outgrows the browser's limit.
- :class:`StoreState`: in a shared session store every node calls, lost only when a store
  that does not persist its sessions goes down.

Every loss is booked in the :class:`Ledger`, which owns the counts of lost sessions by
cause and by the node that held the cart.

``settle`` gets the request in full (its session, the node that served it, its attempt
number, its number within the session, the time, and whether the client still waits for
the answer), and returns its outcome with whether its item was applied and whether that
made a duplicate. A client that timed out and retried may have its add applied twice:
without idempotency keys that is a duplicate item, wherever the cart lives; with keys
(the session and the request number) the place that holds the cart applies each once.
A cookie is different: the cart comes back in the answer, so an answer the client never
got changes nothing, and the retry carries the old cart: no duplicate, keys or not.
"""

from __future__ import annotations

from collections.abc import Callable

from statelab.sim import idempotency
from statelab.sim.idempotency import IdempotencyCheck
from statelab.sim.records import LOST_CAUSES, NO_NODE, OK, STATE_LOST, LossRecord
from statelab.sim.session import Session


class Ledger:
    """The book of lost sessions: how many, why, from which node, and when each found out.

    Attributes
    ----------
    lost : int
        Sessions that lost their state so far.
    by_cause : dict
        Lost sessions by cause, one entry for each of :data:`LOST_CAUSES`.
    from_node : list of int
        Lost carts that each node held.
    losses : list of LossRecord
        One record a lost session, when it found out.
    lost_updates : list of tuple
        ``(time, session, items, session start)`` each time a write of a whole cart
        replaced a cart of another size than the one it was built on: ``items`` is the
        difference (positive: it overwrote items another attempt of the same shopper had
        written, a lost update; negative: it was built on an older cart that still held
        items an earlier lost update had overwritten, and brought them back).
    """

    def __init__(self, nodes: int) -> None:
        self.lost = 0
        self.by_cause = dict.fromkeys(LOST_CAUSES, 0)
        self.from_node = [0] * nodes
        self.losses: list[LossRecord] = []
        self.lost_updates: list[tuple] = []

    def overwrite(self, session: Session, items: int, now: float) -> None:
        """A write of the session's whole cart, built on a cart of ``items`` fewer items than
        the one it replaced, overwrote them (negative: brought back as many): book it."""
        if items:
            self.lost_updates.append((now, session.id, items, session.start))

    def lose(self, session: Session, cause: str, node: int, now: float) -> int:
        """The session's state was not there: book it (once a session) and return the outcome.

        ``node`` is the node whose memory held the lost cart (``NO_NODE``: none did).
        """
        if not session.lost_cause:
            session.lost_cause = cause
            self.lost += 1
            self.by_cause[cause] += 1
            if node >= 0:
                self.from_node[node] += 1
            self.losses.append(LossRecord(now, session.id, node, cause))
        return STATE_LOST


def add_item(session: Session, request: int, keyed: IdempotencyCheck | None) -> tuple[bool, bool]:
    """Add the item of the session's ``request``-th request to its cart where it lives.

    Returns (applied, duplicate). ``keyed``: the idempotency check that decides an add that
    may be a retry (:mod:`statelab.sim.idempotency`: with keys, ``apply_once``; without,
    ``apply_every``; or a learner's), see :func:`checked_add`. ``None``: no request can be
    applied twice (clients wait for every answer, and a failed attempt applied nothing), so
    nothing is remembered.
    """
    if keyed is None:
        session.items += 1
        return True, False
    return checked_add(session, request, keyed)


def checked_add(
    session: Session, request: int, check: IdempotencyCheck, base: list[str] | None = None
) -> tuple[bool, bool]:
    """The add of the session's ``request``-th request, as the idempotency check
    ``apply(request, seen) -> answer`` decides it (:mod:`statelab.sim.idempotency`): the request
    has ``key`` (the session and the request's number), ``item`` and ``cart`` (the items
    now, or ``base``: the cart as a read-modify-write read it); ``seen`` is the session's
    memory of keys, always up to date (keys are kept atomically). Returns (applied,
    duplicate): applied when the answer's cart differs from the cart it was given, which is
    then written whole; a duplicate when its item was in that cart already.
    """
    if session.cart is None:
        session.cart, session.seen = [], {}
    item = f"item-{request}"
    cart = session.cart if base is None else base
    asked = {"key": f"{session.id}:{request}", "item": item, "cart": list(cart)}
    kept = idempotency.ask(check, asked, session.seen)["cart"]
    applied = kept != cart
    duplicate = applied and item in cart
    if applied or base is None:
        session.cart = list(kept)
        session.items = len(kept)
    session.duplicate_items += duplicate
    return applied, duplicate


def new_cart(session: Session) -> None:
    """The session's cart is gone (lost or replaced): no item and no key remembered."""
    session.items = 0
    if session.cart is not None:
        session.cart, session.seen = [], {}


def moved_cause(hashed: bool) -> str:
    """Why a live cart was not where its request went: ``"rehash"`` with a hashing affinity
    (the client's hash now points elsewhere), ``"no_affinity"`` without one."""
    return "rehash" if hashed else "no_affinity"


def miss_cause(
    wiped: str, wiped_from: int, home: int | None, closed: str, moved: str
) -> tuple[str, int]:
    """Why a session's cart was not on the node that served its request, and which node held
    it (``NO_NODE``: none). One rule for the model and for real runs' books.

    Parameters
    ----------
    wiped : str
        The cause that wiped the cart from its node's memory (``"crash"``, ``"scale_in"``),
        or ``""``; ``wiped_from`` is that node.
    home : int or None
        The node whose memory holds the cart (None: no node).
    closed : str
        Why ``home`` is out of the balancer's endpoints, cart and all (``"scale_in"``; a
        real run also tells a crash a moment ahead: ``"crash"``), or ``""``.
    moved : str
        The cause when the cart is alive elsewhere (:func:`moved_cause`).
    """
    if wiped:
        return wiped, wiped_from
    if home is not None and closed:
        return closed, home
    return moved, NO_NODE if home is None else home


class ServerState:
    """State in the memory of the node that served the session.

    The first request a node completes logs the session in and puts its cart there. A
    later request that lands on a node without that memory is still served, but as
    ``state_lost``, with the reason the state was not there: ``"no_affinity"`` (alive on
    another node, but the balancer sent the request elsewhere), ``"rehash"`` (the client's
    hash now points elsewhere), ``"scale_in"`` (its node is leaving and out of the
    balancer's endpoints), or why the memory was wiped (``"crash"``, ``"scale_in"``).
    After a loss the shopper starts over on the node that served it.
    """

    def __init__(
        self,
        ledger: Ledger,
        hashed: bool,
        keyed: IdempotencyCheck | None = None,
        moves: list | None = None,
    ) -> None:
        self.ledger = ledger
        self.moved_cause = moved_cause(hashed)
        self.keyed = keyed  # the idempotency check (None: no attempt can be applied twice)
        # (time, session, node) each time a cart enters a node's memory (records.CartMove)
        self.moves: list[tuple] = [] if moves is None else moves

    def settle(
        self,
        session: Session,
        node,
        attempt: int,
        request: int,
        now: float,
        answered=True,
        read=None,
    ) -> tuple[int, bool, bool]:
        """Serve the completed request from ``node``'s memory, or book the loss. (A node's
        memory is updated in place: ``read`` is not used.)"""
        outcome = OK
        if session.home is not node:
            outcome = self._arrive(session, node, now)
        return (outcome, *add_item(session, request, self.keyed))

    def _arrive(self, session: Session, node, now: float) -> int:
        """The session's request was served by a node that is not its home: move it there."""
        home = session.home
        outcome = OK
        if session.has_state:
            cause, held = miss_cause(
                session.wiped,
                session.wiped_from,
                None if home is None else home.index,
                "scale_in" if home is not None and home.closed else "",
                self.moved_cause,
            )
            outcome = self.ledger.lose(session, cause, held, now)
            if session.peer is not None:
                session.peer.replicas.discard(session)
                session.peer = None
        if home is not None:
            home.memory.discard(session)
        if outcome != OK:
            new_cart(session)
        session.has_state = True
        session.wiped = ""
        session.home = node
        node.memory.add(session)
        self.moves.append((now, session.id, node.index))
        return outcome


class ReplicatedState(ServerState):
    """Server state copied to a peer node (the next live node by number) after every request.

    When the session's node dies the balancer sends the session to the peer, which takes
    over; only losing both at once loses the cart.
    """

    def __init__(
        self,
        ledger: Ledger,
        hashed: bool,
        live: Callable[[], list],
        keyed: IdempotencyCheck | None = None,
        moves: list | None = None,
    ) -> None:
        super().__init__(ledger, hashed, keyed, moves)
        self.live = live

    def settle(
        self,
        session: Session,
        node,
        attempt: int,
        request: int,
        now: float,
        answered=True,
        read=None,
    ) -> tuple[int, bool, bool]:
        outcome = OK
        if session.home is not node:
            if session.peer is node:  # the copy takes over
                node.replicas.discard(session)
                session.peer = None
                if session.home is not None:
                    session.home.memory.discard(session)
                session.has_state = True
                session.wiped = ""
                session.home = node
                node.memory.add(session)
                self.moves.append((now, session.id, node.index))
            else:
                outcome = self._arrive(session, node, now)
        self._copy_to_peer(session, node)
        return (outcome, *add_item(session, request, self.keyed))

    def _copy_to_peer(self, session: Session, node) -> None:
        """Copy the session's state to the next live node after ``node``, if it has none up."""
        peer = session.peer
        if peer is not None and peer.up and peer is not node:
            return
        if peer is not None:
            peer.replicas.discard(session)
        session.peer = None
        others = [n for n in self.live() if n.up and n is not node]
        if others:
            later = [n for n in others if n.index > node.index]
            session.peer = later[0] if later else others[0]
        if session.peer is not None:
            session.peer.replicas.add(session)


class CookieState:
    """State in a cookie the browser sends with every request.

    Each cart item makes the cookie larger (:mod:`statelab.sim.cookie` counts it as the
    browser does). When an item would make it larger than the browser's limit, the browser
    ignores the new cookie and keeps the previous one: the request is served, but its item
    is silently not kept (``items_not_kept``), and every later request arrives with a cart
    that is not the one the shopper built (``state_lost``, cause ``"cookie_too_large"``).
    The cart stays at the most items that fit.
    """

    def __init__(self, ledger: Ledger, items_limit: int) -> None:
        self.ledger = ledger
        self.items_limit = items_limit  # the most items a cookie holds within the limit

    def settle(
        self,
        session: Session,
        node,
        attempt: int,
        request: int,
        now: float,
        answered=True,
        read=None,
    ) -> tuple[int, bool, bool]:
        """The cart came with the request; its new item sticks only if the client gets the
        new cookie (it waits for the answer) and the cookie still fits. ``read``: the items
        of the cookie the request carried (None: the cookie now); where another tab's
        answer came in between, this answer's cookie overwrites that tab's items."""
        outcome = OK
        if session.dropped:  # the browser sent its old cookie: an item the shopper added is gone
            outcome = self.ledger.lose(session, "cookie_too_large", NO_NODE, now)
        if not answered:  # the new cookie goes to a client that stopped waiting: nothing kept
            return outcome, True, False
        carried = session.items if read is None else read
        if carried < self.items_limit:
            # the new cookie replaces the browser's: built on the one the request carried,
            # it overwrites what another tab's answer set meanwhile (a lost update)
            self.ledger.overwrite(session, session.items - carried, now)
            session.items = carried + 1
        else:  # the Set-Cookie is over the limit: the browser ignores it and keeps the old one
            session.items_not_kept += 1
            session.dropped = True
        return outcome, True, False


class StoreState:
    """State in a shared session store, which every request calls before it is served.

    An outage of a store that does not persist its sessions starts a new epoch: every cart
    written before it is gone, ``"store_outage"``.
    """

    def __init__(
        self,
        ledger: Ledger,
        store,
        keyed: IdempotencyCheck | None = None,
        read_modify_write: bool = False,
    ) -> None:
        self.ledger = ledger
        self.store = store
        self.keyed = keyed
        # True: a node reads the cart when its store call returns (:meth:`read`) and
        # writes the whole cart back (``store_update="read_modify_write"``)
        self.read_modify_write = read_modify_write

    def read(self, session: Session) -> tuple:
        """The cart as a node reads it from the store now: (the store's epoch, its items,
        its list of items or None where no list is kept). A cart written before an outage
        that wiped the store is not there: the node reads an empty cart."""
        cart, epoch = session.cart, self.store.epoch
        if session.has_state and session.epoch != epoch:
            return epoch, 0, None if cart is None else []
        return epoch, session.items, None if cart is None else list(cart)

    def settle(
        self,
        session: Session,
        node,
        attempt: int,
        request: int,
        now: float,
        answered=True,
        read=None,
    ) -> tuple[int, bool, bool]:
        """The cart is in the store, unless an outage wiped the store since it was written.
        ``read``: the cart as this attempt read it (:meth:`read`), written back with the
        attempt's change (read-modify-write); None: the add is applied in one step."""
        epoch = self.store.epoch
        outcome = OK
        if session.has_state and session.epoch != epoch:
            outcome = self.ledger.lose(session, "store_outage", NO_NODE, now)
            new_cart(session)
        session.has_state = True
        session.epoch = epoch
        if read is None or read[0] != epoch:  # atomic (or read from a store since wiped)
            return (outcome, *add_item(session, request, self.keyed))
        return (outcome, *self._write_back(session, request, read, now))

    def _write_back(self, session: Session, request: int, read: tuple, now: float):
        """Write the cart as read, with this attempt's add: whatever another attempt wrote
        since the read is overwritten (booked as a lost update). Returns (applied, duplicate)."""
        _, items, cart = read
        before = session.items
        if self.keyed is None:  # no attempt can be applied twice: only the count matters
            applied, duplicate = True, False
            session.items = items + 1
        else:
            applied, duplicate = checked_add(session, request, self.keyed, base=cart or [])
        if applied:  # the cart written replaced one of `before` items, built on `items`
            self.ledger.overwrite(session, before - items, now)
        return applied, duplicate
