// @ts-check
// A run as the view keeps it: the payload decoded once when it arrives, with what every
// frame looks up made in advance (as playback.decode spells it out in Python): when each
// request's node let go of it, the worker slot it held, the sorted times of every count
// "so far", the shoppers in order of arrival, the carts' moves in and out of node memory,
// and, for each hashing change, which shoppers' keys it moved.

import { lower, orInf, sortedFinite } from "./arrays.js";
import { checkMeta, readColumns } from "./contract.js";

/**
 * @typedef {import("./contract.js").Meta} Meta
 * @typedef {import("./contract.js").Blocks} Blocks
 * @typedef {import("./contract.js").HashChange & { movedFlags: Uint8Array, afterNode: Int8Array }} HashEvent
 * @typedef {{ time: Float64Array, session: Int32Array, node: Int16Array, count: number }} CartLog
 *   carts moving in and out of node memory, by time: node k >= 0 is a cart moving into node
 *   k; -2 - k is the cart leaving node k (if it is still there)
 * @typedef {ReturnType<typeof prepare>} Run
 */

/**
 * Everything derived from one run, made once when it arrives.
 * @param {any} rawMeta the payload's meta (checked: see contract.checkMeta)
 * @param {Blocks} blocks its column blocks
 */
export function prepare(rawMeta, blocks) {
  const meta = checkMeta(rawMeta);
  const { counts, columns, bits } = meta;
  const nReq = counts.requests;
  const nSes = counts.sessions;
  const r = readColumns(blocks.requests, columns.requests, nReq);
  const s = readColumns(blocks.sessions, columns.sessions, nSes);
  const late = readColumns(blocks.late, columns.late, counts.late);
  // when the node let go of a request (`left`: its end, unless the `late` block says
  // otherwise; NaN: still there at the end), `done` (left, if it ever started), and when it
  // joined its node's line (`queuedFrom`: arrival, after the store call with a store; NaN:
  // it never got past the store)
  const delay = meta.store ? meta.store_latency : 0;
  const left = Float64Array.from(r.end);
  const queuedFrom = new Float64Array(nReq);
  for (let i = 0; i < nReq; i++) queuedFrom[i] = r.arrival[i] + delay;
  for (let j = 0; j < counts.late; j++) {
    const i = late.row[j];
    left[i] = late.left[j];
    queuedFrom[i] = late.queued_from[j];
  }
  const done = new Float64Array(nReq);
  for (let i = 0; i < nReq; i++) done[i] = Number.isNaN(r.start[i]) ? Number.NaN : left[i];
  const requests = {
    arrival: /** @type {Float64Array} */ (r.arrival),
    start: /** @type {Float64Array} */ (r.start),
    end: /** @type {Float64Array} */ (r.end),
    session: /** @type {Int32Array} */ (r.session),
    node: /** @type {Int8Array} */ (r.node),
    code: /** @type {Uint8Array} */ (r.code),
    done,
    left,
    queuedFrom,
  };
  const sessions = {
    start: /** @type {Float64Array} */ (s.start),
    end: /** @type {Float64Array} */ (s.end),
    lost_at: /** @type {Float64Array} */ (s.lost_at),
    key: /** @type {Uint32Array} */ (s.key),
    cause: /** @type {Uint8Array} */ (s.cause),
    lost_node: /** @type {Int8Array} */ (s.lost_node),
  };
  const nodes = meta.max_nodes;
  const workers = meta.workers;
  const { outcomes, causes, statuses } = meta;

  const slot = workerSlots(requests, nReq, nodes, workers);

  // "so far": sorted end times per outcome, duplicates, losses per cause
  /** @type {number[][]} */
  const endsBy = outcomes.map(() => []);
  /** @type {number[]} */
  const dupEnds = [];
  for (let i = 0; i < nReq; i++) {
    const code = requests.code[i];
    // a duplicate item is added when its node is done with the request, which for a
    // request the client gave up on is after the client's end
    if (code & bits.duplicate && !Number.isNaN(done[i])) dupEnds.push(done[i]);
    const e = requests.end[i];
    if (Number.isNaN(e)) continue;
    endsBy[code & bits.outcome_mask].push(e);
  }
  const outcomeEnds = endsBy.map((a) => Float64Array.from(a).sort());
  const duplicateEnds = Float64Array.from(dupEnds).sort();
  /** @type {number[][]} */
  const lostBy = causes.map(() => []);
  /** @type {number[]} */
  const losses = [];
  for (let j = 0; j < nSes; j++) {
    const at = sessions.lost_at[j];
    if (!Number.isNaN(at)) {
      lostBy[sessions.cause[j] - 1].push(at);
      losses.push(j);
    }
  }
  losses.sort((a, b) => sessions.lost_at[a] - sessions.lost_at[b]);
  const lossSessions = Int32Array.from(losses);
  const lossTimes = Float64Array.from(losses, (j) => sessions.lost_at[j]);
  const lostByCause = lostBy.map((a) => Float64Array.from(a).sort());

  // sessions in order of start, for the active-shopper list
  const sesOrder = Int32Array.from({ length: nSes }, (_, j) => j).sort((a, b) => sessions.start[a] - sessions.start[b]);
  const sesStarts = Float64Array.from(sesOrder, (j) => sessions.start[j]);
  const sesEnds = new Float64Array(nSes);
  for (let j = 0; j < nSes; j++) sesEnds[j] = orInf(sessions.end[j]);
  const sortedSesEnds = sortedFinite(sessions.end);

  // node changes, sorted (stable: two changes at one time keep their order)
  const changes = meta.node_changes.slice().sort((a, b) => a[0] - b[0]);
  const changeTimes = Float64Array.from(changes, (c) => c[0]);
  const code = {
    up: statuses.indexOf("up"),
    draining: statuses.indexOf("draining"),
    booting: statuses.indexOf("booting"),
    down: statuses.indexOf("down"),
    removed: statuses.indexOf("removed"),
  };
  const moves = cartMoves(requests, sessions, changes, code, bits.moved, nReq);

  const events = meta.events.slice().sort((a, b) => a.at - b.at);
  const hashing = meta.hashing;
  /** @type {{ pos: Float64Array, node: Int16Array } | null} */
  let ring = null;
  if (hashing && hashing.kind === "ring") {
    const points = readColumns(blocks.ring, columns.ring, counts.ring);
    const order = Array.from({ length: counts.ring }, (_, i) => i).sort((a, b) => points.position[a] - points.position[b]);
    ring = { pos: Float64Array.from(order, (i) => points.position[i]), node: Int16Array.from(order, (i) => points.node[i]) };
  }
  const hashEvents = hashing
    ? hashing.changes
        .slice()
        .sort((a, b) => a.at - b.at)
        .map((c) => hashEvent(c, requests, nReq, nSes))
    : [];

  return {
    meta,
    r: requests,
    s: sessions,
    m: moves,
    nReq,
    nSes,
    nodes,
    workers,
    outcomes,
    causes,
    statuses,
    bits,
    slot,
    palette: meta.palette,
    outcomeEnds,
    duplicateEnds,
    lossSessions,
    lossTimes,
    lostByCause,
    sesOrder,
    sesStarts,
    sesEnds,
    sortedSesEnds,
    changes,
    changeTimes,
    events,
    hashing,
    ring,
    hashEvents,
    state: meta.state,
    duration: meta.duration,
    ...code,
    cartsInMemory: meta.memory,
  };
}

/**
 * A worker slot for every request a node served: the lowest slot free at its start
 * (-1: it never started).
 * @param {{ start: Float64Array, done: Float64Array, node: Int8Array }} r
 * @param {number} nReq @param {number} nodes @param {number} workers
 */
function workerSlots(r, nReq, nodes, workers) {
  const slot = new Int16Array(nReq).fill(-1);
  const byStart = [];
  for (let i = 0; i < nReq; i++) if (!Number.isNaN(r.start[i]) && r.node[i] >= 0) byStart.push(i);
  byStart.sort((a, b) => r.start[a] - r.start[b]);
  const freeAt = new Float64Array(nodes * workers).fill(Number.NEGATIVE_INFINITY);
  for (const i of byStart) {
    const base = r.node[i] * workers;
    const st = r.start[i];
    const dn = orInf(r.done[i]);
    let best = -1;
    let earliest = Number.POSITIVE_INFINITY;
    for (let w = 0; w < workers; w++) {
      if (freeAt[base + w] <= st) {
        best = w;
        break;
      }
      if (freeAt[base + w] < earliest) {
        earliest = freeAt[base + w];
        best = w;
      }
    }
    slot[i] = best;
    freeAt[base + best] = dn;
  }
  return slot;
}

/**
 * A hashing change with, per session, whether the change moved its key (the model's
 * answer, `change.sessions`: the one source of "moved") and the node its first request
 * after the change went to (-1: none), which places a key in the modulo table.
 * @param {import("./contract.js").HashChange} change
 * @param {{ arrival: Float64Array, session: Int32Array, node: Int8Array }} r
 * @param {number} nReq @param {number} nSes
 * @returns {HashEvent}
 */
function hashEvent(change, r, nReq, nSes) {
  const after = new Int8Array(nSes).fill(-1);
  for (let i = 0; i < nReq; i++) {
    const k = r.session[i];
    if (r.node[i] >= 0 && r.arrival[i] >= change.at && after[k] < 0) after[k] = r.node[i];
  }
  const moved = new Uint8Array(nSes);
  for (const k of change.sessions) {
    if (!(k >= 0 && k < nSes)) throw new Error(`statelab: hashing change at ${change.at} s moves session ${k}, of ${nSes}`);
    moved[k] = 1;
  }
  return { ...change, movedFlags: moved, afterNode: after };
}

/**
 * The log of carts in node memory, sorted by time (see `CartLog`). A cart is on a
 * request's node from the `done` of a request whose code has the moved bit until the
 * session's next such request, the session's end, or its node going down or away,
 * whichever comes first (playback._carts).
 * @param {{ code: Uint8Array, node: Int8Array, session: Int32Array, done: Float64Array }} r
 * @param {{ end: Float64Array }} s
 * @param {[number, number, number][]} changes node changes (time, node, status code), by time
 * @param {{ down: number, removed: number }} code status codes
 * @param {number} movedBit @param {number} nReq
 * @returns {CartLog}
 */
export function cartMoves(r, s, changes, code, movedBit, nReq) {
  /** @type {Map<number, number[]>} */
  const wipes = new Map(); // node -> sorted times its memory was wiped
  for (const [at, node, status] of changes) {
    if (status !== code.down && status !== code.removed) continue;
    const times = wipes.get(node) || [];
    times.push(at);
    wipes.set(node, times);
  }
  const done = r.done;
  const rows = [];
  for (let i = 0; i < nReq; i++) if (r.code[i] & movedBit && r.node[i] >= 0 && !Number.isNaN(done[i])) rows.push(i);
  rows.sort((a, b) => r.session[a] - r.session[b] || done[a] - done[b]);
  /** @type {[number, number, number, number][]} */
  const log = [];
  for (let j = 0; j < rows.length; j++) {
    const i = rows[j];
    const k = r.session[i];
    const node = r.node[i];
    const since = done[i];
    const end = orInf(s.end[k]);
    const next = j + 1 < rows.length && r.session[rows[j + 1]] === k ? done[rows[j + 1]] : Number.POSITIVE_INFINITY;
    let wipe = Number.POSITIVE_INFINITY;
    const times = wipes.get(node);
    if (times) {
      const at = lower(times, since);
      if (at < times.length) wipe = times[at];
    }
    log.push([since, k, node, 0]);
    if (since > end) {
      log.push([since, k, -2 - node, 1]);
      continue;
    }
    const until = Math.min(next, end, wipe);
    const replaced = next <= end && next < wipe;
    if (Number.isFinite(until) && !replaced) log.push([until, k, -2 - node, 1]);
  }
  log.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[3] - b[3]);
  return {
    time: Float64Array.from(log, (e) => e[0]),
    session: Int32Array.from(log, (e) => e[1]),
    node: Int16Array.from(log, (e) => e[2]),
    count: log.length,
  };
}
