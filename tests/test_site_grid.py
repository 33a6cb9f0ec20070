"""The static site's build, without a browser: the Labs' grids of runs, their files, and
how a notebook is marked for its page (statelab/site). The pages themselves are tested in
Chromium (tests/browser/test_site.py)."""

from __future__ import annotations

import base64
import json
import re

import nbformat
import pytest

from statelab import Crash, Scenario, simulate
from statelab.dashboards.readout import readout_html
from statelab.site import grid as grids
from statelab.site.build import SiteError, build, control_specs, course, lab_config, main, title_of
from statelab.site.notebooks import answered_kind, lab_mount, prepare, prune, views_shown
from statelab.view.playback import payload


def test_the_free_play_grid_covers_the_issues_controls_and_no_crash_of_a_missing_node():
    grid = grids.free_play()
    cells = list(grid.values())
    assert len(cells) == 6 * 5 * 3 * 2 - 5 * 3  # one web server has no node 1 to crash
    assert {c["nodes"] for c in cells} == set(range(1, 7))
    assert {c["affinity"] for c in cells} == {
        "none",
        "sticky",
        "ip_hash",
        "source_hash",
        "consistent_hash",
    }
    assert {c["state"] for c in cells} == {"server", "cookie", "store"}
    assert {c["crash_node"] for c in cells} == {"none", 1}
    assert all(c["crash_node"] == "none" or c["crash_node"] < c["nodes"] for c in cells)
    assert len({grid.key(c) for c in cells}) == len(cells)


def test_notebook_00s_grid_keeps_one_crash_time_when_there_is_no_crash():
    grid = grids.start_here()
    cells = list(grid.values())
    assert len(cells) == 6 + sum(n * 3 for n in range(1, 7))
    assert grid.key({**grid.fixed, "nodes": 4, "crash_node": 1, "crash_at": 60.0}) == "4_1_60"
    assert grid.key({**grid.fixed, "nodes": 4, "crash_node": "none", "crash_at": 90.0}) == "4_none"


def test_a_grid_cell_is_the_scenario_the_lab_runs_for_those_values():
    grid = grids.start_here()
    values = {**grid.fixed, "nodes": 4, "crash_node": 1, "crash_at": 60.0}
    scenario = grid.scenario(values)
    assert scenario == Scenario.load("crash").replace(nodes=4, events=(Crash(1, 60.0),))


def test_a_run_file_holds_the_views_payload_and_the_readout_byte_for_byte():
    grid = grids.free_play()
    values = {**grid.fixed, "nodes": 2, "crash_node": 1}
    key, data = grids.simulate_cell(grid, values)
    result = simulate(grid.scenario(values))
    expected = payload(result)
    found = grids.unpack(data)
    assert found["meta"] == json.loads(json.dumps(expected["meta"]))
    for name in grids.BLOCKS:
        assert found[name] == bytes(expected[name])
    assert found["readout"] == readout_html(result, title="Whole run")
    text = grids.run_file(grid, key, data)
    call = re.fullmatch(r'statelabSiteRun\("lab/2_sticky_server_1","([A-Za-z0-9+/=]+)"\);\n', text)
    assert call and base64.b64decode(call.group(1)) == data


def test_the_pages_lab_config_offers_the_labs_ranges_and_choices():
    config = lab_config(grids.free_play(), moments=True)
    specs = {spec["name"]: spec for spec in config["controls"]}
    assert specs["nodes"] == {
        "name": "nodes",
        "label": "web servers",
        "kind": "range",
        "min": 1,
        "max": 12,
        "step": 1.0,
    }
    assert specs["state"]["options"] == ["server", "cookie", "store", "replicated"]
    assert specs["crash_at"]["max"] == 120.0
    grid = grids.free_play()
    for moment in config["moments"]:  # every moment for a room is a run of the grid
        values = {**grid.fixed, **moment["values"]}
        assert grid.key(values) in {grid.key(c) for c in grid.values()}, moment
    assert [s["name"] for s in control_specs(grids.start_here())] == [
        "nodes",
        "crash_node",
        "crash_at",
    ]


def test_a_notebook_is_marked_for_its_page_and_its_lab_replaced_by_the_grids():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell('predict("00-x", None)'),
        nbformat.v4.new_code_cell('answer = None\ncheck("00-1", answer)'),
        nbformat.v4.new_code_cell('judge(route, "router")'),
        nbformat.v4.new_code_cell("lab", outputs=[_view("L")]),
        nbformat.v4.new_code_cell("compare", outputs=[_view("C")]),
    ]
    notebook.metadata["widgets"] = {
        "application/vnd.jupyter.widget-state+json": {
            "state": {
                "L": {"state": {"_dom_classes": ["statelab-lab"]}},
                "C": {"state": {"_dom_classes": ["statelab-compare"]}},
            }
        }
    }
    assert [answered_kind(c) for c in notebook.cells] == [
        "prediction",
        "exercise",
        "build",
        None,
        None,
    ]
    config = lab_config(grids.start_here(), moments=False)
    assert prepare(notebook, config) is True
    assert [c.metadata.get("statelab_site") for c in notebook.cells[:3]] == [
        "prediction",
        "exercise",
        "build",
    ]
    (lab,) = notebook.cells[3].outputs
    assert lab["data"]["text/html"] == lab_mount(config)
    assert '"name":"00"' in lab["data"]["text/html"]
    notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"].update(
        {"C": {"state": {"children": ["IPY_MODEL_ab", "IPY_MODEL_cd"]}}, **_views("ab", "cd", "ef")}
    )
    # the Lab without a kernel, and the Compare's two ("ef" is not shown)
    assert views_shown(notebook) == 1 + 2
    link = {"model_name": "LinkModel"}
    state = notebook.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    state["k1"] = {
        **link,
        "state": {"source": ["IPY_MODEL_ab", "t"], "target": ["IPY_MODEL_cd", "t"]},
    }
    state["k2"] = {
        **link,
        "state": {"source": ["IPY_MODEL_ab", "t"], "target": ["IPY_MODEL_ef", "t"]},
    }
    assert prune(notebook) == 3  # the replaced Lab "L", the unshown view "ef", its link "k2"
    assert sorted(state) == ["C", "ab", "cd", "k1"]
    note, compare = notebook.cells[4].outputs
    assert "stay still" in note["data"]["text/html"]
    assert compare["data"]["application/vnd.jupyter.widget-view+json"]["model_id"] == "C"


def _view(model_id: str):
    return nbformat.v4.new_output(
        "display_data",
        data={
            "application/vnd.jupyter.widget-view+json": {"model_id": model_id, "version_major": 2}
        },
    )


def test_the_lab_mount_cannot_close_its_script_early():
    html = lab_mount({"name": "x", "text": "</script><b>"})
    assert html.count("</script>") == 1


def test_the_course_is_in_order_and_each_page_has_its_title():
    names = [p.stem for p in course()]
    assert names[0] == "00_start_here" and names[-1] == "lab"
    assert names[:-1] == sorted(names[:-1])
    assert title_of(nbformat.read(course()[0], as_version=4)).startswith("00 · Start here")


def _views(*model_ids: str) -> dict:
    return {m: {"state": {"_esm": "...", "payload_meta": {}}} for m in model_ids}


def test_the_build_refuses_to_empty_a_folder_that_is_not_a_site(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(SiteError, match="not a site made by make site"):
        build(tmp_path)
    assert (tmp_path / "notes.txt").read_text() == "mine"
    assert main(["--output", str(tmp_path)]) == 1
    assert "refusing to empty it" in capsys.readouterr().err
