"""The animated cluster view, its Python side: traits from a Result, show, follow, headless."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

from statelab import Crash, Scenario, simulate
from statelab.dashboards.animated import AnimatedCluster
from statelab.view.playback import decode


@pytest.fixture(scope="module")
def crash():
    return simulate(Scenario(nodes=3, duration=60.0, events=(Crash(node=1, at=30.0),), seed=3))


@pytest.fixture(scope="module")
def short():
    return simulate(Scenario(nodes=2, duration=20.0, seed=4))


def test_traits_come_from_the_result(crash):
    """What the page gets, decoded as the page decodes it, is the run's own records."""
    view = AnimatedCluster(crash)
    assert view.payload_meta["duration"] == 60.0
    assert view.payload_meta["counts"]["requests"] == crash.request_count
    sent = decode(
        {
            "meta": view.payload_meta,
            **{block: getattr(view, block) for block in ("requests", "late", "sessions", "ring")},
        }
    )
    requests, sessions = sent["requests"], sent["sessions"]
    for column in ("arrival", "start", "end", "done", "session", "node", "attempt", "request"):
        np.testing.assert_array_equal(requests[column], crash.requests[column].to_numpy())
    assert (requests["outcome"] == crash.requests["outcome"].cat.codes.to_numpy()).all()
    assert (requests["applied"] == crash.requests["applied"].to_numpy()).all()
    lost = crash.sessions.set_index("session")["lost_cause"].fillna("").reindex(sessions["session"])
    assert list(sessions["lost_cause"]) == list(lost)
    assert set(np.flatnonzero(sessions["lost_cause"] != "")) == set(crash.losses["session"])
    assert view.run_id == 1
    assert view.time == 0.0 and not view.playing and view.followed == -1
    assert view.result is crash


def test_show_keeps_the_time_clamped_and_counts_runs(crash, short):
    view = AnimatedCluster(crash)
    view.time = 45.0
    view.show(short)  # 20 s long: the time is clamped to its end
    assert view.time == 20.0 and view.run_id == 2
    view.time = 5.0
    view.show(crash)
    assert view.time == 5.0 and view.run_id == 3
    view.time = 1e9
    assert view.time == 60.0


def test_follow_sets_followed_and_names_a_bad_id(crash):
    view = AnimatedCluster(crash)
    view.follow(7)
    assert view.followed == 7
    view.follow(None)
    assert view.followed == -1
    last = crash.session_count - 1
    with pytest.raises(ValueError, match=rf"session {last + 1}\b.*0 to {last}"):
        view.follow(last + 1)
    with pytest.raises(ValueError, match="-3"):
        view.follow(-3)
    assert view.followed == -1


def test_a_followed_shopper_outside_a_new_run_is_dropped(crash, short):
    view = AnimatedCluster(crash)
    view.follow(crash.session_count - 1)
    view.show(short)
    assert view.followed == -1


def test_play_pause_and_speed(crash):
    view = AnimatedCluster(crash)
    view.time = 60.0
    view.play()  # at the end: from the start
    assert view.playing and view.time == 0.0
    view.pause()
    assert not view.playing
    view.speed = 8
    with pytest.raises(ValueError, match="speed"):
        view.speed = 10


def test_headless_construction_warns_nothing(crash):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        view = AnimatedCluster(crash, presenter=True)
        empty = AnimatedCluster()
    assert view.presenter and empty.run_id == 0 and empty.duration == 0.0


def test_the_page_code_ships_with_the_package():
    from statelab.dashboards.animated import STATIC

    script = (STATIC / "animated_cluster.js").read_text()
    assert re.search(r"export\s*\{\s*\w+ as default\s*\}", script)  # esbuild's ES module
    # one self-contained module: no import of any kind anywhere in it (a static
    # `import x from "..."`, a bare `import "..."` or a dynamic `import(...)`), and no
    # address of a CDN to load anything from
    code = strip_comments(script)
    assert not IMPORT.search(code), IMPORT.search(code)
    assert "http" not in code.replace("https://anywidget.dev", "")  # nothing from a CDN


#: An import statement or a dynamic import() (not the word "import" inside a name).
IMPORT = re.compile(r"(^|[;\s])import\s*[\w{*(\"'`]", re.MULTILINE)


def strip_comments(script: str) -> str:
    """``script`` without its // and /* */ comments (strings kept; enough for this file)."""
    return re.sub(r"/\*.*?\*/|(?<![:\\\"'])//[^\n]*", "", script, flags=re.DOTALL)


def test_the_import_check_finds_an_import_past_the_header():
    header = "// statelab's view\n// import nothing here\n"
    assert not IMPORT.search(strip_comments(header))
    for line in ('import x from "./x.js";', "const m = await import('./m.js');", 'import "a";'):
        code = strip_comments(header + "const a = 1;\n" * 200 + line)
        assert IMPORT.search(code), line


def test_a_new_view_starts_at_the_beginning_and_carries_the_panels(crash):
    view = AnimatedCluster(crash)
    assert view.time == 0.0
    panels = view.payload_meta["panels"]
    assert panels["times"][0] == 0.0 and panels["times"][-1] == 60.0
    assert set(panels["lost"]) == {"crash"}
    assert panels["windows"]["width"] == 1.0


def test_compact_is_a_synced_trait(crash):
    view = AnimatedCluster(crash, compact=True)
    assert view.compact and not view.presenter
    assert "compact" in view.keys
    assert not AnimatedCluster().compact
