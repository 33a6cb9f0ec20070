// @ts-check
// The still parts of the picture, drawn into the offscreen background canvas and redrawn
// only when a node changes status (or the store goes down, or the layout changes): the
// shoppers' column, the balancer, the node boxes, the store, the legend, the hashing
// panel's frame and ring, and the charts (charts.js).

import { drawCharts } from "./charts.js";
import { angle, liveMask } from "./hashing.js";
import { hashGeometry, oneLineKey, ringCentre, ringRadius } from "./layout.js";
import { cross, DARK_YELLOW, dotAt, fitting, INK, nodeColour, OK_COLOUR, ring, roundRect } from "./paint.js";
import { statusName, storeDown } from "./view.js";

/**
 * @typedef {import("./view.js").View} View
 * @typedef {import("./run.js").Run} Run
 * @typedef {import("./layout.js").Layout} Layout
 */

/** @param {View} v */
export function drawBackground(v) {
  const L = /** @type {Layout} */ (v.layout);
  const run = /** @type {Run} */ (v.run);
  const c = v.bctx;
  c.setTransform(v.dpr, 0, 0, v.dpr, 0, 0);
  c.clearRect(0, 0, L.w, L.h);
  c.fillStyle = "#FFFFFF";
  c.fillRect(0, 0, L.w, L.h);
  c.textBaseline = "middle";
  // shoppers
  roundRect(c, L.shopX, L.top, L.shopW, L.bottom - L.top, 8);
  c.fillStyle = "#F6F6F6";
  c.fill();
  // balancer
  roundRect(c, L.balX, L.top, L.balW, L.bottom - L.top, 6);
  c.fillStyle = "#EDEDED";
  c.fill();
  c.strokeStyle = "#777777";
  c.lineWidth = 1;
  c.stroke();
  c.save();
  c.translate(L.balX + L.balW / 2, (L.top + L.bottom) / 2);
  c.rotate(-Math.PI / 2);
  c.fillStyle = INK;
  c.textAlign = "center";
  const affinity = String(run.meta.affinity).replace(/_/g, " ");
  const policy = run.meta.balancer ? `${String(run.meta.balancer).replace(/_/g, " ")} · ` : "";
  const room = L.bottom - L.top - 8;
  c.font = `${L.small}px sans-serif`;
  c.fillText(
    fitting(
      c,
      [`load balancer · ${policy}affinity ${affinity}`, `balancer · affinity ${affinity}`, `affinity ${affinity}`, "balancer"],
      room,
    ),
    0,
    0,
  );
  c.restore();
  for (let k = 0; k < L.boxes.length; k++) drawNodeBox(v, c, k);
  if (L.store) {
    const S = L.store;
    const down = storeDown(v);
    roundRect(c, S.x, S.y, S.w, S.h, 8);
    c.fillStyle = down ? "#E4E4E4" : "#F2F7F4";
    c.fill();
    c.strokeStyle = down ? run.palette.dead : storeColour(run);
    c.lineWidth = 2;
    c.stroke();
  }
  drawLegend(v, c);
  if (run.hashing) drawHashBackground(v, c);
  drawCharts(v, c);
}

/** The session store's colour: its outage's, in every chart. @param {Run} run */
export const storeColour = (run) => run.palette.causes.store_outage;

/** @param {View} v @param {CanvasRenderingContext2D} c @param {number} k */
function drawNodeBox(v, c, k) {
  const L = /** @type {Layout} */ (v.layout);
  const run = /** @type {Run} */ (v.run);
  const B = L.boxes[k];
  const name = statusName(v, k);
  const colour = nodeColour(run.palette, k);
  c.save();
  if (name === "removed") c.globalAlpha = 0.28;
  if (name === "booting") c.globalAlpha = 0.55;
  roundRect(c, B.x, B.y, B.w, B.h, 8);
  c.fillStyle = name === "down" ? "#E2E2E2" : "#FFFFFF";
  c.fill();
  if (name === "draining" || name === "booting") {
    c.save();
    c.clip();
    c.strokeStyle = name === "draining" ? "rgba(0,0,0,0.10)" : "rgba(0,0,0,0.07)";
    c.lineWidth = 1;
    c.beginPath();
    for (let d = -B.h; d < B.w; d += 9) {
      c.moveTo(B.x + d, B.y + B.h);
      c.lineTo(B.x + d + B.h, B.y);
    }
    c.stroke();
    c.restore();
  }
  c.setLineDash(name === "draining" ? [7, 4] : name === "booting" || name === "removed" ? [2, 3] : []);
  c.strokeStyle = name === "down" ? run.palette.dead : colour;
  c.lineWidth = name === "up" ? 2.5 * L.f : 2 * L.f;
  roundRect(c, B.x, B.y, B.w, B.h, 8);
  c.stroke();
  c.setLineDash([]);
  c.textAlign = "left";
  c.font = `bold ${L.font}px sans-serif`;
  c.fillStyle = name === "down" ? "#777777" : k % run.palette.nodes.length === 5 ? DARK_YELLOW : colour;
  const status = name === "removed" ? "not running" : name;
  const titles =
    name === "up" ? [`node ${k}`, `n${k}`] : [`node ${k} · ${status}`, `n${k} · ${status}`, `n${k} ${name === "removed" ? "off" : name}`];
  c.fillText(fitting(c, titles, B.w - 16 * L.f), B.x + 8 * L.f, B.y + L.titleH * 0.55);
  // empty worker slots
  c.strokeStyle = name === "down" ? "#BBBBBB" : "#AAAAAA";
  c.lineWidth = 1;
  for (let w = 0; w < run.workers; w++) {
    const x = B.slotsX + (w % B.slotCols) * (B.slotSize + 2);
    const y = B.slotsY + Math.floor(w / B.slotCols) * (B.slotSize + 2);
    c.strokeRect(x + 0.5, y + 0.5, B.slotSize - 1, B.slotSize - 1);
  }
  c.font = `${L.small}px sans-serif`;
  c.fillStyle = "#888888";
  const apart = Math.abs(B.slotsX - B.queueX) >= c.measureText(B.queueX < B.slotsX ? "queue" : "workers").width + 6;
  if (apart && B.slotsY + B.slotRows * (B.slotSize + 2) < B.y + B.h - L.small * 1.3) {
    c.fillText("queue", B.queueX, B.y + B.h - L.small * 0.7);
    c.fillText("workers", B.slotsX, B.y + B.h - L.small * 0.7);
  }
  if (name === "down") {
    c.fillStyle = "#666666";
    c.textAlign = "center";
    c.font = `bold ${L.small}px sans-serif`;
    c.fillText(fitting(c, ["DOWN: memory wiped", "DOWN"], B.cartW), B.cartX + B.cartW / 2, B.innerY + B.innerH / 2);
  } else if (!run.cartsInMemory) {
    c.fillStyle = "#888888";
    c.textAlign = "center";
    c.font = `${L.small}px sans-serif`;
    const text = run.state === "cookie" ? ["no carts here:", "in the cookie"] : ["no carts here:", "in the store"];
    if (B.innerH > L.small * 2.4) {
      c.fillText(text[0], B.cartX + B.cartW / 2, B.innerY + B.innerH / 2 - L.small * 0.6);
      c.fillText(text[1], B.cartX + B.cartW / 2, B.innerY + B.innerH / 2 + L.small * 0.6);
    } else {
      c.fillText(text.join(" "), B.cartX + B.cartW / 2, B.innerY + B.innerH / 2);
    }
  }
  c.restore();
}

/** @param {View} v @param {CanvasRenderingContext2D} c */
function drawLegend(v, c) {
  const L = /** @type {Layout} */ (v.layout);
  const palette = /** @type {Run} */ (v.run).palette;
  const r = L.dot;
  const lineH = Math.round(L.small * 1.35);
  c.font = `${L.small}px sans-serif`;
  c.textAlign = "left";
  c.textBaseline = "middle";
  /** @type {Record<string, (cx: number, cy: number) => void>} */
  const draw = {
    inbound: (cx, cy) => dotAt(c, cx, cy, r, palette.nodes[0]),
    ok: (cx, cy) => dotAt(c, cx, cy, r, OK_COLOUR),
    lost: (cx, cy) => dotAt(c, cx, cy, r * 1.3, palette.lost),
    failed: (cx, cy) => cross(c, cx, cy, r * 1.2, "#000000"),
    timed: (cx, cy) => ring(c, cx, cy, r, "#555555"),
    dup: (cx, cy) => {
      dotAt(c, cx, cy, r * 1.2, palette.duplicate);
      ring(c, cx, cy, r * 1.2, "#333333");
    },
    cart: (cx, cy) => {
      c.fillStyle = palette.nodes[0];
      c.fillRect(cx - r, cy - r, 2 * r, 2 * r);
    },
  };
  for (const item of L.legend.items) {
    const x = L.legendX + item.x;
    const y = L.legendY + lineH * (item.line + 0.5) + 2;
    draw[item.kind](x + r, y);
    c.fillStyle = "#444444";
    c.fillText(item.text, x + 2 * r + 6, y);
  }
}

/** The hashing panel's frame, title and (for the ring) the arcs of the live nodes. @param {View} v @param {CanvasRenderingContext2D} c */
function drawHashBackground(v, c) {
  const L = /** @type {Layout} */ (v.layout);
  const run = /** @type {Run} */ (v.run);
  const H = /** @type {import("./contract.js").Hashing} */ (run.hashing);
  roundRect(c, L.hashX, L.hashY, L.hashW, L.hashH, 8);
  c.fillStyle = "#FAFAFA";
  c.fill();
  c.strokeStyle = "#CCCCCC";
  c.lineWidth = 1;
  c.stroke();
  c.fillStyle = INK;
  c.textAlign = "center";
  c.font = `bold ${L.font}px sans-serif`;
  const G = hashGeometry(L);
  const cx = G.cx;
  if (H.kind !== "ring" || !run.ring) {
    c.fillText(H.configured ? "key mod configured nodes" : "key mod live nodes", cx, L.hashY + L.font);
    return;
  }
  c.fillText("the hash ring", cx, L.hashY + L.font);
  const R = ringRadius(L);
  const cy = ringCentre(L);
  const live = liveMask(run, /** @type {import("./playhead.js").Playhead} */ (v.head).status);
  const { pos, node } = run.ring;
  // each arc (previous live point, this point] belongs to this point's node
  let last = -1;
  for (let i = pos.length - 1; i >= 0; i--) {
    if (live[node[i]]) {
      last = i;
      break;
    }
  }
  c.lineWidth = 10 * L.f;
  if (last >= 0) {
    let prev = pos[last] - 4294967296;
    for (let i = 0; i < pos.length; i++) {
      if (!live[node[i]]) continue;
      c.beginPath();
      c.strokeStyle = nodeColour(run.palette, node[i]);
      c.arc(cx, cy, R, angle(prev), angle(pos[i]));
      c.stroke();
      prev = pos[i];
    }
  } else {
    c.strokeStyle = run.palette.dead;
    c.beginPath();
    c.arc(cx, cy, R, 0, 2 * Math.PI);
    c.stroke();
  }
  c.font = `${L.small}px sans-serif`;
  c.fillStyle = "#555555";
  if (L.hashWide) {
    const room = 2 * (L.hashX + L.hashW - G.textX) - 12;
    const keys = fitting(
      c,
      ["arcs: which node owns the keys; ticks: shoppers' keys", "arcs: owner node · ticks: keys", "arcs: owners · ticks: keys"],
      room,
    );
    c.fillText(keys, G.textX, L.hashY + L.hashH - L.small * 1.1);
  } else if (oneLineKey(L)) {
    c.fillText(
      fitting(c, ["arcs: owner node · ticks: keys", "arcs: owners · ticks: keys"], L.hashW - 12),
      cx,
      L.hashY + L.font * 1.1 + L.small,
    );
  } else {
    c.fillText(fitting(c, ["arcs: the node that owns the keys", "arcs: owner node"], L.hashW - 12), cx, L.hashY + L.font * 1.1 + L.small);
    c.fillText(fitting(c, ["ticks: the shoppers' keys", "ticks: keys"], L.hashW - 12), cx, L.hashY + L.font * 1.1 + L.small * 2.2);
  }
}
