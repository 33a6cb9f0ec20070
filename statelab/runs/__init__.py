"""Runs: many simulations at once (seeds, sweeps), on a process pool or any executor.

- :mod:`~statelab.runs.replications`: ``replicate`` (one scenario, several seeds) and
  ``sweep`` (one field over several values);
- :mod:`~statelab.runs.confidence`: Student-t confidence intervals.
"""
