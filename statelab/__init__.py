"""statelab: a lab for watching stateful and stateless web services behave.

The pipeline runs one way::

    Scenario (validated, frozen) -> simulate() -> Result (records, DataFrames, summary)

>>> from statelab import Scenario, simulate
>>> result = simulate(Scenario(nodes=4, affinity="sticky"))
>>> result.summary()["sessions_lost"]
0
"""

from statelab import theory
from statelab.runs.replications import Replications, replicate, sweep
from statelab.sim.events import Autoscale, Crash, RandomFailures, Restart, ScaleTo, StoreOutage
from statelab.sim.presets import presets
from statelab.sim.result import Result
from statelab.sim.scenario import Scenario
from statelab.sim.simulation import DEFAULT_LIMIT, ScenarioTooLarge, simulate

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
    "ScenarioTooLarge",
    "StoreOutage",
    "presets",
    "replicate",
    "simulate",
    "sweep",
    "theory",
]

__version__ = "0.1.0"
