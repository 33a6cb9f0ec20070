"""What a learner sees of the package: short errors, a short repr, a describe() without riddles."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import traceback

import pytest
from conftest import ROOT

from statelab import (
    Crash,
    RandomFailures,
    ScaleTo,
    Scenario,
    ScenarioError,
    ScenarioTooLarge,
    ScenarioTypeError,
    StoreOutage,
    simulate,
)

#: The longest traceback a learner should read for a mistake in a value (lines).
SHORT = 15

MISTAKES = [
    ("Scenario(nodes=0)", ScenarioError, "nodes must be a whole number from 1 to 64, got 0"),
    ('Scenario(affinity="stiky")', ScenarioError, "Did you mean 'sticky'?"),
    ("Scenario(arrival_rate='no_such_trace')", ScenarioError, "unknown trace 'no_such_trace'"),
    ("Scenario(events=(Crash(5, 3.0),))", ScenarioError, "Crash.node=5 does not exist"),
    ("Scenario(nodes='3')", ScenarioTypeError, "nodes must be a whole number"),
    ("Scenario().replace(workers=0)", ScenarioError, "workers must be a whole number"),
    ("Scenario().replace(nodez=3)", ScenarioTypeError, "Did you mean 'nodes'?"),
    ("Crash(node=-1, at=3.0)", ScenarioError, "Crash.node must be a whole number"),
    ("Scenario.load('no_such_preset')", ScenarioError, "no_such_preset"),
    (
        "simulate(Scenario(arrival_rate=1000.0, duration=3000.0))",
        ScenarioTooLarge,
        "Shorten duration",
    ),
    ("simulate(Scenario(), limit=0)", ScenarioError, "limit must be a whole number"),
    ("simulate('crash')", ScenarioTypeError, "simulate needs a Scenario"),
]


def test_the_public_calls_raise_the_same_classes_with_the_same_messages():
    namespace = {"Scenario": Scenario, "Crash": Crash, "simulate": simulate}
    for code, kind, words in MISTAKES:
        with pytest.raises(kind, match=None) as raised:
            exec(code, namespace)
        assert type(raised.value) is kind, code
        assert words in str(raised.value), code
        error = raised.value
        assert error.__cause__ is None, code
        assert error.__context__ is None or error.__suppress_context__, code


def python_traceback_lines(code: str) -> int:
    namespace = {"Scenario": Scenario, "Crash": Crash, "simulate": simulate}
    try:
        exec(code, namespace)
    except (TypeError, ValueError) as error:
        return len("".join(traceback.format_exception(error)).splitlines())
    raise AssertionError(f"{code} raised nothing")


@pytest.mark.parametrize(("code", "kind", "words"), MISTAKES, ids=[m[0] for m in MISTAKES])
def test_a_mistake_has_a_short_python_traceback(code, kind, words):
    assert python_traceback_lines(code) <= SHORT


def test_the_internal_frames_are_what_made_the_traceback_long():
    """Before: the same check reached through the unwrapped constructor drags its frames."""
    unwrapped = Scenario.__init__.__wrapped__
    try:
        unwrapped(object.__new__(Scenario), nodes=0)
    except ValueError as error:
        before = len("".join(traceback.format_exception(error)).splitlines())
    after = python_traceback_lines("Scenario(nodes=0)")
    assert after < before


IPYTHON = """
import contextlib, io, json
from IPython.core.interactiveshell import InteractiveShell
shell = InteractiveShell.instance(colors="NoColor")
shell.run_cell("from statelab import Crash, Scenario, simulate")
shell.run_cell("from statelab.sim.scenario import Scenario as S")
lines = {}
for code in json.loads(CODES):
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        shell.run_cell(code)
    lines[code] = out.getvalue().count("\\n")
print(json.dumps(lines))
"""


def test_in_ipython_a_mistake_shows_in_a_few_lines_with_its_message_last():
    """What a notebook shows (IPython's own traceback, in a process of its own); the check
    deep inside, reached through the unwrapped constructor, takes more than 60 lines."""
    codes = [code for code, _, _ in MISTAKES]
    codes.append("S.__init__.__wrapped__(object.__new__(S), nodes=0)")
    program = IPYTHON.replace("CODES", repr(json.dumps(codes)))
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert done.returncode == 0, done.stderr
    lines = json.loads(done.stdout.strip().splitlines()[-1])
    before = lines.pop(codes[-1])
    assert before > 60
    long = {code: count for code, count in lines.items() if count > SHORT}
    assert not long, f"tracebacks longer than {SHORT} lines: {long}"


# -- repr -----------------------------------------------------------------------------


def test_the_default_scenario_reads_as_itself():
    assert repr(Scenario()) == "Scenario()"


def test_a_scenario_shows_only_what_differs_from_the_defaults():
    assert repr(Scenario(nodes=5, affinity="ip_hash")) == "Scenario(nodes=5, affinity='ip_hash')"
    assert repr(Scenario(duration=300)) == "Scenario(duration=300.0)"
    assert repr(Scenario(nodes=3, affinity="sticky")) == "Scenario()"


@pytest.mark.parametrize(
    "scenario",
    [
        Scenario(),
        Scenario(nodes=5, affinity="ip_hash", client_timeout=1.0, idempotency_keys=True),
        Scenario(events=(Crash(1, 60.0),)),
        Scenario(events=[Crash(1, 60.0), ScaleTo(5, 90.0, drain=10.0, mode="sticky")]),
        Scenario(state="store", events=(StoreOutage(30.0, 5.0),)),
        Scenario(failures=RandomFailures(120.0, 20.0)),
        Scenario.load("autoscale_spike"),
        Scenario.load("capstone"),
    ],
    ids=repr,
)
def test_a_scenarios_repr_evaluates_to_an_equal_scenario(scenario):
    import statelab

    assert eval(repr(scenario), vars(statelab)) == scenario
    assert "\n" not in repr(scenario)


# -- describe -------------------------------------------------------------------------


def test_describe_leaves_out_the_event_share_of_a_run_with_no_event():
    table = simulate(Scenario(duration=30.0)).describe()
    assert "event_lost_share" not in table.index
    assert "sessions_lost" in table.index
    assert not table["value"].map(lambda v: isinstance(v, float) and math.isnan(v)).any()


def test_describe_keeps_the_event_share_of_a_run_with_an_event(preset_run):
    table = preset_run("crash").describe()
    assert 0 < table.loc["event_lost_share", "value"] < 1


def test_describe_explains_a_nan_event_share():
    quiet = Scenario(arrival_rate=0.01, duration=30.0, events=(Crash(1, 0.5),))
    result = simulate(quiet)
    assert math.isnan(result.summary()["event_lost_share"])
    meaning = result.describe().loc["event_lost_share", "what it means"]
    assert "no shopper was active at the first event" in meaning


def test_describe_shows_every_meaning_whole_in_a_notebook_and_at_the_prompt(preset_run):
    """pandas cuts a cell at 50 characters (display.max_colwidth): the meanings of the new
    ideas (failed, timed_out, items the browser refused) were cut mid-sentence."""
    table = preset_run("crash").describe()
    long = [m for m in table["what it means"] if len(m) > 50]
    assert long, "some meanings are longer than pandas' 50 characters"
    html, text = table._repr_html_(), repr(table)
    for meaning in table["what it means"]:
        assert meaning in html
    assert all(m in " ".join(text.split()) for m in long)
    assert "..." not in html
