"""statelab.theory: the closed forms themselves, checked against known values and brute force."""

from __future__ import annotations

import math

import pytest

from statelab import theory
from statelab.runs.confidence import interval, t_quantile


def test_erlang_c_matches_the_textbook_value():
    # lambda = 3.2, mu = 1, c = 4: Wq = 2048 / 2747 exactly (see shared/performance.md)
    assert theory.mmc_wait_mean(3.2, 1.0, 4) == pytest.approx(2048 / 2747, rel=1e-12)


def test_erlang_c_with_one_worker_is_m_m_1():
    for load in (0.1, 0.5, 0.9):
        assert theory.erlang_c(load, 1.0, 1) == pytest.approx(load)
        assert theory.mmc_wait_mean(load, 1.0, 1) == pytest.approx(theory.mm1_wait_mean(load, 1.0))
        assert theory.mm1_latency_mean(load, 1.0) == pytest.approx(1.0 / (1.0 - load))


def test_erlang_c_stays_accurate_for_many_workers():
    probability = theory.erlang_c(190.0, 1.0, 200)
    assert 0.0 < probability < 1.0
    assert theory.erlang_c(50.0, 1.0, 200) < 1e-12


def test_an_unstable_queue_is_refused_with_the_reason():
    with pytest.raises(ValueError, match="unstable"):
        theory.mmc_wait_mean(4.0, 1.0, 4)


def test_littles_law():
    assert theory.littles_law(3.0, 2.0) == 6.0


@pytest.mark.parametrize(("before", "after"), [(3, 4), (4, 5), (5, 4), (4, 3), (2, 6), (6, 4)])
def test_modulo_remapping_matches_counting_keys(before, after):
    keys = range(math.lcm(before, after) * 7)
    moved = sum(key % before != key % after for key in keys) / len(keys)
    assert theory.remapped_modulo(before, after) == pytest.approx(moved)


def test_the_course_shares():
    assert theory.remapped_modulo(4, 5) == pytest.approx(4 / 5)
    assert theory.remapped_modulo(4, 3) == pytest.approx(3 / 4)
    assert theory.remapped_consistent(4, 5) == pytest.approx(1 / 5)
    assert theory.sticky_lost_on_crash(4) == pytest.approx(1 / 4)
    assert theory.availability(95.0, 5.0) == pytest.approx(0.95)


@pytest.mark.parametrize(
    ("probability", "df", "expected"),  # from printed tables of Student's t
    [
        (0.975, 1, 12.7062),
        (0.975, 9, 2.2622),
        (0.995, 9, 3.2498),
        (0.95, 4, 2.1318),
        (0.975, 29, 2.0452),
        (0.975, 1000, 1.9623),
        (0.025, 9, -2.2622),
    ],
)
def test_student_t_quantiles_match_the_tables(probability, df, expected):
    assert t_quantile(probability, df) == pytest.approx(expected, abs=1e-4)


def test_a_confidence_interval_is_centred_on_the_mean():
    low, mean, high = interval([1.0, 2.0, 3.0, 4.0])
    assert mean == 2.5
    assert high - mean == pytest.approx(mean - low)
    assert high - mean == pytest.approx(3.1824 * math.sqrt(5 / 3) / 2, abs=1e-3)
