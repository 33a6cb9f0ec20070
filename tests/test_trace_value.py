"""A Scenario is a value: a trace travels with it (its points, not its path).

A trace given by name or path is read and checked when the Scenario is made, so the
result does not depend on the file changing later, on the working directory, or on a
worker's disk; ``save()`` writes the points, so a saved preset loads anywhere.
"""

from __future__ import annotations

import pickle

import pytest

from statelab import Scenario, simulate, sweep
from statelab.sim.traces import Trace, load_trace

STEP = "time_s,sessions_per_s\n0,2.0\n30,2.0\n31,6.0\n60,6.0\n"


@pytest.fixture
def step_file(tmp_path):
    path = tmp_path / "step.csv"
    path.write_text(STEP)
    return path


def test_a_trace_file_is_read_once_when_the_scenario_is_made(step_file):
    scenario = Scenario(arrival_rate=str(step_file), duration=60.0, nodes=2)
    before = simulate(scenario)
    step_file.write_text(STEP.replace("6.0", "1.0"))  # the file changes afterwards
    after = simulate(scenario)
    assert isinstance(scenario.arrival_rate, Trace) and scenario.arrival_rate.name == "step"
    assert scenario.arrival_rate.rates == (2.0, 2.0, 6.0, 6.0)
    assert before.requests.equals(after.requests)
    # a new Scenario reads the changed file
    assert Scenario(arrival_rate=str(step_file), duration=60.0).arrival_rate.peak == 2.0


def test_a_relative_path_is_read_where_the_scenario_is_made_not_where_it_runs(
    step_file, tmp_path, monkeypatch
):
    monkeypatch.chdir(step_file.parent)
    scenario = Scenario(arrival_rate="./step.csv", duration=60.0, nodes=2)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    step_file.unlink()
    table = sweep(scenario, "nodes", [1, 2], seeds=2)  # pool workers never see the file
    assert len(table) == 4 and not table.attrs.get("failed")
    assert simulate(scenario).request_count > 0


def test_the_scenario_carries_the_points_to_a_worker(step_file):
    scenario = Scenario(arrival_rate=str(step_file), duration=60.0)
    step_file.unlink()
    copy = pickle.loads(pickle.dumps(scenario))
    assert copy == scenario and copy.arrival_rate.times == (0.0, 30.0, 31.0, 60.0)


def test_a_saved_scenario_with_a_trace_loads_anywhere(step_file, tmp_path):
    scenario = Scenario(arrival_rate=str(step_file), duration=60.0, nodes=4)
    saved = scenario.save(tmp_path / "mine.toml", "a step in the load")
    step_file.unlink()
    assert "[arrival_rate]" in saved.read_text()
    assert Scenario.load(saved) == scenario
    shipped = Scenario.load("flash_sale")
    assert Scenario.load(shipped.save(tmp_path / "sale.toml")) == shipped


def test_a_preset_names_a_trace_file_relative_to_its_own_folder(step_file, tmp_path, monkeypatch):
    preset = tmp_path / "uses_step.toml"
    preset.write_text('description = "x"\narrival_rate = "./step.csv"\nduration = 60.0\n')
    monkeypatch.chdir("/")
    assert Scenario.load(preset).arrival_rate == load_trace(step_file)


def test_a_trace_made_in_python_is_checked_like_a_file():
    assert Scenario(arrival_rate=Trace("ramp", (0, 60), (1, 5)), duration=60.0).trace().peak == 5.0
    for times, rates, words in [
        ((0, 60, 30), (1, 1, 1), ["point 2", "must increase"]),
        ((5, 60), (1, 1), ["point 0", "first time_s must be 0"]),
        ((0, 60), (1, float("nan")), ["point 1", "not finite"]),
        ((0, 60), (0, 0), ["every rate is 0"]),
        ((0, 60), (1, 20_000), ["from 0 to 10000"]),
        ((0,), (1,), ["at least two rows"]),
        ((0, 60), (1,), ["times has 2 points but rates has 1"]),
    ]:
        with pytest.raises(ValueError) as refused:
            Trace("bad", times, rates)
        assert all(word in str(refused.value) for word in words), str(refused.value)
    with pytest.raises(TypeError, match="'fast'"):
        Trace("bad", (0, 60), (1, "fast"))


def test_a_preset_trace_table_with_a_bad_key_names_the_file_and_the_key(tmp_path):
    preset = tmp_path / "bad.toml"
    preset.write_text('description = "x"\n[arrival_rate]\nname = "s"\ntimes = [0, 1]\n')
    with pytest.raises(ValueError, match=r"bad\.toml: arrival_rate: unknown trace key 'times'"):
        Scenario.load(preset)
