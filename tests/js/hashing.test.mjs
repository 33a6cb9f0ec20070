// The hashing panel: the owner it colours each key with on the ring is the model's (Python's
// router with the 64-bit key, at every change of every hashing preset), and the keys it marks
// as moved are the model's answer, in both pictures.

import assert from "node:assert/strict";
import { test } from "node:test";
import { lastChange, liveMask, moduloNodes, ownerOnRing } from "../../statelab/dashboards/static/src/hashing.js";
import { statusAt } from "../../statelab/dashboards/static/src/state.js";
import { fixture, PRESETS } from "./fixtures.mjs";

const hashed = () => PRESETS.filter((name) => fixture(name).owners);

test("some presets hash, on the ring and by modulo", () => {
  const kinds = new Set(hashed().map((name) => fixture(name).meta.hashing.kind));
  assert.deepStrictEqual([...kinds].sort(), ["modulo", "ring"]);
});

test("on the ring, every active key's owner before and after each change is the model's", () => {
  for (const name of hashed()) {
    const { run, owners } = fixture(name);
    if (run.hashing.kind !== "ring") continue;
    for (const change of owners) {
      const before = liveMask(run, statusAt(run, change.at, false));
      const after = liveMask(run, statusAt(run, change.at, true));
      change.sessions.forEach((s, j) => {
        assert.equal(ownerOnRing(run.ring, run.s.key[s], before), change.before[j], `${name}: session ${s} before ${change.at} s`);
        assert.equal(ownerOnRing(run.ring, run.s.key[s], after), change.after[j], `${name}: session ${s} after ${change.at} s`);
      });
    }
  }
});

test("the keys marked moved are the ones whose owner the change changed", () => {
  for (const name of hashed()) {
    const { run, owners } = fixture(name);
    run.hashEvents.forEach((event, i) => {
      const change = owners[i];
      assert.equal(event.at, change.at);
      const moved = change.sessions.filter((_, j) => change.before[j] !== change.after[j]);
      const marked = [];
      event.movedFlags.forEach((flag, s) => {
        if (flag) marked.push(s);
      });
      assert.deepStrictEqual(
        marked,
        moved.slice().sort((a, b) => a - b),
        `${name} at ${change.at} s`,
      );
      assert.equal(marked.length, event.moved, `${name}: the panel's count`);
      assert.equal(lastChange(run, event.at), event);
    });
  }
});

test("in the modulo table, a key's first request after a change goes to its column's node", () => {
  for (const name of hashed()) {
    const { run, owners } = fixture(name);
    if (run.hashing.kind !== "modulo") continue;
    let checked = 0;
    run.hashEvents.forEach((event, i) => {
      const change = owners[i];
      const next = run.hashEvents[i + 1];
      const columns = moduloNodes(run, statusAt(run, change.at), !!run.hashing.configured);
      change.sessions.forEach((s, j) => {
        const node = event.afterNode[s];
        if (node < 0 || change.after[j] < 0) return;
        // only a first request before the next change tells where the key maps after this one
        const first = run.r.arrival.findIndex((a, row) => a >= change.at && run.r.session[row] === s && run.r.node[row] >= 0);
        if (next && run.r.arrival[first] >= next.at) return;
        assert.equal(node, change.after[j], `${name}: session ${s} after ${change.at} s`);
        assert.ok(columns.includes(node), `${name}: node ${node} has a column`);
        checked++;
      });
    });
    assert.ok(checked > 0, `${name}: no key checked`);
  }
});
