// @ts-check
// The state one view shares between its modules: the run and the player's time, the
// canvas and its offscreen background, the layout, and what the last frame drew. One
// object a view, made by `createView`; every drawing module takes it as its first argument.

import { Points } from "./paint.js";

/**
 * @typedef {import("./run.js").Run} Run
 * @typedef {import("./layout.js").Layout} Layout
 * @typedef {import("./playhead.js").Playhead} Playhead
 * @typedef {{ kind: string, event: string | null, at: number | null, recent: boolean,
 *   before: number | null, after: number | null, moved: number | null, keys: number | null,
 *   theory: number | null, highlighted: number, highlightedSessions: number[], drawn: number,
 *   keysShown: number, box: { x: number, y: number, w: number, h: number } }} HashShown
 *   what the hashing panel showed in the last frame
 * @typedef {ReturnType<typeof createView>} View
 */

/**
 * A new view's state, drawing into `canvas`.
 * @param {HTMLElement} root @param {HTMLCanvasElement} canvas
 */
export function createView(root, canvas) {
  const background = document.createElement("canvas");
  return {
    root,
    canvas,
    ctx: /** @type {CanvasRenderingContext2D} */ (canvas.getContext("2d")),
    background,
    bctx: /** @type {CanvasRenderingContext2D} */ (background.getContext("2d")),
    dpr: 1,
    /** @type {Run | null} */
    run: null,
    /** @type {Playhead | null} */
    head: null,
    /** the player's time, model seconds */
    t: 0,
    /** model seconds a second of play */
    speed: 1,
    playing: false,
    /** the followed shopper's session (-1: none) */
    followed: -1,
    presenter: false,
    compact: false,
    /** the charts' tops shared with another view (Compare: both sides on one scale), or null */
    /** @type {{ lost?: number, latency?: number } | null} */
    chartTops: null,
    /** the learner asked for less motion (prefers-reduced-motion): dots step, nothing flashes */
    reducedMotion: false,
    /** @type {Layout | null} */
    layout: null,
    /** what the background canvas holds (redrawn when it changes) */
    backgroundKey: "",
    /** points drawn this frame (requests, answers) and where a click picks a shopper */
    points: new Points(1024),
    hits: new Points(2048),
    /** per node, this frame: requests waiting, holding a worker, carts, carts lost just now, copies */
    queueRank: new Int32Array(16),
    busyCount: new Int32Array(16),
    cartCount: new Int32Array(16),
    lostFlash: new Int32Array(16),
    copyCount: new Int32Array(16),
    /** requests at the session store this frame */
    storeCalls: 0,
    /** @type {HashShown | null} */
    hashShown: null,
    /** the chart labels' boxes as last written to data-labels (JSON) */
    lastLabels: "",
  };
}

/**
 * Node k's status name at the view's time.
 * @param {View} v @param {number} k
 */
export function statusName(v, k) {
  const run = /** @type {Run} */ (v.run);
  const head = /** @type {Playhead} */ (v.head);
  return run.statuses[head.status[k]];
}

/**
 * The session store's outage at the view's time: "down" (it refuses calls), "hang" (it
 * takes calls and answers none), or "" (none). A store down and hung at once is down.
 * @param {View} v
 * @returns {"" | "down" | "hang"}
 */
export function storeDown(v) {
  const run = v.run;
  if (run?.state !== "store") return "";
  /** @type {"" | "down" | "hang"} */
  let found = "";
  for (const e of run.events) {
    if (e.kind === "StoreOutage" && e.at <= v.t && v.t < e.at + (e.duration || 0)) {
      if (e.mode === "hang") found = "hang";
      else return "down";
    }
  }
  return found;
}
