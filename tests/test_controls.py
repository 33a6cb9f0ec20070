"""The Lab's controls and a Scenario, mapped both ways without a widget; and the Lab using it."""

from __future__ import annotations

import html

import pytest

from statelab import Crash, RandomFailures, Restart, ScaleTo, Scenario, presets
from statelab.dashboards.controls import (
    LAB_FAILURES,
    NO_CRASH,
    RANGES,
    autoscale_for,
    controls_from_scenario,
    scenario_from_controls,
)
from statelab.widgets import Lab


@pytest.mark.parametrize("name", sorted(presets()))
def test_a_preset_shown_in_the_controls_runs_as_itself(name):
    preset = Scenario.load(name)
    values, notes = controls_from_scenario(preset)
    assert notes == []  # every preset fits the controls as it is
    assert scenario_from_controls(preset, values) == preset


def test_a_value_beyond_a_control_is_changed_and_said():
    shop = Scenario(nodes=20, workers=4, arrival_rate=5.25)
    values, notes = controls_from_scenario(shop)
    assert values["nodes"] == RANGES["nodes"].high == 12
    assert values["arrival_rate"] in (5.0, 5.5)
    shown = values["arrival_rate"]
    assert notes == [
        "nodes=20 is outside the control's 1 to 12: the Lab runs nodes=12",
        f"arrival_rate=5.25 is not a step of 0.5: the Lab runs arrival_rate={shown:g}",
    ]
    assert scenario_from_controls(shop, values).nodes == 12


def test_the_crash_controls_stand_for_the_first_crash_and_keep_the_others():
    later, first = Crash(2, 90.0), Crash(0, 30.0)
    shop = Scenario(nodes=3, events=(later, Restart(0, 50.0), first))
    values, _ = controls_from_scenario(shop)
    assert (values["crash_node"], values["crash_at"]) == (0, 30.0)
    moved = scenario_from_controls(shop, {**values, "crash_node": 1, "crash_at": 20.0})
    assert moved.events == (Crash(1, 20.0), Restart(0, 50.0), later)
    none = scenario_from_controls(shop, {**values, "crash_node": NO_CRASH})
    assert none.events == (Restart(0, 50.0), later)


def test_switches_and_moments():
    shop = Scenario(nodes=3)
    values, _ = controls_from_scenario(shop)
    on = scenario_from_controls(
        shop, {**values, "failures": True, "autoscale": True}, moments=(ScaleTo(5, 40.0),)
    )
    assert on.failures == LAB_FAILURES and on.autoscale == autoscale_for(3)
    assert on.events == (ScaleTo(5, 40.0),)
    own = shop.replace(failures=RandomFailures(mtbf=300.0, mttr=5.0))
    assert scenario_from_controls(own, controls_from_scenario(own)[0]).failures == own.failures


def test_a_bad_combination_names_the_field():
    shop = Scenario(nodes=3, duration=100.0)
    values, _ = controls_from_scenario(shop)
    with pytest.raises(ValueError, match=r"Crash.at=120"):
        scenario_from_controls(shop, {**values, "crash_node": 1, "crash_at": 120.0})


def test_the_lab_says_what_it_changed_to_show_a_scenario():
    lab = Lab(Scenario(nodes=20, duration=60.0))
    assert lab.scenario.nodes == 12
    assert "nodes=20 is outside the control's 1 to 12" in html.unescape(lab.message.value)
    lab.controls["workers"].value += 1  # the next run is the learner's own: the note goes
    lab.wait()
    assert lab.message.value == ""


def test_an_error_while_setting_controls_leaves_the_lab_listening():
    lab = Lab(Scenario(duration=60.0))
    runs = lab.updates
    with pytest.raises(RuntimeError), lab.own_changes():
        raise RuntimeError("a bug in the middle of a sync")
    lab.controls["nodes"].value = 5
    lab.wait()
    assert lab.updates == runs + 1 and lab.scenario.nodes == 5
