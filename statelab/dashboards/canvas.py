"""The canvas a dashboard draws on, and the one place that knows ipympl's insides.

In a running kernel a dashboard's figure is an ipympl canvas: a widget that the page
redraws in place. Making one for a :class:`matplotlib.figure.Figure` of our own (not
through pyplot, which would keep every figure alive and show it again) needs three
things that ipympl does not document; :func:`ipympl_canvas` does them, and
``tests/test_canvas.py`` fails if an ipympl upgrade changes them:

- a ``FigureManager`` for the canvas (ipympl's canvas asks its manager for the toolbar);
- ``_closed = False`` (ipympl marks a canvas without a pyplot figure as closed and then
  ignores the page's requests);
- ``syncing_data_url = False``: the page asks for the picture when it shows the canvas;
  a draw made before that otherwise leaves a bare base64 string where the page expects a
  data URL, and the browser shows no figure at all.

Elsewhere (a kernel without ipympl, a script, a test) the figure is drawn by Agg, shown
as a PNG in an :class:`ipywidgets.Image` in a kernel, or not shown at all.

:class:`Blitter` is matplotlib's blitting: the still parts of the figure are drawn once,
and a change redraws only the moving artists over that cached background.
"""

from __future__ import annotations

import asyncio
import io
import warnings

import ipywidgets as widgets
import matplotlib.image
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def in_kernel() -> bool:
    """Whether this code runs in a Jupyter kernel (where widgets can be shown)."""
    try:
        from IPython import get_ipython  # IPython comes with the kernel: optional here
    except ImportError:  # pragma: no cover
        return False
    shell = get_ipython()
    return shell is not None and hasattr(shell, "kernel")


def running_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop (a kernel's), or None in a plain script or test."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def ipympl_canvas(figure: Figure):
    """An ipympl canvas widget for ``figure``, ready to be shown and redrawn in place.

    Raises ImportError without ipympl.
    """
    # Imported here, not above: importing ipympl makes it pyplot's backend, which a
    # notebook that shows its figures inline (or a script) must not get from statelab.
    from ipympl.backend_nbagg import Canvas as IpymplCanvas
    from ipympl.backend_nbagg import FigureManager as IpymplManager

    canvas = IpymplCanvas(figure)
    with warnings.catch_warnings():  # ipympl's toolbar passes traitlets an argument it drops
        warnings.filterwarnings("ignore", "Passing unrecognized arguments", DeprecationWarning)
        canvas.manager = IpymplManager(canvas, 0)
    canvas.header_visible = False
    canvas.footer_visible = False
    canvas.toolbar_visible = False
    canvas.resizable = False
    canvas._closed = False
    canvas.syncing_data_url = False
    return canvas


def make_canvas(figure: Figure) -> tuple[widgets.Widget | None, FigureCanvasAgg]:
    """The widget that shows ``figure`` (None outside a kernel) and the canvas to draw on."""
    if in_kernel():
        try:
            canvas = ipympl_canvas(figure)
        except ImportError:  # pragma: no cover - ipympl is a dependency
            return widgets.Image(format="png"), FigureCanvasAgg(figure)
        return canvas, canvas
    return None, FigureCanvasAgg(figure)


def png(canvas) -> bytes:
    """What ``canvas`` shows now (moving artists included), as PNG bytes."""
    buffer = io.BytesIO()
    matplotlib.image.imsave(buffer, np.asarray(canvas.buffer_rgba()), format="png")
    return buffer.getvalue()


class Blitter:
    """Redraws only the moving artists over a cached background (matplotlib's blitting).

    The background is captured on every full draw (a ``draw_event``), which
    also happens when the browser asks for one, so the moving artists never
    vanish.
    """

    def __init__(self, canvas) -> None:
        self.canvas = canvas
        self.artists: list = []
        self.background = None
        canvas.mpl_connect("draw_event", self._on_draw)

    def animate(self, artists: list) -> None:
        """Make ``artists`` the moving ones (drawn over the background, not in it)."""
        for artist in artists:
            artist.set_animated(True)
        self.artists = artists

    def _on_draw(self, event) -> None:
        figure = self.canvas.figure
        self.background = self.canvas.copy_from_bbox(figure.bbox)
        self._draw_artists()

    def _draw_artists(self) -> None:
        figure = self.canvas.figure
        for artist in self.artists:
            if artist.axes is not None and artist.get_visible():
                figure.draw_artist(artist)

    def update(self) -> None:
        """Show the moving artists' new state: blit when a background is cached."""
        if self.background is None:
            self.canvas.draw()
            return
        self.canvas.restore_region(self.background)
        self._draw_artists()
        self.canvas.blit(self.canvas.figure.bbox)
