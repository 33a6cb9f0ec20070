// The text under the canvas says the numbers of the state at t, and the followed shopper's
// story follows its requests.

import assert from "node:assert/strict";
import { test } from "node:test";
import { stateAt } from "../../statelab/dashboards/static/src/state.js";
import { followCaption, requestsOf, soFarHtml } from "../../statelab/dashboards/static/src/text.js";
import { fixture } from "./fixtures.mjs";

test("the so-far line gives the state's counts, and the whole run's after a slash", () => {
  const { run } = fixture("crash");
  const t = run.duration * 0.75;
  const state = stateAt(run, t);
  const html = soFarHtml(run, t);
  assert.match(html, new RegExp(`<b>ok</b> ${state.so_far.ok} <i>/ ${run.meta.summary.ok}</i>`));
  assert.match(html, new RegExp(`<b class="sa-lost">${state.sessions_lost}</b> <i>/ ${run.meta.summary.sessions_lost}</i>`));
  assert.match(html, new RegExp(`crash ${state.lost_by_cause.crash} <i>/ ${run.meta.summary.sessions_lost_crash}</i>`));
  assert.ok(state.sessions_lost > 0, "the crash preset loses carts by 3/4 of the run");
});

test("a shopper who lost its cart is told so, with the node that held it", () => {
  const { run } = fixture("crash");
  const k = run.lossSessions[0];
  const at = run.lossTimes[0];
  const rows = requestsOf(run, k);
  assert.ok(rows.every((i) => run.r.session[i] === k) && rows.length > 0);
  const after = followCaption(run, at, k, rows, -1);
  assert.match(after, new RegExp(`lost its cart at ${at.toFixed(1)} s: crash \\(held by node ${run.s.lost_node[k]}\\)`));
  const before = followCaption(run, at - 1e-6, k, rows, run.s.lost_node[k]);
  assert.doesNotMatch(before, /lost its cart/);
  assert.match(before, new RegExp(`its cart is in node ${run.s.lost_node[k]}'s memory`));
  assert.equal(followCaption(run, at, -1, rows, -1), "");
});
