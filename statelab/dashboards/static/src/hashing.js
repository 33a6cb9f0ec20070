// @ts-check
// Where a hashing affinity sends a shopper's key, as the hashing panel draws it: on the
// ring (the owner of the arc a key falls in) or in the modulo table (one column a node).
// Which keys a change moved is the model's answer (run.hashEvents[i].movedFlags), the one
// source of "moved" for both pictures; the owner here only colours the ring's ticks, and
// tests/js/hashing.test.mjs checks it against Python's router for every active key.

import { lower } from "./arrays.js";

/** @typedef {import("./run.js").Run} Run */

/** Points on the ring: the top 32 bits of a 64-bit position. */
export const RING_SIZE = 4294967296;

/**
 * The angle (radians, 0 at the top, clockwise) of a 32-bit ring position.
 * @param {number} pos
 */
export const angle = (pos) => (pos / RING_SIZE) * 2 * Math.PI - Math.PI / 2;

/**
 * The live node whose arc holds `key` (the first live point at or after it, going round),
 * -1 when no node is live.
 * @param {{ pos: Float64Array, node: Int16Array }} ring every point, by position
 * @param {number} key a shopper's key (top 32 bits of its 64-bit hash)
 * @param {ArrayLike<number>} live 1 for each live node
 */
export function ownerOnRing(ring, key, live) {
  const n = ring.pos.length;
  const i = lower(ring.pos, key);
  for (let step = 0; step < n; step++) {
    const j = (i + step) % n;
    if (live[ring.node[j]]) return ring.node[j];
  }
  return -1;
}

/**
 * 1 for each node that is up, from status codes.
 * @param {Run} run @param {ArrayLike<number>} status
 */
export function liveMask(run, status) {
  const live = new Uint8Array(run.nodes);
  for (let k = 0; k < run.nodes; k++) live[k] = status[k] === run.up ? 1 : 0;
  return live;
}

/**
 * The nodes the modulo table has a column for, in order: the live ones (source_hash), or
 * every configured one (ip_hash: not removed).
 * @param {Run} run @param {ArrayLike<number>} status @param {boolean} configured
 */
export function moduloNodes(run, status, configured) {
  const nodes = [];
  for (let k = 0; k < status.length; k++) {
    if (configured ? status[k] !== run.removed : status[k] === run.up) nodes.push(k);
  }
  return nodes;
}

/**
 * The last hashing change at or before `t` (null: none yet).
 * @param {Run} run @param {number} t model seconds
 */
export function lastChange(run, t) {
  /** @type {import("./run.js").HashEvent | null} */
  let event = null;
  for (const e of run.hashEvents) if (e.at <= t) event = e;
  return event;
}
