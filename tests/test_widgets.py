"""The Lab and Compare dashboards, driven from code as a learner drives them by hand."""

from __future__ import annotations

import asyncio
import re

import matplotlib.pyplot as plt
import pytest
from conftest import CountingSimulate

from statelab import Crash, ScaleTo, Scenario, StoreOutage
from statelab.view.panels import nice_ceiling
from statelab.widgets import Compare, Lab


def lost_in(readout: str) -> int:
    """The number of sessions lost, read off the readout's text as a person reads it."""
    text = re.sub(r"<[^>]+>", "", readout)
    return int(re.search(r"Sessions lost: (\d+)", text).group(1))


@pytest.fixture(scope="module")
def lab():
    return Lab()


def test_the_default_lab_runs_a_shop_of_at_least_3000_requests(lab):
    assert lab.scenario.expected_requests() >= 3_000
    assert len(lab.result.requests) >= 3_000
    assert {
        "nodes",
        "workers",
        "arrival_rate",
        "balancer",
        "affinity",
        "state",
        "failures",
        "autoscale",
        "crash_node",
        "crash_at",
        "preset",
    } <= set(lab.controls)


def test_a_control_change_updates_scenario_result_readout_and_figure():
    lab = Lab()
    figure, fignums = lab.figure, plt.get_fignums()
    lab.controls["nodes"].value = 5
    lab.wait()
    assert lab.scenario.nodes == 5 and lab.result.scenario.nodes == 5
    labels = [t.get_text() for t in lab.ax_cluster.texts if t.get_text().startswith("node ")]
    assert len(labels) == 5
    assert lab.figure is figure and plt.get_fignums() == fignums


def test_a_crash_loses_carts_with_server_state_and_none_with_a_store():
    lab = Lab()
    assert lost_in(lab.readout.value) == 0
    lab.controls["crash_node"].value = 1
    lab.wait()
    assert lab.scenario.events == (Crash(1, 60.0),)
    lost = lost_in(lab.readout.value)
    assert lost == lab.result.summary()["sessions_lost"] > 0
    assert "crash" in lab.readout.value
    lab.controls["state"].value = "store"
    lab.wait()
    assert lost_in(lab.readout.value) == 0


def test_no_figure_or_artist_piles_up_over_many_changes():
    lab = Lab()

    def artists():
        return len(lab.figure.findobj())

    fignums = plt.get_fignums()
    values = ["random", "least_connections", "two_choices", "round_robin"]
    lab.controls["balancer"].value = "random"
    settled = artists()
    for i in range(24):
        lab.controls["balancer"].value = values[i % 4]
        lab.controls["affinity"].value = ["none", "sticky"][i % 2]
    assert artists() <= settled + 5  # a legend entry or a marker more, never a pile
    assert plt.get_fignums() == fignums
    assert lab.updates == 49


def test_a_bad_combination_shows_a_message_not_a_traceback():
    lab = Lab()
    shown = lab.result
    lab.controls["crash_node"].value = 0
    lab.controls["crash_at"].value = 120.0  # the end of the run: the crash would never happen
    lab.wait()
    assert "Crash.at=120" in lab.message.value and "duration=120" in lab.message.value
    assert lab.result is not shown  # the crash at 60 s ran; this one did not
    kept = lab.result
    lab.controls["crash_at"].value = 30.0
    lab.wait()
    assert lab.message.value == "" and lab.result is not kept


def test_the_crash_choices_follow_the_number_of_nodes():
    lab = Lab()
    lab.controls["crash_node"].value = 2
    lab.controls["nodes"].value = 2
    assert list(lab.controls["crash_node"].options) == ["none", 0, 1]
    assert lab.controls["crash_node"].value == "none"
    lab.wait()
    assert lab.message.value == ""


def test_a_burst_of_changes_in_a_kernel_ends_with_the_last_value_shown():
    fake = CountingSimulate(delay=0.05)
    lab = Lab(simulate=fake)
    before = len(fake.calls)

    async def burst():
        for nodes in (4, 5, 6, 7, 2, 5):
            lab.controls["nodes"].value = nodes
        await asyncio.sleep(0.3)

    asyncio.run(burst())
    assert lab.scenario.nodes == 5 and lab.result.scenario.nodes == 5
    assert len(fake.calls) - before == 1  # the burst ran once, with the last value


def test_wait_shows_a_pending_change_at_once_inside_a_kernel():
    lab = Lab()

    async def change_and_read():
        lab.controls["workers"].value = 7
        assert lab.scenario.workers == 4  # coalesced: not run yet
        lab.wait()
        return lab.scenario.workers

    assert asyncio.run(change_and_read()) == 7


def test_scrubbing_moves_the_cluster_view_without_simulating_again():
    fake = CountingSimulate()
    lab = Lab(Scenario.load("crash"), simulate=fake)
    runs = len(fake.calls)
    titles = []
    for index in (10, 59, 61, 100):
        lab.time.value = index
        titles.append(lab._clusters[0].title.get_text())
    assert titles[0].startswith("t = 10 s") and "no cart lost" in titles[1]
    assert "carts lost" in titles[3] and "1 node" not in titles[3]
    assert len(fake.calls) == runs
    assert lab.time_label.value == "t = 100 s"


def test_blitting_shows_exactly_what_a_full_draw_shows():
    lab = Lab()
    lab.controls["balancer"].value = "random"  # limits stay: blitted
    lab.time.value = 40
    blitted = lab.png()
    lab._draw()
    assert lab.png() == blitted
    assert lab.full_draws < lab.updates


def test_choosing_a_preset_shows_it_and_sets_the_controls():
    lab = Lab()
    lab.controls["preset"].value = "rehash"
    lab.wait()
    assert lab.scenario == Scenario.load("rehash")
    assert lab.controls["affinity"].value == "source_hash" and lab.controls["crash_node"].value == 1
    lab.controls["preset"].value = "flash_sale"
    lab.wait()
    assert lab.scenario.arrival_rate.name == "flash_sale" and lab.controls["arrival_rate"].disabled


def test_one_click_moments_give_the_same_picture_every_time():
    first, second = Lab(), Lab()
    for lab in (first, second):
        lab.time.value = 40
        lab.crash_now(2)
        assert lab.time.value == 35  # rewound a little, to watch the moment come
        lab.time.value = 40
        lab.scale_now(6)
    assert first.scenario == second.scenario
    assert Crash(2, 40.0) in first.scenario.events and ScaleTo(6, 40.0) in first.scenario.events
    assert first.readout.value == second.readout.value
    first.store_outage_now()
    assert first.scenario.state == "store"
    assert any(isinstance(e, StoreOutage) for e in first.scenario.events)
    first.clear_moments()
    first.wait()
    assert first.scenario.events == ()


def test_presenter_mode_is_bigger():
    assert Lab(presenter=True).figure.get_size_inches()[0] > Lab().figure.get_size_inches()[0]


def test_compare_runs_two_scenarios_that_differ_in_one_choice_with_one_seed():
    compare = Compare()
    left, right = compare.scenarios
    assert (left.state, right.state) == ("server", "store") and left.seed == right.seed
    assert left.replace(state="store") == right
    assert compare.time_label.value == "t = 120 s"  # the end of the run, as the slider says
    lines = compare.readout.value.split("<br>")
    assert lost_in(lines[0]) > 0 and lost_in(lines[1]) == 0
    compare.controls["field"].value = "affinity"
    compare.wait()
    assert [s.affinity for s in compare.scenarios] == ["none", "sticky"]
    with pytest.raises(ValueError, match="field must be one of"):
        Compare(field="colour")


def test_nice_ceilings_step_1_2_5():
    assert [nice_ceiling(v) for v in (0.3, 1.0, 1.2, 3, 7, 45, 120)] == [
        0.5,
        1.0,
        2.0,
        5.0,
        10.0,
        50.0,
        200.0,
    ]
