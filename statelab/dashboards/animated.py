"""The animated cluster view: one run played in the browser, a dot a request.

:class:`AnimatedCluster` is an `anywidget <https://anywidget.dev>`_ widget. Python hands the
page one run, packed once by :func:`statelab.view.playback.payload` (little-endian columns of
the requests, the late requests, the sessions and the hash ring, plus a small ``payload_meta``
dict; which cart is in which node's memory follows from the requests), and the
page plays it on a canvas by itself: no round trip to the kernel per frame. Its JavaScript is
one ES module, ``static/animated_cluster.js``, bundled by esbuild (``make js``) from the
modules in ``static/src/`` and committed, so a learner needs no Node (nothing from a CDN
either). What it reads of the payload, and the version it reads, is ``static/src/contract.js``.

Python and the page share a few traits: ``time`` (model seconds; the page writes it back when
it pauses, when the scrubber is released, and a few times a second while it plays),
``playing``, ``speed``, ``followed`` (the shopper highlighted, -1 for none; clicking a dot or
a cart in the page sets it), ``presenter`` (larger type, at least 15 px), ``compact`` (for
two views side by side, about 600 px wide each: smaller boxes, the hashing panel below the
nodes) and ``run_id`` (one more for every run shown; the page writes it into the
``data-run`` attribute of its root element once that run is drawn).

Below the cluster the page draws two charts over the whole run from ``payload_meta["panels"]``
(carts lost by cause, and latency percentiles per window), with a cursor at the current
time, the part after it faded, and the events marked; a click or a drag on a chart moves the
time as the scrubber does. The canvas is as tall as its content (it grows with the number of
nodes) and as wide as its container. A new view starts at time 0; :meth:`show` keeps the time.

Without a browser (a script, a test) the widget only builds the payload.
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets

from statelab.view.playback import payload

STATIC = Path(__file__).parent / "static"

#: The slowest and fastest playback: model seconds a second of wall time.
SPEEDS = (0.25, 8.0)


class AnimatedCluster(anywidget.AnyWidget):
    """One simulated run, played in the browser: shoppers, balancer, nodes, carts.

    Parameters
    ----------
    result : Result, optional
        The run to show (see :meth:`show`); without one the view is empty until
        :meth:`show` is called.
    presenter : bool
        Larger type and dots, for a projector.
    compact : bool
        Smaller, for two views side by side (Compare).

    Examples
    --------
    >>> from statelab import Scenario, simulate
    >>> view = AnimatedCluster(simulate(Scenario.load("crash")))  # doctest: +SKIP
    >>> view.time = 55.0; view.play()                             # doctest: +SKIP
    """

    _esm = STATIC / "animated_cluster.js"
    _css = STATIC / "animated_cluster.css"

    payload_meta = traitlets.Dict().tag(sync=True)
    requests = traitlets.Bytes(b"").tag(sync=True)
    sessions = traitlets.Bytes(b"").tag(sync=True)
    late = traitlets.Bytes(b"").tag(sync=True)
    ring = traitlets.Bytes(b"").tag(sync=True)
    #: The charts' tops shared with another view ({"lost": carts, "latency": seconds}; empty:
    #: each chart scales to its own run). Compare sets it so its two sides share their axes.
    chart_tops = traitlets.Dict({}).tag(sync=True)
    time = traitlets.Float(0.0).tag(sync=True)
    playing = traitlets.Bool(False).tag(sync=True)
    speed = traitlets.Float(1.0).tag(sync=True)
    followed = traitlets.Int(-1).tag(sync=True)
    presenter = traitlets.Bool(False).tag(sync=True)
    compact = traitlets.Bool(False).tag(sync=True)
    run_id = traitlets.Int(0).tag(sync=True)

    def __init__(
        self, result=None, *, presenter: bool = False, compact: bool = False, **kwargs
    ) -> None:
        super().__init__(presenter=presenter, compact=compact, **kwargs)
        self.result = None
        if result is not None:
            self.show(result)

    # -- runs ----------------------------------------------------------------

    @property
    def duration(self) -> float:
        """The shown run's length in model seconds (0 with no run)."""
        return float(self.payload_meta.get("duration", 0.0))

    @property
    def session_count(self) -> int:
        """Sessions in the shown run (0 with no run)."""
        return int(self.payload_meta.get("counts", {}).get("sessions", 0))

    def show(self, result, packed: dict | None = None, chart_tops: dict | None = None) -> None:
        """Play ``result`` from now on, at the current time (clamped to its duration).

        The followed shopper stays followed when the new run has one of that number.
        ``packed``: ``payload(result)`` when the caller made it already (a dashboard keeps
        it with a run made ahead). ``chart_tops``: the charts' tops to share with another
        view (see :attr:`chart_tops`; None: the run's own).
        """
        if packed is None:
            packed = payload(result)
        meta = packed["meta"]
        duration = float(meta["duration"])
        sessions = int(meta["counts"]["sessions"])
        with self.hold_sync():
            self.payload_meta = meta
            self.requests = bytes(packed["requests"])
            self.sessions = bytes(packed["sessions"])
            self.late = bytes(packed["late"])
            self.ring = bytes(packed["ring"])
            self.chart_tops = dict(chart_tops or {})
            self.time = min(max(self.time, 0.0), duration)
            if self.followed >= sessions:
                self.followed = -1
            self.run_id += 1
        self.result = result

    # -- controls ------------------------------------------------------------

    def play(self) -> None:
        """Start playing from the current time (from the start if at the end)."""
        if self.time >= self.duration:
            self.time = 0.0
        self.playing = True

    def pause(self) -> None:
        """Stop playing; the page sends back the time it stopped at."""
        self.playing = False

    def follow(self, session_id: int | None) -> None:
        """Highlight shopper ``session_id`` (its dots, its cart, a caption); None or -1: nobody."""
        if session_id is None or session_id == -1:
            self.followed = -1
            return
        count = self.session_count
        if (
            isinstance(session_id, bool)
            or not isinstance(session_id, int)
            or not 0 <= session_id < count
        ):
            valid = f"0 to {count - 1}" if count else "none: no run is shown yet"
            raise ValueError(
                f"follow({session_id!r}): there is no session {session_id!r} in this run; "
                f"session ids are {valid} (or None / -1 to follow nobody)"
            )
        self.followed = int(session_id)

    # -- checks --------------------------------------------------------------

    @traitlets.validate("time")
    def _check_time(self, proposal):
        value = float(proposal["value"])
        if value != value:
            raise ValueError("time must be a number of seconds, got NaN")
        return min(max(value, 0.0), self.duration) if self.payload_meta else max(value, 0.0)

    @traitlets.validate("speed")
    def _check_speed(self, proposal):
        value = float(proposal["value"])
        low, high = SPEEDS
        if not low <= value <= high:
            raise ValueError(
                f"speed must be from {low:g} to {high:g} model seconds a second, got {value!r}"
            )
        return value

    @traitlets.validate("followed")
    def _check_followed(self, proposal):
        value = int(proposal["value"])
        return value if 0 <= value < self.session_count else -1
