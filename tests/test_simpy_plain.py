"""The model's quicker SimPy environment changes nothing: every preset, run on it and on a
plain ``simpy.Environment``, gives the same tables to the last bit.

``statelab.sim.model._Environment`` makes its timeouts and steps its events with SimPy's
internals (``_queue``, ``_eid``, ``Timeout.__new__``, ``_defused``), which is why
``pyproject.toml`` bounds SimPy to 4.1.x: a SimPy that changed them would fail here before a
learner saw a wrong number.
"""

from __future__ import annotations

import hashlib

import pytest
import simpy

from statelab import Scenario, simulate
from statelab.sim.model import ShopModel, _Environment
from statelab.sim.presets import presets


def tables(result) -> dict[str, str]:
    """A digest of each of the run's tables, to the last bit of every float."""
    frames = {
        "requests": result.requests,
        "sessions": result.sessions,
        "losses": result.losses,
        "timeline": result.timeline,
        "node_changes": result.node_changes,
        "cart_moves": result.cart_moves,
    }
    digests = {
        name: hashlib.sha256(frame.to_csv(float_format="%r").encode()).hexdigest()
        for name, frame in frames.items()
    }
    digests["summary"] = repr(sorted(result.summary().items()))
    return digests


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(presets()))
def test_a_preset_gives_the_same_tables_on_a_plain_simpy_environment(name, preset_run):
    scenario = Scenario.load(name)
    plain = ShopModel(scenario, environment=simpy.Environment).run()
    assert type(ShopModel(scenario).env) is _Environment
    # simulate() runs on the quicker environment, stepping it in batches within a budget
    # (preset_run: simulate(Scenario.load(name)), made once a worker for the tests that read it)
    assert tables(plain) == tables(preset_run(name))


def test_the_comparison_sees_a_changed_run():
    """The digests tell two runs apart (a comparison that could not fail would prove nothing)."""
    scenario = Scenario(duration=60.0)
    assert tables(simulate(scenario)) != tables(simulate(scenario.replace(seed=2)))
