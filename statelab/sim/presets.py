"""Presets: scenarios kept as small TOML files, so a moment of the course is one name.

A preset is plain data, one file in ``data/scenarios/``: a one-line
``description``, then the scenario's fields, then its events as a list of
tables::

    description = "A calm afternoon: three sticky servers, half busy."
    arrival_rate = 5.0
    nodes = 3

    [[events]]
    type = "Crash"
    node = 1
    at = 60.0

A policy is a table of its own (``[failures]`` with ``mtbf`` and ``mttr``,
``[autoscale]`` with the fields of :class:`~statelab.sim.events.Autoscale`).
A workload trace is the name of one that ships (``arrival_rate = "flash_sale"``),
the path of a CSV file (relative to the preset's folder), or its points in an
``[arrival_rate]`` table with ``name``, ``time_s`` and ``sessions_per_s``, which is
how :func:`save` writes it: a saved preset carries its trace and loads anywhere.
A field that is left out takes its default. Anything wrong with a file (empty,
not TOML, an unknown key, a bad value) raises an error that names the file and
the key, so a typo in a preset is found at once.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from statelab.files import toml_file
from statelab.files.folders import scenarios_folder
from statelab.files.toml_file import short
from statelab.sim import checks
from statelab.sim.errors import ScenarioError, ScenarioTypeError
from statelab.sim.events import EVENT_TYPES, Autoscale, RandomFailures
from statelab.sim.traces import Trace

#: Scenario fields that hold a policy record, written as a TOML table of their own.
POLICIES = {"failures": RandomFailures, "autoscale": Autoscale}


def presets() -> dict[str, str]:
    """Return every preset's name with its one-line description, sorted by name."""
    found = {}
    for path in sorted(scenarios_folder().glob("*.toml")):
        found[path.stem] = _read_table(path).get("description", "")
    return found


def load(name_or_path: str | Path, scenario_class: type):
    """Read a scenario of ``scenario_class`` from a preset name or the path of a TOML file.

    (:meth:`Scenario.load` passes its class, so this module needs not import it.)
    """
    path = _resolve(name_or_path)
    table = _read_table(path)
    fields = {f.name for f in dataclasses.fields(scenario_class)}
    values: dict[str, object] = {}
    for key, value in table.items():
        if key == "description":
            if not isinstance(value, str):
                raise ScenarioError(f"{path}: description must be text, got {short(value)}")
            continue
        if key not in fields:
            raise ScenarioError(f"{path}: " + checks.unknown_name("key", _cut(key), sorted(fields)))
        values[key] = value
    if "arrival_rate" in values:
        values["arrival_rate"] = _read_rate(path, values["arrival_rate"])
    if "events" in values:
        values["events"] = _read_events(path, values["events"])
    for key, cls in POLICIES.items():
        if key in values:
            table = values[key]
            if not isinstance(table, dict):
                raise ScenarioError(f"{path}: {key} must be a [{key}] table, got {short(table)}")
            values[key] = _build(f"{path}: {key}", cls, dict(table))
    try:
        return scenario_class(**values)
    except ScenarioError as error:
        raise type(error)(f"{path}: {error}") from None


def save(scenario, path: str | Path, description: str = "") -> Path:
    """Write every field of ``scenario`` to ``path`` as TOML and return the path."""
    path = Path(path)
    if not isinstance(description, str):
        raise ScenarioTypeError(f"description must be text, got {short(description)}")
    for char in "\n\r":
        if char in description:
            raise ScenarioError(
                f"description must be a single line; it holds the line break {char!r}"
            )
    lines = [f"description = {toml_file.value(description, 'description')}"]
    tables = []
    for item in dataclasses.fields(scenario):
        value = getattr(scenario, item.name)
        if isinstance(value, Trace):
            tables += ["", f"[{item.name}]", *_trace_fields(value)]
        elif item.name in POLICIES:
            if value is not None:
                tables += ["", f"[{item.name}]", *_toml_fields(value)]
        elif item.name != "events" and value is not None:  # None: the default, left out
            lines.append(f"{item.name} = {toml_file.value(value, item.name)}")
    for event in scenario.events:
        tables += ["", "[[events]]", f"type = {toml_file.value(type(event).__name__)}"]
        tables += _toml_fields(event)
    lines += tables
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def looks_like_path(name: str, suffix: str) -> bool:
    """Whether ``name`` is a file's path rather than a name: it holds a folder separator
    or ends in ``suffix``. A name that is not such a path never means a file in the
    working directory, so a file there cannot shadow a preset or a trace."""
    separators = [sep for sep in ("/", os.sep, os.altsep) if sep]
    return name.endswith(suffix) or any(sep in name for sep in separators)


def _resolve(name_or_path: str | Path) -> Path:
    """The file of a preset name, or a path (a ``Path``, or text that looks like one)."""
    if not isinstance(name_or_path, (str, Path)):
        raise ScenarioTypeError(
            f"Scenario.load takes a preset name or a file path, got {short(name_or_path)} "
            f"({type(name_or_path).__name__})"
        )
    if isinstance(name_or_path, Path) or looks_like_path(name_or_path, ".toml"):
        path = Path(name_or_path)
        if not path.is_file():
            raise FileNotFoundError(f"no scenario file at {path}")
        return path
    known = {p.stem: p for p in scenarios_folder().glob("*.toml")}
    if name_or_path not in known:
        raise ScenarioError(
            checks.unknown_name("preset", _cut(name_or_path), list(known))
            + "; a file's path must contain a / or end in .toml"
        )
    return known[name_or_path]


def _read_table(path: Path) -> dict:
    """The preset file at ``path`` as a table; what the files layer refuses (empty, not
    text, not TOML, too large) is a :class:`ScenarioError` here, with the same message."""
    try:
        return toml_file.read_table(path)
    except ValueError as error:
        raise ScenarioError(str(error)) from error


def _cut(name: str) -> str:
    """``name`` cut to the length an error message quotes."""
    limit = toml_file.MAX_ECHO
    return name if len(name) <= limit else name[: limit - 3] + "..."


def _read_events(path: Path, raw: object) -> tuple:
    if not isinstance(raw, list):
        raise ScenarioError(f"{path}: events must be a list of [[events]] tables, got {short(raw)}")
    events = []
    for index, table in enumerate(raw):
        where = f"{path}: events[{index}]"
        if not isinstance(table, dict):
            raise ScenarioError(f"{where} must be a table with a type, got {short(table)}")
        table = dict(table)
        kind = table.pop("type", None)
        if kind not in EVENT_TYPES:
            raise ScenarioError(
                f"{where}: type must be one of {', '.join(map(repr, EVENT_TYPES))}, "
                f"got {short(kind)}"
            )
        events.append(_build(where, EVENT_TYPES[kind], table))
    return tuple(events)


def _build(where: str, cls: type, table: dict):
    """Make ``cls(**table)`` from a TOML table, naming any unknown, missing or bad key."""
    kind = cls.__name__
    fields = dataclasses.fields(cls)
    known = [f.name for f in fields]
    for key in table:
        if key not in known:
            raise ScenarioError(f"{where}: " + checks.unknown_name(f"{kind} key", _cut(key), known))
    missing = [f.name for f in fields if f.default is dataclasses.MISSING and f.name not in table]
    if missing:
        raise ScenarioError(f"{where}: {kind} needs {', '.join(missing)}")
    try:
        return cls(**table)
    except ScenarioError as error:
        raise type(error)(f"{where}: {error}") from None


def _read_rate(path: Path, raw: object):
    """``arrival_rate`` of a preset: a number, a trace's name or path, or a trace's points.

    A relative path is read from the preset's folder, so a preset and its trace can be
    kept together and loaded from anywhere.
    """
    if isinstance(raw, str) and looks_like_path(raw, ".csv") and not Path(raw).is_absolute():
        return str(path.parent / raw)
    if not isinstance(raw, dict):
        return raw
    known = ["name", "time_s", "sessions_per_s"]
    for key in raw:
        if key not in known:
            raise ScenarioError(
                f"{path}: arrival_rate: " + checks.unknown_name("trace key", _cut(key), known)
            )
    missing = [key for key in known if key not in raw]
    if missing:
        raise ScenarioError(f"{path}: the [arrival_rate] trace needs {', '.join(missing)}")
    try:
        return Trace(raw["name"], raw["time_s"], raw["sessions_per_s"])
    except ScenarioError as error:
        raise type(error)(f"{path}: arrival_rate: {error}") from None


def _trace_fields(trace: Trace) -> list[str]:
    """A trace's points as the lines of an ``[arrival_rate]`` table."""
    return [
        f"name = {toml_file.value(trace.name, 'trace name')}",
        "time_s = [" + ", ".join(map(repr, trace.times)) + "]",
        "sessions_per_s = [" + ", ".join(map(repr, trace.rates)) + "]",
    ]


def _toml_fields(record) -> list[str]:
    return [
        f"{item.name} = {toml_file.value(getattr(record, item.name))}"
        for item in dataclasses.fields(record)
    ]
