"""The simulation: a Scenario goes in, a Result comes out. Nothing here draws or shows.

The modules, in the order a run passes through them:

- what to run: :mod:`~statelab.sim.errors` (``ScenarioError`` and ``ScenarioTypeError``:
  what the learner asked for is refused), :mod:`~statelab.sim.checks` (the learner-facing
  checks of every field),
  :mod:`~statelab.sim.events` (crashes, restarts, scaling, store outages, failure and
  autoscaling policies), :mod:`~statelab.sim.traces` (workload traces),
  :mod:`~statelab.sim.scenario` (the frozen Scenario), :mod:`~statelab.sim.presets`
  (scenarios kept as TOML files);
- the model's parts: :mod:`~statelab.sim.workload` (shoppers and their requests),
  :mod:`~statelab.sim.balancer` (how a node is picked), :mod:`~statelab.sim.affinity`
  (hashing a client to a node), :mod:`~statelab.sim.slots` (worker slots),
  :mod:`~statelab.sim.node` (a web server), :mod:`~statelab.sim.store` (the shared
  session store), :mod:`~statelab.sim.state` (where a session's state lives, and the
  ledger of what was lost), :mod:`~statelab.sim.autoscaling` (the HPA rule);
- the run: :mod:`~statelab.sim.model` (the SimPy model), :mod:`~statelab.sim.records`
  (what it writes down), :mod:`~statelab.sim.simulation` (``simulate``),
  :mod:`~statelab.sim.result` (tables and the summary).
"""
