// @ts-check
// What a frame writes over the picture: each node's counts, the session store's line, the
// carts lost just now (rings on the shoppers, the node that held them outlined), the
// banner of a recent event, and the followed shopper.

import { lower, upper } from "./arrays.js";
import { shopperX, shopperY } from "./layout.js";
import { fitting, INK, roundRect } from "./paint.js";
import { storeDown } from "./view.js";
import { causeWord, eventText } from "./words.js";

/**
 * @typedef {import("./view.js").View} View
 * @typedef {import("./run.js").Run} Run
 * @typedef {import("./layout.js").Layout} Layout
 * @typedef {import("./playhead.js").Playhead} Playhead
 */

/** Each node's title line: carts in memory, busy workers, requests waiting. @param {View} v */
export function drawNodeCounts(v) {
  const run = /** @type {Run} */ (v.run);
  const head = /** @type {Playhead} */ (v.head);
  const L = /** @type {Layout} */ (v.layout);
  const { ctx } = v;
  ctx.font = `${L.small}px sans-serif`;
  ctx.textAlign = "right";
  ctx.textBaseline = "middle";
  ctx.fillStyle = "#444444";
  for (let k = 0; k < run.nodes; k++) {
    if (head.status[k] === run.removed) continue;
    const B = L.boxes[k];
    const waiting = v.queueRank[k];
    const cap = B.queueCols * B.queueRows;
    const more = waiting > cap ? ` (${waiting - cap} not drawn)` : "";
    const own = v.cartCount[k];
    const copies = v.copyCount[k] ? ` + ${v.copyCount[k]} copies` : "";
    const carts = run.cartsInMemory && head.status[k] !== run.down ? `${own} cart${own === 1 ? "" : "s"}${copies} in memory · ` : "";
    // the room the node's title leaves (the longest title its status can have)
    ctx.font = `bold ${L.font}px sans-serif`;
    const title = ctx.measureText(head.status[k] === run.up ? `node ${k}` : `node ${k} · not running`).width;
    ctx.font = `${L.small}px sans-serif`;
    const room = B.w - 16 * L.f - Math.min(title, B.w - 16 * L.f) - 10;
    const busy = `${v.busyCount[k]}/${run.workers} busy`;
    const text = fitting(
      ctx,
      [
        `${carts}${busy} · ${waiting} waiting${more}`,
        `${carts ? `${own} cart${own === 1 ? "" : "s"} · ` : ""}${busy} · ${waiting} wait`,
        `${busy} · ${waiting} wait`,
        busy,
      ],
      room,
    );
    ctx.fillText(text, B.x + B.w - 8 * L.f, B.y + L.titleH * 0.55);
  }
}

/** The session store's line: how many carts it keeps, or DOWN. @param {View} v */
export function drawStore(v) {
  const L = /** @type {Layout} */ (v.layout);
  const head = /** @type {Playhead} */ (v.head);
  const S = L.store;
  if (!S) return;
  const { ctx } = v;
  const down = storeDown(v);
  ctx.fillStyle = down ? "#666666" : INK;
  ctx.font = `bold ${L.font}px sans-serif`;
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  const kept = head.sessionsN;
  const carts = `${kept} cart${kept === 1 ? "" : "s"}`;
  const texts =
    down === "hang"
      ? ["session store · HUNG (takes calls, answers none)", "store HUNG (no answers)", "store HUNG"]
      : down
        ? ["session store · DOWN (outage)", "store DOWN (outage)", "store DOWN"]
        : [
            `session store · ${carts} (one a shopper) · every request reads and writes here`,
            `session store · ${carts} (one a shopper)`,
            `store · ${carts}`,
          ];
  ctx.fillText(fitting(ctx, texts, S.w - 16), S.x + S.w / 2, S.y + S.h / 2);
}

/** The carts lost in the last moments: a growing ring on each shopper, the node outlined. @param {View} v */
export function drawLosses(v) {
  const run = /** @type {Run} */ (v.run);
  const L = /** @type {Layout} */ (v.layout);
  const { ctx, t } = v;
  const lost = run.palette.lost;
  const window = Math.max(1.5, 1.2 * v.speed);
  const lo = lower(run.lossTimes, t - window);
  const hi = upper(run.lossTimes, t);
  if (hi <= lo) return;
  /** @type {Record<string, number>} */
  const perCause = {};
  ctx.lineWidth = 2.5;
  ctx.strokeStyle = lost;
  for (let j = lo; j < hi; j++) {
    const k = run.lossSessions[j];
    // a ring that grows and fades; under reduced motion, a still ring
    const age = v.reducedMotion ? 0 : (t - run.lossTimes[j]) / window;
    const x = shopperX(L, k);
    const y = shopperY(L, k);
    ctx.globalAlpha = 1 - age * 0.7;
    ctx.beginPath();
    ctx.arc(x, y, L.dot * (1.5 + 3 * age), 0, 2 * Math.PI);
    ctx.stroke();
    const cause = run.causes[run.s.cause[k] - 1];
    perCause[cause] = (perCause[cause] || 0) + 1;
    const from = run.s.lost_node[k];
    if (from >= 0 && from < run.nodes) v.lostFlash[from]++;
  }
  ctx.globalAlpha = 1;
  for (let k = 0; k < run.nodes; k++) {
    if (!v.lostFlash[k]) continue;
    const B = L.boxes[k];
    ctx.strokeStyle = lost;
    ctx.lineWidth = 3 * L.f;
    roundRect(ctx, B.x - 2, B.y - 2, B.w + 4, B.h + 4, 9);
    ctx.stroke();
  }
  // one line in the top row, from the shoppers' title to the event's banner: how many, why
  const parts = Object.entries(perCause).map(([c, n]) => `${n} ${causeWord(c)}`);
  const n = hi - lo;
  const span = `in the last ${Number(window.toFixed(1))} s`;
  ctx.font = `bold ${L.font}px sans-serif`;
  const from = Math.max(L.balX, L.shopX + ctx.measureText(shoppersTitle(v)).width + 10);
  const banner = bannerBox(v);
  const to = banner ? banner.x - 8 : L.nodesR;
  ctx.fillStyle = lost;
  ctx.textAlign = "left";
  ctx.textBaseline = "middle";
  const texts = [
    `✕ carts lost ${span}: ${parts.join(", ")}`,
    `✕ ${n} lost ${span}: ${parts.join(", ")}`,
    `✕ ${n} lost ${span}`,
    `✕ ${n} lost`,
  ];
  ctx.fillText(fitting(ctx, texts, to - from), from, L.top - L.font * 0.95);
}

/** The shoppers' column's title: how many shop now. @param {View} v */
export function shoppersTitle(v) {
  const n = /** @type {Playhead} */ (v.head).sessionsN;
  return `${n} shopper${n === 1 ? "" : "s"}`;
}

/** The event banner's words at the view's time ("" when none shows). @param {View} v */
function bannerText(v) {
  const run = /** @type {Run} */ (v.run);
  const window = Math.max(4, 2 * v.speed);
  let text = "";
  for (const e of run.events) {
    if (e.at <= v.t && v.t < e.at + window) text = eventText(e).replace(/ at [\d.]+ s/, "");
  }
  return text ? `⚡ ${text}` : "";
}

/** The event banner's box at the view's time (in its font), or null. @param {View} v */
function bannerBox(v) {
  const text = bannerText(v);
  if (!text) return null;
  const L = /** @type {Layout} */ (v.layout);
  const { ctx } = v;
  const font = ctx.font;
  ctx.font = `bold ${Math.round(L.font * 1.15)}px sans-serif`;
  const w = ctx.measureText(text).width + 20;
  ctx.font = font;
  const x = (L.nodesX + L.nodesR) / 2;
  return { text, x: x - w / 2, w, cx: x, y: L.top - L.font * 0.95 };
}

/** A banner over the nodes for a few seconds after each event. @param {View} v */
export function drawBanner(v) {
  const run = /** @type {Run} */ (v.run);
  const L = /** @type {Layout} */ (v.layout);
  const { ctx } = v;
  const B = bannerBox(v);
  if (!B) return;
  ctx.font = `bold ${Math.round(L.font * 1.15)}px sans-serif`;
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  ctx.fillStyle = "#FFF4E5";
  roundRect(ctx, B.x, B.y - L.font * 0.8, B.w, L.font * 1.6, 6);
  ctx.fill();
  ctx.strokeStyle = run.palette.lost;
  ctx.lineWidth = 1.5;
  ctx.stroke();
  ctx.fillStyle = INK;
  ctx.fillText(B.text, B.cx, B.y);
}

/** A ring round everything of the followed shopper, and its number. @param {View} v */
export function drawFollowed(v) {
  const run = /** @type {Run} */ (v.run);
  const L = /** @type {Layout} */ (v.layout);
  const { ctx, followed, hits } = v;
  if (!(followed >= 0) || followed >= run.nSes) return;
  ctx.strokeStyle = INK;
  ctx.lineWidth = 2.5;
  ctx.beginPath();
  let any = false;
  for (let i = 0; i < hits.n; i++) {
    if (hits.session[i] !== followed) continue;
    ctx.moveTo(hits.x[i] + L.dot * 2.4, hits.y[i]);
    ctx.arc(hits.x[i], hits.y[i], L.dot * 2.4, 0, 2 * Math.PI);
    any = true;
  }
  if (any) ctx.stroke();
  ctx.fillStyle = INK;
  ctx.font = `bold ${L.font}px sans-serif`;
  ctx.textAlign = "left";
  ctx.fillText(`#${followed}`, shopperX(L, followed) + L.dot * 2.6, shopperY(L, followed));
}
