"""The Lab without a kernel: a grid of runs simulated when the site is built.

On the static site no Python runs, so a Lab's main controls cannot simulate. Instead the
build simulates every combination of a few control values (a :class:`Grid`: web servers
1 to 6, each affinity, where state lives, a crash or none), keeps each run in a file of
its own, and the page fetches the run of the controls' values when one moves. A value
outside the grid is said so on the page, and the view keeps the run it shows.

A run's file is a script (``runs/<grid>/<key>.js``) that hands the page the run packed as
the animated view gets it (:func:`statelab.view.playback.payload`) plus the readout's
line, gzipped and base64-encoded: a script, not a JSON file, because a page opened from
``file://`` may load scripts but not fetch files; gzip, because the browser undoes it
itself (``DecompressionStream``). Layout of the gzipped bytes: a little-endian uint32 ``n``,
then ``n`` bytes of JSON (``meta``, ``readout``, and the lengths of the four blocks, in the
order of :data:`BLOCKS`), then the blocks one after another.
"""

from __future__ import annotations

import base64
import gzip
import itertools
import json
import struct
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from statelab.dashboards.controls import NO_CRASH, controls_from_scenario, scenario_from_controls
from statelab.dashboards.lab import CONTROLS
from statelab.dashboards.readout import readout_html
from statelab.sim.result import Result
from statelab.sim.scenario import AFFINITIES, Scenario
from statelab.sim.simulation import simulate
from statelab.view.playback import payload

#: The byte blocks of a packed run, in the order a run file holds them.
BLOCKS = ("requests", "sessions", "late", "ring")
#: The function a run file calls (defined by the site's script, ``site_lab.js``).
CALLBACK = "statelabSiteRun"
#: The readout's title beside the view, as the Lab in JupyterLab gives it.
READOUT_TITLE = "Whole run"


@dataclass(frozen=True)
class Grid:
    """The control values a site's Lab has runs for.

    Parameters
    ----------
    name : str
        The grid's name: its runs are ``runs/<name>/<key>.js``.
    base : Scenario
        What the controls do not cover (as a :class:`~statelab.widgets.Lab`'s scenario).
    axes : mapping
        Control name -> the values simulated, in the order keys name them. Control names
        are the Lab's (``nodes``, ``affinity``, ``state``, ``crash_node``, ``crash_at``, ...).
    shown : tuple of str
        The controls the page shows (a notebook's Lab shows a few), in the Lab's order.
    """

    name: str
    base: Scenario
    axes: Mapping[str, tuple]
    shown: tuple[str, ...]
    fixed: dict = field(init=False, compare=False)

    def __post_init__(self) -> None:
        values, _ = controls_from_scenario(self.base)
        values.pop("crash_at_max")
        values.pop("trace")
        object.__setattr__(self, "fixed", values)

    def values(self) -> Iterator[dict]:
        """Every combination of the axes' values the Lab can run, as control values (the
        others at the base scenario's): a crash of a node beyond the cluster is left out,
        and with no crash only one crash time is kept."""
        names = list(self.axes)
        seen = set()
        for combination in itertools.product(*(self.axes[name] for name in names)):
            values = {**self.fixed, **dict(zip(names, combination, strict=True))}
            crash = values["crash_node"]
            if crash != NO_CRASH and crash >= values["nodes"]:
                continue
            if crash == NO_CRASH and "crash_at" in self.axes:
                values["crash_at"] = self.axes["crash_at"][0]
            key = self.key(values)
            if key not in seen:
                seen.add(key)
                yield values

    def key(self, values: Mapping) -> str:
        """The file name (without ``.js``) of the run of these control values: the axes'
        values joined by ``_`` (``3_sticky_server_none``); a crash time only with a crash."""
        parts = []
        for name in self.axes:
            if name == "crash_at" and values["crash_node"] == NO_CRASH:
                continue
            value = values[name]
            parts.append(f"{value:g}" if isinstance(value, float) else str(value))
        return "_".join(parts)

    def scenario(self, values: Mapping) -> Scenario:
        """The scenario the Lab runs for these control values."""
        return scenario_from_controls(self.base, values)

    def config(self) -> dict:
        """What the page needs to know of the grid (JSON-safe): its name, the axes in key
        order, the fixed values of the other controls, and the controls shown."""
        return {
            "name": self.name,
            "axes": {name: list(values) for name, values in self.axes.items()},
            "fixed": self.fixed,
            "shown": list(self.shown),
            "noCrash": NO_CRASH,
        }


def free_play() -> Grid:
    """The free-play Lab's grid (``lab.ipynb``, the site's ``lab.html``): web servers 1 to 6,
    each affinity, state in a server, a cookie or the store, and no crash or node 1 at
    60 s (165 runs)."""
    return Grid(
        name="lab",
        base=Scenario(),
        axes={
            "nodes": (1, 2, 3, 4, 5, 6),
            "affinity": AFFINITIES,
            "state": ("server", "cookie", "store"),
            "crash_node": (NO_CRASH, 1),
        },
        shown=tuple(name for name in CONTROLS if name != "preset"),  # no presets on the site
    )


def start_here() -> Grid:
    """Notebook 00's Lab: the crash preset with web servers 1 to 6 and a crash of any node
    (or none) at 30, 60 or 90 s (69 runs)."""
    return Grid(
        name="00",
        base=Scenario.load("crash"),
        axes={
            "nodes": (1, 2, 3, 4, 5, 6),
            "crash_node": (NO_CRASH, 0, 1, 2, 3, 4, 5),
            "crash_at": (30.0, 60.0, 90.0),
        },
        shown=("nodes", "crash_node", "crash_at"),
    )


#: The live Labs of the site: the notebook whose Lab each grid stands for.
GRIDS = {"00_start_here": start_here, "lab": free_play}


def pack(result: Result) -> bytes:
    """One run as its file's gzipped bytes (see the module docstring for the layout)."""
    packed = payload(result)
    blocks = [bytes(packed[name]) for name in BLOCKS]
    head = json.dumps(
        {
            "meta": packed["meta"],
            "readout": readout_html(result, title=READOUT_TITLE),
            "lengths": [len(block) for block in blocks],
        },
        separators=(",", ":"),
    ).encode()
    return gzip.compress(struct.pack("<I", len(head)) + head + b"".join(blocks), mtime=0)


def unpack(data: bytes) -> dict:
    """A run file's gzipped bytes back as ``meta``, ``readout`` and the blocks (bytes), as
    the page reads them (tests compare the two)."""
    raw = gzip.decompress(data)
    (n,) = struct.unpack_from("<I", raw)
    head = json.loads(raw[4 : 4 + n])
    found = {"meta": head["meta"], "readout": head["readout"]}
    at = 4 + n
    for name, length in zip(BLOCKS, head["lengths"], strict=True):
        found[name] = raw[at : at + length]
        at += length
    return found


def run_file(grid: Grid, key: str, data: bytes) -> str:
    """The text of a run's script: one call that hands the page the run's bytes."""
    encoded = base64.b64encode(data).decode("ascii")
    return f'{CALLBACK}("{grid.name}/{key}","{encoded}");\n'


def simulate_cell(grid: Grid, values: dict) -> tuple[str, bytes]:
    """Simulate one cell of a grid: its key and its packed run."""
    return grid.key(values), pack(simulate(grid.scenario(values)))
