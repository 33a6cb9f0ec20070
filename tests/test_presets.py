"""Presets: plain TOML files that round-trip, and errors that name the file and the key."""

from __future__ import annotations

import pytest

import statelab
from statelab import Crash, Restart, Scenario


def test_every_preset_loads_and_has_a_one_line_description():
    found = statelab.presets()
    assert "calm_day" in found and "crash" in found
    for name, description in found.items():
        assert description and "\n" not in description, name
        result = statelab.simulate(Scenario.load(name))
        assert result.summary()["sessions"] > 0


def test_the_naive_scale_out_loses_far_more_than_the_consistent_one():
    naive = statelab.simulate(Scenario.load("naive_scale_out")).summary()
    consistent = statelab.simulate(Scenario.load("consistent_scale_out")).summary()
    stateless = statelab.simulate(Scenario.load("stateless_crash")).summary()
    assert naive["sessions_lost_rehash"] > 2.5 * consistent["sessions_lost_rehash"] > 0
    assert stateless["sessions_lost"] == 0 and stateless["failed"] > 0


def test_the_crash_preset_crashes_a_node():
    assert Scenario.load("crash").events == (Crash(1, 60.0),)


def test_save_then_load_gives_the_same_scenario(tmp_path):
    scenario = Scenario(
        nodes=5,
        arrival_rate=7.25,
        balancer="two_choices",
        affinity="none",
        seed=2**40,
        events=(Crash(2, 10.5), Restart(2, 30.0)),
    )
    path = scenario.save(tmp_path / "mine.toml", description='A "quoted" test, with a tab\t.')
    assert Scenario.load(path) == scenario
    assert Scenario.load(str(path)) == scenario
    text = path.read_text()
    for field in ("arrival_rate", "requests_per_session", "sample_interval", "seed", "warmup"):
        assert f"\n{field} = " in text  # every field is written


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("", ["empty"]),
        ("   \n\n", ["empty"]),
        ("nodes = \n", ["not valid TOML"]),
        ("nodes = 3\nnodes = 4\n", ["not valid TOML"]),
        ("nodez = 3\n", ["unknown key 'nodez'", "Did you mean 'nodes'"]),
        ("nodes = 0\n", ["nodes", "got 0"]),
        ('nodes = "three"\n', ["nodes", "'three'"]),
        ("arrival_rate = nan\n", ["arrival_rate", "not a finite number"]),
        ("arrival_rate = inf\n", ["arrival_rate", "not a finite number"]),
        ('state = "disk"\n', ["state", "'replicated'"]),
        ("[failures]\nmtbf = 100.0\n", ["failures", "RandomFailures needs mttr"]),
        ("[failures]\nmtbf = 100.0\nmttr = 0.0\n", ["failures", "RandomFailures.mttr"]),
        ("failures = 3\n", ["failures must be a [failures] table"]),
        ("[autoscale]\ntarget = 1.5\n", ["autoscale", "Autoscale.target"]),
        ("[autoscale]\ntargett = 0.5\n", ["autoscale", "unknown Autoscale key 'targett'"]),
        ("nodes = 12\n[autoscale]\nmax_nodes = 10\n", ["nodes=12", "max_nodes=10"]),
        ('arrival_rate = "flash_sael"\n', ["arrival_rate", "unknown trace"]),
        ("store_persistent = 1\n", ["store_persistent", "True or False"]),
        ('[[events]]\ntype = "ScaleTo"\nnodes = 0\nat = 5.0\n', ["events[0]", "ScaleTo.nodes"]),
        ("description = 3\n", ["description must be text"]),
        ('events = "crash"\n', ["events must be a list"]),
        ("[[events]]\nnode = 1\nat = 5.0\n", ["events[0]", "type must be one of"]),
        ('[[events]]\ntype = "Explode"\nnode = 1\nat = 5.0\n', ["events[0]", "'Explode'"]),
        ('[[events]]\ntype = "Crash"\nnode = 1\n', ["events[0]", "Crash needs at"]),
        (
            '[[events]]\ntype = "Crash"\nnode = 1\nat = 5.0\nwhen = 2\n',
            ["events[0]", "unknown Crash key 'when'"],
        ),
        ('[[events]]\ntype = "Crash"\nnode = 9\nat = 5.0\n', ["events[0]", "node=9"]),
        ('[[events]]\ntype = "Crash"\nnode = 1\nat = 999.0\n', ["events[0]", "at=999"]),
        ('[[events]]\ntype = "Crash"\nnode = 1\nat = -1.0\n', ["events[0]", "Crash.at"]),
    ],
)
def test_a_bad_preset_file_names_the_file_and_the_key(tmp_path, content, words):
    path = tmp_path / "bad.toml"
    path.write_text(content)
    with pytest.raises((ValueError, TypeError)) as caught:
        Scenario.load(path)
    message = str(caught.value)
    assert str(path) in message
    for word in words:
        assert word in message, f"{word!r} missing from: {message}"


def test_a_binary_file_is_refused_with_its_name(tmp_path):
    path = tmp_path / "image.toml"
    path.write_bytes(b"\xff\xfe\x00\x01")
    with pytest.raises(ValueError, match="not a text file"):
        Scenario.load(path)


def test_an_unknown_preset_name_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown preset 'calm_dya'.*Did you mean 'calm_day'"):
        Scenario.load("calm_dya")


def test_a_missing_file_is_named():
    with pytest.raises(FileNotFoundError, match=r"nowhere\.toml"):
        Scenario.load("nowhere.toml")


def test_loading_a_preset_runs_no_code(tmp_path):
    marker = tmp_path / "ran"
    path = tmp_path / "sneaky.toml"
    path.write_text(
        f"description = \"x\"\nnodes = \"__import__('pathlib').Path('{marker}').touch()\"\n"
    )
    with pytest.raises(TypeError, match="nodes"):
        Scenario.load(path)
    assert not marker.exists()
