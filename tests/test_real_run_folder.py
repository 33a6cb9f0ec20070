"""What a real run does before and after its processes (no process is started here: the
run itself is replaced): its folder removed after a run that ends well or is stopped, kept
and named after one that fails; macOS refused with why."""

from __future__ import annotations

from pathlib import Path

import pytest

from statelab import Scenario, real
from statelab.real import controller


def folders(monkeypatch, tmp_path, happening):
    """Run real.run with a Controller whose run() does ``happening``; the folders it made."""
    made = []

    def fake_run(self):
        made.append(Path(self.workdir))
        (self.workdir / "node0-1.csv").write_text("a log\n")
        raise happening

    monkeypatch.setattr(controller.tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(controller.Controller, "run", fake_run)
    return made


def test_a_stopped_run_removes_the_folder_it_made_and_says_so(monkeypatch, tmp_path):
    made = folders(monkeypatch, tmp_path, KeyboardInterrupt())
    with pytest.raises(KeyboardInterrupt) as stopped:
        real.run(Scenario(duration=10.0))
    assert made and not made[0].exists()
    assert "its processes and its folder are gone" in "\n".join(stopped.value.__notes__)


def test_a_stopped_run_names_a_folder_it_was_given(monkeypatch, tmp_path):
    folders(monkeypatch, tmp_path, KeyboardInterrupt())
    given = tmp_path / "mine"
    with pytest.raises(KeyboardInterrupt) as stopped:
        real.run(Scenario(duration=10.0), workdir=given)
    assert given.exists()
    assert f"its logs are in {given}" in "\n".join(stopped.value.__notes__)


def test_a_failed_run_keeps_its_folder_and_names_it(monkeypatch, tmp_path):
    made = folders(monkeypatch, tmp_path, RuntimeError("a node did not start"))
    with pytest.raises(RuntimeError) as failed:
        real.run(Scenario(duration=10.0))
    assert made[0].exists() and (made[0] / "node0-1.csv").exists()
    assert f"wrote their logs to {made[0]}" in "\n".join(failed.value.__notes__)


def test_macos_is_refused_before_any_process_starts(monkeypatch):
    monkeypatch.setattr("statelab.real.registry.sys.platform", "darwin")
    with pytest.raises(RuntimeError, match=r"macOS answers only on 127\.0\.0\.1.*Linux"):
        real.run(Scenario(duration=10.0))
