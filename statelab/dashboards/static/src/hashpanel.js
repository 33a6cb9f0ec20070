// @ts-check
// The hashing panel, each frame: the active shoppers' keys on the ring (ticks in their
// owner's colour) or in the modulo table (dots in their node's column), the keys the last
// change moved in vermillion for a few seconds, and the change's numbers beside theory's.

import { frac } from "./arrays.js";
import { angle, lastChange, liveMask, moduloNodes, ownerOnRing, RING_SIZE } from "./hashing.js";
import { hashGeometry, ringCentre, ringRadius } from "./layout.js";
import { fitting, INK, nodeColour } from "./paint.js";

/**
 * @typedef {import("./view.js").View} View
 * @typedef {import("./run.js").Run} Run
 * @typedef {import("./layout.js").Layout} Layout
 * @typedef {import("./playhead.js").Playhead} Playhead
 */

/** @param {View} v */
export function drawHashing(v) {
  const run = /** @type {Run} */ (v.run);
  const head = /** @type {Playhead} */ (v.head);
  const L = /** @type {Layout} */ (v.layout);
  const H = /** @type {import("./contract.js").Hashing} */ (run.hashing);
  const { ctx, t } = v;
  const keys = run.s.key;
  const event = lastChange(run, t);
  const recent = !!event && t < event.at + Math.max(8, 3 * v.speed);
  // which keys the change moved: the model's answer, in both pictures
  const flags = recent && event ? event.movedFlags : null;
  const G = hashGeometry(L);
  let shown = 0;
  /** @type {number[]} */
  const highlighted = [];
  if (H.kind === "ring" && run.ring) {
    const ring = run.ring;
    const R = ringRadius(L);
    const cx = G.cx;
    const cy = ringCentre(L);
    const live = liveMask(run, head.status);
    /** @param {number} s @param {number} from @param {number} to */
    const tick = (s, from, to) => {
      const a = angle(keys[s]);
      ctx.moveTo(cx + Math.cos(a) * (R + from * L.f), cy + Math.sin(a) * (R + from * L.f));
      ctx.lineTo(cx + Math.cos(a) * (R + to * L.f), cy + Math.sin(a) * (R + to * L.f));
    };
    for (let k = 0; k < run.nodes; k++) {
      ctx.beginPath();
      let any = false;
      for (let j = 0; j < head.sessionsN; j++) {
        const s = head.sessions[j];
        if (flags?.[s] || ownerOnRing(ring, keys[s], live) !== k) continue;
        tick(s, 7, 15);
        any = true;
        shown++;
      }
      if (any) {
        ctx.strokeStyle = nodeColour(run.palette, k);
        ctx.lineWidth = 1.5;
        ctx.stroke();
      }
    }
    if (flags) {
      ctx.beginPath();
      for (let j = 0; j < head.sessionsN; j++) {
        const s = head.sessions[j];
        if (!flags[s]) continue;
        highlighted.push(s);
        tick(s, 5, 24);
        shown++;
      }
      ctx.strokeStyle = run.palette.lost;
      ctx.lineWidth = 3;
      ctx.stroke();
    }
    if (v.followed >= 0 && v.followed < run.nSes) {
      const a = angle(keys[v.followed]);
      ctx.beginPath();
      ctx.arc(cx + Math.cos(a) * (R + 20 * L.f), cy + Math.sin(a) * (R + 20 * L.f), 5 * L.f, 0, 2 * Math.PI);
      ctx.strokeStyle = INK;
      ctx.lineWidth = 2;
      ctx.stroke();
    }
  } else {
    // the modulo table: one column a slot, the node it maps to, the keys in it
    const nodes = moduloNodes(run, head.status, !!H.configured);
    const count = nodes.length;
    const top = L.hashY + L.font * 1.5 + L.small * 1.3; // under the title, with room for "slot"
    const colW = (G.bodyW - 16) / Math.max(count, 1);
    const bodyTop = top + L.font * 2.6;
    const bodyH = Math.max(8, G.bodyBottom - bodyTop);
    ctx.font = `${L.small}px sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    for (let i = 0; i < count; i++) {
      const k = nodes[i];
      const x = G.bodyX + 8 + i * colW;
      const deadSlot = head.status[k] === run.down;
      ctx.fillStyle = deadSlot ? "#E2E2E2" : nodeColour(run.palette, k);
      ctx.globalAlpha = deadSlot ? 1 : 0.18;
      ctx.fillRect(x + 1, bodyTop, colW - 2, bodyH);
      ctx.globalAlpha = 1;
      ctx.fillStyle = INK;
      ctx.fillText(`${i}`, x + colW / 2, top + L.font * 0.5);
      ctx.fillStyle = deadSlot ? "#777777" : nodeColour(run.palette, k);
      ctx.fillText(deadSlot ? `n${k}✕` : `n${k}`, x + colW / 2, top + L.font * 1.7);
    }
    ctx.fillStyle = "#555555";
    ctx.textAlign = "left";
    ctx.fillText("slot", G.bodyX + 8, top - L.font * 0.5);
    const column = new Int16Array(run.nodes).fill(-1);
    for (let i = 0; i < count; i++) column[nodes[i]] = i;
    const r = Math.max(1.8, L.dot * 0.65);
    const moved = [];
    ctx.beginPath();
    for (let j = 0; j < head.sessionsN; j++) {
      const s = head.sessions[j];
      // the slot its key falls in now: after a recent change, where the run shows it maps
      // (its old node may have no slot any more), else its latest request's node
      let k = head.lastNode[s];
      if (flags && event && event.afterNode[s] >= 0 && column[event.afterNode[s]] >= 0) k = event.afterNode[s];
      if (k < 0 || column[k] < 0) continue;
      const x = G.bodyX + 8 + column[k] * colW + 3 + frac(s * 0.754877) * (colW - 6);
      const y = bodyTop + 3 + (keys[s] / RING_SIZE) * (bodyH - 6);
      shown++;
      if (flags?.[s]) {
        moved.push(x, y);
        highlighted.push(s);
        continue;
      }
      ctx.moveTo(x + r, y);
      ctx.arc(x, y, r, 0, 2 * Math.PI);
    }
    ctx.fillStyle = "#555555";
    ctx.fill();
    if (moved.length) {
      ctx.beginPath();
      for (let j = 0; j < moved.length; j += 2) {
        ctx.moveTo(moved[j] + r * 1.5, moved[j + 1]);
        ctx.arc(moved[j], moved[j + 1], r * 1.5, 0, 2 * Math.PI);
      }
      ctx.fillStyle = run.palette.lost;
      ctx.fill();
    }
  }
  v.hashShown = {
    kind: H.kind,
    event: event ? event.kind : null,
    at: event ? event.at : null,
    recent,
    before: event ? event.before : null,
    after: event ? event.after : null,
    moved: event ? event.moved : null,
    keys: event ? event.keys : null,
    theory: event ? event.theory : null,
    highlighted: highlighted.length,
    highlightedSessions: highlighted,
    drawn: shown,
    keysShown: head.sessionsN,
    box: { x: L.hashX, y: L.hashY, w: L.hashW, h: L.hashH },
  };
  // the caption: moved X of Y (Z%), theory W%
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  const y0 = G.textY;
  const tx = G.textX;
  ctx.font = `${L.small}px sans-serif`;
  ctx.fillStyle = "#555555";
  ctx.fillText(`${head.sessionsN} shoppers' keys shown`, tx, y0);
  if (event) {
    const pct = event.keys ? (100 * event.moved) / event.keys : 0;
    ctx.font = `bold ${L.font}px sans-serif`;
    ctx.fillStyle = recent ? run.palette.lost : INK;
    ctx.fillText(`${event.before} → ${event.after} nodes at ${Number(event.at).toFixed(0)} s:`, tx, y0 + L.font * 1.2);
    ctx.fillText(`moved ${event.moved} of ${event.keys} (${pct.toFixed(0)}%)`, tx, y0 + L.font * 2.3);
    ctx.font = `${L.font}px sans-serif`;
    const theory = event.theory != null ? `theory ${(100 * event.theory).toFixed(0)}%` : "no theory for this change";
    const room = 2 * Math.min(tx - L.hashX, L.hashX + L.hashW - tx) - 12;
    const marked =
      recent && highlighted.length ? [`${theory} · ${highlighted.length} in vermillion`, `${theory} · ${highlighted.length} moved`] : [];
    ctx.fillText(fitting(ctx, [...marked, theory], room), tx, y0 + L.font * 3.3);
  }
}
