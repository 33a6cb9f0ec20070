// The view's incremental state (playhead.js), which each frame draws from, agrees with the
// pure state at every moment, whether time moves forwards (pointers) or back (a rebuild),
// and with the leg of any speed.

import assert from "node:assert/strict";
import { test } from "node:test";
import { legFor, Playhead } from "../../statelab/dashboards/static/src/playhead.js";
import { stateAt } from "../../statelab/dashboards/static/src/state.js";
import { fixture, PRESETS } from "./fixtures.mjs";

/** The playhead's counts at t, beside stateAt's. */
function compare(head, run, t, where) {
  head.advance(t);
  const counts = head.counts(t);
  const want = stateAt(run, t);
  assert.deepStrictEqual(counts.busy, want.busy, `${where}: busy`);
  assert.deepStrictEqual(counts.queued, want.queued, `${where}: queued`);
  assert.deepStrictEqual(counts.carts, want.carts, `${where}: carts`);
  assert.deepStrictEqual(Array.from(head.status), want.status, `${where}: status`);
  assert.equal(head.sessionsN, want.active_sessions, `${where}: active shoppers`);
  assert.equal(counts.atStore, want.store_busy + want.store_queued, `${where}: at the store`);
}

for (const name of PRESETS) {
  test(`${name}: played forwards, then scrubbed back, the playhead is the state`, () => {
    const { run, times } = fixture(name);
    const head = new Playhead(run);
    for (const speed of [1, 8]) {
      head.leg = legFor(speed);
      head.reset();
      // forwards through the fixture's moments and the frames between two of them
      for (const t of times) compare(head, run, t, `${name} forwards at ${t} s, speed ${speed}`);
      for (const t of times.slice().reverse()) compare(head, run, t, `${name} backwards at ${t} s, speed ${speed}`);
    }
  });
}

test("a request stays on screen until its answer is back or its node let go of it", () => {
  const { run } = fixture("crash");
  const head = new Playhead(run);
  head.leg = 0.4;
  for (let i = 0; i < run.nReq; i += 97) {
    const end = run.r.end[i];
    const left = run.r.left[i];
    const until = head.visibleUntil(i);
    if (!Number.isNaN(end)) assert.ok(until >= end + 0.4, `row ${i}`);
    if (!Number.isNaN(left)) assert.ok(until >= left, `row ${i}`);
  }
});
