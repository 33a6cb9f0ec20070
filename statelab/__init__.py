"""statelab: a lab for watching stateful and stateless web services behave.

The pipeline runs one way::

    Scenario (validated, frozen) -> simulate() -> Result (records, DataFrames, summary)

>>> from statelab import Scenario, simulate
>>> result = simulate(Scenario(nodes=4, affinity="sticky"))
>>> result.summary()["sessions_lost"]
0
"""

from __future__ import annotations

import importlib

#: Where each public name lives. They are imported when first used (PEP 562), so a process
#: that needs one small part (a real run's web server, say) does not pay for pandas and
#: matplotlib at start-up; ``from statelab import Scenario`` reads the same as ever.
_HOMES = {
    "theory": "statelab.theory",
    "Replications": "statelab.runs.replications",
    "replicate": "statelab.runs.replications",
    "sweep": "statelab.runs.replications",
    "Autoscale": "statelab.sim.events",
    "Crash": "statelab.sim.events",
    "RandomFailures": "statelab.sim.events",
    "Restart": "statelab.sim.events",
    "ScaleTo": "statelab.sim.events",
    "StoreOutage": "statelab.sim.events",
    "presets": "statelab.sim.presets",
    "Result": "statelab.sim.result",
    "Scenario": "statelab.sim.scenario",
    "DEFAULT_LIMIT": "statelab.sim.simulation",
    "ScenarioError": "statelab.sim.errors",
    "ScenarioTooLarge": "statelab.sim.budget",
    "ScenarioTypeError": "statelab.sim.errors",
    "simulate": "statelab.sim.simulation",
}


def __getattr__(name: str):
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'statelab' has no attribute {name!r}")
    module = importlib.import_module(home)
    value = module if home == f"statelab.{name}" else getattr(module, name)
    globals()[name] = value  # found once; later lookups do not come here
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__all__ = [
    "DEFAULT_LIMIT",
    "Autoscale",
    "Crash",
    "RandomFailures",
    "Replications",
    "Restart",
    "Result",
    "ScaleTo",
    "Scenario",
    "ScenarioError",
    "ScenarioTooLarge",
    "ScenarioTypeError",
    "StoreOutage",
    "presets",
    "replicate",
    "simulate",
    "sweep",
    "theory",
]

__version__ = "0.1.0"
