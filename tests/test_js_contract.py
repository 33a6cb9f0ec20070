"""The contract between the animated view's Python and its JavaScript is defined once, in Python.

The view's JavaScript reads what :func:`statelab.view.playback.payload` sends, and its tests
(``node --test tests/js/``) check it against the fixtures ``scripts/js_fixtures.py`` makes
from every preset: the payload, ``state_at`` at 50 moments, the cart log and, for hashing,
where each client goes. These tests keep those fixtures the model's answers of today, and
the meta's codes, bits and colours those of the Python modules that own them.
"""

from __future__ import annotations

import importlib.util
import re

import pytest
from conftest import ROOT

from statelab import Scenario, simulate
from statelab.sim.records import LOST_CAUSES, OUTCOMES, STATUSES
from statelab.view import colours, playback


def _script():
    """scripts/js_fixtures.py as a module (scripts/ is no package)."""
    path = ROOT / "scripts" / "js_fixtures.py"
    spec = importlib.util.spec_from_file_location("js_fixtures", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


js_fixtures = _script()
STALE = "run `make js-fixtures` (python scripts/js_fixtures.py) and commit tests/js/fixtures/"


@pytest.fixture(scope="module")
def calm_day():
    """The meta of a short run of the calm_day preset."""
    return playback.payload(simulate(Scenario.load("calm_day")))["meta"]


# -- the committed fixtures are the model's answers of today -------------------------------


@pytest.mark.parametrize("preset", js_fixtures.presets())
def test_the_committed_fixture_is_what_the_script_makes_now(preset, preset_run):
    """Guards the JavaScript tests against an old answer: a change to the model, the payload
    or state_at that the fixture of ``preset`` does not have yet."""
    committed = js_fixtures.committed(preset)
    assert committed is not None, f"tests/js/fixtures/{preset}.json.gz is missing: {STALE}"
    same = committed == js_fixtures.text(js_fixtures.fixture(preset, preset_run(preset)))
    assert same, f"tests/js/fixtures/{preset}.json.gz is stale: {STALE}"


def test_the_view_reads_the_version_python_writes():
    """Guards the one version number written twice, in Python and in the view's contract:
    a payload change bumps both (the JS refuses any other version)."""
    source = (ROOT / "statelab/dashboards/static/src/contract.js").read_text(encoding="utf-8")
    written = re.findall(r"^export const VERSION = (\d+);", source, flags=re.MULTILINE)
    assert written == [str(playback.VERSION)], (written, playback.VERSION)


def test_every_fixture_is_a_presets():
    """Guards against a fixture left behind by a preset that is gone (the JS would test it)."""
    files = sorted(path.name for path in js_fixtures.FOLDER.glob("*.json.gz"))
    assert files == [f"{preset}.json.gz" for preset in js_fixtures.presets()], STALE


# -- the meta carries the Python sources of truth ------------------------------------------


def test_the_meta_names_the_codes_as_the_records_do(calm_day):
    """Guards the codes the JS reads through names: outcomes, causes and statuses in the
    order of statelab.sim.records, which the blocks' codes index."""
    assert calm_day["outcomes"] == list(OUTCOMES)
    assert calm_day["causes"] == list(LOST_CAUSES)
    assert calm_day["statuses"] == list(STATUSES)
    assert calm_day["version"] == playback.VERSION


def test_the_meta_gives_the_bits_of_a_requests_code(calm_day):
    """Guards the bits the JS masks a request's code with: playback's own constants, the
    outcome's mask wide enough for every outcome, one bit a flag above it."""
    bits = calm_day["bits"]
    assert bits == {
        "outcome_mask": playback.OUTCOME_MASK,
        "applied": playback.APPLIED,
        "duplicate": playback.DUPLICATE,
        "moved": playback.MOVED,
        "late": playback.LATE,
    }
    assert len(OUTCOMES) <= bits["outcome_mask"] + 1
    flags = [bits[name] for name in ("applied", "duplicate", "moved", "late")]
    assert all(flag & (flag - 1) == 0 and flag & bits["outcome_mask"] == 0 for flag in flags)
    assert len(set(flags)) == len(flags) and max(flags) < 256  # one bit each of a u8


def test_the_meta_gives_the_courses_colours(calm_day):
    """Guards the browser's colours: those of the course's figures (statelab.view.colours),
    a colour for every cause of a loss."""
    assert calm_day["palette"] == {
        "nodes": list(colours.PALETTE),
        "lost": colours.LOST,
        "dead": colours.DEAD,
        "duplicate": colours.DUPLICATE,
        "causes": dict(colours.CAUSE_COLOURS),
    }
    assert set(calm_day["palette"]["causes"]) == set(calm_day["causes"])


def test_the_columns_use_only_the_five_typed_arrays(calm_day):
    """Guards the JS's reader: every column's dtype is one of the five it has a typed array
    for (f64, i32, u32, i8, u8), and a column starts where its typed array can view it."""
    assert sorted(playback.DTYPE_NAMES.values()) == ["f64", "i32", "i8", "u32", "u8"]
    widths = {"f64": 8, "i32": 4, "u32": 4, "i8": 1, "u8": 1}
    for columns in calm_day["columns"].values():
        for _, dtype, offset in columns:
            assert dtype in widths and offset % widths[dtype] == 0


# -- the checks can fail -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "name", "value"),
    [(playback, "MOVED", 1 << 7), (colours, "LOST", "#FF0000"), (colours, "PALETTE", ("#000000",))],
)
def test_a_changed_source_of_truth_makes_the_fixture_stale(monkeypatch, module, name, value):
    """Guards the guard: a bit or a colour changed in Python changes the meta, so the
    committed fixture no longer matches and the first test of this file fails."""
    before = js_fixtures.text(js_fixtures.fixture("calm_day"))
    assert before == js_fixtures.committed("calm_day"), STALE
    monkeypatch.setattr(module, name, value)
    after = js_fixtures.fixture("calm_day")
    assert js_fixtures.text(after) != before
    meta = after["payload"]["meta"]
    assert value in (
        meta["bits"]["moved"],
        meta["palette"]["lost"],
        tuple(meta["palette"]["nodes"]),
    )
