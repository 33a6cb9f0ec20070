// @ts-check
// The view's incremental state at the player's time: the requests on screen, the active
// shoppers, the carts in node memory and the nodes' statuses. It moves forward with
// pointers while time moves forward (a frame costs what changed since the last one) and is
// rebuilt when time moves back. It agrees with state.js at every moment
// (tests/js/playhead.test.mjs plays every preset forwards and backwards).

import { orInf, upper } from "./arrays.js";

/** @typedef {import("./run.js").Run} Run */

/** Where a request is at `t` on the server side, as playback.state_at has it. */
export const AWAY = 0; // not at its node nor at the store (not yet sent, travelling back, or let go)
export const AT_STORE = 1; // the session store call before it joins its node's line
export const QUEUED = 2; // in its node's line of workers
export const SERVING = 3; // holding a worker slot

/** Seconds of wall time a dot takes to travel one way (up to 3x at higher speeds). */
const LEG_WALL = 0.4;
/**
 * Model seconds of one leg at `speed`: short enough at 8x that the dots do not hide the nodes.
 * @param {number} speed model seconds a second
 */
export const legFor = (speed) => LEG_WALL * Math.min(speed, 3);

/**
 * A list twice as long, holding `list` at its start.
 * @param {Int32Array} list
 */
function twice(list) {
  const bigger = new Int32Array(list.length * 2);
  bigger.set(list);
  return bigger;
}

export class Playhead {
  /** @param {Run} run */
  constructor(run) {
    this.run = run;
    const nSes = run.nSes;
    /** model seconds a request's dot takes to travel one way */
    this.leg = legFor(1);
    /** the requests on screen at `requestsT` (rows, first `activeN`) */
    this.active = new Int32Array(1024);
    this.activeN = 0;
    this.nextReq = 0;
    this.requestsT = Number.POSITIVE_INFINITY; // +inf: rebuild on the next advance
    /** the node of each session's latest request so far (-1: none) */
    this.lastNode = new Int8Array(nSes).fill(-1);
    /** the shoppers active at `sessionsT` (first `sessionsN`) */
    this.sessions = new Int32Array(256);
    this.sessionsN = 0;
    this.nextSes = 0;
    this.sessionsT = Number.POSITIVE_INFINITY;
    /** the node holding each session's cart (-1: none), and the sessions with one */
    this.cartNode = new Int8Array(nSes).fill(-1);
    this.heldPos = new Int32Array(nSes).fill(-1);
    this.held = new Int32Array(Math.max(nSes, 1));
    this.heldN = 0;
    this.movePtr = 0;
    this.movesT = Number.POSITIVE_INFINITY;
    /** every node's status code */
    this.status = new Int8Array(run.nodes);
    this.changePtr = -1;
  }

  /** Forget everything: the next advance rebuilds (after a change of `leg`). */
  reset() {
    this.requestsT = Number.POSITIVE_INFINITY;
    this.sessionsT = Number.POSITIVE_INFINITY;
    this.movesT = Number.POSITIVE_INFINITY;
    this.changePtr = -1;
  }

  /**
   * Move to time `t`; true when a node changed status since the last call.
   * @param {number} t model seconds
   */
  advance(t) {
    const changed = this.advanceStatus(t);
    this.advanceRequests(t);
    this.advanceSessions(t);
    if (this.run.cartsInMemory) this.advanceMoves(t);
    return changed;
  }

  /**
   * Until when request i is on screen: its answer's trip back, or its node letting go of it.
   * @param {number} i
   */
  visibleUntil(i) {
    const e = this.run.r.end[i];
    const l = this.run.r.left[i];
    const endT = orInf(e) + this.leg;
    const leftT = orInf(l);
    return Math.max(leftT, endT);
  }

  /**
   * Where request i is at `t` on the server side: AWAY, AT_STORE, QUEUED or SERVING.
   * @param {number} i @param {number} t model seconds
   */
  serverSide(i, t) {
    const r = this.run.r;
    const st = r.start[i];
    const l = orInf(r.left[i]);
    if (st <= t) return t < l ? SERVING : AWAY;
    const q = r.queuedFrom[i];
    if (q <= t) return t < l ? QUEUED : AWAY; // not started yet: it waits until it leaves
    if (this.run.meta.store && r.arrival[i] <= t && t < (Number.isNaN(q) ? l : Math.min(q, l))) return AT_STORE;
    return AWAY;
  }

  /** @param {number} t */
  advanceRequests(t) {
    const r = this.run.r;
    const n = this.run.nReq;
    if (t < this.requestsT) {
      this.activeN = 0;
      this.lastNode.fill(-1);
      const hi = upper(r.arrival, t);
      for (let i = 0; i < hi; i++) {
        if (r.node[i] >= 0) this.lastNode[r.session[i]] = r.node[i];
        if (this.visibleUntil(i) > t) this.push(i);
      }
      this.nextReq = hi;
    } else {
      let w = 0;
      for (let j = 0; j < this.activeN; j++) {
        const i = this.active[j];
        if (this.visibleUntil(i) > t) this.active[w++] = i;
      }
      this.activeN = w;
      while (this.nextReq < n && r.arrival[this.nextReq] <= t) {
        const i = this.nextReq++;
        if (r.node[i] >= 0) this.lastNode[r.session[i]] = r.node[i];
        if (this.visibleUntil(i) > t) this.push(i);
      }
    }
    this.requestsT = t;
  }

  /** @param {number} i */
  push(i) {
    if (this.activeN === this.active.length) this.active = twice(this.active);
    this.active[this.activeN++] = i;
  }

  /** @param {number} t */
  advanceSessions(t) {
    const { sesStarts: starts, sesOrder: order, sesEnds: ends } = this.run;
    if (t < this.sessionsT) {
      this.sessionsN = 0;
      const hi = upper(starts, t);
      for (let k = 0; k < hi; k++) if (ends[order[k]] > t) this.pushSession(order[k]);
      this.nextSes = hi;
    } else {
      let w = 0;
      for (let j = 0; j < this.sessionsN; j++) {
        const k = this.sessions[j];
        if (ends[k] > t) this.sessions[w++] = k;
      }
      this.sessionsN = w;
      while (this.nextSes < starts.length && starts[this.nextSes] <= t) {
        const k = order[this.nextSes++];
        if (ends[k] > t) this.pushSession(k);
      }
    }
    this.sessionsT = t;
  }

  /** @param {number} k */
  pushSession(k) {
    if (this.sessionsN === this.sessions.length) this.sessions = twice(this.sessions);
    this.sessions[this.sessionsN++] = k;
  }

  /** @param {number} k @param {number} node */
  placeCart(k, node) {
    if (this.cartNode[k] === node) return;
    this.cartNode[k] = node;
    if (node >= 0 && this.heldPos[k] < 0) {
      this.heldPos[k] = this.heldN;
      this.held[this.heldN++] = k;
    } else if (node < 0 && this.heldPos[k] >= 0) {
      const at = this.heldPos[k];
      const last = this.held[--this.heldN];
      this.held[at] = last;
      this.heldPos[last] = at;
      this.heldPos[k] = -1;
    }
  }

  /** @param {number} t */
  advanceMoves(t) {
    const m = this.run.m;
    if (!m.count) return;
    if (t < this.movesT) {
      this.cartNode.fill(-1);
      this.heldPos.fill(-1);
      this.heldN = 0;
      this.movePtr = 0;
    }
    while (this.movePtr < m.count && m.time[this.movePtr] <= t) {
      const node = m.node[this.movePtr];
      const k = m.session[this.movePtr];
      if (node >= 0) this.placeCart(k, node);
      else if (this.cartNode[k] === -2 - node) this.placeCart(k, -1);
      this.movePtr++;
    }
    this.movesT = t;
  }

  /** @param {number} t */
  advanceStatus(t) {
    const hi = upper(this.run.changeTimes, t);
    if (hi === this.changePtr) return false;
    this.status.fill(this.run.removed);
    for (let i = 0; i < hi; i++) {
      const [, node, code] = this.run.changes[i];
      if (node >= 0 && node < this.status.length) this.status[node] = code;
    }
    this.changePtr = hi;
    return true;
  }

  /**
   * Per node at the last `advance(t)`: requests holding a worker and waiting in its line;
   * calls at the session store (the requests on screen hold every one there is).
   * @param {number} t model seconds (the last advance's)
   */
  counts(t) {
    const n = this.run.nodes;
    const busy = new Array(n).fill(0);
    const queued = new Array(n).fill(0);
    let atStore = 0;
    for (let j = 0; j < this.activeN; j++) {
      const i = this.active[j];
      const k = this.run.r.node[i];
      if (k < 0) continue;
      const side = this.serverSide(i, t);
      if (side === SERVING) busy[k]++;
      else if (side === QUEUED) queued[k]++;
      else if (side === AT_STORE) atStore++;
    }
    const carts = new Array(n).fill(0);
    for (let j = 0; j < this.heldN; j++) carts[this.cartNode[this.held[j]]]++;
    return { busy, queued, atStore, carts };
  }
}
