"""Errors that are errors: a refused scenario is a ScenarioError, anything else is a bug.

A value, combination or size the learner asked for that statelab refuses raises
``ScenarioError`` (a ``ValueError``), ``ScenarioTypeError`` (one, and a ``TypeError``) or
``ScenarioTooLarge`` (one); its message names the field. Only these are cut short for the
learner and shown by the dashboards as a message. A bug inside ``simulate`` or the
dashboards, even a plain ``ValueError``, reaches the caller with every frame that led to it.
"""

from __future__ import annotations

import asyncio
import time
import traceback

import pytest
from conftest import CountingSimulate

import statelab
from statelab import (
    Autoscale,
    Crash,
    ScaleTo,
    Scenario,
    ScenarioError,
    ScenarioTooLarge,
    ScenarioTypeError,
    simulate,
)
from statelab.dashboards import dashboard as dashboard_module
from statelab.sim import budget, errors, events, traces, workload
from statelab.sim import scenario as scenario_module
from statelab.sim.model import ShopModel
from statelab.widgets import Compare, Lab

SMALL = Scenario(duration=20.0)  # about 600 requests: quick runs


def frames(error: BaseException) -> list[str]:
    """The names of the functions in ``error``'s traceback and in those of its causes."""
    names = []
    while error is not None:
        names += [frame.name for frame in traceback.extract_tb(error.__traceback__)]
        error = error.__cause__ or error.__context__
    return names


def bug(*args, **kwargs):
    """Stands in for a function statelab calls, with a bug: a plain ValueError, not a
    learner's value."""
    raise ValueError("bug: a slip inside the model")


# -- the classes -----------------------------------------------------------------------------


def test_a_scenario_error_is_a_value_error_and_not_a_type_error():
    assert issubclass(ScenarioError, ValueError)
    assert not issubclass(ScenarioError, TypeError)


def test_a_scenario_type_error_is_both_a_scenario_error_and_a_type_error():
    assert issubclass(ScenarioTypeError, ScenarioError)
    assert issubclass(ScenarioTypeError, TypeError)
    assert issubclass(ScenarioTypeError, ValueError)  # through ScenarioError


def test_too_large_is_a_scenario_error_and_not_a_type_error():
    assert issubclass(ScenarioTooLarge, ScenarioError)
    assert not issubclass(ScenarioTooLarge, TypeError)


def test_the_three_are_public_names_of_statelab():
    assert statelab.ScenarioError is errors.ScenarioError
    assert statelab.ScenarioTypeError is errors.ScenarioTypeError
    assert statelab.ScenarioTooLarge is budget.ScenarioTooLarge
    assert {"ScenarioError", "ScenarioTypeError", "ScenarioTooLarge"} <= set(statelab.__all__)


# -- a bad value is a ScenarioError that names the field --------------------------------------

REFUSED = [
    ("nodes=0", lambda: Scenario(nodes=0), ScenarioError, ["nodes", "got 0", "1 to 64"]),
    ("workers='4'", lambda: Scenario(workers="4"), ScenarioTypeError, ["workers", "'4'"]),
    ("affinity", lambda: Scenario(affinity="stiky"), ScenarioError, ["affinity", "'sticky'"]),
    ("seed=True", lambda: Scenario(seed=True), ScenarioTypeError, ["seed", "True"]),
    ("duration=nan", lambda: Scenario(duration=float("nan")), ScenarioError, ["duration"]),
    ("warmup", lambda: Scenario(warmup=200.0), ScenarioError, ["warmup", "duration"]),
    ("failures", lambda: Scenario(failures="often"), ScenarioTypeError, ["failures", "'often'"]),
    ("unknown field", lambda: Scenario().replace(nodez=2), ScenarioTypeError, ["nodez", "nodes"]),
    ("Crash.at", lambda: Crash(1, -5.0), ScenarioError, ["Crash.at", "-5"]),
    ("Crash.node", lambda: Crash("one", 5.0), ScenarioTypeError, ["Crash.node", "'one'"]),
    ("ScaleTo.mode", lambda: ScaleTo(2, 5.0, drain=5.0, mode="abrupt"), ScenarioError, ["drain"]),
    (
        "a crash after the run",
        lambda: Scenario(events=(Crash(1, 500.0),)),
        ScenarioError,
        ["events[0]", "Crash.at=500", "duration=120"],
    ),
    (
        "an event that is not one",
        lambda: Scenario(events=("crash at 60",)),
        ScenarioTypeError,
        ["events[0]", "'crash at 60'"],
    ),
    (
        "the autoscaler's range",
        lambda: Autoscale(min_nodes=5, max_nodes=2),
        ScenarioError,
        ["Autoscale.min_nodes=5", "Autoscale.max_nodes=2"],
    ),
    (
        "nodes outside the autoscaler's range",
        lambda: Scenario(nodes=1, autoscale=Autoscale(min_nodes=2)),
        ScenarioError,
        ["nodes=1", "Autoscale.min_nodes=2"],
    ),
    (
        "a trace's rate",
        lambda: traces.Trace("step", (0, 60), (1.0, "many")),
        ScenarioTypeError,
        ["sessions_per_s", "'many'"],
    ),
    ("a trace's name", lambda: Scenario(arrival_rate="no_such"), ScenarioError, ["no_such"]),
    ("simulate's scenario", lambda: simulate("crash"), ScenarioTypeError, ["Scenario", "'crash'"]),
    ("simulate's limit", lambda: simulate(SMALL, limit=0), ScenarioError, ["limit", "got 0"]),
    ("a run too large", lambda: simulate(SMALL, limit=10), ScenarioTooLarge, ["limit of 10"]),
]


@pytest.mark.parametrize(
    ("make", "kind", "words"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED]
)
def test_a_bad_value_is_a_scenario_error_naming_the_field(make, kind, words):
    with pytest.raises(ScenarioError) as raised:
        make()
    assert type(raised.value) is kind
    for word in words:
        assert word in str(raised.value)


def preset(tmp_path, text: str):
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    return path


BAD_PRESETS = [
    ("a bad value", "nodes = 0\n", ScenarioError, ["nodes", "got 0"]),
    ("a bad kind", 'workers = "four"\n', ScenarioTypeError, ["workers", "'four'"]),
    ("an unknown key", "nodez = 3\n", ScenarioError, ["unknown key 'nodez'"]),
    ("not TOML", "nodes = \n", ScenarioError, ["not valid TOML"]),
    ("empty", "", ScenarioError, ["empty"]),
    (
        "a bad event",
        '[[events]]\ntype = "Crash"\nnode = 1\nat = "soon"\n',
        ScenarioTypeError,
        ["events[0]", "Crash.at", "'soon'"],
    ),
]


@pytest.mark.parametrize(
    ("text", "kind", "words"), [b[1:] for b in BAD_PRESETS], ids=[b[0] for b in BAD_PRESETS]
)
def test_a_bad_preset_file_is_a_scenario_error_naming_the_file(tmp_path, text, kind, words):
    path = preset(tmp_path, text)
    with pytest.raises(ScenarioError) as raised:
        Scenario.load(path)
    assert type(raised.value) is kind
    assert str(path) in str(raised.value)
    for word in words:
        assert word in str(raised.value)


def test_a_trace_file_the_files_layer_refuses_is_a_scenario_error_naming_it(tmp_path):
    path = tmp_path / "binary.csv"
    path.write_bytes(b"time_s,sessions_per_s\n0,1\x00\n")
    with pytest.raises(ScenarioError, match="not a text file") as raised:
        Scenario(arrival_rate=str(path))
    assert str(path.resolve()) in str(raised.value)


def test_a_refused_value_is_cut_to_the_learners_call():
    with pytest.raises(ScenarioError) as raised:
        Scenario(nodes=0)
    assert "__post_init__" not in frames(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__


# -- a bug is not the learner's: it comes with its traceback -----------------------------------


def test_a_bug_inside_a_scenarios_checks_keeps_its_frames(monkeypatch):
    """Before, a ValueError from inside Scenario() was cut short as if it were a bad value."""
    monkeypatch.setattr(scenario_module, "timeline_columns", bug)
    with pytest.raises(ValueError, match="bug") as raised:
        Scenario()
    assert not isinstance(raised.value, ScenarioError)
    assert {"bug", "_check_timeline_size", "__post_init__"} <= set(frames(raised.value))


def test_a_bug_inside_an_events_checks_keeps_its_frames(monkeypatch):
    monkeypatch.setattr(events, "_scale_in_mode", bug)
    with pytest.raises(ValueError, match="bug") as raised:
        ScaleTo(2, 5.0)
    assert {"bug", "__post_init__"} <= set(frames(raised.value))


def test_a_bug_while_simulate_makes_its_default_scenario_keeps_its_frames(monkeypatch):
    monkeypatch.setattr(scenario_module, "timeline_columns", bug)
    with pytest.raises(ValueError, match="bug") as raised:
        simulate()
    assert {"bug", "_checked", "_check_timeline_size"} <= set(frames(raised.value))


def test_a_key_error_in_the_model_reaches_the_caller_of_simulate(monkeypatch):
    def run(self, *args, **kwargs):
        raise KeyError("node 7")

    monkeypatch.setattr(ShopModel, "run", run)
    with pytest.raises(KeyError, match="node 7") as raised:
        simulate(SMALL)
    assert {"simulate", "_run", "run"} <= set(frames(raised.value))


def test_a_value_error_deep_in_a_run_reaches_the_caller_of_simulate(monkeypatch):
    """A plain ValueError in a shopper's SimPy process: not refused, not cut short."""
    monkeypatch.setattr(workload.Workload, "next_session", bug)
    with pytest.raises(ValueError, match="bug") as raised:
        simulate(SMALL)
    assert not isinstance(raised.value, ScenarioError)
    names = frames(raised.value)
    assert {"simulate", "_run", "bug"} <= set(names)
    assert names.index("simulate") < names.index("_run") < names.index("bug")


# -- the dashboards: a refusal is a message, a bug is a traceback ------------------------------


class Buggy(CountingSimulate):
    """A simulate with a bug for the scenarios ``broken`` says are broken."""

    def __init__(self, broken, error: Exception | None = None):
        super().__init__()
        self.broken = broken
        self.error = error or ValueError("bug: a slip inside the model")

    def __call__(self, scenario, limit=None):
        if self.broken(scenario):
            self.calls.append(scenario)
            raise self.error
        return super().__call__(scenario, limit=limit)


def test_the_lab_shows_a_refused_scenario_as_a_message():
    lab = Lab(SMALL, limit=1_000)
    shown = lab.result
    lab.controls["arrival_rate"].value = 40.0  # about 4,800 requests: over the limit
    lab.wait()
    assert "Not run:" in lab.message.value and "limit of 1,000" in lab.message.value
    assert lab.result is shown


def test_the_lab_shows_a_scenario_error_from_simulate_as_a_message():
    fake = Buggy(lambda s: s.nodes == 5, ScenarioError("nodes=5 is refused today"))
    lab = Lab(SMALL, simulate=fake)
    lab.controls["nodes"].value = 5
    lab.wait()
    assert "Not run:" in lab.message.value and "nodes=5 is refused today" in lab.message.value


def test_a_bug_in_simulate_goes_through_the_lab_as_a_traceback():
    fake = Buggy(lambda s: s.nodes == 5)
    lab = Lab(SMALL, simulate=fake)
    shown = lab.result
    with pytest.raises(ValueError, match="bug") as raised:
        lab.controls["nodes"].value = 5
    assert raised.value is fake.error
    assert "_apply" in frames(raised.value)
    assert "Not run" not in lab.message.value and "bug" not in lab.message.value
    assert lab.result is shown
    assert fake.calls[-1].nodes == 5


def test_a_bug_in_simulate_goes_through_compare_as_a_traceback():
    fake = Buggy(lambda s: s.state == "cookie")
    compare = Compare(SMALL, simulate=fake)
    with pytest.raises(ValueError, match="bug"):
        compare.controls["right"].value = "cookie"
    assert "Not run" not in compare.message.value


def test_compare_shows_a_refused_scenario_as_a_message():
    fake = Buggy(lambda s: s.nodes == 12, ScenarioTooLarge("too large for this test"))
    compare = Compare(SMALL, field="nodes", values=(1, 2), simulate=fake)
    compare.controls["right"].value = 12
    compare.wait()
    assert "Not run:" in compare.message.value
    assert "too large for this test" in compare.message.value


async def settle(lab: Lab, reached: list, within: float = 30.0) -> None:
    """Let the loop run until the Lab has shown the change and made every run ahead, or
    until an exception has reached the loop's handler."""
    await asyncio.sleep(0)
    deadline = time.monotonic() + within
    while (lab._scheduled or lab._ahead) and not reached and time.monotonic() < deadline:
        await asyncio.sleep(0.01)


def in_a_kernel(play) -> list[BaseException]:
    """Run ``play(reached)`` in an event loop, as a kernel does; return the exceptions that
    reached the loop's handler (where a kernel shows a callback's traceback)."""
    reached = []

    async def main():
        asyncio.get_running_loop().set_exception_handler(
            lambda loop, context: reached.append(context["exception"])
        )
        await play(reached)

    asyncio.run(main())
    return reached


def test_in_a_kernel_a_bug_in_an_update_reaches_the_loop_with_its_traceback():
    fake = Buggy(lambda s: s.nodes == 5)
    labs = []

    async def play(reached):
        lab = Lab(SMALL, simulate=fake)
        lab.run_ahead = False
        lab.controls["nodes"].value = 5
        await settle(lab, reached)
        labs.append(lab)

    reached = in_a_kernel(play)
    assert reached == [fake.error]
    assert "_apply" in frames(reached[0])
    assert "Not run" not in labs[0].message.value


@pytest.fixture
def ahead_on_a_busy_machine(monkeypatch):
    """Runs ahead are made even after a run slowed by a busy machine, and start sooner."""
    monkeypatch.setattr(dashboard_module, "AHEAD_AFTER_AT_MOST", 60.0)
    monkeypatch.setattr(dashboard_module, "AHEAD_PAUSE", 0.05)


@pytest.mark.usefixtures("ahead_on_a_busy_machine")
def test_in_a_kernel_a_bug_in_a_run_ahead_reaches_the_loop():
    fake = Buggy(lambda s: s.nodes == 4)  # one move away from 3 nodes: the first made ahead

    async def play(reached):
        lab = Lab(SMALL, simulate=fake)
        lab.controls["workers"].value = 5
        await settle(lab, reached)

    reached = in_a_kernel(play)
    assert reached == [fake.error]
    assert "_one_ahead" in frames(reached[0])


@pytest.mark.usefixtures("ahead_on_a_busy_machine")
def test_in_a_kernel_a_refused_run_ahead_is_not_made_and_nothing_is_raised():
    fake = Buggy(lambda s: s.nodes == 4, ScenarioTooLarge("too large to make ahead"))
    labs = []

    async def play(reached):
        lab = Lab(SMALL, simulate=fake)
        lab.controls["workers"].value = 5
        await settle(lab, reached)
        labs.append(lab)

    reached = in_a_kernel(play)
    assert reached == []
    lab = labs[0]
    refused = [s for s in fake.calls if s.nodes == 4]
    assert refused and not any(s in lab.kept for s in refused)
    assert all(s in lab.kept for s in lab._nearby() if s.nodes != 4)
    assert lab.message.value == ""
