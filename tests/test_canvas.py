"""ipympl's insides that the dashboards rely on: this fails if an ipympl upgrade changes them.

``statelab.dashboards.canvas.ipympl_canvas`` is the one place that uses them; see its
module docstring for why each is needed.
"""

from __future__ import annotations

import inspect

import numpy as np
import pytest
from matplotlib.figure import Figure

ipympl = pytest.importorskip("ipympl.backend_nbagg")

from statelab.dashboards.canvas import Blitter, ipympl_canvas  # noqa: E402


def test_ipympl_marks_a_canvas_closed_until_shown_and_on_the_pages_closing():
    assert ipympl.Canvas.class_traits()["_closed"].default_value is True
    canvas = ipympl_canvas(Figure())
    assert canvas._closed is False
    canvas._handle_message(canvas, {"type": "closing"}, [])
    assert canvas._closed is True


def test_ipympl_syncs_the_picture_as_a_data_url_until_the_page_says_it_is_ready():
    assert "syncing_data_url" in inspect.getsource(ipympl.Canvas.__init__)
    assert "syncing_data_url" in inspect.getsource(ipympl.Canvas.send_state)
    assert "syncing_data_url" in inspect.getsource(ipympl.Canvas.send_binary)
    assert ipympl.Canvas(Figure()).syncing_data_url is True  # ipympl's own default
    canvas = ipympl_canvas(Figure())
    assert canvas.syncing_data_url is False  # ours: the page asks for the picture


def test_the_canvas_has_a_manager_with_a_toolbar_and_draws():
    figure = Figure(figsize=(2, 1), dpi=50)
    figure.add_subplot().plot([0, 1], [1, 0])
    canvas = ipympl_canvas(figure)
    assert isinstance(canvas.manager, ipympl.FigureManager)
    assert canvas.manager.canvas is canvas and canvas.manager.web_sockets == [canvas]
    assert canvas.manager.toolbar is not None
    assert not (canvas.header_visible or canvas.footer_visible or canvas.toolbar_visible)
    canvas.draw()
    assert np.array(canvas.buffer_rgba()).shape == (50, 100, 4)


def test_blitting_draws_the_moving_artists_over_the_cached_background():
    figure = Figure(figsize=(2, 1), dpi=50)
    ax = figure.add_subplot()
    ax.set_axis_off()
    (line,) = ax.plot([0, 1], [0, 0], linewidth=8, color="black")
    canvas = ipympl_canvas(figure)
    blitter = Blitter(canvas)
    blitter.animate([line])
    canvas.draw()
    assert blitter.background is not None
    before = np.array(canvas.buffer_rgba())
    line.set_ydata([1, 1])
    blitter.update()
    assert (np.array(canvas.buffer_rgba()) != before).any()
