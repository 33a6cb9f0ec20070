// @ts-check
// What the cluster is doing at a time t, as a pure function of the run: the same numbers,
// exactly, as playback.state_at in Python (tests/js/state.test.mjs checks 50 moments of
// every preset). The view's frame keeps its own incremental copy (playhead.js) for speed;
// the text, the tests and anything that needs one moment ask here.

import { orInf, upper } from "./arrays.js";

/** @typedef {import("./run.js").Run} Run */

/**
 * Every node's status code at `time` (just after every change at `time`); a node no change
 * has named yet is "removed".
 * @param {Run} run
 * @param {number} time model seconds
 * @param {boolean} [inclusive] false: just before the changes at `time`
 */
export function statusAt(run, time, inclusive = true) {
  const status = new Int8Array(run.nodes).fill(run.removed);
  for (const [at, node, code] of run.changes) {
    if (inclusive ? at > time : at >= time) break;
    if (node >= 0 && node < status.length) status[node] = code;
  }
  return status;
}

/**
 * The counts "so far" at `t`: requests ended by outcome (the client's end), duplicate
 * items added (the node's done), carts lost, by cause and in all.
 * @param {Run} run
 * @param {number} t model seconds
 */
export function soFar(run, t) {
  /** @type {Record<string, number>} */
  const outcomes = {};
  run.outcomes.forEach((name, o) => {
    outcomes[name] = upper(run.outcomeEnds[o], t);
  });
  /** @type {Record<string, number>} */
  const lostByCause = {};
  let sessionsLost = 0;
  run.causes.forEach((cause, c) => {
    lostByCause[cause] = upper(run.lostByCause[c], t);
    sessionsLost += lostByCause[cause];
  });
  return { outcomes, duplicates: upper(run.duplicateEnds, t), lostByCause, sessionsLost };
}

/**
 * The state of the cluster at `t`, as playback.state_at: per node (one entry a node the
 * cluster can ever have) `busy` (requests holding a worker), `queued` (waiting in its
 * line), `carts` (carts in its memory), `status` (code into meta.statuses), `lost` (lost
 * carts it held, so far); then `sessions_lost`, `lost_by_cause`, `active_sessions`,
 * `store_busy` and `store_queued` (calls at the session store), and `so_far`.
 * @param {Run} run
 * @param {number} t model seconds
 */
export function stateAt(run, t) {
  const n = run.nodes;
  const { r, s } = run;
  const busy = new Array(n).fill(0);
  const queued = new Array(n).fill(0);
  let calls = 0;
  for (let i = 0; i < run.nReq; i++) {
    const left = orInf(r.left[i]);
    const start = r.start[i];
    const k = r.node[i];
    if (k < 0) continue; // never reached a node
    if (start <= t && t < left) busy[k]++;
    const servedFrom = Number.isNaN(start) ? left : start;
    const q = r.queuedFrom[i];
    if (q <= t && t < Math.min(servedFrom, left)) queued[k]++;
    if (run.meta.store) {
      const storeEnd = Number.isNaN(q) ? left : Math.min(q, left);
      if (r.arrival[i] <= t && t < storeEnd) calls++;
    }
  }
  const carts = new Array(n).fill(0);
  for (const node of cartsAt(run, t)) if (node >= 0) carts[node]++;
  const lost = new Array(n).fill(0);
  const found = upper(run.lossTimes, t);
  for (let j = 0; j < found; j++) {
    const from = s.lost_node[run.lossSessions[j]];
    if (from >= 0) lost[from]++;
  }
  let active = 0;
  for (let k = 0; k < run.nSes; k++) if (s.start[k] <= t && t < run.sesEnds[k]) active++;
  const so = soFar(run, t);
  const storeBusy = run.meta.store ? Math.min(calls, run.meta.store_workers) : 0;
  return {
    busy,
    queued,
    carts,
    status: Array.from(statusAt(run, t)),
    lost,
    sessions_lost: so.sessionsLost,
    lost_by_cause: so.lostByCause,
    active_sessions: active,
    store_busy: storeBusy,
    store_queued: run.meta.store ? calls - storeBusy : 0,
    so_far: { ...so.outcomes, duplicates: so.duplicates, sessions_lost: so.sessionsLost },
  };
}

/**
 * The node whose memory holds each session's cart at `t` (-1: none), from the cart log.
 * @param {Run} run
 * @param {number} t model seconds
 */
export function cartsAt(run, t) {
  const where = new Int16Array(run.nSes).fill(-1);
  const m = run.m;
  for (let j = 0; j < m.count && m.time[j] <= t; j++) {
    const node = m.node[j];
    const k = m.session[j];
    if (node >= 0) where[k] = node;
    else if (where[k] === -2 - node) where[k] = -1;
  }
  return where;
}
