// @ts-check
// Where everything goes on the canvas, in CSS pixels: a pure function of the width, the
// mode (presenter, compact) and the run's shape (nodes, workers, store, hashing).

import { frac } from "./arrays.js";

/**
 * @typedef {import("./run.js").Run} Run
 * @typedef {(text: string, font: string) => number} Measure  the width of `text` in `font` (CSS pixels)
 * @typedef {ReturnType<typeof makeLayout>} Layout
 * @typedef {Layout["boxes"][number]} Box
 * @typedef {Layout["charts"][number]} Chart
 */

/**
 * The layout of a view `width` pixels wide.
 * @param {{ width: number, presenter: boolean, compact: boolean, run: Run | null, measure: Measure }} o
 */
export function makeLayout({ width, presenter, compact, run, measure }) {
  const w = Math.max(Math.floor(width), 320);
  // sizes: presenter type is at least 15 px; compact is for two views side by side
  const f = presenter ? 1.45 : compact ? 0.9 : 1;
  const font = presenter ? 18 : compact ? 11 : 12;
  const small = presenter ? 15 : compact ? 10 : 11;
  const n = run ? run.nodes : 1;
  const workers = run ? run.workers : 1;
  const m = Math.round(8 * f);
  const gap = Math.round(6 * f);
  const hashing = !!run?.hashing;
  const hashBeside = hashing && !compact && w >= 760;
  const hashW = hashBeside ? Math.round(Math.min(w * 0.25, 300 * f)) : 0;
  const shopX = m;
  const shopW = Math.round(Math.max(w * 0.085, 56 * f));
  const top = Math.round(font * 1.75); // a row for the banner and "carts lost just now"
  const balX = shopX + shopW + Math.round(w * 0.045);
  const balW = Math.round(font * 1.5);
  const nodesX = balX + balW + Math.round(w * 0.04);
  const nodesR = w - m - (hashW ? hashW + m : 0);
  // the node grid: as few columns as keep every box tall enough for its title and a row
  // of worker slots, within a height budget that holds the session store's row too. The
  // nodes take the whole budget however many there are (boxes as tall as they prefer, the
  // rest left empty), so moving "web servers" or "state lives in" neither resizes the
  // canvas nor moves the page below it; only more nodes than fit make it taller.
  const titleH = Math.round(font * 1.45);
  const minBoxH = titleH + Math.round(font * 2.1);
  const prefBoxH = titleH + Math.round(font * (compact ? 3.4 : 4.4));
  const budget = presenter ? 200 : compact ? 170 : 235;
  const storeH = run && run.state === "store" ? Math.round(font * 2.2) : 0;
  const storeRow = storeH ? storeH + gap : 0;
  const nodesBudget = budget - storeRow;
  let cols = 1;
  while (cols < 4 && Math.ceil(n / cols) * (minBoxH + gap) - gap > nodesBudget) cols++;
  const rows = Math.ceil(n / cols);
  const boxH = Math.max(minBoxH, Math.min(prefBoxH, Math.floor((nodesBudget - gap * (rows - 1)) / rows)));
  const used = rows * boxH + gap * (rows - 1);
  const nodesH = Math.max(used, nodesBudget);
  const nodesTop = top + Math.round((nodesH - used) / 2); // a few nodes sit in the middle
  let clusterH = nodesH + storeRow;
  if (hashBeside) clusterH = Math.max(clusterH, Math.round(font * 12.5));
  const bottom = top + clusterH;
  const nodesB = bottom - (storeH ? storeH + gap : 0);
  const boxW = (nodesR - nodesX - gap * (cols - 1)) / cols;
  const dot = Math.max(2.4, Math.min(4.5 * f, boxH / 14));
  const boxes = [];
  for (let k = 0; k < n; k++) {
    const x = nodesX + Math.floor(k / rows) * (boxW + gap);
    const y = nodesTop + (k % rows) * (boxH + gap);
    const innerY = y + titleH;
    const innerH = boxH - titleH - 3 * f;
    // worker slots in the middle, the queue to their left, the carts to their right
    const slotCols = Math.min(workers, workers <= 4 ? workers : workers <= 16 ? 8 : 12);
    const slotRows = Math.ceil(workers / slotCols);
    const slotSize = Math.max(4, Math.min((boxW * 0.3) / slotCols - 2, (innerH - 2) / slotRows - 2, 26 * f));
    const slotsW = slotCols * (slotSize + 2);
    const queueX = x + 6 * f;
    const queueW = boxW * 0.27;
    const slotsX = x + boxW * 0.33;
    const slotsY = innerY + Math.max(0, (innerH - slotRows * (slotSize + 2)) / 2);
    const cartX = slotsX + slotsW + 12 * f;
    const cartW = x + boxW - 6 * f - cartX;
    const token = Math.max(3, Math.min(9 * f, (innerH - 2) / 2 - 2, Math.sqrt((cartW * innerH) / Math.max(workers * 6, 60)) - 2));
    boxes.push({
      x,
      y,
      w: boxW,
      h: boxH,
      innerY,
      innerH,
      slotCols,
      slotRows,
      slotSize,
      slotsX,
      slotsY,
      queueX,
      queueW,
      cartX,
      cartW,
      token,
      queueCols: Math.max(1, Math.floor(queueW / (dot * 2 + 1.5))),
      queueRows: Math.max(1, Math.floor(innerH / (dot * 2 + 1.5))),
      cartCols: Math.max(1, Math.floor(cartW / (token + 2))),
      cartRows: Math.max(1, Math.floor(innerH / (token + 2))),
      exitX: x,
      exitY: y + boxH / 2,
    });
  }
  let y = bottom;
  // the hashing panel: beside the nodes, or below them (compact, narrow)
  let hashX = w - m - hashW;
  let hashY = top;
  let hashH = clusterH;
  let hashPanelW = hashW;
  if (hashing && !hashBeside) {
    hashX = m;
    hashY = bottom + gap;
    hashPanelW = w - 2 * m;
    hashH = Math.round(font * (compact ? 9 : 10));
    y = hashY + hashH;
  }
  // the legend, wrapped to the width beside the shoppers' counts
  const legendX = balX;
  const legend = legendItems(w - m - legendX, small, dot, !!run?.cartsInMemory, measure);
  const legendH = legend.lines * Math.round(small * 1.35) + 4;
  const legendY = y + Math.round(gap * 0.7);
  y = legendY + legendH;
  // two charts side by side over the whole run
  const chartTop = y + gap;
  // presenter: 24 px under the others, so the Lab with its message line fits a 1280x720 room
  const chartH = presenter ? 112 : compact ? 118 : 138;
  const chartGap = Math.round(18 * f);
  const chartW = (w - 2 * m - chartGap) / 2;
  const charts = [0, 1].map((i) => {
    const x = m + i * (chartW + chartGap);
    const axisW = Math.round(small * 2.4);
    const titleRow = Math.round(small * 1.6);
    const tickRow = Math.round(small * 1.4);
    return {
      x,
      y: chartTop,
      w: chartW,
      h: chartH,
      px: x + axisW,
      py: chartTop + titleRow,
      pw: chartW - axisW - Math.round(small * 1.6),
      ph: chartH - titleRow - tickRow,
    };
  });
  return {
    f,
    m,
    font,
    small,
    w,
    h: Math.ceil(chartTop + chartH + 2),
    top,
    bottom,
    shopX,
    shopW,
    balX,
    balW,
    nodesX,
    nodesR,
    nodesB,
    boxes,
    dot,
    titleH,
    hashX,
    hashW: hashPanelW,
    hashY,
    hashH,
    hashWide: hashing && !hashBeside,
    legend,
    legendX,
    legendY,
    legendH,
    charts,
    compact,
    store: storeH ? { x: nodesX, y: nodesB + gap, w: nodesR - nodesX, h: storeH } : null,
    hit: 9 * f,
    /** @type {{ x: number, y0: number, y1: number, colour: string, text: string, box: { x: number, y: number, w: number, h: number } | null }[]} */
    marks: [],
  };
}

/**
 * The legend's items, wrapped into lines of at most `room` CSS pixels.
 * @param {number} room @param {number} small font size @param {number} r dot radius
 * @param {boolean} carts whether carts sit in node memory @param {Measure} measure
 */
function legendItems(room, small, r, carts, measure) {
  const items = [
    ["inbound", "request on its way (node's colour)"],
    ["ok", "answered ok"],
    ["lost", "cart lost"],
    ["failed", "failed"],
    ["timed", "timed out"],
    ["dup", "item added twice"],
  ];
  if (carts) items.push(["cart", "a cart in the node's memory"]);
  let x = 0;
  let line = 0;
  const placed = [];
  for (const [kind, text] of items) {
    const w = 2 * r + 6 + measure(text, `${small}px sans-serif`);
    if (x > 0 && x + w > room) {
      x = 0;
      line++;
    }
    placed.push({ kind, text, x, line });
    x += w + 12;
  }
  return { items: placed, lines: line + 1 };
}

/** Shopper k's place in the shoppers' column (spread by the golden ratio). @param {Layout} L @param {number} k */
export const shopperY = (L, k) => L.top + 8 + frac(k * 0.6180339887) * (L.bottom - L.top - 16);
/** @param {Layout} L @param {number} k */
export const shopperX = (L, k) => L.shopX + 6 + frac(k * 0.7548776662) * (L.shopW - 12);

/**
 * Where the hashing panel puts its picture (ring or table) and its caption.
 * @param {Layout} L
 */
export function hashGeometry(L) {
  if (L.hashWide) {
    // below the nodes, wide and low: the picture on the left, the caption on the right
    const bodyW = L.hashW * 0.55;
    return {
      bodyX: L.hashX,
      bodyW,
      cx: L.hashX + bodyW / 2,
      bodyBottom: L.hashY + L.hashH - 4,
      textX: L.hashX + bodyW + (L.hashW - bodyW) / 2,
      textY: L.hashY + L.hashH / 2 - L.font * 2.2,
    };
  }
  return {
    bodyX: L.hashX,
    bodyW: L.hashW,
    cx: L.hashX + L.hashW / 2,
    bodyBottom: L.hashY + L.hashH - L.font * 5.8,
    textX: L.hashX + L.hashW / 2,
    textY: L.hashY + L.hashH - L.font * 3.9,
  };
}

/** Whether the ring's key fits on one line. @param {Layout} L */
export const oneLineKey = (L) => L.hashH < L.font * 16;

/** @param {Layout} L */
export function ringRadius(L) {
  if (L.hashWide) return Math.max(8, Math.min(L.hashW * 0.2, (L.hashH - 1.8 * L.font) / 2 - 24 * L.f - 2));
  const above = L.font * 1.1 + L.small * (oneLineKey(L) ? 1.6 : 2.8);
  return Math.max(8, Math.min(L.hashW * 0.36, (L.hashH - above - 4.8 * L.font) / 2 - 22 * L.f));
}

/** @param {Layout} L */
export function ringCentre(L) {
  if (L.hashWide) return L.hashY + L.font * 1.6 + (L.hashH - L.font * 1.6) / 2;
  const above = L.font * 1.1 + L.small * (oneLineKey(L) ? 1.6 : 2.8);
  return L.hashY + above + (L.hashH - above - 4.8 * L.font) / 2;
}
