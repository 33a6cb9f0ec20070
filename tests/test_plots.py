"""Plots: each function draws the expected artists for a known scenario."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.colors import to_hex

from statelab import Scenario, plots, simulate, theory


@pytest.fixture(scope="module")
def crash(preset_run):
    return preset_run("crash")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_the_cluster_view_greys_the_dead_node_and_marks_its_lost_carts(crash):
    ax = plots.cluster_view(crash, time=75.0)
    view_texts = [t.get_text() for t in ax.texts]
    row = crash.timeline.set_index("time").loc[75.0]
    assert any(t.startswith("node 1 down") for t in view_texts)
    assert f"{row['lost_1']} lost" in view_texts and row["lost_1"] > 0
    boxes = [p for p in ax.patches if p.get_width() > 0.2 and p.get_height() == 0.3]
    assert to_hex(boxes[1].get_edgecolor()) == plots.DEAD.lower()
    assert to_hex(boxes[0].get_edgecolor()) == plots.node_colour(0).lower()
    (marks,) = [line for line in ax.lines if line.get_marker() == "X"]
    assert len(marks.get_xdata()) == 1 and to_hex(marks.get_color()) == plots.LOST.lower()
    title = next(t for t in ax.texts if t.get_text().startswith("t = 75 s"))
    assert f"{row['sessions_lost']} carts lost" in title.get_text()
    assert to_hex(title.get_color()) == plots.LOST.lower()
    links = [c for c in ax.collections if len(c.get_segments())]
    assert len(links[0].get_segments()) == 2  # no line to the dead node


def test_before_the_crash_every_node_is_linked_and_nothing_is_marked(crash):
    ax = plots.cluster_view(crash, time=30.0)
    (marks,) = [line for line in ax.lines if line.get_marker() == "X"]
    assert len(marks.get_xdata()) == 0
    assert len(ax.collections[0].get_segments()) == 3
    row = crash.timeline.set_index("time").loc[30.0]
    assert f"node 2\ncarts {row['carts_2']}" in [t.get_text() for t in ax.texts]


def test_the_cluster_view_shows_the_store_and_booting_nodes():
    result = simulate(
        Scenario.load("autoscale_spike").replace(state="store", affinity="none", duration=500.0)
    )
    changes = result.node_changes
    booting = changes[changes["status"] == "booting"].iloc[0]
    at = booting["time"] + 1
    ax = plots.cluster_view(result, time=at)
    # one hatched box for each node booting then: its last change by then says "booting"
    last = changes[changes["time"] <= at].groupby("node")["status"].last()
    assert (last == "booting").sum() >= 1
    hatched = [p for p in ax.patches if p.get_hatch() == ".."]
    assert len(hatched) == (last == "booting").sum()
    assert any(t.get_text().startswith("session store") for t in ax.texts)


def test_the_timeline_has_four_panels_with_the_crash_marked(crash):
    axes = plots.timeline(crash)
    assert len(axes) == 4
    for ax in axes:
        assert any(list(line.get_xdata()) == [60.0, 60.0] for line in ax.lines)
    # the title counts every shopper of the run, warm-up included, from the records
    lost, shoppers = int(crash.sessions["lost_state"].sum()), len(crash.sessions)
    assert lost > 0
    assert axes[3].get_title(loc="left") == f"{lost} of {shoppers} shoppers lost their cart"
    assert axes[1].get_title(loc="left").startswith("p95 of each ")


def test_load_by_node_shows_shares_and_the_even_line(crash):
    ax = plots.load_by_node(crash)
    heights = [bar.get_height() for bar in ax.patches]
    # each bar is the node's busy seconds over everyone's, from the request records (a
    # request cut short by the crash was busy until then, one in flight until the end)
    requests = crash.requests.dropna(subset=["start"])
    end = requests["end"].fillna(crash.scenario.duration)
    busy = (end - requests["start"]).groupby(requests["node"]).sum()
    assert heights == pytest.approx(list(busy / busy.sum()))
    assert heights[1] < 0.75 * min(heights[0], heights[2])  # node 1 was down half the run
    even = next(line for line in ax.lines if line.get_linestyle() == "--")
    assert even.get_ydata()[0] == pytest.approx(1 / 3)


def test_the_latency_distribution_draws_erlang_c_where_it_applies():
    mmc = Scenario(
        nodes=1,
        workers=4,
        arrival_rate=3.2,
        service_time=1.0,
        requests_per_session=1,
        affinity="none",
        duration=2_000.0,
        warmup=100.0,
    )
    ax = plots.latency_distribution(simulate(mmc))
    (curve,) = [line for line in ax.lines if line.get_linestyle() == "--"]
    x, y = curve.get_xdata()[50], curve.get_ydata()[50]
    assert y == pytest.approx(theory.mmc_latency_density(x, 3.2, 1.0, 4))
    assert np.trapezoid(curve.get_ydata(), curve.get_xdata()) == pytest.approx(1.0, abs=0.02)
    ax = plots.latency_distribution(simulate(Scenario()))
    assert not [line for line in ax.lines if line.get_linestyle() == "--"]


@pytest.mark.parametrize(
    ("preset", "expected"), [("crash", 1 / 3), ("rehash", 3 / 4), ("stateless_crash", 0.0)]
)
def test_lost_share_puts_theory_where_theory_says(preset, expected):
    result = simulate(Scenario.load(preset))
    ax = plots.lost_share(result)
    theory_line = next(line for line in ax.lines if line.get_linestyle() == "--")
    assert theory_line.get_ydata()[0] == pytest.approx(expected)
    active = result.active_at(result.scenario.events[0].at)
    assert ax.patches[0].get_height() == pytest.approx(active["lost_state"].mean())


def test_compare_shows_two_runs_on_the_same_scale(crash, preset_run):
    stateless = preset_run("stateless_crash")
    axes = plots.compare(crash, stateless)
    assert len(axes) == 4
    assert axes[0].get_ylim() == axes[1].get_ylim()
    assert "state=server" in axes[0].get_title(loc="left")
    assert "state=store" in axes[1].get_title(loc="left")


def test_plots_change_no_global_style(crash):
    before = dict(matplotlib.rcParams)
    plots.timeline(crash)
    plots.cluster_view(crash)
    plots.load_by_node(crash)
    assert dict(matplotlib.rcParams) == before


def test_node_colours_are_stable_and_from_the_okabe_ito_palette():
    assert [plots.node_colour(k) for k in range(3)] == ["#0072B2", "#E69F00", "#009E73"]
    assert plots.node_colour(9) == plots.node_colour(2)
    assert plots.LOST not in plots.PALETTE and plots.DEAD not in plots.PALETTE
