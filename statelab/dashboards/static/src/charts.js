// @ts-check
// The two charts under the cluster, over the whole run (meta.panels): carts lost by cause
// (running totals) and latency percentiles per window. Their still parts are drawn into the
// background once; each frame only fades what comes after the time cursor (no spoilers),
// draws the cursor and the events' labels.

import { FUTURE, INK, LATENCY } from "./paint.js";
import { causeWord, shortEvent } from "./words.js";

/**
 * @typedef {import("./view.js").View} View
 * @typedef {import("./run.js").Run} Run
 * @typedef {import("./layout.js").Layout} Layout
 * @typedef {import("./layout.js").Chart} Chart
 * @typedef {{ at: number, until: number, text: string, colour: string }} ChartEvent
 * @typedef {{ chart: number, text: string, x: number, y: number, w: number, h: number }} LabelBox
 */

/**
 * The moments the charts mark: the events, or (with none) the nodes going down.
 * @param {Run} run
 * @returns {ChartEvent[]}
 */
export function chartEvents(run) {
  const { palette } = run;
  /** @type {Record<string, string>} */
  const colours = {
    Crash: palette.lost,
    Restart: "#777777",
    ScaleTo: palette.nodes[0],
    Autoscale: palette.nodes[0],
    StoreOutage: palette.causes.store_outage,
  };
  if (run.events.length) {
    return run.events.map((e) => ({
      at: e.at,
      until: e.kind === "StoreOutage" ? e.at + (e.duration || 0) : e.at,
      text: shortEvent(e),
      colour: colours[e.kind] || "#777777",
    }));
  }
  return run.changes.filter((c) => c[2] === run.down).map(([at, node]) => ({ at, until: at, text: `n${node} down`, colour: palette.lost }));
}

/** The smallest of 1, 2, 5 times a power of ten at or above v. @param {number} v */
export function niceCeil(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const k of [1, 2, 5, 10]) if (k * p >= v * (1 - 1e-9)) return k * p;
  return 10 * p;
}

/** A step between time ticks (seconds) that gives at most `most` ticks. @param {number} duration @param {number} most */
export function timeStep(duration, most) {
  for (const step of [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200]) {
    if (duration / step <= most) return step;
  }
  return niceCeil(duration / most);
}

/** A whole number as is, else two significant digits. @param {number} v */
export const fmtNumber = (v) => (Math.abs(v - Math.round(v)) < 1e-9 ? String(Math.round(v)) : String(Number(v.toPrecision(2))));
/** The x of `time` on chart C. @param {Run} run @param {Chart} C @param {number} time */
export const xOf = (run, C, time) => C.px + (Math.min(Math.max(time, 0), run.duration) / (run.duration || 1)) * C.pw;
/** @param {Chart} C @param {number} value @param {number} top */
const yOf = (C, value, top) => C.py + C.ph - (value / top) * C.ph;
/** The time at x on chart C. @param {Run} run @param {Chart} C @param {number} x */
export const timeAtX = (run, C, x) => Math.min(Math.max(((x - C.px) / C.pw) * run.duration, 0), run.duration);

/**
 * The chart under (x, y), CSS pixels (null: none).
 * @param {Layout | null} L @param {number} x @param {number} y
 */
export function chartAt(L, x, y) {
  if (!L) return null;
  for (const C of L.charts) {
    if (x >= C.px - 6 && x <= C.px + C.pw + 6 && y >= C.py - 4 && y <= C.y + C.h) return C;
  }
  return null;
}

/** @param {View} v @param {CanvasRenderingContext2D} c @param {Chart} C @param {number} top @param {string} unit */
function chartAxes(v, c, C, top, unit) {
  const L = /** @type {Layout} */ (v.layout);
  const run = /** @type {Run} */ (v.run);
  c.lineWidth = 1;
  c.font = `${L.small}px sans-serif`;
  c.textBaseline = "middle";
  c.textAlign = "right";
  for (const value of [0, top / 2, top]) {
    const y = Math.round(yOf(C, value, top)) + 0.5;
    c.strokeStyle = value ? "#EEEEEE" : "#999999";
    c.beginPath();
    c.moveTo(C.px, y);
    c.lineTo(C.px + C.pw, y);
    c.stroke();
    c.fillStyle = "#555555";
    c.fillText(fmtNumber(value) + (value === top && unit ? ` ${unit}` : ""), C.px - 4, Math.max(y, C.py + L.small * 0.5));
  }
  c.textAlign = "center";
  c.textBaseline = "top";
  const step = timeStep(run.duration, v.compact ? 4 : 6);
  for (let s = 0; s <= run.duration + 1e-9; s += step) {
    const x = Math.round(xOf(run, C, s)) + 0.5;
    c.strokeStyle = "#999999";
    c.beginPath();
    c.moveTo(x, C.py + C.ph);
    c.lineTo(x, C.py + C.ph + 3);
    c.stroke();
    const last = s + step > run.duration + 1e-9;
    c.fillStyle = "#555555";
    c.fillText(last ? `${fmtNumber(s)} s` : fmtNumber(s), x, C.py + C.ph + 4);
  }
}

/**
 * Title and legend in one row: `title` then a swatch and a word for each item, once.
 * @param {Layout} L @param {CanvasRenderingContext2D} c @param {Chart} C @param {string} title
 * @param {{ text: string, colour: string, dash?: number[], width?: number }[]} items @param {string} fallback
 */
function chartTitle(L, c, C, title, items, fallback) {
  c.textBaseline = "middle";
  c.textAlign = "left";
  const y = C.y + L.small * 0.75;
  /** @param {string} text @param {number} size */
  const measure = (text, size) => {
    const swatch = Math.round(size * 1.6);
    c.font = `bold ${size}px sans-serif`;
    let w = text ? c.measureText(text).width + 8 : 0;
    c.font = `${size}px sans-serif`;
    for (const item of items) w += swatch + 4 + c.measureText(item.text).width + 10;
    return w;
  };
  const { text, size } = fitTitle(measure, C.w, [title, fallback || title, ""], L.small);
  const swatch = Math.round(size * 1.6);
  c.font = `bold ${size}px sans-serif`;
  c.fillStyle = INK;
  c.fillText(text, C.x, y);
  let x = C.x + c.measureText(text).width + 8;
  c.font = `${size}px sans-serif`;
  for (const item of items) {
    c.strokeStyle = item.colour;
    c.lineWidth = item.width || 2;
    c.setLineDash(item.dash || []);
    c.beginPath();
    c.moveTo(x, y);
    c.lineTo(x + swatch, y);
    c.stroke();
    c.setLineDash([]);
    x += swatch + 4;
    c.fillStyle = item.colour === INK ? "#333333" : item.colour;
    c.fillText(item.text, x, y);
    x += c.measureText(item.text).width + 10;
  }
}

/**
 * A chart's title and legend that fit `room` pixels, never cut: the title, else its short
 * form, else the legend alone, else the legend alone in smaller type (down to 70%).
 * @param {(text: string, size: number) => number} widthOf the width of a title and the legend
 * @param {number} room @param {string[]} titles the titles to try, longest first
 * @param {number} size the type's size (px)
 */
export function fitTitle(widthOf, room, titles, size) {
  for (const text of titles) if (widthOf(text, size) <= room) return { text, size };
  const last = titles[titles.length - 1];
  const smaller = Math.max(size * 0.7, (size * room) / widthOf(last, size));
  return { text: last, size: Math.floor(smaller * 10) / 10 };
}

/** @param {Run} run @param {CanvasRenderingContext2D} c @param {Chart} C @param {number[]} times @param {(number | null)[]} values @param {number} top */
function polyline(run, c, C, times, values, top) {
  c.beginPath();
  let pen = false;
  for (let i = 0; i < times.length; i++) {
    const value = values[i];
    if (value == null || Number.isNaN(value)) {
      pen = false;
      continue;
    }
    const x = xOf(run, C, times[i]);
    const y = yOf(C, Math.min(value, top), top);
    if (pen) c.lineTo(x, y);
    else c.moveTo(x, y);
    pen = true;
  }
  c.stroke();
}

/**
 * Place the events' short labels; a label that would touch another is dropped.
 * @param {View} v @param {CanvasRenderingContext2D} c @param {Chart} C @param {ChartEvent[]} events
 * @param {number} chart @param {LabelBox[]} boxes @param {Layout["marks"]} marks
 */
function placeEvents(v, c, C, events, chart, boxes, marks) {
  const L = /** @type {Layout} */ (v.layout);
  const run = /** @type {Run} */ (v.run);
  const rowH = Math.round(L.small * 1.3);
  const rows = v.compact ? 1 : 2;
  /** @type {{ x: number, y: number, w: number, h: number }[]} */
  const placed = [];
  c.font = `${L.small}px sans-serif`;
  for (const e of events) {
    const x = Math.round(xOf(run, C, e.at)) + 0.5;
    if (e.until > e.at) {
      c.fillStyle = "rgba(0,158,115,0.10)";
      c.fillRect(x, C.py, xOf(run, C, e.until) - x, C.ph);
    }
    /** @type {Layout["marks"][number]} */
    const mark = { x, y0: C.py, y1: C.py + C.ph, colour: e.colour, text: e.text, box: null };
    marks.push(mark);
    const w = c.measureText(e.text).width + 6;
    let left = x + 2;
    if (left + w > C.px + C.pw) left = x - 2 - w;
    for (let row = 0; row < rows; row++) {
      const box = { x: left, y: C.py + 1 + row * rowH, w, h: rowH - 1 };
      if (placed.some((q) => q.x < box.x + box.w + 2 && box.x < q.x + q.w + 2 && q.y < box.y + box.h && box.y < q.y + q.h)) continue;
      placed.push(box);
      mark.box = box;
      boxes.push({ chart, text: e.text, x: +box.x.toFixed(1), y: +box.y.toFixed(1), w: +box.w.toFixed(1), h: box.h });
      break;
    }
  }
}

/**
 * The highest value each chart must show: carts lost (the running total's peak, any cause)
 * and latency (the highest p99 of a window, seconds). Python's playback.chart_tops says the
 * same; Compare gives both its views the larger of each (`chart_tops`), so the two sides
 * share their axes.
 * @param {import("./contract.js").Panels} P
 */
export function chartTops(P) {
  let lost = 0;
  for (const values of Object.values(P.lost)) for (const value of values) lost = Math.max(lost, value);
  let latency = 0;
  for (const value of P.windows.p99) if (value != null) latency = Math.max(latency, value);
  return { lost, latency };
}

/**
 * The charts' y scales: room above the run's own tops, or the tops it shares with another
 * view (`shared`, from Compare), whichever is higher.
 * @param {import("./contract.js").Panels} P @param {{ lost?: number, latency?: number } | null} shared
 */
export function chartScales(P, shared) {
  const own = chartTops(P);
  const lost = Math.max(own.lost, shared?.lost ?? 0);
  const latency = Math.max(own.latency, shared?.latency ?? 0);
  return { lostTop: niceCeil(Math.max(lost * 1.1, 4)), latTop: niceCeil(Math.max(latency * 1.05, 0.1)) };
}

/** The charts' still parts, into the background. @param {View} v @param {CanvasRenderingContext2D} c */
export function drawCharts(v, c) {
  const L = /** @type {Layout} */ (v.layout);
  const run = /** @type {Run} */ (v.run);
  const P = run.meta.panels;
  const [A, B] = L.charts;
  /** @type {LabelBox[]} */
  const boxes = [];
  for (const C of L.charts) {
    c.fillStyle = "#FFFFFF";
    c.fillRect(C.px, C.py, C.pw, C.ph);
  }
  const events = chartEvents(run);
  const marks = [];
  L.marks = marks;
  // carts lost, by cause
  const causes = Object.keys(P.lost);
  const { lostTop, latTop } = chartScales(P, v.chartTops);
  chartAxes(v, c, A, lostTop, "");
  placeEvents(v, c, A, events, 0, boxes, marks);
  c.lineWidth = 2.2 * Math.min(L.f, 1.2);
  const causeColour = (/** @type {string} */ cause) => run.palette.causes[cause];
  for (const cause of causes) {
    c.strokeStyle = causeColour(cause);
    polyline(run, c, A, P.times, P.lost[cause], lostTop);
  }
  chartTitle(
    L,
    c,
    A,
    causes.length ? "carts lost (running total), by cause:" : "carts lost (running total): none in this run",
    causes.map((cause) => ({ text: causeWord(cause), colour: causeColour(cause) })),
    "carts lost, by cause:",
  );
  // latency per window: one colour, three dash styles
  const W = P.windows;
  chartAxes(v, c, B, latTop, "s");
  placeEvents(v, c, B, events, 1, boxes, marks);
  const series = /** @type {const} */ ([
    { key: "p50", text: "p50", dash: [2, 3], width: 1.8 },
    { key: "p95", text: "p95", dash: [], width: 2.2 },
    { key: "p99", text: "p99", dash: [7, 4], width: 1.6 },
  ]);
  for (const S of series) {
    c.strokeStyle = LATENCY;
    c.lineWidth = S.width * Math.min(L.f, 1.2);
    c.setLineDash([...S.dash]);
    polyline(run, c, B, W.time, W[S.key], latTop);
    c.setLineDash([]);
  }
  const width = `${fmtNumber(W.width)} s`;
  chartTitle(
    L,
    c,
    B,
    `latency of each ${width} window:`,
    series.map((S) => ({ text: S.text, colour: LATENCY, dash: [...S.dash], width: S.width })),
    `latency, ${width} windows:`,
  );
  const text = JSON.stringify(boxes);
  if (text !== v.lastLabels) {
    v.root.dataset.labels = text;
    v.lastLabels = text;
  }
}

/** Each frame: the cursor at the view's time, what comes after it faded, the events' marks. @param {View} v */
export function drawChartCursor(v) {
  const L = /** @type {Layout} */ (v.layout);
  const run = /** @type {Run} */ (v.run);
  const ctx = v.ctx;
  for (const C of L.charts) {
    const x = xOf(run, C, v.t);
    ctx.fillStyle = FUTURE;
    ctx.fillRect(x, C.py - 1, C.px + C.pw + 2 - x, C.ph + 2);
    ctx.strokeStyle = INK;
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(x, C.py - 2);
    ctx.lineTo(x, C.py + C.ph + 2);
    ctx.stroke();
  }
  ctx.lineWidth = 1;
  ctx.font = `${L.small}px sans-serif`;
  ctx.textBaseline = "middle";
  ctx.textAlign = "left";
  ctx.globalAlpha = 0.55;
  for (const mark of L.marks) {
    ctx.strokeStyle = mark.colour;
    ctx.beginPath();
    ctx.moveTo(mark.x, mark.y0);
    ctx.lineTo(mark.x, mark.y1);
    ctx.stroke();
  }
  ctx.globalAlpha = 1;
  for (const mark of L.marks) {
    const box = mark.box;
    if (!box) continue;
    ctx.fillStyle = "rgba(255,255,255,0.85)";
    ctx.fillRect(box.x, box.y, box.w, box.h);
    ctx.fillStyle = mark.colour;
    ctx.fillText(mark.text, box.x + 3, box.y + box.h / 2);
  }
}
