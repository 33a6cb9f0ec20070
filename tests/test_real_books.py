"""A real run's books, from notes of our own making: how the assembler names a lost cart
when the clocks of a busy machine put an answer after the crash that ended its node."""

from __future__ import annotations

from math import nan as NAN

import pandas as pd
import pytest

from statelab import Crash, Scenario
from statelab.real import loadgen, server
from statelab.real.assemble import Attempt, RunLog, assemble, book_cut_writes
from statelab.sim.records import FAILED, OK

SCENARIO = Scenario(duration=10.0, nodes=2, affinity="sticky", events=(Crash(1, at=5.0),))
CRASH_STAMP = 5.0


def notes(first_answer_at: float, first_done_at: float) -> RunLog:
    """Session 0 shops on node 1; node 1 is killed (stamped at 5.0); its next request is
    served by node 0, which has no cart. Time scale 1, clock 0: stamps are model seconds."""
    client = pd.DataFrame(
        [
            (0, 0, 1, 1, 1.0, first_answer_at, "ok", 200, 0, 0, 1, 0, 0, 0, 0),
            (0, 1, 1, 0, 6.0, 6.1, "ok", 200, 0, 0, 1, 0, 0, 0, 0),
        ],
        columns=loadgen.REQUEST_FIELDS,
    )
    log = pd.DataFrame(
        [
            (0, 0, 1, 1, 1.0, 1.0, first_done_at, False, True, False, 1, 0, None),
            (0, 1, 1, 0, 6.0, 6.0, 6.05, False, True, False, 2, 0, None),
        ],
        columns=server.LOG_HEADER.split(","),
    )
    sessions = pd.DataFrame([(0, 1.0, 6.1, 2, 0, 0, 0)], columns=loadgen.SESSION_FIELDS)
    changes = [(CRASH_STAMP, 1, "down", False)]
    return RunLog(SCENARIO, 1.0, 0.0, client, sessions, log, changes)


@pytest.mark.parametrize(
    ("answer", "done"),
    [(4.0, 3.9), (5.01, 4.99), (5.02, 5.01)],
    ids=["before-the-crash", "answer-after-the-stamp", "node-done-after-the-stamp"],
)
def test_a_cart_on_a_node_that_went_down_is_lost_to_the_crash_however_late_the_answer(answer, done):
    """The cart was on node 1 when it was killed: its loss is the crash's, on node 1, even
    when the answer that put it there reached the client after the kill was stamped."""
    result = assemble(notes(answer, done))
    losses = result.losses
    assert list(losses["cause"]) == ["crash"]
    assert list(losses["node"]) == [1]
    assert list(result.requests["outcome"]) == ["ok", "state_lost"]


def _attempt(attempt: int, outcome: int, applied: bool, duplicate: bool) -> Attempt:
    return Attempt(7, 3, attempt, 1, 1.0 * attempt, NAN, NAN, NAN, outcome, applied, duplicate,
                   False, False, False)  # fmt: skip


def test_a_write_the_store_kept_and_a_kill_hid_from_the_log_is_booked_to_the_cut_attempt():
    """Killed between its write to the store and its log line, a node leaves the change in the
    store and none in the books; the retry's node finds it there (a duplicate). The cut
    attempt before the retry is booked applied; a duplicate after an applied attempt, or with
    no failed attempt before it, books nothing more."""
    hidden = [_attempt(1, OK, True, False), _attempt(2, FAILED, False, False),
              _attempt(3, FAILED, False, False), _attempt(4, OK, True, True)]  # fmt: skip
    assert book_cut_writes(hidden) == 0  # attempt 1 was applied: 4 is a plain duplicate
    cut = [_attempt(2, FAILED, False, False), _attempt(1, FAILED, False, False),
           _attempt(3, OK, True, True)]  # fmt: skip
    assert book_cut_writes(cut) == 1
    assert [(a.attempt, a.applied) for a in sorted(cut, key=lambda a: a.attempt)] == [
        (1, False),
        (2, True),
        (3, True),
    ]  # the last failed attempt before the retry wrote it
    assert book_cut_writes([_attempt(1, OK, True, True)]) == 0
