"""The Lab and Compare dashboards, driven from code as a learner drives them by hand."""

from __future__ import annotations

import asyncio
import dataclasses
import re

import ipywidgets as widgets
import matplotlib.pyplot as plt
import pytest
from conftest import CountingSimulate
from matplotlib.figure import Figure

from statelab import Crash, ScaleTo, Scenario, StoreOutage, plots, simulate
from statelab.sim.errors import ScenarioError
from statelab.view.panels import nice_ceiling
from statelab.widgets import Compare, Lab


def lost_in(readout: str) -> int:
    """The number of sessions lost, read off the readout's text as a person reads it."""
    text = re.sub(r"<[^>]+>", "", readout)
    return int(re.search(r"Sessions lost: (\d+)", text).group(1))


def drawn(figure) -> list:
    """What a figure shows, panel by panel: its title and each line's label and points."""
    return [
        (
            "".join(text.get_text() for text in ax.texts),
            [
                (line.get_label(), list(line.get_xdata()), list(line.get_ydata()))
                for line in ax.lines
            ],
        )
        for ax in figure.axes
    ]


def drawn_afresh(result) -> list:
    """What the Lab's figure shows of ``result``, drawn on a figure of its own by the plots."""
    figure = Figure()
    lost, latency = figure.subplots(2, 1, sharex=True)
    plots.lost_over_time(result, lost)
    plots.latency_over_time(result, latency)
    return drawn(figure)


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


def test_a_control_change_updates_scenario_result_readout_view_and_figure():
    lab = Lab()
    figure, fignums, run = lab.figure, plt.get_fignums(), lab.view.run_id
    before = drawn(figure)
    lab.controls["nodes"].value = 5
    lab.wait()
    assert lab.scenario.nodes == 5 and lab.result.scenario.nodes == 5
    assert lab.view.result is lab.result and lab.view.run_id == run + 1
    assert lab.view.payload_meta["nodes"] == 5
    assert lab.figure is figure and plt.get_fignums() == fignums
    # the same figure now shows the new run: what the plots draw of it, line for line
    shown = drawn(lab.figure)
    assert shown == drawn_afresh(lab.result)
    assert shown != before, "the figure still shows the run with 3 nodes"


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
    assert lab.updates == 49 and lab.view.run_id == 49


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


def sent_in_order(monkeypatch) -> list[tuple]:
    """Every widget message the page would get, in order: (widget, keys of its state)."""
    sent = []

    def record(self, msg, buffers=None):
        sent.append((self, set(msg.get("state", {}))))

    monkeypatch.setattr(widgets.Widget, "_send", record)
    return sent


def test_in_a_kernel_the_crash_list_reaches_the_page_after_the_new_run(monkeypatch):
    """The list of nodes to crash follows "web servers" at once in Python, but its redraw
    in the page waits until the new run is there (it took the processor from the run)."""
    lab = Lab()
    lab.run_ahead = False
    crash_list, view = lab.controls["crash_node"], lab.view
    sent = sent_in_order(monkeypatch)

    async def press():
        lab.controls["nodes"].value = 4
        assert list(crash_list.options) == ["none", 0, 1, 2, 3]  # Python knows at once
        assert not any(widget is crash_list for widget, _ in sent)  # the page does not yet
        await asyncio.sleep(0.2)

    asyncio.run(press())
    run = next(i for i, (w, keys) in enumerate(sent) if w is view and "run_id" in keys)
    listed = next(i for i, (w, keys) in enumerate(sent) if w is crash_list)
    assert listed > run
    assert "_options_labels" in sent[listed][1]
    assert crash_list._holding_sync is False

    # set from code (no running loop): the list is sent at once, before any run
    sent.clear()
    lab.controls["nodes"].value = 2
    listed = next(i for i, (w, _) in enumerate(sent) if w is crash_list)
    assert all(i > listed for i, (w, keys) in enumerate(sent) if w is view and "run_id" in keys)


def test_a_burst_of_changes_in_a_kernel_ends_with_the_last_value_shown():
    fake = CountingSimulate(delay=0.05)
    lab = Lab(simulate=fake)
    lab.run_ahead = False  # counted here: the runs the burst asks for (tests/test_ahead.py)
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


def test_moving_the_views_time_never_simulates_and_a_new_run_keeps_the_time():
    fake = CountingSimulate()
    lab = Lab(Scenario.load("crash"), simulate=fake)
    assert lab.view.time == 0.0  # a run is watched from its start, not its end
    runs = len(fake.calls)
    for at in (10.0, 59.0, 61.0, 100.0):
        lab.view.time = at
    assert len(fake.calls) == runs and lab.now == 100.0
    lab.controls["workers"].value = 6
    lab.wait()
    assert lab.view.time == 100.0 and len(fake.calls) == runs + 1
    lab.view.time = 500.0  # past the end: the run's last moment
    assert lab.view.time == lab.scenario.duration


def test_the_figure_is_drawn_only_when_asked_for_and_then_in_place():
    lab = Lab()
    assert lab._figure is None  # the page never needs it
    png = lab.png()
    assert png.startswith(b"\x89PNG")
    figure = lab.figure
    lab.controls["crash_node"].value = 1
    lab.wait()
    assert lab.figure is figure and "lost their cart" in figure.axes[0].get_title(loc="left")


def test_choosing_a_preset_shows_it_and_sets_the_controls():
    lab = Lab()
    lab.controls["preset"].value = "rehash"
    lab.wait()
    assert lab.scenario == Scenario.load("rehash")
    assert lab.controls["affinity"].value == "source_hash" and lab.controls["crash_node"].value == 1
    lab.controls["preset"].value = "flash_sale"
    lab.wait()
    assert lab.scenario.arrival_rate.name == "flash_sale"
    assert lab.controls["arrival_rate"].layout.display == "none"  # no greyed slider ...
    assert "flash_sale" in lab.trace_label.value  # ... the trace's name instead
    assert lab.controls["nodes"].layout.display != "none"
    lab.controls["preset"].value = "crash"
    lab.wait()
    assert lab.controls["arrival_rate"].layout.display != "none"
    assert lab.trace_label.layout.display == "none"


def test_one_click_moments_give_the_same_picture_every_time():
    first, second = Lab(), Lab()
    for lab in (first, second):
        lab.view.time = 40.0
        lab.crash_now(2)
        assert lab.view.time == 35.0  # rewound a little, to watch the moment come
        assert "node 2 crashes at 40 s" in lab.message.value
        lab.view.time = 40.0
        lab.scale_now(6)
    assert first.scenario == second.scenario
    assert Crash(2, 40.0) in first.scenario.events and ScaleTo(6, 40.0) in first.scenario.events
    assert first.readout.value == second.readout.value


def test_a_moment_keeps_the_learners_own_crash_and_says_what_else_it_changed():
    lab = Lab()
    lab.controls["crash_node"].value = 1
    lab.controls["crash_at"].value = 30.0
    lab.view.time = 70.0
    lab.crash_now(2)
    assert {Crash(1, 30.0), Crash(2, 70.0)} <= set(lab.scenario.events)
    assert lab.controls["crash_node"].value == 1  # the learner's choice, untouched
    lab.view.time = 80.0
    lab.store_outage_now()
    assert lab.scenario.state == "store"
    assert "state lives in: store (was server; Clear moments puts it back)" in lab.message.value
    assert any(isinstance(e, StoreOutage) for e in lab.scenario.events)
    lab.clear_moments()
    lab.wait()
    assert lab.scenario.events == (Crash(1, 30.0),)
    assert lab.controls["state"].value == "server" and lab.scenario.state == "server"
    assert "state back to server" in lab.message.value  # what Clear moments undid, said
    lab.controls["nodes"].value = 4
    lab.wait()
    assert "Done for you" not in lab.message.value  # said once, with the run it made


def test_each_moment_says_what_its_run_shows_with_the_number():
    """The message line counts what the room is about to see, from the run the moment made:
    the carts in the crashed node's memory (the view's own count at that moment), the carts
    lost after a scale-out and why, and what a store outage takes and fails."""
    from statelab.view import playback

    lab = Lab()
    lab.view.time = 40.0
    lab.crash_now(2)
    held = playback.state_at(playback.payload(lab.result), 40.0 - 1e-9)["carts"][2]
    found = ((lab.result.losses["cause"] == "crash") & (lab.result.losses["node"] == 2)).sum()
    assert held > 0
    assert (
        f"node 2 crashes at 40 s: the {held} carts in its memory are gone "
        f"({found} shoppers find out by the end)" in lab.message.value
    )

    lab.controls["affinity"].value = "source_hash"
    lab.clear_moments()
    lab.view.time = 50.0
    lab.scale_now(6)
    lost = lab.result.losses
    rehashed = int(((lost["cause"] == "rehash") & (lost["time"] >= 50.0)).sum())
    assert rehashed > 0
    assert f"the cluster scales to 6 nodes at 50 s: {rehashed} carts lost after it " in (
        lab.message.value
    )
    assert f"{rehashed} to rehash" in lab.message.value

    lab.clear_moments()
    lab.controls["affinity"].value = "sticky"
    lab.view.time = 80.0
    lab.store_outage_now()
    requests = lab.result.requests
    failed = int(
        ((requests["outcome"] == "failed") & (requests["end"] >= 80) & (requests["end"] < 95)).sum()
    )
    assert failed > 0
    assert lab.scenario.store_persistent  # the Lab's store keeps its carts: none is lost
    assert lab.result.summary()["sessions_lost_store_outage"] == 0
    assert (
        f"the store is down 80–95 s: no cart lost (it keeps carts on disk); "
        f"{failed} requests fail meanwhile" in lab.message.value
    )


def test_a_store_outage_of_a_store_that_forgets_counts_the_carts_it_takes():
    from statelab.dashboards.moments import outage_words

    scenario = Scenario.load("store_outage")
    assert not scenario.store_persistent
    result = simulate(scenario)
    outage = next(e for e in scenario.events if isinstance(e, StoreOutage))
    words = outage_words(result, outage.at, outage.duration)
    lost = result.summary()["sessions_lost_store_outage"]
    assert lost > 0
    assert f": {lost} carts lost (it keeps carts in memory only); " in words


def test_presenter_mode_is_bigger():
    presenter, learner = Lab(presenter=True), Lab()
    assert presenter.view.presenter and not learner.view.presenter
    assert "statelab-presenter" in presenter.widget._dom_classes
    assert presenter.figure.get_size_inches()[0] > learner.figure.get_size_inches()[0]


def test_compare_runs_two_scenarios_that_differ_in_one_choice_with_one_seed():
    compare = Compare()
    left, right = compare.scenarios
    assert (left.state, right.state) == ("server", "store") and left.seed == right.seed
    assert left.replace(state="store") == right
    assert [view.result for view in compare.views] == compare.results
    assert all(view.compact for view in compare.views)
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


def test_in_voila_the_lab_is_in_presenter_mode_unless_told(monkeypatch):
    monkeypatch.setenv("VOILA_KERNEL_ID", "a-kernel")  # what Voila sets in its kernels
    assert Lab().presenter and Lab().view.presenter
    assert not Lab(presenter=False).presenter
    monkeypatch.delenv("VOILA_KERNEL_ID")
    assert not Lab().presenter


def test_compares_two_views_share_their_charts_scales():
    """138 carts lost beside 40 must not look the same height: both views get the higher
    of each chart's tops, and a Lab's single view scales to its own run."""
    from statelab.view.playback import chart_tops, payload

    compare = Compare()
    own = [chart_tops(payload(result)["meta"]["panels"]) for result in compare.results]
    assert own[0]["lost"] > own[1]["lost"] == 0  # server state loses carts, the store none
    shared = {key: max(tops[key] for tops in own) for key in ("lost", "latency")}
    assert [view.chart_tops for view in compare.views] == [shared, shared]
    lab = Lab()
    assert lab.view.chart_tops == {}


# -- progressive controls: a notebook's Lab shows what its idea needs --------------------


def shown(lab) -> list[str]:
    return [name for name, control in lab.controls.items() if control.layout.display != "none"]


def test_a_lab_with_named_controls_shows_only_those_and_no_moments():
    from statelab.dashboards.lab import CONTROLS

    full = Lab()
    assert shown(full) == list(CONTROLS)
    assert any(
        isinstance(w, widgets.HBox) and w.children and isinstance(w.children[0], widgets.Button)
        for w in full.widget.children
    )
    lab = Lab(Scenario.load("crash"), controls=["nodes", "crash_node"], moments=False)
    assert shown(lab) == ["nodes", "crash_node"]
    buttons = [
        w
        for w in lab.widget.children
        if isinstance(w, widgets.HBox) and any(isinstance(b, widgets.Button) for b in w.children)
    ]
    assert buttons == []
    assert (
        lab.scenario.events == Scenario.load("crash").events
    )  # hidden controls keep the scenario's


def test_a_lab_offers_only_the_choices_given_and_no_move_ahead_of_a_hidden_control():
    lab = Lab(controls=["state"], options={"state": ["server", "store"]})
    assert lab.controls["state"].options == ("server", "store")
    names = [f.name for f in dataclasses.fields(Scenario)]
    moves = {
        frozenset(k for k in names if getattr(s, k) != getattr(lab.scenario, k))
        for s in lab._nearby()
    }
    assert moves == {frozenset({"state"})}


@pytest.mark.parametrize(
    ("kwargs", "says"),
    [
        ({"controls": ["webservers"]}, "names 'webservers'; allowed: preset, nodes"),
        ({"controls": "nodes"}, "a list of names"),
        ({"options": {"nodes": [3]}}, "names 'nodes'; allowed: balancer, affinity, state"),
        ({"options": {"state": ["server", "disk"]}}, "offers 'disk'; allowed: server"),
        ({"options": {"affinity": ["none"]}}, "leaves out the scenario's own affinity='sticky'"),
    ],
)
def test_a_lab_refuses_controls_and_options_it_cannot_show(kwargs, says):
    with pytest.raises(ScenarioError, match=re.escape(says)):
        Lab(**kwargs)


def notebook_labs():
    """Each numbered notebook's Lab(...) calls: (notebook, its keyword arguments)."""
    import ast
    import json

    from conftest import ROOT

    found = []
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for cell in cells:
            if cell["cell_type"] != "code" or "Lab(" not in "".join(cell["source"]):
                continue
            for node in ast.walk(ast.parse("".join(cell["source"]))):
                if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "Lab":
                    found.append(
                        (path.name[:2], {k.arg: ast.literal_eval(k.value) for k in node.keywords})
                    )
    return found


@pytest.mark.parametrize(("number", "kwargs"), notebook_labs())
def test_each_notebooks_lab_shows_two_or_three_controls_of_the_ideas_so_far(number, kwargs):
    assert kwargs.get("moments") is False  # no notebook uses the one-click moments
    controls = kwargs.get("controls")
    assert controls is not None and 2 <= len(controls) <= 3, controls
    options = kwargs.get("options", {})
    if "affinity" in controls and number < "04":  # the hash affinities come in 04
        assert set(options["affinity"]) <= {"none", "sticky"}
    if "state" in controls and number < "06":  # replicated carts come in 06
        assert "replicated" not in options["state"]
