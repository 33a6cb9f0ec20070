// @ts-check
// The view in words, for a learner who cannot see the canvas (and for anyone who asks):
// the lines a screen reader hears as the run plays or is scrubbed ("60 s: node 1 crashed;
// the 38 carts in its memory are gone"), the canvas's accessible name, and a paragraph that
// describes one moment. Pure functions of the run and the time, from the "state at t"
// module (state.js), so Node tests hold them to the numbers the model recorded.

import { upper } from "./arrays.js";
import { cartsAt, stateAt, statusAt } from "./state.js";
import { causeWord } from "./words.js";

/** @typedef {import("./run.js").Run} Run */
/**
 * @typedef {{ at: number, text: string, kind: string }} Line
 *   one line of the narration: its moment (model seconds), its words, and what it tells
 *   (`event`, `change`, `hashing`, `loss`)
 */

/** Seconds after an event (or a node change) in which losses are told second by second. */
export const CLOSE_AFTER = 10;
/** Seconds a line of losses gathers, close to an event, and elsewhere. */
export const CLOSE_WINDOW = 1;
export const FAR_WINDOW = 10;
/** Lines the live region keeps (the newest last). */
export const LOG_LINES = 5;

/** Seconds as the view writes them: to 0.1 s, "60 s" not "60.0 s". @param {number} t */
export const seconds = (t) => `${Number(t.toFixed(1))} s`;

/** "1 cart", "38 carts". @param {number} n @param {string} one @param {string} [many] */
export const count = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "node 1", "nodes 1 and 3", "nodes 1, 2 and 3". @param {number[]} nodes */
export function nodeList(nodes) {
  if (nodes.length === 1) return `node ${nodes[0]}`;
  return `nodes ${nodes.slice(0, -1).join(", ")} and ${nodes[nodes.length - 1]}`;
}

/**
 * Where the run keeps its carts, in a phrase: "in the session store", ...
 * @param {Run} run
 */
export function cartHome(run) {
  if (run.state === "store") return "in the session store";
  if (run.state === "cookie") return "in the shoppers' cookies";
  if (run.state === "replicated") return "in node memory, each copied to the next node";
  return "in node memory";
}

/**
 * What a crash does to the carts of `node` at `at`, in words.
 * @param {Run} run @param {number} node @param {number} at
 */
function crashConsequence(run, node, at) {
  if (!run.cartsInMemory) return `its carts live ${cartHome(run)}, not in its memory`;
  const before = cartsAt(run, at - 1e-9);
  let held = 0;
  for (let k = 0; k < before.length; k++) if (before[k] === node) held++;
  if (!held) return "it held no cart";
  const carts = held === 1 ? "the 1 cart in its memory" : `the ${held} carts in its memory`;
  if (run.state === "replicated") return `${carts} ${held === 1 ? "lives" : "live"} on as copies on the next node`;
  return `${carts} ${held === 1 ? "is" : "are"} gone`;
}

/**
 * The lines of the events the scenario scheduled (and the autoscaler's resizes).
 * @param {Run} run @returns {Line[]}
 */
function eventLines(run) {
  /** @type {Line[]} */
  const lines = [];
  for (const e of run.events) {
    const at = e.at;
    let text = "";
    if (e.kind === "Crash") text = `node ${e.node} crashed; ${crashConsequence(run, Number(e.node), at)}`;
    else if (e.kind === "Restart") text = `node ${e.node} is back, with an empty memory`;
    else if (e.kind === "ScaleTo") text = `scale to ${count(Number(e.nodes), "node")}`;
    else if (e.kind === "Autoscale") text = `the autoscaler sets ${count(Number(e.size ?? e.nodes), "node")}`;
    else if (e.kind === "StoreOutage" && e.mode === "hang") {
      text = `the session store hangs for ${seconds(e.duration || 0)}; requests wait on it, holding workers`;
      lines.push({
        at: at + (e.duration || 0),
        text: `${seconds(at + (e.duration || 0))}: the session store answers again`,
        kind: "event",
      });
    } else if (e.kind === "StoreOutage") {
      text = `the session store goes down for ${seconds(e.duration || 0)}; requests that need it fail`;
      lines.push({ at: at + (e.duration || 0), text: `${seconds(at + (e.duration || 0))}: the session store is back`, kind: "event" });
    } else text = `${e.kind}`;
    lines.push({ at, text: `${seconds(at)}: ${text}`, kind: "event" });
  }
  return lines;
}

/**
 * The node changes that no event line tells already: a node going down on its own (random
 * failures), coming back up, draining, leaving.
 * @param {Run} run @returns {Line[]}
 */
function changeLines(run) {
  /** @type {Line[]} */
  const lines = [];
  /** @param {number} at @param {string} kind */
  const told = (at, kind) => run.events.some((e) => Math.abs(e.at - at) < 1e-9 && e.kind === kind);
  /** @type {Map<string, number[]>} */
  const groups = new Map();
  let previous = statusAt(run, -1);
  for (const [at, node, code] of run.changes) {
    if (at <= 0) {
      previous[node] = code;
      continue;
    }
    let words = "";
    if (code === run.down && !told(at, "Crash")) words = "went down";
    else if (code === run.draining) words = "drain: no new shoppers, the sticky ones still come";
    else if (code === run.removed && previous[node] !== run.removed) words = "left the cluster";
    else if (code === run.up && previous[node] === run.down && !told(at, "Restart")) words = "came back up, with an empty memory";
    previous = previous.slice();
    previous[node] = code;
    if (!words) continue;
    const key = `${at}|${words}`;
    if (!groups.has(key)) groups.set(key, []);
    /** @type {number[]} */ (groups.get(key)).push(node);
  }
  for (const [key, nodes] of groups) {
    const [at, words] = [Number(key.slice(0, key.indexOf("|"))), key.slice(key.indexOf("|") + 1)];
    const verb = nodes.length === 1 ? words.replace(/^drain:/, "drains:") : words;
    lines.push({ at, text: `${seconds(at)}: ${nodeList(nodes)} ${verb}`, kind: "change" });
  }
  return lines;
}

/**
 * The hashing changes: the live nodes the hash spreads over, and the active shoppers' keys
 * it moved (the model's answer).
 * @param {Run} run @returns {Line[]}
 */
function hashingLines(run) {
  return run.hashEvents.map((c) => ({
    at: c.at,
    text:
      `${seconds(c.at)}: the hash now spreads over ${count(c.after, "node")} (was ${c.before}): ` +
      `${c.moved} of ${count(c.keys, "shopper")}' keys moved, ${c.keys ? Math.round((100 * c.moved) / c.keys) : 0}% (${causeWord("rehash")})`,
    kind: "hashing",
  }));
}

/**
 * The losses, as shoppers find them: one line a cause a window (one second close after an
 * event or node change, ten seconds elsewhere), with the count so far.
 * @param {Run} run @returns {Line[]}
 */
function lossLines(run) {
  const moments = [...run.events.map((e) => e.at), ...run.changes.filter((c) => c[0] > 0).map((c) => c[0])];
  /** @param {number} t */
  const close = (t) => moments.some((m) => m <= t && t < m + CLOSE_AFTER);
  /** @type {Line[]} */
  const lines = [];
  run.causes.forEach((cause, c) => {
    const times = run.lostByCause[c];
    let i = 0;
    while (i < times.length) {
      const first = times[i];
      const width = close(first) ? CLOSE_WINDOW : FAR_WINDOW;
      const j = upper(times, first + width - 1e-9, i);
      const last = times[j - 1];
      const n = j - i;
      const who = `${n}${i ? " more" : ""} ${n === 1 ? "shopper" : "shoppers"}`;
      lines.push({
        at: last,
        text:
          `${seconds(last)}: ${who} found ${n === 1 ? "its" : "their"} cart gone (${causeWord(cause)}); ` +
          `${count(j, "cart")} lost to ${causeWord(cause)} so far`,
        kind: "loss",
      });
      i = j;
    }
  });
  return lines;
}

/**
 * Every line of the run's narration, in the order of their moments (events before the
 * changes and losses of the same moment).
 * @param {Run} run @returns {Line[]}
 */
export function narration(run) {
  const order = ["event", "change", "hashing", "loss"];
  const lines = [...eventLines(run), ...changeLines(run), ...hashingLines(run), ...lossLines(run)];
  return lines.sort((a, b) => a.at - b.at || order.indexOf(a.kind) - order.indexOf(b.kind));
}

/**
 * The lines whose moment the playhead passed going from `from` to `to` (from < at <= to).
 * @param {Line[]} lines @param {number} from @param {number} to
 */
export function linesBetween(lines, from, to) {
  return lines.filter((line) => from < line.at && line.at <= to);
}

/**
 * What to tell after a jump from `from` to `to` (a scrub, Home, End): of the lines passed,
 * at most `most`, the events first (a crash, a scale, an outage), then the hashing, the
 * nodes' changes and the losses, the latest of each kind first; told in time order.
 * @param {Line[]} lines @param {number} from @param {number} to @param {number} [most]
 */
export function linesAfterJump(lines, from, to, most = 3) {
  const passed = linesBetween(lines, from, to);
  const rank = ["event", "hashing", "change", "loss"];
  const kept = passed
    .map((line, i) => ({ line, i }))
    .sort((a, b) => rank.indexOf(a.line.kind) - rank.indexOf(b.line.kind) || b.i - a.i)
    .slice(0, most);
  return kept.sort((a, b) => a.i - b.i).map((k) => k.line);
}

/**
 * The nodes at `t`, in words: "3 of 4 nodes up (node 1 down)".
 * @param {Run} run @param {number} t
 */
export function nodesText(run, t) {
  const status = statusAt(run, t);
  /** @type {Record<string, number[]>} */
  const by = {};
  status.forEach((code, k) => {
    const name = run.statuses[code];
    if (name === "removed") return;
    by[name] = by[name] || [];
    by[name].push(k);
  });
  const up = (by.up || []).length + (by.draining || []).length;
  const inCluster = Object.values(by).reduce((total, nodes) => total + nodes.length, 0);
  const others = ["down", "draining", "booting"]
    .filter((name) => by[name])
    .map((name) => `${nodeList(by[name])} ${name === "down" ? "down" : name}`);
  return `${up} of ${count(inCluster, "node")} up${others.length ? ` (${others.join(", ")})` : ""}`;
}

/**
 * The canvas's accessible name at `t`: the moment, the nodes, the carts held, the carts
 * lost so far.
 * @param {Run} run @param {number} t
 */
export function canvasLabel(run, t) {
  const state = stateAt(run, t);
  const held = run.cartsInMemory
    ? `; ${count(
        state.carts.reduce((a, b) => a + b, 0),
        "cart",
      )} held in node memory`
    : "";
  return (
    `Animated run at ${seconds(t)} of ${seconds(run.duration)}: ${nodesText(run, t)}${held}; ` +
    `${count(state.sessions_lost, "cart")} lost so far`
  );
}

/**
 * One paragraph that describes the moment `t`: the nodes, where the carts are, what the
 * shoppers are doing, and the counts so far with their causes.
 * @param {Run} run @param {number} t
 * @param {Line[]} [lines] the run's narration, when the caller has it already
 */
export function describeMoment(run, t, lines = narration(run)) {
  const state = stateAt(run, t);
  const parts = [`At ${seconds(t)} of ${seconds(run.duration)}: ${nodesText(run, t)}.`];
  const serving = state.busy.reduce((a, b) => a + b, 0);
  const waiting = state.queued.reduce((a, b) => a + b, 0);
  parts.push(
    `${count(state.active_sessions, "shopper")} shopping; ${count(serving, "request")} being served, ${waiting} waiting for a worker.`,
  );
  if (run.cartsInMemory) {
    const held = state.carts
      .map((n, k) => [n, k])
      .filter(([n]) => n > 0)
      .map(([n, k]) => `node ${k} ${n}`);
    parts.push(`Carts held in node memory: ${held.length ? held.join(", ") : "none"}.`);
  } else {
    parts.push(`Carts live ${cartHome(run)}.`);
  }
  const causes = Object.entries(state.lost_by_cause)
    .filter(([, n]) => n > 0)
    .map(([cause, n]) => `${causeWord(cause)} ${n}`);
  parts.push(`Carts lost so far: ${state.sessions_lost}${causes.length ? ` (${causes.join(", ")})` : ""}.`);
  const recent = lines.filter((line) => line.kind !== "loss" && line.at <= t);
  if (recent.length) parts.push(`Last event: ${recent[recent.length - 1].text}.`);
  return parts.join(" ");
}
