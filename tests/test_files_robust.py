"""Adversarial files and inputs: each is refused with an error naming the file or the
field (or accepted, for the ones a user may fairly hand in), quickly, and without
echoing a file's content.

Every case runs under a wall-clock guard (``signal.alarm``) so that a regression fails
instead of hanging.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import pytest
from conftest import ROOT

from statelab import Crash, ScaleTo, Scenario

SECRET = "hunter2-TOP-SECRET-do-not-print"
PAD = "x" * 60  # more than the 40 characters an error message may quote
TRACE = "time_s,sessions_per_s\n0,4.0\n300,4.0\n"
BOM = b"\xef\xbb\xbf"


@pytest.fixture(autouse=True)
def wall_clock_guard():
    """Fail, rather than hang, any case that takes more than 10 seconds."""

    def too_slow(signum, frame):
        raise TimeoutError("the case took more than 10 seconds")

    previous = signal.signal(signal.SIGALRM, too_slow)
    signal.alarm(10)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def load_preset(content: str | bytes):
    """A case that loads ``content`` as the preset file ``bad.toml``."""

    def case(tmp_path):
        path = write(tmp_path / "bad.toml", content)
        return lambda: Scenario.load(path), str(path)

    return case


def load_trace(content: str | bytes):
    """A case that uses ``content`` as the trace file ``bad.csv``."""

    def case(tmp_path):
        path = write(tmp_path / "bad.csv", content)
        return lambda: Scenario(arrival_rate=str(path), duration=5.0), str(path)

    return case


def huge_trace(tmp_path):
    path = tmp_path / "huge.csv"
    with open(path, "wb") as file:  # 20 MB, sparse: only its size is real
        file.write(TRACE.encode())
        file.seek(20 * 1024 * 1024)
        file.write(b"\n")
    return lambda: Scenario(arrival_rate=str(path), duration=5.0), str(path)


def shadowed_preset(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "crash", "nodes = 5\n")  # a local file named like the preset
    expected = Scenario.load(ROOT / "data" / "scenarios" / "crash.toml")

    def action():
        assert Scenario.load("crash") == expected

    return action, None


def path_without_slash(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "mine", "nodes = 5\n")  # not a preset, nor a path: no / nor .toml
    return lambda: Scenario.load("mine"), "unknown preset 'mine'"


def round_trip(description: str):
    def case(tmp_path):
        scenario = Scenario(events=(Crash(1, 10.0),))

        def action():
            path = scenario.save(tmp_path / "mine.toml", description=description)
            assert Scenario.load(path) == scenario
            assert Scenario.load(path).__class__ is Scenario
            from statelab.files.toml_file import read_table

            assert read_table(path)["description"] == description

        return action, None

    return case


def refused_description(description: str):
    def case(tmp_path):
        path = tmp_path / "mine.toml"
        return lambda: Scenario().save(path, description=description), "description"

    return case


def many_events(count: int):
    def case(tmp_path):
        events = []
        for i in range(count // 2):
            events.append(ScaleTo(4 + i % 2, at=float(2 * i)))
            events.append(Crash(3, at=float(2 * i + 1)))
        events = tuple(events)

        def action():
            return Scenario(nodes=4, events=events, duration=float(2 * count + 10))

        return action, "events"

    return case


#: (id, make the case, the error class expected (None: accepted), words in the message).
#: ``make(tmp_path)`` returns (the action, the file or field the message must name).
CASES = [
    (
        "deep TOML array",
        load_preset("a = " + "[" * 5000 + "]" * 5000 + "\n"),
        ValueError,
        ["nested too deep"],
    ),
    (
        "deep TOML inline table",
        load_preset("a = " + "{b = " * 500 + "1" + "}" * 500 + "\n"),
        ValueError,
        ["nested too deep"],
    ),
    (
        "huge preset",
        load_preset('description = "x"\n' + "# padding\n" * 420_000),
        ValueError,
        ["4,194,304"],
    ),
    ("BOM preset accepted", load_preset(BOM + b'description = "x"\nnodes = 5\n'), None, []),
    ("BOM-only preset is empty", load_preset(BOM), ValueError, ["empty"]),
    ("binary preset", load_preset(b"\x00\x01\x02nodes = 3\n"), ValueError, ["not a text file"]),
    ("preset shadowed by a local file", shadowed_preset, None, []),
    ("a name without / that is not a preset", path_without_slash, ValueError, ["calm_day"]),
    (
        "preset content not echoed",
        load_preset(f'events = "{PAD}{SECRET}"\n'),
        ValueError,
        ["events must be a list"],
    ),
    (
        "preset long key not echoed",
        load_preset(f'"{PAD}{SECRET}" = 1\n'),
        ValueError,
        ["unknown key"],
    ),
    ("huge trace", huge_trace, ValueError, ["1,048,576"]),
    (
        "long CSV field",
        load_trace("time_s,sessions_per_s\n0," + "9" * 200_000 + "\n"),
        ValueError,
        ["not a CSV file"],
    ),
    ("too many trace rows", load_trace(TRACE + "\n" * 100_001), ValueError, ["100,000"]),
    ("BOM trace accepted", load_trace(BOM + TRACE.encode()), None, []),
    ("BOM-only trace is empty", load_trace(BOM), ValueError, ["empty"]),
    ("binary trace", load_trace(b"\x00\x00\x00\x00time_s\n"), ValueError, ["not a text file"]),
    (
        "NaN rate",
        load_trace("time_s,sessions_per_s\n0,1\n10,nan\n"),
        ValueError,
        ["line 3", "sessions_per_s"],
    ),
    (
        "infinite time",
        load_trace("time_s,sessions_per_s\n0,1\ninf,2\n"),
        ValueError,
        ["line 3", "time_s is not finite"],
    ),
    (
        "decreasing times",
        load_trace("time_s,sessions_per_s\n0,1\n300,2\n100,3\n"),
        ValueError,
        ["line 4", "after 300 at line 3"],
    ),
    (
        "trace header not echoed",
        load_trace(f"{PAD}{SECRET}\n0,1\n"),
        ValueError,
        ["header must be time_s,sessions_per_s"],
    ),
    (
        "trace cell not echoed",
        load_trace(f"time_s,sessions_per_s\n0,{PAD}{SECRET}\n"),
        ValueError,
        ["line 2", "sessions_per_s is not a number"],
    ),
    (
        "description round trip",
        round_trip('DEL\x7f NUL\x00 bell\x07 tab\t "q" \\ \\n é ☃ 日本'),
        None,
        [],
    ),
    (
        "description with a lone surrogate",
        refused_description("bad \ud800"),
        ValueError,
        ["'\\ud800'"],
    ),
    ("description with a carriage return", refused_description("one\rtwo"), ValueError, ["'\\r'"]),
    ("20,000 events refused", many_events(20_000), ValueError, ["20,000", "10,000"]),
    ("9,000 events accepted quickly", many_events(9_000), None, []),
]


@pytest.mark.parametrize(
    ("make", "error", "words"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_an_adversarial_input_is_refused_quickly_and_named(
    tmp_path, monkeypatch, make, error, words
):
    if make in (shadowed_preset, path_without_slash):
        action, named = make(tmp_path, monkeypatch)
    else:
        action, named = make(tmp_path)
    start = time.perf_counter()
    if error is None:
        action()
    else:
        with pytest.raises(error) as caught:
            action()
        message = str(caught.value)
        for word in [*words, named]:
            assert word in message, f"{word!r} missing from: {message}"
        assert SECRET not in message
        assert PAD not in message  # no more than 40 characters of a value are quoted
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0, f"took {elapsed:.2f} s"
