// @ts-check
// The moving layer of a frame: the shoppers, each request on its way to a node, in its
// node's line, in a worker slot, at the session store, or its answer on the way back
// (coloured by outcome), and the carts in node memory. While it draws it counts, per node,
// what the frame shows (busy, queued, carts), which the view's state hook reports.

import { frac, orInf } from "./arrays.js";
import { storeColour } from "./background.js";
import { shopperX, shopperY } from "./layout.js";
import { shoppersTitle } from "./overlay.js";
import { DARK_YELLOW, fitting, INK, nodeColour, OK_COLOUR } from "./paint.js";
import { AT_STORE, AWAY, QUEUED, SERVING } from "./playhead.js";
import { storeDown } from "./view.js";

/**
 * @typedef {import("./view.js").View} View
 * @typedef {import("./run.js").Run} Run
 * @typedef {import("./layout.js").Layout} Layout
 * @typedef {import("./layout.js").Box} Box
 * @typedef {import("./playhead.js").Playhead} Playhead
 */

// kinds of points: 0..nodes-1 inbound in the node's colour, 2000 + k in a worker slot of
// node k, 2500 + k and 2600 + k held or queued for a client that gave up, then these
const K_OK = 1000;
const K_LOST = 1001;
const K_FAILED = 1002;
const K_TIMED = 1003;
const K_DUP = 1004;
const K_NONODE = 1005;
const K_STORE = 3000;

const where = new Float64Array(2);

/**
 * Where a request travelling from shopper k to (tx, ty) is at progress p (0 to 1), via the
 * balancer, into `out`.
 * @param {Layout} L @param {number} k @param {number} p @param {number} tx @param {number} ty @param {Float64Array} out
 */
function along(L, k, p, tx, ty, out) {
  const sx = shopperX(L, k);
  const sy = shopperY(L, k);
  const bx = L.balX + L.balW / 2;
  const by = Math.min(Math.max(sy * 0.5 + ty * 0.5, L.top + 6), L.bottom - 6);
  if (p < 0.5) {
    const q = p * 2;
    out[0] = sx + (bx - sx) * q;
    out[1] = sy + (by - sy) * q;
  } else {
    const q = (p - 0.5) * 2;
    out[0] = bx + (tx - bx) * q;
    out[1] = by + (ty - by) * q;
  }
}

/** The active shoppers (a cross for one who lost its cart) and their count. @param {View} v */
export function drawShoppers(v) {
  const run = /** @type {Run} */ (v.run);
  const head = /** @type {Playhead} */ (v.head);
  const L = /** @type {Layout} */ (v.layout);
  const { ctx, t } = v;
  const lostAt = run.s.lost_at;
  const r = L.dot * 0.7;
  ctx.fillStyle = "#9A9A9A";
  ctx.beginPath();
  let lostN = 0;
  for (let j = 0; j < head.sessionsN; j++) {
    const k = head.sessions[j];
    if (lostAt[k] <= t) {
      lostN++;
      continue;
    }
    const x = shopperX(L, k);
    const y = shopperY(L, k);
    ctx.moveTo(x + r, y);
    ctx.arc(x, y, r, 0, 2 * Math.PI);
    v.hits.add(x, y, 0, k);
  }
  ctx.fill();
  if (lostN) {
    ctx.beginPath();
    const c = r * 1.3;
    for (let j = 0; j < head.sessionsN; j++) {
      const k = head.sessions[j];
      if (!(lostAt[k] <= t)) continue;
      const x = shopperX(L, k);
      const y = shopperY(L, k);
      ctx.moveTo(x - c, y - c);
      ctx.lineTo(x + c, y + c);
      ctx.moveTo(x - c, y + c);
      ctx.lineTo(x + c, y - c);
      v.hits.add(x, y, 0, k);
    }
    ctx.strokeStyle = run.palette.lost;
    ctx.lineWidth = 1.6;
    ctx.stroke();
  }
  // how many shop now (the title of their column), and how many of those lost their cart
  const lineH = Math.round(L.small * 1.35);
  ctx.fillStyle = INK;
  ctx.font = `bold ${L.font}px sans-serif`;
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  const title = shoppersTitle(v);
  if (ctx.measureText(title).width > L.shopW) {
    ctx.textAlign = "left";
    ctx.fillText(title, L.shopX, L.top - L.font * 0.8);
    ctx.textAlign = "center";
  } else {
    ctx.fillText(title, L.shopX + L.shopW / 2, L.top - L.font * 0.8);
  }
  if (lostN) {
    // what the crosses among the shoppers mean (their count is not another "lost" number)
    ctx.fillStyle = run.palette.lost;
    ctx.font = `bold ${L.small}px sans-serif`;
    ctx.fillText(fitting(ctx, ["✕ = cart lost", "✕ lost"], L.shopW + 2 * L.shopX - 4), L.shopX + L.shopW / 2, L.legendY + lineH * 0.5 + 2);
  }
}

/** Every request on screen as a point, counted per node as busy or queued. @param {View} v */
export function placeRequests(v) {
  const run = /** @type {Run} */ (v.run);
  const head = /** @type {Playhead} */ (v.head);
  const L = /** @type {Layout} */ (v.layout);
  const { r, slot, bits } = run;
  const { t, points } = v;
  const leg = head.leg;
  const boxes = L.boxes;
  const dot = L.dot;
  const store = L.store;
  const gone = storeDown(v) === "down";
  v.storeCalls = 0;
  // the place of the next request in node B's queue (and queueRank[k] counts it)
  /** @param {Box} B @param {number} k @returns {[number, number, boolean]} */
  const queueSpot = (B, k) => {
    const q = v.queueRank[k]++;
    if (q < B.queueCols * B.queueRows) {
      return [
        B.queueX + B.queueW - dot - (q % B.queueCols) * (dot * 2 + 1.5),
        B.innerY + dot + Math.floor(q / B.queueCols) * (dot * 2 + 1.5),
        true,
      ];
    }
    return [B.queueX + dot, B.innerY + B.innerH - dot, false];
  };
  /** @param {Box} B @param {number} w */
  const slotCentre = (B, w) => [
    B.slotsX + (w % B.slotCols) * (B.slotSize + 2) + B.slotSize / 2,
    B.slotsY + Math.floor(w / B.slotCols) * (B.slotSize + 2) + B.slotSize / 2,
  ];
  // busyCount and queueRank count, per node, what serverSide() says: the model's state
  for (let j = 0; j < head.activeN; j++) {
    const i = head.active[j];
    const a = r.arrival[i];
    const st = r.start[i];
    const e = orInf(r.end[i]);
    const d = orInf(r.done[i]);
    const k = r.node[i];
    const s = r.session[i];
    const lin = Math.min(leg, 0.5 * (e - a));
    const side = k >= 0 ? head.serverSide(i, t) : AWAY;
    if (side === AT_STORE) v.storeCalls++;
    if (t < e) {
      if (k < 0) {
        const p = Math.min((t - a) / Math.max(lin, 1e-9), 1);
        along(L, s, p * 0.5, L.balX, L.top, where);
        points.add(where[0], where[1], K_NONODE, s);
        continue;
      }
      const B = boxes[k];
      const p = (t - a) / Math.max(lin, 1e-9);
      if (side === QUEUED) {
        // waiting: travelling to the queue, or in it
        const [tx, ty, inside] = queueSpot(B, k);
        if (p < 1) {
          along(L, s, p, tx, ty, where);
          points.add(where[0], where[1], k, s);
        } else if (inside) {
          points.add(tx, ty, k, s);
        }
      } else if (side === SERVING) {
        // being served: travelling to its slot, then the slot is filled
        const [sx, sy] = slotCentre(B, slot[i]);
        v.busyCount[k]++;
        if (p < 1) {
          along(L, s, p, sx, sy, where);
          points.add(where[0], where[1], k, s);
        } else {
          points.add(sx, sy, 2000 + k, s);
          if (store && !gone) {
            // a call to the session store: there and back while it is served
            const u = (t - st) / Math.max(d - st, 1e-9);
            if (u < 0.35) {
              const w = Math.sin((u / 0.35) * Math.PI);
              points.add(
                sx + (store.x + store.w * (0.1 + 0.8 * frac(s * 0.618)) - sx) * w,
                sy + (store.y + store.h / 2 - sy) * w,
                K_STORE,
                s,
              );
            }
          }
        }
      } else if (side === AT_STORE && store) {
        // at the session store, before it joins its node's line
        const tx = store.x + store.w * (0.1 + 0.8 * frac(s * 0.618));
        const ty = store.y + store.h / 2;
        if (p < 1) along(L, s, p, tx, ty, where);
        else {
          where[0] = tx;
          where[1] = ty;
        }
        points.add(where[0], where[1], k, s);
      } else {
        // the node let go of it (done, or cut short); the answer is about to leave
        points.add(B.exitX + dot, B.exitY + (frac(s * 0.618) - 0.5) * B.h * 0.6, k, s);
      }
      continue;
    }
    if (side === SERVING) {
      // the client gave up; the node still works on it
      const [sx, sy] = slotCentre(boxes[k], slot[i]);
      v.busyCount[k]++;
      points.add(sx, sy, 2500 + k, s);
    } else if (side === QUEUED) {
      // the client gave up; it still waits in its node's line
      const [tx, ty, inside] = queueSpot(boxes[k], k);
      if (inside) points.add(tx, ty, 2600 + k, s);
    }
    if (t < e + leg) {
      // the answer travels back to the shopper, coloured by outcome
      const c = r.code[i];
      const name = run.outcomes[c & bits.outcome_mask];
      let kind = K_OK;
      if (c & bits.duplicate) kind = K_DUP;
      else if (name === "state_lost") kind = K_LOST;
      else if (name === "failed") kind = K_FAILED;
      else if (name === "timed_out") kind = K_TIMED;
      const p = 1 - (t - e) / leg;
      let tx;
      let ty;
      if (k >= 0) {
        const B = boxes[k];
        tx = B.exitX;
        ty = B.exitY + (frac(s * 0.618) - 0.5) * B.h * 0.6;
      } else {
        tx = L.balX;
        ty = Math.min(Math.max(shopperY(L, s), L.top), L.bottom);
      }
      along(L, s, p, tx, ty, where);
      points.add(where[0], where[1], kind, s);
    }
  }
}

/** The carts in node memory (and, replicated, the copies on each node's peer). @param {View} v */
export function drawCarts(v) {
  const run = /** @type {Run} */ (v.run);
  const head = /** @type {Playhead} */ (v.head);
  const L = /** @type {Layout} */ (v.layout);
  const { ctx } = v;
  const status = head.status;
  const boxes = L.boxes;
  const replicated = run.state === "replicated";
  const peer = new Int16Array(run.nodes).fill(-1);
  if (replicated) {
    for (let k = 0; k < run.nodes; k++) {
      for (let step = 1; step < run.nodes; step++) {
        const p = (k + step) % run.nodes;
        if (status[p] === run.up || status[p] === run.draining) {
          peer[k] = p;
          break;
        }
      }
    }
  }
  const peerCount = new Int32Array(run.nodes);
  for (let pass = 0; pass < (replicated ? 2 : 1); pass++) {
    for (let k = 0; k < run.nodes; k++) {
      ctx.beginPath();
      let any = false;
      for (let j = 0; j < head.heldN; j++) {
        const s = head.held[j];
        let home = head.cartNode[s];
        if (pass === 1) home = home >= 0 ? peer[home] : -1;
        if (home !== k) continue;
        if (status[k] === run.down || status[k] === run.removed) continue;
        const B = boxes[k];
        const q = pass === 0 ? v.cartCount[k]++ : peerCount[k]++;
        const cap = B.cartCols * B.cartRows;
        // the copies sit after the node's own carts
        const at = pass === 0 ? q : v.cartCount[k] + q;
        if (at >= cap) continue;
        const x = B.cartX + (at % B.cartCols) * (B.token + 2);
        const y = B.innerY + Math.floor(at / B.cartCols) * (B.token + 2);
        ctx.rect(x, y, B.token, B.token);
        if (pass === 0) v.hits.add(x + B.token / 2, y + B.token / 2, 0, s);
        any = true;
      }
      if (!any) continue;
      if (pass === 0) {
        ctx.fillStyle = nodeColour(run.palette, k);
        ctx.fill();
      } else {
        ctx.save();
        ctx.globalAlpha = 0.28;
        ctx.fillStyle = "#666666";
        ctx.fill();
        ctx.restore();
      }
    }
  }
  if (replicated) for (let k = 0; k < run.nodes; k++) v.copyCount[k] = peerCount[k];
}

/** The points `placeRequests` placed, in batches by kind. @param {View} v */
export function drawPoints(v) {
  const run = /** @type {Run} */ (v.run);
  const L = /** @type {Layout} */ (v.layout);
  const { ctx, points: P } = v;
  const { palette } = run;
  const r = L.dot;
  const n = run.nodes;
  // inbound and queued dots, one batch a node
  for (let k = 0; k < n; k++) {
    ctx.beginPath();
    let any = false;
    for (let i = 0; i < P.n; i++) {
      if (P.kind[i] !== k) continue;
      ctx.moveTo(P.x[i] + r, P.y[i]);
      ctx.arc(P.x[i], P.y[i], r, 0, 2 * Math.PI);
      any = true;
    }
    if (any) {
      ctx.fillStyle = nodeColour(palette, k);
      ctx.fill();
      if (k % palette.nodes.length === 5) {
        ctx.strokeStyle = DARK_YELLOW;
        ctx.lineWidth = 0.8;
        ctx.stroke();
      }
    }
  }
  // occupied worker slots
  for (let k = 0; k < n; k++) {
    const B = L.boxes[k];
    const half = B.slotSize / 2 - 1;
    ctx.beginPath();
    let any = false;
    let faded = false;
    for (let i = 0; i < P.n; i++) {
      if (P.kind[i] === 2000 + k) {
        ctx.rect(P.x[i] - half, P.y[i] - half, 2 * half, 2 * half);
        any = true;
      } else if (P.kind[i] === 2500 + k || P.kind[i] === 2600 + k) faded = true;
    }
    if (any) {
      ctx.fillStyle = nodeColour(palette, k);
      ctx.fill();
    }
    if (faded) {
      ctx.beginPath();
      for (let i = 0; i < P.n; i++) {
        if (P.kind[i] === 2500 + k) ctx.rect(P.x[i] - half, P.y[i] - half, 2 * half, 2 * half);
        else if (P.kind[i] === 2600 + k) {
          ctx.moveTo(P.x[i] + r, P.y[i]);
          ctx.arc(P.x[i], P.y[i], r, 0, 2 * Math.PI);
        }
      }
      ctx.save();
      ctx.globalAlpha = 0.35;
      ctx.fillStyle = nodeColour(palette, k);
      ctx.fill();
      ctx.restore();
    }
  }
  /** @param {number} kind @param {string} colour @param {number} radius */
  const batch = (kind, colour, radius) => {
    ctx.beginPath();
    let any = false;
    for (let i = 0; i < P.n; i++) {
      if (P.kind[i] !== kind) continue;
      ctx.moveTo(P.x[i] + radius, P.y[i]);
      ctx.arc(P.x[i], P.y[i], radius, 0, 2 * Math.PI);
      any = true;
    }
    if (any) {
      ctx.fillStyle = colour;
      ctx.fill();
    }
    return any;
  };
  batch(K_STORE, storeColour(run), r * 0.6);
  batch(K_NONODE, palette.dead, r);
  batch(K_OK, OK_COLOUR, r * 0.9);
  batch(K_LOST, palette.lost, r * 1.35);
  if (batch(K_DUP, palette.duplicate, r * 1.2)) {
    ctx.strokeStyle = "#333333";
    ctx.lineWidth = 1.2;
    ctx.stroke();
  }
  ctx.beginPath();
  let any = false;
  for (let i = 0; i < P.n; i++) {
    if (P.kind[i] !== K_TIMED) continue;
    ctx.moveTo(P.x[i] + r, P.y[i]);
    ctx.arc(P.x[i], P.y[i], r, 0, 2 * Math.PI);
    any = true;
  }
  if (any) {
    ctx.strokeStyle = "#444444";
    ctx.lineWidth = 1.5;
    ctx.stroke();
  }
  ctx.beginPath();
  any = false;
  const c = r * 1.1;
  for (let i = 0; i < P.n; i++) {
    if (P.kind[i] !== K_FAILED) continue;
    ctx.moveTo(P.x[i] - c, P.y[i] - c);
    ctx.lineTo(P.x[i] + c, P.y[i] + c);
    ctx.moveTo(P.x[i] - c, P.y[i] + c);
    ctx.lineTo(P.x[i] + c, P.y[i] - c);
    any = true;
  }
  if (any) {
    ctx.strokeStyle = "#000000";
    ctx.lineWidth = 2;
    ctx.stroke();
  }
  // cookie state: every request carries its cart as a small tag
  if (run.state === "cookie") {
    ctx.beginPath();
    for (let i = 0; i < P.n; i++) {
      const kind = P.kind[i];
      if (kind >= 2000) continue;
      ctx.rect(P.x[i] + r * 0.6, P.y[i] - r * 1.6, r * 1.3, r * 0.9);
    }
    ctx.fillStyle = "#8B5A2B";
    ctx.fill();
  }
  for (let i = 0; i < P.n; i++) {
    if (P.kind[i] < K_STORE) v.hits.add(P.x[i], P.y[i], 0, P.session[i]);
  }
}
