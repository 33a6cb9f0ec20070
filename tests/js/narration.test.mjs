// The view in words (narration.js) says the numbers the model recorded: the carts a crash
// takes, the shoppers who find their cart gone, the keys a rehash moves, the state at t.

import assert from "node:assert/strict";
import { test } from "node:test";
import {
  canvasLabel,
  describeMoment,
  linesAfterJump,
  linesBetween,
  narration,
  nodesText,
  seconds,
} from "../../statelab/dashboards/static/src/narration.js";
import { cartsAt, soFar, stateAt } from "../../statelab/dashboards/static/src/state.js";
import { storeDown } from "../../statelab/dashboards/static/src/view.js";
import { causeWord, shortEvent } from "../../statelab/dashboards/static/src/words.js";
import { fixture, PRESETS } from "./fixtures.mjs";

test("every preset's lines come in the order of their moments, each naming its moment", () => {
  for (const name of PRESETS) {
    const { run } = fixture(name);
    const lines = narration(run);
    lines.forEach((line, i) => {
      assert.ok(line.text.startsWith(`${seconds(line.at)}: `), `${name}: ${line.text}`);
      if (i) assert.ok(lines[i - 1].at <= line.at, `${name}: ${lines[i - 1].text} before ${line.text}`);
      assert.ok(line.at >= 0 && line.at <= run.duration + 1e-9, `${name}: ${line.text}`);
    });
  }
});

test("a crash line says how many carts the node held just before it", () => {
  for (const name of ["crash", "capstone", "rehash", "replicated_crash"]) {
    const { run } = fixture(name);
    const crash = run.events.find((e) => e.kind === "Crash");
    assert.ok(crash, name);
    const held = Array.from(cartsAt(run, crash.at - 1e-9)).filter((k) => k === crash.node).length;
    assert.equal(held, stateAt(run, crash.at - 1e-9).carts[crash.node], name);
    assert.ok(held > 0, `${name}: node ${crash.node} held carts before its crash`);
    const line = narration(run).find((l) => l.kind === "event" && l.at === crash.at);
    const words = name === "replicated_crash" ? "live on as copies" : "are gone";
    assert.match(line.text, new RegExp(`node ${crash.node} crashed; the ${held} carts in its memory ${words}`));
  }
  const { run } = fixture("stateless_crash");
  assert.match(narration(run)[0].text, /crashed; its carts live in the session store, not in its memory/);
});

test("the loss lines add up, cause by cause, to the losses so far at each line's moment", () => {
  for (const name of PRESETS) {
    const { run } = fixture(name);
    const total = {};
    for (const line of narration(run).filter((l) => l.kind === "loss")) {
      const m = line.text.match(/: (\d+)(?: more)? shoppers? found (?:its|their) cart gone \((.+?)\); (\d+) carts? lost to (.+?) so far$/);
      assert.ok(m, `${name}: ${line.text}`);
      const [, n, said, sofar, again] = m;
      assert.equal(said, again);
      const cause = run.causes.find((c) => causeWord(c) === said);
      total[cause] = (total[cause] || 0) + Number(n);
      assert.equal(total[cause], Number(sofar), `${name}: ${line.text}`);
      assert.equal(soFar(run, line.at).lostByCause[cause], Number(sofar), `${name}: ${line.text}`);
    }
    for (const cause of run.causes) {
      assert.equal(total[cause] || 0, soFar(run, run.duration).lostByCause[cause], `${name}: ${cause}`);
    }
  }
});

test("a rehash line gives the model's moved keys, of the active keys", () => {
  for (const name of ["naive_scale_out", "consistent_scale_out"]) {
    const { run } = fixture(name);
    const change = run.hashEvents[0];
    const line = narration(run).find((l) => l.kind === "hashing");
    const share = Math.round((100 * change.moved) / change.keys);
    assert.equal(line.at, change.at);
    assert.match(
      line.text,
      new RegExp(
        `over ${change.after} nodes \\(was ${change.before}\\): ${change.moved} of ${change.keys} shoppers' keys moved, ${share}%`,
      ),
    );
  }
  // a ring moves about one key in five on a fifth node; modulo about four in five
  const ring = fixture("consistent_scale_out").run.hashEvents[0];
  const modulo = fixture("naive_scale_out").run.hashEvents[0];
  assert.ok(ring.moved / ring.keys < 0.4 && modulo.moved / modulo.keys > 0.6);
});

test("a store outage is told when it begins and when it ends", () => {
  const { run } = fixture("store_outage");
  const outage = run.events.find((e) => e.kind === "StoreOutage");
  const told = narration(run)
    .filter((l) => l.kind === "event")
    .map((l) => [l.at, l.text]);
  assert.deepEqual(told, [
    [outage.at, `${seconds(outage.at)}: the session store goes down for ${seconds(outage.duration)}; requests that need it fail`],
    [outage.at + outage.duration, `${seconds(outage.at + outage.duration)}: the session store is back`],
  ]);
});

test("a hung store is told as a hang, on the canvas's store as in the lines", () => {
  const { run } = fixture("store_outage");
  const outage = run.events.find((e) => e.kind === "StoreOutage");
  const hung = { ...run, events: run.events.map((e) => (e === outage ? { ...e, mode: "hang" } : e)) };
  const told = narration(hung)
    .filter((l) => l.kind === "event")
    .map((l) => l.text);
  assert.deepEqual(told, [
    `${seconds(outage.at)}: the session store hangs for ${seconds(outage.duration)}; requests wait on it, holding workers`,
    `${seconds(outage.at + outage.duration)}: the session store answers again`,
  ]);
  const at = (t) => storeDown({ run: hung, t });
  assert.deepEqual([at(outage.at - 1), at(outage.at), at(outage.at + outage.duration)], ["", "hang", ""]);
  assert.equal(storeDown({ run, t: outage.at }), "down");
  assert.equal(shortEvent({ ...outage, mode: "hang" }), "store hangs");
});

test("the lines told while playing are those passed, each once, however the frames fall", () => {
  const { run } = fixture("rehash");
  const lines = narration(run);
  const frames = [0, 0.016, 30, 59.99, 60, 60.5, 61.13, 63, 90, run.duration];
  const told = [];
  for (let i = 1; i < frames.length; i++) told.push(...linesBetween(lines, frames[i - 1], frames[i]));
  assert.deepEqual(told, linesBetween(lines, 0, run.duration));
  assert.deepEqual(
    told,
    lines.filter((l) => l.at > 0),
  );
});

test("after a jump, the events passed are told before the losses, in time order", () => {
  const lines = [
    { at: 51, text: "a", kind: "loss" },
    { at: 55, text: "outage", kind: "event" },
    { at: 55, text: "scale", kind: "event" },
    { at: 55, text: "start", kind: "change" },
    { at: 57, text: "b", kind: "loss" },
    { at: 58, text: "c", kind: "loss" },
    { at: 60, text: "crash", kind: "event" },
    { at: 61, text: "d", kind: "loss" },
  ];
  assert.deepEqual(
    linesAfterJump(lines, 50, 61).map((l) => l.text),
    ["outage", "scale", "crash"],
  );
  assert.deepEqual(
    linesAfterJump(lines, 56, 61).map((l) => l.text),
    ["c", "crash", "d"],
  );
  assert.deepEqual(
    linesAfterJump(lines, 50, 56, 5).map((l) => l.text),
    ["a", "outage", "scale", "start"],
  );
  for (const name of PRESETS) {
    const all = narration(fixture(name).run);
    const told = linesAfterJump(all, 0, 1e9);
    assert.ok(told.length <= 3);
    const events = all.filter((l) => l.kind === "event");
    // every line told is passed, in order; events are dropped only for later events
    assert.deepEqual(
      told,
      all.filter((l) => told.includes(l)),
    );
    if (events.length >= 3) assert.deepEqual(told, events.slice(-3));
    else for (const e of events) assert.ok(told.includes(e), `${name}: ${e.text}`);
  }
});

test("the canvas's name and the description say the state at t, in the same words", () => {
  for (const name of ["crash", "store_outage", "naive_scale_out", "cookie_cart"]) {
    const { run } = fixture(name);
    for (const t of [0.5, run.duration * 0.3, 61.5, run.duration]) {
      const state = stateAt(run, t);
      const label = canvasLabel(run, t);
      const text = describeMoment(run, t);
      const lost = `${state.sessions_lost} cart${state.sessions_lost === 1 ? "" : "s"} lost so far`;
      assert.ok(label.endsWith(lost), `${name} at ${t}: ${label}`);
      assert.ok(label.includes(nodesText(run, t)) && text.includes(nodesText(run, t)));
      assert.ok(text.includes(`Carts lost so far: ${state.sessions_lost}`), text);
      assert.ok(text.includes(`${state.active_sessions} shopper`), text);
      if (run.cartsInMemory) {
        const held = state.carts.reduce((a, b) => a + b, 0);
        assert.ok(label.includes(`${held} cart${held === 1 ? "" : "s"} held in node memory`), label);
        state.carts.forEach((n, k) => {
          if (n) assert.ok(text.includes(`node ${k} ${n}`), `${name} at ${t}: ${text}`);
        });
      }
    }
  }
  const { run } = fixture("crash");
  assert.equal(nodesText(run, 61), "2 of 3 nodes up (node 1 down)");
  assert.equal(nodesText(run, 59), "3 of 3 nodes up");
});

test("Compare's two sides share their charts' scales: the higher run's tops for both", async () => {
  const { chartScales, chartTops } = await import("../../statelab/dashboards/static/src/charts.js");
  const server = fixture("crash").run.meta.panels;
  const store = fixture("stateless_crash").run.meta.panels;
  const own = [chartScales(server, null), chartScales(store, null)];
  assert.ok(own[0].lostTop > own[1].lostTop, "alone, the side that loses more has the taller axis");
  const shared = Object.fromEntries(["lost", "latency"].map((k) => [k, Math.max(chartTops(server)[k], chartTops(store)[k])]));
  assert.deepEqual(chartScales(server, shared), chartScales(store, shared));
  assert.equal(chartScales(server, shared).lostTop, own[0].lostTop);
  // the same numbers as Python's playback.chart_tops (the fixture's answers)
  assert.equal(chartTops(server).lost, Math.max(...Object.values(server.lost).flat()));
});

test("a chart's title and legend are never cut: shorter forms, then smaller type", async () => {
  const { fitTitle } = await import("../../statelab/dashboards/static/src/charts.js");
  // a stand-in for the canvas: 7 px a character at 11 px type, in proportion
  const widthOf = (text, size) => ((text.length + 20) * 7 * size) / 11;
  const titles = ["latency of each 2 s window:", "latency, 2 s windows:", ""];
  assert.deepEqual(fitTitle(widthOf, 400, titles, 11), { text: titles[0], size: 11 });
  assert.deepEqual(fitTitle(widthOf, 300, titles, 11), { text: titles[1], size: 11 });
  assert.deepEqual(fitTitle(widthOf, 150, titles, 11), { text: "", size: 11 });
  const tight = fitTitle(widthOf, 120, titles, 11);
  assert.equal(tight.text, "");
  assert.ok(tight.size < 11 && widthOf("", tight.size) <= 120);
});
