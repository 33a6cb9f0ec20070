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
import sys

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


def _lazy_names(package: str, homes: dict[str, str]):
    """``__getattr__`` and ``__dir__`` for ``package``, whose public names are imported from
    ``homes`` (name -> module) when first used (PEP 562); ``statelab.real`` uses it too."""
    namespace = sys.modules[package].__dict__

    def __getattr__(name: str):
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module = importlib.import_module(home)
        value = module if home == f"{package}.{name}" else getattr(module, name)
        namespace[name] = value  # found once; later lookups do not come here
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *namespace.get("__all__", ())})

    return __getattr__, __dir__


__getattr__, __dir__ = _lazy_names(__name__, _HOMES)


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
