"""Slots, the workers' counter, event by event, in the style of SimPy's own resource tests.

Each test runs a few small SimPy processes that write ``(name, what, env.now)`` to a
log, and compares the whole log with the one expected, in order: who took a slot, who
waited, and at which instant each was handed a slot.
"""

from __future__ import annotations

import simpy

from statelab.sim.slots import Slots


def customer(env, slots, log, name, arrive, hold):
    """Arrive at time ``arrive``, take a slot (waiting in line if need be), hold it ``hold``
    seconds, give it back."""
    yield env.timeout(arrive - env.now)
    log.append((name, "arrive", env.now))
    yield from slots.take()
    log.append((name, "take", env.now))
    yield env.timeout(hold)
    slots.give_back()
    log.append((name, "give_back", env.now))


def patient(env, slots, log, name, arrive, hold):
    """A customer that may be interrupted while in line, and then leaves without a slot."""
    try:
        yield env.timeout(arrive - env.now)
        log.append((name, "arrive", env.now))
        yield from slots.take()
    except simpy.Interrupt:
        log.append((name, "interrupted", env.now))
        return
    log.append((name, "take", env.now))
    yield env.timeout(hold)
    slots.give_back()
    log.append((name, "give_back", env.now))


def start(env, slots, log, people):
    """Start one customer process a (name, arrive, hold) row, in the order given."""
    return {
        name: env.process(customer(env, slots, log, name, arrive, hold))
        for name, arrive, hold in people
    }


def test_taking_a_free_slot_costs_no_wait_and_no_event():
    env = simpy.Environment()
    slots = Slots(env, 2)
    log = []
    start(env, slots, log, [("A", 0, 3), ("B", 0, 4), ("C", 5, 1), ("D", 5, 1)])
    env.run()
    # Each takes its slot in the same step as it arrives: A has its slot before B even
    # arrives. (A request event, as simpy.Resource's, would log A and B arriving first.)
    # C and D find the slots that A and B gave back free again.
    assert log == [
        ("A", "arrive", 0),
        ("A", "take", 0),
        ("B", "arrive", 0),
        ("B", "take", 0),
        ("A", "give_back", 3),
        ("B", "give_back", 4),
        ("C", "arrive", 5),
        ("C", "take", 5),
        ("D", "arrive", 5),
        ("D", "take", 5),
        ("C", "give_back", 6),
        ("D", "give_back", 6),
    ]
    assert slots.count == 0 and not slots.waiting


def test_a_full_counter_serves_its_line_first_come_first_served_at_the_instant_of_hand_over():
    env = simpy.Environment()
    slots = Slots(env, 1)
    log = []
    start(env, slots, log, [("A", 0, 4), ("B", 1, 2), ("C", 2, 2), ("D", 3, 2)])
    env.run(until=0.5)
    # E arrives at 4, the very instant A hands its slot on (just after, in the same step of
    # the clock, as E started later than A): E still queues behind B, C and D.
    start(env, slots, log, [("E", 4, 1)])
    env.run(until=8)
    assert log == [
        ("A", "arrive", 0),
        ("A", "take", 0),
        ("B", "arrive", 1),
        ("C", "arrive", 2),
        ("D", "arrive", 3),
        ("A", "give_back", 4),
        ("E", "arrive", 4),
        ("B", "take", 4),
        ("B", "give_back", 6),
        ("C", "take", 6),
    ]
    assert slots.count == 1 and len(slots.waiting) == 2  # C serving; D, E in line
    env.run()
    assert log[10:] == [
        ("C", "give_back", 8),
        ("D", "take", 8),
        ("D", "give_back", 10),
        ("E", "take", 10),
        ("E", "give_back", 11),
    ]
    assert slots.count == 0 and not slots.waiting


def test_count_and_line_length_at_chosen_moments():
    env = simpy.Environment()
    slots = Slots(env, 2)
    log = []
    people = [("A", 0, 10), ("B", 1, 3), ("C", 2, 5), ("D", 3, 1), ("E", 20, 1)]
    start(env, slots, log, people)
    impatient = env.process(patient(env, slots, log, "F", 3.2, 1))

    def watch():
        for moment in (0.5, 1.5, 2.5, 3.1, 3.5, 3.9, 4.5, 9.5, 12.0, 20.5):
            yield env.timeout(moment - env.now)
            if moment == 3.9:
                impatient.interrupt()  # F gives up waiting
                yield env.timeout(0)
            log.append(("watch", (slots.count, len(slots.waiting)), env.now))

    env.process(watch())
    env.run()
    # A and B hold both slots from 1 s; C, D and F line up and F leaves; B's slot goes
    # to C at 4 and C's to D at 9; A and D leave at 10; the counter is empty until E.
    watched = [entry[1:] for entry in log if entry[0] == "watch"]
    assert watched == [
        ((1, 0), 0.5),
        ((2, 0), 1.5),
        ((2, 1), 2.5),
        ((2, 2), 3.1),
        ((2, 3), 3.5),
        ((2, 2), 3.9),
        ((2, 1), 4.5),
        ((2, 0), 9.5),
        ((0, 0), 12.0),
        ((1, 0), 20.5),
    ]
    takes = [(name, now) for name, what, now in log if what == "take"]
    assert takes == [("A", 0), ("B", 1), ("C", 4), ("D", 9), ("E", 20)]
    assert slots.count == 0 and not slots.waiting


def test_a_process_interrupted_in_line_leaves_it_and_the_others_keep_their_order():
    env = simpy.Environment()
    slots = Slots(env, 1)
    log = []
    start(env, slots, log, [("A", 0, 10), ("B", 1, 2), ("D", 3, 2), ("E", 20, 1)])
    waiting = env.process(patient(env, slots, log, "C", 2, 2))

    def interrupter():
        yield env.timeout(5)
        waiting.interrupt()
        yield env.timeout(0)  # the interrupt has been handled
        log.append(("line", len(slots.waiting), env.now))

    env.process(interrupter())
    env.run()
    assert log == [
        ("A", "arrive", 0),
        ("A", "take", 0),
        ("B", "arrive", 1),
        ("C", "arrive", 2),
        ("D", "arrive", 3),
        ("C", "interrupted", 5),
        ("line", 2, 5),  # B and D
        ("A", "give_back", 10),
        ("B", "take", 10),
        ("B", "give_back", 12),
        ("D", "take", 12),  # C's place was not kept: D is next
        ("D", "give_back", 14),
        ("E", "arrive", 20),
        ("E", "take", 20),  # and nobody holds C's slot: the counter is free
        ("E", "give_back", 21),
    ]
    assert slots.count == 0 and not slots.waiting


def test_a_process_interrupted_as_it_is_handed_the_slot_passes_it_on():
    env = simpy.Environment()
    slots = Slots(env, 1)
    log = []
    people = start(env, slots, log, [("C", 2, 3), ("D", 3, 3), ("E", 20, 1)])
    handed = env.process(patient(env, slots, log, "B", 1, 3))

    def holder():
        yield from slots.take()
        log.append(("A", "take", env.now))
        yield env.timeout(5)
        slots.give_back()  # B's turn comes ...
        handed.interrupt()  # ... and B is interrupted at the same instant
        log.append(("A", "give_back", env.now))

    env.process(holder())
    env.run()
    assert not people["C"].is_alive
    assert log == [
        ("A", "take", 0),
        ("B", "arrive", 1),
        ("C", "arrive", 2),
        ("D", "arrive", 3),
        ("A", "give_back", 5),
        ("B", "interrupted", 5),
        ("C", "take", 5),  # B passed the slot it was handed to the next in line, at once
        ("C", "give_back", 8),
        ("D", "take", 8),
        ("D", "give_back", 11),
        ("E", "arrive", 20),
        ("E", "take", 20),
        ("E", "give_back", 21),
    ]
    assert slots.count == 0 and not slots.waiting
