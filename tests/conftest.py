"""Shared helpers for the statelab tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from statelab import Scenario

ROOT = Path(__file__).resolve().parent.parent


def mmc(arrival_rate: float, workers: int, *, nodes: int = 1, balancer: str = "round_robin",
        duration: float = 10_000.0, warmup: float = 200.0, seed: int = 0) -> Scenario:
    """A scenario that is exactly an M/M/c queue per node: one request a session, 1 s service."""
    return Scenario(
        arrival_rate=arrival_rate, requests_per_session=1, service_time=1.0, think_time=0.0,
        nodes=nodes, workers=workers, balancer=balancer, affinity="none",
        duration=duration, warmup=warmup, sample_interval=5.0, seed=seed,
    )


@pytest.fixture
def root() -> Path:
    """The top folder of the repository."""
    return ROOT
