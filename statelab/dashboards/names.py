"""Names for ipywidgets' sliders, for screen readers (see ``static/src/slidernames.js``).

An ipywidgets 8 slider's handle has role "slider" and no accessible name, so a screen reader
announces "slider" and nothing else. :class:`SliderNames` is a hidden widget put in a box of
controls: in the page, it names every slider handle in that box after the slider's
description ("web servers", "shoppers / s", ...). A browser test audits the result.
"""

from __future__ import annotations

from pathlib import Path

import anywidget

SOURCE = Path(__file__).parent / "static" / "src" / "slidernames.js"


class SliderNames(anywidget.AnyWidget):
    """Hidden; gives the slider handles of the box it sits in their descriptions as names."""

    _esm = SOURCE
