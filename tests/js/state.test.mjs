// The run's state at a moment, in JavaScript (state.js), is Python's (playback.state_at)
// exactly: busy, queued, carts, statuses, losses and the counts so far, at 50 moments of
// every preset, event times included (the state just after every event at t).

import assert from "node:assert/strict";
import { test } from "node:test";
import { cartsAt, stateAt, statusAt } from "../../statelab/dashboards/static/src/state.js";
import { fixture, PRESETS } from "./fixtures.mjs";

test("there is a fixture for every preset", () => {
  assert.ok(PRESETS.length >= 13, `only ${PRESETS.length} fixtures: run \`make js-fixtures\``);
});

for (const name of PRESETS) {
  test(`${name}: the state at 50 moments is playback.state_at's`, () => {
    const f = fixture(name);
    assert.equal(f.times.length, 50);
    f.times.forEach((t, i) => {
      assert.deepStrictEqual(stateAt(f.run, t), f.states[i], `${name} at t = ${t} s`);
    });
  });
}

test("the statuses just before a change are the ones before it", () => {
  const f = fixture("crash");
  const [at, node, code] = f.run.changes.find((c) => c[0] > 0 && c[2] === f.run.down);
  assert.equal(statusAt(f.run, at)[node], code);
  assert.notEqual(statusAt(f.run, at, false)[node], code);
});

test("the cart log is the model's (result.cart_moves), move for move", () => {
  for (const name of PRESETS) {
    const { run, moves } = fixture(name);
    const m = run.m;
    assert.equal(m.count, moves.time.length, name);
    assert.deepStrictEqual(Array.from(m.time), moves.time, `${name}: times`);
    assert.deepStrictEqual(Array.from(m.session), moves.session, `${name}: sessions`);
    // the view writes a cart leaving node k as -2 - k (so it leaves only if still there)
    assert.deepStrictEqual(
      Array.from(m.node, (k) => (k >= 0 ? k : -1)),
      moves.node,
      `${name}: nodes`,
    );
  }
});

test("carts are in memory only with server-side state, and none on a dead node", () => {
  for (const name of PRESETS) {
    const f = fixture(name);
    const where = cartsAt(f.run, f.run.duration / 2);
    if (!f.run.cartsInMemory)
      assert.ok(
        where.every((k) => k === -1),
        name,
      );
    const status = statusAt(f.run, f.run.duration / 2);
    for (const k of where) if (k >= 0) assert.notEqual(status[k], f.run.down, name);
  }
});
