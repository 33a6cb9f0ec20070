"""Workload traces: an arrival rate that changes over the run, such as a flash sale.

A trace is a plain CSV file in ``data/traces/`` with a header and units::

    time_s,sessions_per_s
    0,4.0
    300,4.0
    330,24.0

Between two rows the rate changes in a straight line; it must cover the whole
run. A scenario uses one by name, ``Scenario(arrival_rate="flash_sale")``,
by path, or as a :class:`Trace` made in Python; it reads the file once, when it is
made, and keeps the trace's points (a Scenario is a value). Arrivals then follow a
Poisson process whose rate varies over time, drawn by *thinning*: candidates arrive
at the trace's highest rate and each is kept with the chance ``rate(t) / highest rate``.

The traces that ship with statelab are made by ``scripts/make_traces.py``
from a documented model and seed, so they can be made again.
"""

from __future__ import annotations

import bisect
import math
import numbers
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from statelab.files.csv_file import read_rows
from statelab.files.folders import traces_folder
from statelab.files.toml_file import MAX_ECHO, short
from statelab.sim.checks import unknown_name
from statelab.sim.errors import ScenarioError, ScenarioTypeError

COLUMNS = ("time_s", "sessions_per_s")
MAX_RATE = 10_000.0
#: The largest trace file, in bytes, and the most rows it may have.
MAX_BYTES = 1024 * 1024
MAX_ROWS = 100_000


@dataclass(frozen=True, repr=False)
class Trace:
    """An arrival rate over time: ``rates[i]`` sessions a second at ``times[i]`` seconds.

    A trace is a value: a Scenario keeps the trace itself, not the file it came from, so
    a result never depends on the file changing later, on the working directory or on
    a worker's disk. Made from a file by :func:`load_trace`, or directly::

        Trace("step", times=(0, 60, 120), rates=(2.0, 8.0, 8.0))

    The points are checked as a file's rows are: the first time is 0, times increase,
    rates are from 0 to 10,000 sessions a second and not all 0, at least 2 and at most
    100,000 points. ``name`` is for display only.
    """

    name: str
    times: tuple[float, ...]
    rates: tuple[float, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name or len(self.name) > MAX_ECHO:
            raise ScenarioError(
                f"Trace.name must be text of 1 to {MAX_ECHO} characters, got {short(self.name)}"
            )
        points = []
        for column, values in (("times", self.times), ("rates", self.rates)):
            if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
                raise ScenarioTypeError(
                    f"Trace {self.name!r}: {column} must be a list of numbers, got {short(values)}"
                )
            if len(values) > MAX_ROWS:
                raise ScenarioError(
                    f"Trace {self.name!r}: {column} has {len(values):,} points; "
                    f"a trace may have at most {MAX_ROWS:,}"
                )
            points.append(values)
        times, rates = points
        if len(times) != len(rates):
            raise ScenarioError(
                f"Trace {self.name!r}: times has {len(times)} points but rates has {len(rates)}"
            )
        where = f"Trace {self.name!r}, point"
        checked = check_points(
            [(f"{where} {i}", t, r) for i, (t, r) in enumerate(zip(times, rates, strict=True))],
            f"Trace {self.name!r}",
        )
        object.__setattr__(self, "times", checked[0])
        object.__setattr__(self, "rates", checked[1])

    def __repr__(self) -> str:
        return (
            f"Trace({self.name!r}: {len(self.times):,} points over {self.end:g} s, "
            f"peak {self.peak:g} sessions/s)"
        )

    def __str__(self) -> str:
        return self.name

    @property
    def end(self) -> float:
        """The last time the trace covers, in seconds."""
        return self.times[-1]

    @property
    def peak(self) -> float:
        """The highest rate, in sessions a second."""
        return max(self.rates)

    def rate(self, time: float) -> float:
        """Sessions a second at ``time`` (straight lines between the rows)."""
        times, rates = self.times, self.rates
        i = bisect.bisect_right(times, time)
        if i <= 0:
            return rates[0]
        if i >= len(times):
            return rates[-1]
        t0, t1 = times[i - 1], times[i]
        return rates[i - 1] + (rates[i] - rates[i - 1]) * (time - t0) / (t1 - t0)

    def sessions_until(self, time: float) -> float:
        """The expected number of sessions that arrive from 0 to ``time`` (the rate's integral)."""
        total = 0.0
        for i in range(1, len(self.times)):
            t0, t1 = self.times[i - 1], min(self.times[i], time)
            if t1 <= t0:
                break
            total += (self.rates[i - 1] + self.rate(t1)) / 2 * (t1 - t0)
        return total


def check_points(
    points: list[tuple[str, object, object]], what: str
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """Check a trace's points and return its times and rates as tuples of floats.

    ``points`` holds ``(where, time, rate)`` for each point, ``where`` naming it in a
    message (a file's line, or a point's index); ``what`` names the whole trace.
    :class:`ScenarioError` (:class:`ScenarioTypeError` for a value that is not a number)
    says what is wrong.
    """
    times: list[float] = []
    rates: list[float] = []
    wheres: list[str] = []
    for where, time_value, rate_value in points:
        time = _finite(where, "time_s", time_value)
        rate = _finite(where, "sessions_per_s", rate_value)
        if not 0.0 <= rate <= MAX_RATE:
            raise ScenarioError(
                f"{where}: sessions_per_s must be from 0 to {MAX_RATE:g}, got {rate:g}"
            )
        if times and time <= times[-1]:
            raise ScenarioError(
                f"{where}: time_s must increase, got {time:g} after {times[-1]:g} "
                f"at {wheres[-1].rsplit(', ', 1)[-1]}"
            )
        if not times and time != 0.0:
            raise ScenarioError(f"{where}: the first time_s must be 0, got {time:g}")
        times.append(time)
        rates.append(rate)
        wheres.append(where)
    if len(times) < 2:
        raise ScenarioError(f"{what}: a trace needs at least two rows")
    if max(rates) <= 0:
        raise ScenarioError(f"{what}: every rate is 0; no shopper would ever arrive")
    return tuple(times), tuple(rates)


def trace_names() -> list[str]:
    """The names of the traces that ship with statelab."""
    folder = traces_folder()
    return sorted(p.stem for p in folder.glob("*.csv")) if folder.is_dir() else []


def load_trace(name_or_path: str | os.PathLike) -> Trace:
    """Read a trace by name (``"flash_sale"``) or by the path of a CSV file (text or ``Path``).

    A name that is a trace's is that trace; a path must look like one (hold a ``/``
    or end in ``.csv``), so a file in the working directory never shadows a trace.
    Raises :class:`ScenarioError` naming the file, the row and what is wrong.
    """
    name = os.fspath(name_or_path)
    separators = [sep for sep in ("/", os.sep, os.altsep) if sep]
    if (
        isinstance(name_or_path, str)
        and not name.endswith(".csv")
        and not any(sep in name for sep in separators)
    ):
        known = trace_names()
        if name not in known:
            cut = name if len(name) <= MAX_ECHO else name[: MAX_ECHO - 3] + "..."
            raise ScenarioError(
                "arrival_rate: "
                + unknown_name("trace", cut, known)
                + "; or give a number of sessions per second"
            )
        path = traces_folder() / f"{name}.csv"
    else:
        path = Path(name)
    if not path.is_file():
        raise ScenarioError(f"arrival_rate: no trace file at {path}")
    path = path.resolve()
    return _read(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=32)
def _read(path: str, _mtime: int) -> Trace:
    rows = _rows(Path(path))
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise ScenarioError(f"{path}: the trace is empty; it needs the header {','.join(COLUMNS)}")
    header = tuple(cell.strip() for cell in rows[0])
    if header != COLUMNS:
        raise ScenarioError(
            f"{path}: the header must be {','.join(COLUMNS)} on the first line, "
            f"got {short(','.join(rows[0]))}"
        )
    points = []
    for line, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != 2:
            raise ScenarioError(f"{path}, line {line}: expected 2 values, got {len(row)}")
        time = _number(path, line, "time_s", row[0])
        rate = _number(path, line, "sessions_per_s", row[1])
        points.append((f"{path}, line {line}", time, rate))
    times, rates = check_points(points, path)
    return Trace(Path(path).stem[:MAX_ECHO] or "trace", times, rates)


def _rows(path: Path) -> list[list[str]]:
    """The rows of the trace file at ``path``; what the files layer refuses (not text, not
    CSV, too large) is a :class:`ScenarioError` here, with the same message naming the file."""
    try:
        return read_rows(path, MAX_BYTES, MAX_ROWS)
    except ValueError as error:
        raise ScenarioError(str(error)) from error


def _finite(where: str, column: str, value: object) -> float:
    """``value`` as a finite float; ``ScenarioTypeError`` or ``ScenarioError`` naming ``where``
    if not."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ScenarioTypeError(f"{where}: {column} must be a number, got {short(value)}")
    number = float(value)
    if not math.isfinite(number):
        raise ScenarioError(f"{where}: {column} is not finite, got {number}")
    return number


def _number(path: str, line: int, column: str, cell: str) -> float:
    """The finite number in ``cell`` of ``column``; ``ScenarioError`` naming it if it is not one."""
    try:
        number = float(cell)
    except ValueError:
        raise ScenarioError(
            f"{path}, line {line}: {column} is not a number: {short(cell)}"
        ) from None
    if not math.isfinite(number):
        raise ScenarioError(f"{path}, line {line}: {column} is not finite, got {number}")
    return number
