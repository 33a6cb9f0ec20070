// The view by keyboard (keys.js): what each key does, and whom the follow keys pick.

import assert from "node:assert/strict";
import { test } from "node:test";
import { BIG_STEP, keyAction, nextLoser, nextShopper, STEP } from "../../statelab/dashboards/static/src/keys.js";
import { fixture } from "./fixtures.mjs";

test("the view's keys: play, scrub by 1 s (Shift: 10 s), Home, End, follow, stop", () => {
  const on = (key, tag = "CANVAS", more = {}) => keyAction({ key, ...more }, tag);
  assert.deepEqual(on(" "), { kind: "play" });
  assert.deepEqual(on(" ", "INPUT"), { kind: "play" });
  assert.deepEqual(on("ArrowRight", "INPUT"), { kind: "seek", by: STEP });
  assert.deepEqual(on("ArrowLeft"), { kind: "seek", by: -STEP });
  assert.deepEqual(on("ArrowRight", "INPUT", { shiftKey: true }), { kind: "seek", by: BIG_STEP });
  assert.deepEqual(on("ArrowLeft", "CANVAS", { shiftKey: true }), { kind: "seek", by: -BIG_STEP });
  assert.deepEqual(on("Home"), { kind: "seek", to: 0 });
  assert.deepEqual(on("End"), { kind: "seek", to: Number.POSITIVE_INFINITY });
  assert.deepEqual(on("f"), { kind: "follow-loser" });
  assert.deepEqual(on("]"), { kind: "follow", by: 1 });
  assert.deepEqual(on("["), { kind: "follow", by: -1 });
  assert.deepEqual(on("Escape"), { kind: "unfollow" });
  assert.equal(STEP, 1);
  assert.equal(BIG_STEP, 10);
});

test("a control keeps its own keys, the notebook gets none but Tab and shortcuts", () => {
  assert.deepEqual(keyAction({ key: " " }, "BUTTON"), { kind: "native" });
  assert.deepEqual(keyAction({ key: "ArrowDown" }, "SELECT"), { kind: "native" });
  // "a" would add a cell in JupyterLab's command mode: the view keeps it (and does nothing)
  assert.deepEqual(keyAction({ key: "a" }, "CANVAS"), { kind: "native" });
  assert.equal(keyAction({ key: "Tab" }, "CANVAS"), null);
  assert.equal(keyAction({ key: "s", ctrlKey: true }, "CANVAS"), null);
  assert.equal(keyAction({ key: "ArrowRight", altKey: true }, "INPUT"), null);
});

test("F follows the next shopper to lose a cart, then the one after, wrapping round", () => {
  const { run } = fixture("crash");
  const first = nextLoser(run, 0);
  assert.equal(first.at, run.lossTimes[0]);
  assert.equal(run.s.lost_at[first.session], first.at);
  const second = nextLoser(run, first.at);
  assert.ok(second.at >= first.at && second.session !== first.session);
  assert.equal(nextLoser(run, run.duration).session, first.session, "after the last, the first");
  assert.equal(nextLoser(fixture("calm_day").run, 10), null);
});

test("] and [ step through the shoppers shopping at t, and back", () => {
  const { run } = fixture("crash");
  const t = 50;
  const shopping = (k) => run.s.start[k] <= t && t < run.sesEnds[k];
  let k = nextShopper(run, t, -1, 1);
  const seen = [k];
  for (let i = 0; i < 5; i++) {
    k = nextShopper(run, t, k, 1);
    seen.push(k);
  }
  assert.ok(seen.every(shopping));
  assert.ok(
    seen.every((s, i) => i === 0 || s > seen[i - 1]),
    "in order of number",
  );
  assert.equal(nextShopper(run, t, seen[3], -1), seen[2]);
  assert.equal(nextShopper(run, -1, 0, 1), -1, "nobody shops before the start");
});
