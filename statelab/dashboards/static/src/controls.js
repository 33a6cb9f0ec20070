// @ts-check
// The view's page: the bar (play, speed, the time scrubber with the events' marks, the
// time), the canvas and the text under it, and what a click, a drag or a key does to them.

import { chartAt, timeAtX } from "./charts.js";
import { keyAction, nextLoser, nextShopper } from "./keys.js";
import { eventText } from "./words.js";

/**
 * @typedef {import("./view.js").View} View
 * @typedef {import("./run.js").Run} Run
 * @typedef {ReturnType<typeof buildPage>} Page
 * @typedef {{
 *   wake: () => void, syncTime: (force: boolean) => void, setPlaying: (value: boolean, send: boolean) => void,
 *   setSpeed: (speed: number) => void, follow: (session: number, why?: string) => void,
 *   seek: (t: number) => void, describe: (show: boolean) => void,
 *   dragging: boolean, chartDrag: import("./layout.js").Chart | null, lastNow: number | null,
 * }} Player
 *   what the controls ask of the widget (widget.js)
 */

/** Play speeds offered, model seconds a second. */
export const SPEEDS = [0.25, 0.5, 1, 2, 4, 8];

/** Views made so far on this page: each names its own elements' ids. */
let made = 0;

/** The view's elements, made inside `el`. @param {HTMLElement} el */
export function buildPage(el) {
  const id = `statelab-anim-${++made}`;
  const root = document.createElement("div");
  root.className = "statelab-anim";
  root.dataset.run = "0";
  root.setAttribute("role", "group");
  root.setAttribute("aria-label", "animated run");
  root.innerHTML = `
    <div class="sa-bar">
      <button class="sa-play" type="button" aria-keyshortcuts="Space"><span aria-hidden="true">▶</span> Play</button>
      <label class="sa-speed-label">speed
        <select class="sa-speed">${SPEEDS.map((s) => `<option value="${s}">${s}×</option>`).join("")}</select>
      </label>
      <div class="sa-scrub">
        <input class="sa-range" type="range" min="0" max="1" step="any" value="0"
          aria-label="time in the run" aria-describedby="${id}-keys" aria-keyshortcuts="ArrowLeft ArrowRight Shift+ArrowLeft Shift+ArrowRight Home End">
        <div class="sa-marks"></div>
      </div>
      <span class="sa-time statelab-anim-time" aria-hidden="true">t = 0.0 s</span>
      <button class="sa-describe-button" type="button" aria-expanded="false">Describe this moment</button>
    </div>
    <p class="sa-describe" hidden></p>
    <canvas class="sa-canvas" role="img" tabindex="0" aria-label="animated run" aria-describedby="${id}-keys"></canvas>
    <p class="sa-sr sa-keys" id="${id}-keys">Keys, with the view focused: Space plays or pauses; Left and Right arrows
      move 1 second, with Shift 10 seconds; Home and End go to the start and the end; F follows the
      next shopper who loses a cart; ] and [ follow the next and the previous shopper; Escape stops
      following.</p>
    <div class="sa-caption"></div>
    <div class="sa-sofar"></div>
    <div class="sa-log sa-sr" role="log" aria-live="polite" aria-label="what happens in the run"></div>`;
  el.appendChild(root);
  /** @template {Element} T @param {string} selector @returns {T} */
  const find = (selector) => /** @type {T} */ (root.querySelector(selector));
  return {
    root,
    playButton: /** @type {HTMLButtonElement} */ (find(".sa-play")),
    speedSelect: /** @type {HTMLSelectElement} */ (find(".sa-speed")),
    range: /** @type {HTMLInputElement} */ (find(".sa-range")),
    marks: /** @type {HTMLDivElement} */ (find(".sa-marks")),
    timeLabel: /** @type {HTMLSpanElement} */ (find(".sa-time")),
    canvas: /** @type {HTMLCanvasElement} */ (find(".sa-canvas")),
    describeButton: /** @type {HTMLButtonElement} */ (find(".sa-describe-button")),
    describe: /** @type {HTMLParagraphElement} */ (find(".sa-describe")),
    keys: /** @type {HTMLParagraphElement} */ (find(".sa-keys")),
    log: /** @type {HTMLDivElement} */ (find(".sa-log")),
    caption: /** @type {HTMLDivElement} */ (find(".sa-caption")),
    sofar: /** @type {HTMLDivElement} */ (find(".sa-sofar")),
  };
}

/**
 * The scrubber's marks: one an event, or (with none) one a node going down.
 * @param {HTMLElement} marks @param {Run | null} run
 */
export function drawMarks(marks, run) {
  marks.textContent = "";
  if (!run?.duration) return;
  /** @param {number} at @param {string} title @param {string} cls */
  const add = (at, title, cls) => {
    const mark = document.createElement("div");
    mark.className = `sa-mark ${cls}`;
    mark.style.left = `${(100 * at) / run.duration}%`;
    mark.title = title;
    marks.appendChild(mark);
  };
  for (const e of run.events) add(e.at, eventText(e), `sa-mark-${String(e.kind).toLowerCase()}`);
  if (!run.events.length) {
    for (const [at, node, code] of run.changes) if (code === run.down) add(at, `node ${node} down`, "sa-mark-crash");
  }
}

/**
 * What the bar and the canvas do: play and pause, the speed, scrubbing (the range or a
 * chart), and a click that follows the shopper nearest to it.
 * @param {View} v @param {Page} page @param {Player} player
 */
export function bindControls(v, page, player) {
  const { root, playButton, speedSelect, range, canvas, caption, describeButton } = page;
  const togglePlay = () => {
    if (!v.run) return;
    if (!v.playing && v.t >= v.run.duration) v.t = 0;
    player.lastNow = null;
    player.setPlaying(!v.playing, true);
    player.wake();
  };
  playButton.addEventListener("click", togglePlay);
  describeButton.addEventListener("click", () => {
    player.describe(describeButton.getAttribute("aria-expanded") !== "true");
  });
  // the keys, while the view has focus (see keys.js): never the notebook's
  root.addEventListener("keydown", (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    const action = keyAction(event, target.tagName);
    if (!action) return;
    event.stopPropagation();
    if (action.kind === "native" || !v.run) return;
    event.preventDefault();
    const run = v.run;
    if (action.kind === "play") togglePlay();
    else if (action.kind === "seek") player.seek(action.to ?? v.t + (action.by || 0));
    else if (action.kind === "unfollow") player.follow(-1, "stopped following");
    else if (action.kind === "follow") {
      const k = nextShopper(run, v.t, v.followed, action.by);
      player.follow(k, k < 0 ? "nobody is shopping now" : "");
    } else if (action.kind === "follow-loser") {
      const next = nextLoser(run, v.t);
      if (!next) player.follow(-1, "nobody loses a cart in this run");
      else player.follow(next.session, `loses their cart at ${Number(next.at.toFixed(1))} s`);
    }
  });
  speedSelect.addEventListener("change", () => player.setSpeed(Number(speedSelect.value)));
  range.addEventListener("pointerdown", () => {
    player.dragging = true;
  });
  range.addEventListener("input", () => {
    v.t = Number(range.value);
    player.wake();
  });
  range.addEventListener("change", () => {
    player.dragging = false;
    v.t = Number(range.value);
    player.lastNow = null;
    player.wake();
    player.syncTime(true);
  });
  // a click or a drag on a chart moves the time, as the scrubber does
  /** @param {MouseEvent} event @returns {[number, number]} */
  const canvasPoint = (event) => {
    const box = canvas.getBoundingClientRect();
    return [event.clientX - box.left, event.clientY - box.top];
  };
  canvas.addEventListener("pointerdown", (event) => {
    const [x, y] = canvasPoint(event);
    const C = v.run ? chartAt(v.layout, x, y) : null;
    if (!C || !v.run) return;
    player.chartDrag = C;
    player.dragging = true;
    if (canvas.setPointerCapture) canvas.setPointerCapture(event.pointerId);
    v.t = timeAtX(v.run, C, x);
    player.wake();
    event.preventDefault();
  });
  canvas.addEventListener("pointermove", (event) => {
    const [x, y] = canvasPoint(event);
    if (player.chartDrag && v.run) {
      v.t = timeAtX(v.run, player.chartDrag, x);
      player.wake();
      return;
    }
    canvas.style.cursor = chartAt(v.layout, x, y) ? "ew-resize" : "pointer";
  });
  const endChartDrag = () => {
    if (!player.chartDrag) return;
    player.chartDrag = null;
    player.dragging = false;
    player.lastNow = null;
    player.wake();
    player.syncTime(true);
  };
  canvas.addEventListener("pointerup", endChartDrag);
  canvas.addEventListener("pointercancel", endChartDrag);
  canvas.addEventListener("click", (event) => {
    const [x, y] = canvasPoint(event);
    if (chartAt(v.layout, x, y)) return; // a scrub, not a pick
    let best = -1;
    let bestD = (v.layout ? v.layout.hit : 10) ** 2;
    const hits = v.hits;
    for (let i = 0; i < hits.n; i++) {
      const d = (hits.x[i] - x) ** 2 + (hits.y[i] - y) ** 2;
      if (d < bestD) {
        bestD = d;
        best = hits.session[i];
      }
    }
    player.follow(best);
  });
  caption.addEventListener("click", (event) => {
    const target = /** @type {HTMLElement} */ (event.target);
    if (target.classList.contains("sa-unfollow")) player.follow(-1);
  });
}
