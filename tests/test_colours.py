"""The colours the course draws with stay apart for people with colour blindness.

Method (statelab.view.colours): sRGB -> linear RGB -> Machado, Oliveira and Fernandes (2009)
simulation of protanopia, deuteranopia and tritanopia at severity 1.0 (colour-science's
``matrix_cvd_Machado2009``; its tritan matrices approximate tritanopia by a shift of the S
cone), or unchanged for normal vision -> CIELAB (D65) -> CIEDE2000. The
palette tested is the one the animated view is sent (``playback.palette()``), which the
figures share.
"""

from __future__ import annotations

import itertools
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

from statelab.view import colours, playback

# colour-science says SciPy is missing (it is not needed here), and on import it sets numpy's
# print options to legacy="1.13" for the whole process: put them back, as other tests in this
# worker print numbers (their fingerprints hash repr() of numpy floats)
_printing = np.get_printoptions()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import colour
np.set_printoptions(**_printing)

VISIONS = ("normal", "Protanomaly", "Deuteranomaly", "Tritanomaly")


def lab(hex_colour: str, vision: str) -> np.ndarray:
    rgb = np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    linear = colour.models.eotf_sRGB(rgb)
    if vision != "normal":
        with warnings.catch_warnings():
            # colour-science notes that Machado's tritanomaly matrices approximate tritanopia
            # (a shift of the S cone's sensitivity, not its absence): the method we state
            warnings.simplefilter("ignore", colour.utilities.ColourUsageWarning)
            matrix = colour.blindness.matrix_cvd_Machado2009(vision, 1.0)
        linear = np.clip(matrix @ linear, 0, 1)
    xyz = colour.RGB_to_XYZ(linear, colour.models.RGB_COLOURSPACE_sRGB, apply_cctf_decoding=False)
    return colour.XYZ_to_Lab(xyz)


def difference(a: str, b: str, vision: str) -> float:
    return float(colour.delta_E(lab(a, vision), lab(b, vision), method="CIE 2000"))


PALETTE = playback.palette()
NODES = {f"node {k}": c for k, c in enumerate(PALETTE["nodes"][:7])}
MEANINGS = {**NODES, "lost": PALETTE["lost"], "dead": PALETTE["dead"]}


def test_the_method_sees_what_it_should():
    """Red and green, far apart for most people, come close for a deuteranope (the classic
    confusion); black and white stay far apart for everyone."""
    red, green = "#CC3333", "#669900"
    assert difference(red, green, "normal") > 25
    assert difference(red, green, "Deuteranomaly") < colours.MIN_DIFFERENCE
    assert all(difference("#000000", "#FFFFFF", v) > 90 for v in VISIONS)


@pytest.mark.parametrize("vision", VISIONS)
def test_nodes_lost_and_dead_differ_from_each_other(vision):
    close = [
        (a, b, round(difference(ca, cb, vision), 1))
        for (a, ca), (b, cb) in itertools.combinations(MEANINGS.items(), 2)
        if difference(ca, cb, vision) < colours.MIN_DIFFERENCE
    ]
    assert close == [], f"{vision}: colours closer than CIEDE2000 {colours.MIN_DIFFERENCE}"


@pytest.mark.parametrize("vision", VISIONS)
def test_loss_causes_are_no_node_colour_and_differ_from_each_other(vision):
    causes = PALETTE["causes"]
    assert causes["crash"] == PALETTE["lost"]
    assert not set(causes.values()) & set(PALETTE["nodes"]), "a cause reuses a node colour"
    close = [
        (cause, other, round(difference(c, o, vision), 1))
        for cause, c in causes.items()
        for other, o in [*NODES.items(), ("dead", PALETTE["dead"]), *causes.items()]
        if other != cause and difference(c, o, vision) < colours.MIN_DIFFERENCE
    ]
    assert close == [], vision


def test_the_cause_colours_can_be_seen_on_white():
    """WCAG's 3:1 for the parts of a picture that carry meaning (lines, marks)."""

    def luminance(hex_colour):
        linear = colour.models.eotf_sRGB(
            np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
        )
        return float(linear @ [0.2126, 0.7152, 0.0722])

    for cause, c in PALETTE["causes"].items():
        assert 1.05 / (luminance(c) + 0.05) >= 3.0, cause


def test_the_real_run_mark_stays_apart_from_the_loss_colour():
    for vision in VISIONS:
        assert difference(colours.REAL_RUN, colours.LOST, vision) >= colours.MIN_DIFFERENCE


#: Words for a colour nothing in the course is drawn in (the loss colour is vermillion, a
#: dead node grey): text that says "red" describes a screen that does not exist.
NO_SUCH_COLOUR = re.compile(r"\bred\b(?!-green)", re.IGNORECASE)


def test_the_course_names_only_colours_it_draws():
    root = Path(__file__).resolve().parents[1]
    places = [
        *sorted((root / "notebooks").glob("*.ipynb")),
        *sorted((root / "docs").glob("*.md")),
        root / "README.md",
        *sorted((root / "statelab").rglob("*.py")),
        *sorted((root / "statelab" / "dashboards" / "static" / "src").glob("*.js")),
    ]
    said = [
        f"{path.relative_to(root)}: {line.strip()[:120]}"
        for path in places
        for line in path.read_text(encoding="utf-8").splitlines()
        if NO_SUCH_COLOUR.search(line)
    ]
    assert said == []
