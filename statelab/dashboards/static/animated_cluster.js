// The animated cluster view of statelab, bundled by esbuild from statelab/dashboards/static/src/
// (`make js`): edit the sources there, not this file.

// statelab/dashboards/static/src/paint.js
var INK = "#222222";
var OK_COLOUR = "#3B3B3B";
var LATENCY = "#333333";
var FUTURE = "rgba(255,255,255,0.9)";
var DARK_YELLOW = "#8A7F00";
var nodeColour = (palette, k) => k < 0 ? palette.dead : palette.nodes[k % palette.nodes.length];
function fitting(c, texts, room) {
  return texts.find((text) => c.measureText(text).width <= room) ?? "";
}
function roundRect(c, x, y, w, h, r) {
  c.beginPath();
  c.moveTo(x + r, y);
  c.arcTo(x + w, y, x + w, y + h, r);
  c.arcTo(x + w, y + h, x, y + h, r);
  c.arcTo(x, y + h, x, y, r);
  c.arcTo(x, y, x + w, y, r);
  c.closePath();
}
function dotAt(c, x, y, r, colour) {
  c.beginPath();
  c.arc(x, y, r, 0, 2 * Math.PI);
  c.fillStyle = colour;
  c.fill();
}
function ring(c, x, y, r, colour) {
  c.beginPath();
  c.arc(x, y, r, 0, 2 * Math.PI);
  c.strokeStyle = colour;
  c.lineWidth = 1.5;
  c.stroke();
}
function cross(c, x, y, r, colour) {
  c.beginPath();
  c.moveTo(x - r, y - r);
  c.lineTo(x + r, y + r);
  c.moveTo(x - r, y + r);
  c.lineTo(x + r, y - r);
  c.strokeStyle = colour;
  c.lineWidth = 2;
  c.stroke();
}
var Points = class {
  constructor(size = 1024) {
    this.x = new Float32Array(size);
    this.y = new Float32Array(size);
    this.kind = new Int16Array(size);
    this.session = new Int32Array(size);
    this.n = 0;
  }
  /** @param {number} x @param {number} y @param {number} kind @param {number} session */
  add(x, y, kind, session) {
    if (this.n === this.x.length) this.grow();
    this.x[this.n] = x;
    this.y[this.n] = y;
    this.kind[this.n] = kind;
    this.session[this.n] = session;
    this.n++;
  }
  grow() {
    const twice2 = (a) => {
      const b = (
        /** @type {T} */
        new /** @type {any} */
        a.constructor(a.length * 2)
      );
      b.set(a);
      return b;
    };
    this.x = twice2(this.x);
    this.y = twice2(this.y);
    this.kind = twice2(this.kind);
    this.session = twice2(this.session);
  }
};

// statelab/dashboards/static/src/words.js
var CAUSE_WORDS = {
  crash: "crash",
  rehash: "rehash",
  scale_in: "scale-in",
  no_affinity: "no affinity",
  store_outage: "store outage",
  cookie_too_large: "cookie too large"
};
var OUTCOME_WORDS = {
  ok: "ok",
  state_lost: "state lost",
  failed: "failed",
  timed_out: "timed out",
  in_flight: "in flight"
};
var causeWord = (cause) => CAUSE_WORDS[cause] || cause;
var outcomeWord = (outcome) => OUTCOME_WORDS[outcome] || outcome;
function eventText(e) {
  switch (e.kind) {
    case "Crash":
      return `node ${e.node} crashes at ${e.at} s`;
    case "Restart":
      return `node ${e.node} restarts at ${e.at} s (empty memory)`;
    case "ScaleTo":
      return `scale to ${e.nodes} nodes at ${e.at} s`;
    case "StoreOutage":
      return e.mode === "hang" ? `session store hangs from ${e.at} s for ${e.duration} s` : `session store down from ${e.at} s for ${e.duration} s`;
    case "Autoscale":
      return `the autoscaler sets ${e.size ?? e.nodes} nodes at ${e.at} s`;
    default:
      return `${e.kind} at ${e.at} s`;
  }
}
function shortEvent(e) {
  switch (e.kind) {
    case "Crash":
      return `crash n${e.node}`;
    case "Restart":
      return `n${e.node} back`;
    case "ScaleTo":
      return `→ ${e.nodes} nodes`;
    case "StoreOutage":
      return e.mode === "hang" ? "store hangs" : "store down";
    case "Autoscale":
      return `→ ${e.size ?? e.nodes}`;
    default:
      return String(e.kind || "").toLowerCase();
  }
}

// statelab/dashboards/static/src/charts.js
function chartEvents(run) {
  const { palette } = run;
  const colours = {
    Crash: palette.lost,
    Restart: "#777777",
    ScaleTo: palette.nodes[0],
    Autoscale: palette.nodes[0],
    StoreOutage: palette.causes.store_outage
  };
  if (run.events.length) {
    return run.events.map((e) => ({
      at: e.at,
      until: e.kind === "StoreOutage" ? e.at + (e.duration || 0) : e.at,
      text: shortEvent(e),
      colour: colours[e.kind] || "#777777"
    }));
  }
  return run.changes.filter((c) => c[2] === run.down).map(([at, node]) => ({ at, until: at, text: `n${node} down`, colour: palette.lost }));
}
function niceCeil(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const k of [1, 2, 5, 10]) if (k * p >= v * (1 - 1e-9)) return k * p;
  return 10 * p;
}
function timeStep(duration, most) {
  for (const step of [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200]) {
    if (duration / step <= most) return step;
  }
  return niceCeil(duration / most);
}
var fmtNumber = (v) => Math.abs(v - Math.round(v)) < 1e-9 ? String(Math.round(v)) : String(Number(v.toPrecision(2)));
var xOf = (run, C, time) => C.px + Math.min(Math.max(time, 0), run.duration) / (run.duration || 1) * C.pw;
var yOf = (C, value, top) => C.py + C.ph - value / top * C.ph;
var timeAtX = (run, C, x) => Math.min(Math.max((x - C.px) / C.pw * run.duration, 0), run.duration);
function chartAt(L, x, y) {
  if (!L) return null;
  for (const C of L.charts) {
    if (x >= C.px - 6 && x <= C.px + C.pw + 6 && y >= C.py - 4 && y <= C.y + C.h) return C;
  }
  return null;
}
function chartAxes(v, c, C, top, unit) {
  const L = (
    /** @type {Layout} */
    v.layout
  );
  const run = (
    /** @type {Run} */
    v.run
  );
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
function chartTitle(L, c, C, title, items, fallback) {
  c.textBaseline = "middle";
  c.textAlign = "left";
  const y = C.y + L.small * 0.75;
  const measure = (text2, size2) => {
    const swatch2 = Math.round(size2 * 1.6);
    c.font = `bold ${size2}px sans-serif`;
    let w = text2 ? c.measureText(text2).width + 8 : 0;
    c.font = `${size2}px sans-serif`;
    for (const item of items) w += swatch2 + 4 + c.measureText(item.text).width + 10;
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
function fitTitle(widthOf, room, titles, size) {
  for (const text of titles) if (widthOf(text, size) <= room) return { text, size };
  const last = titles[titles.length - 1];
  const smaller = Math.max(size * 0.7, size * room / widthOf(last, size));
  return { text: last, size: Math.floor(smaller * 10) / 10 };
}
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
function placeEvents(v, c, C, events, chart, boxes, marks) {
  const L = (
    /** @type {Layout} */
    v.layout
  );
  const run = (
    /** @type {Run} */
    v.run
  );
  const rowH = Math.round(L.small * 1.3);
  const rows = v.compact ? 1 : 2;
  const placed = [];
  c.font = `${L.small}px sans-serif`;
  for (const e of events) {
    const x = Math.round(xOf(run, C, e.at)) + 0.5;
    if (e.until > e.at) {
      c.fillStyle = "rgba(0,158,115,0.10)";
      c.fillRect(x, C.py, xOf(run, C, e.until) - x, C.ph);
    }
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
function chartTops(P) {
  let lost = 0;
  for (const values of Object.values(P.lost)) for (const value of values) lost = Math.max(lost, value);
  let latency = 0;
  for (const value of P.windows.p99) if (value != null) latency = Math.max(latency, value);
  return { lost, latency };
}
function chartScales(P, shared) {
  const own = chartTops(P);
  const lost = Math.max(own.lost, shared?.lost ?? 0);
  const latency = Math.max(own.latency, shared?.latency ?? 0);
  return { lostTop: niceCeil(Math.max(lost * 1.1, 4)), latTop: niceCeil(Math.max(latency * 1.05, 0.1)) };
}
function drawCharts(v, c) {
  const L = (
    /** @type {Layout} */
    v.layout
  );
  const run = (
    /** @type {Run} */
    v.run
  );
  const P = run.meta.panels;
  const [A, B] = L.charts;
  const boxes = [];
  for (const C of L.charts) {
    c.fillStyle = "#FFFFFF";
    c.fillRect(C.px, C.py, C.pw, C.ph);
  }
  const events = chartEvents(run);
  const marks = [];
  L.marks = marks;
  const causes = Object.keys(P.lost);
  const { lostTop, latTop } = chartScales(P, v.chartTops);
  chartAxes(v, c, A, lostTop, "");
  placeEvents(v, c, A, events, 0, boxes, marks);
  c.lineWidth = 2.2 * Math.min(L.f, 1.2);
  const causeColour = (cause) => run.palette.causes[cause];
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
    "carts lost, by cause:"
  );
  const W = P.windows;
  chartAxes(v, c, B, latTop, "s");
  placeEvents(v, c, B, events, 1, boxes, marks);
  const series = (
    /** @type {const} */
    [
      { key: "p50", text: "p50", dash: [2, 3], width: 1.8 },
      { key: "p95", text: "p95", dash: [], width: 2.2 },
      { key: "p99", text: "p99", dash: [7, 4], width: 1.6 }
    ]
  );
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
    `latency, ${width} windows:`
  );
  const text = JSON.stringify(boxes);
  if (text !== v.lastLabels) {
    v.root.dataset.labels = text;
    v.lastLabels = text;
  }
}
function drawChartCursor(v) {
  const L = (
    /** @type {Layout} */
    v.layout
  );
  const run = (
    /** @type {Run} */
    v.run
  );
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

// statelab/dashboards/static/src/arrays.js
function upper(a, x, lo = 0, hi = a.length) {
  while (lo < hi) {
    const mid = lo + hi >> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
function lower(a, x, lo = 0, hi = a.length) {
  while (lo < hi) {
    const mid = lo + hi >> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
function sortedFinite(values) {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) n++;
  const out = new Float64Array(n);
  n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) out[n++] = values[i];
  return out.sort();
}
var frac = (x) => x - Math.floor(x);
var orInf = (x) => Number.isNaN(x) ? Number.POSITIVE_INFINITY : x;

// statelab/dashboards/static/src/keys.js
var STEP = 1;
var BIG_STEP = 10;
function keyAction(event, tag = "") {
  if (event.ctrlKey || event.altKey || event.metaKey || event.key === "Tab") return null;
  const step = event.shiftKey ? BIG_STEP : STEP;
  const list = tag === "SELECT";
  switch (event.key) {
    case " ":
    case "Spacebar":
      return tag === "BUTTON" || list ? { kind: "native" } : { kind: "play" };
    case "Enter":
      return tag === "BUTTON" || list ? { kind: "native" } : { kind: "play" };
    case "ArrowRight":
    case "ArrowUp":
      return list ? { kind: "native" } : { kind: "seek", by: step };
    case "ArrowLeft":
    case "ArrowDown":
      return list ? { kind: "native" } : { kind: "seek", by: -step };
    case "PageUp":
      return { kind: "seek", by: BIG_STEP };
    case "PageDown":
      return { kind: "seek", by: -BIG_STEP };
    case "Home":
      return { kind: "seek", to: 0 };
    case "End":
      return { kind: "seek", to: Number.POSITIVE_INFINITY };
    case "f":
    case "F":
      return { kind: "follow-loser" };
    case "]":
      return { kind: "follow", by: 1 };
    case "[":
      return { kind: "follow", by: -1 };
    case "Escape":
      return { kind: "unfollow" };
    default:
      return { kind: "native" };
  }
}
function nextLoser(run, t) {
  if (!run.lossTimes.length) return null;
  let j = lower(run.lossTimes, t + 1e-9);
  if (j >= run.lossTimes.length) j = 0;
  return { session: run.lossSessions[j], at: run.lossTimes[j] };
}
function nextShopper(run, t, current, by) {
  const shopping = [];
  for (let k = 0; k < run.nSes; k++) if (run.s.start[k] <= t && t < run.sesEnds[k]) shopping.push(k);
  if (!shopping.length) return -1;
  const here = shopping.indexOf(current);
  if (here < 0) {
    if (by > 0) return shopping.find((k) => k > current) ?? shopping[0];
    return [...shopping].reverse().find((k) => k < current) ?? shopping[shopping.length - 1];
  }
  return shopping[(here + by + shopping.length) % shopping.length];
}

// statelab/dashboards/static/src/controls.js
var SPEEDS = [0.25, 0.5, 1, 2, 4, 8];
var made = 0;
function buildPage(el) {
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
  const find = (selector) => (
    /** @type {T} */
    root.querySelector(selector)
  );
  return {
    root,
    playButton: (
      /** @type {HTMLButtonElement} */
      find(".sa-play")
    ),
    speedSelect: (
      /** @type {HTMLSelectElement} */
      find(".sa-speed")
    ),
    range: (
      /** @type {HTMLInputElement} */
      find(".sa-range")
    ),
    marks: (
      /** @type {HTMLDivElement} */
      find(".sa-marks")
    ),
    timeLabel: (
      /** @type {HTMLSpanElement} */
      find(".sa-time")
    ),
    canvas: (
      /** @type {HTMLCanvasElement} */
      find(".sa-canvas")
    ),
    describeButton: (
      /** @type {HTMLButtonElement} */
      find(".sa-describe-button")
    ),
    describe: (
      /** @type {HTMLParagraphElement} */
      find(".sa-describe")
    ),
    keys: (
      /** @type {HTMLParagraphElement} */
      find(".sa-keys")
    ),
    log: (
      /** @type {HTMLDivElement} */
      find(".sa-log")
    ),
    caption: (
      /** @type {HTMLDivElement} */
      find(".sa-caption")
    ),
    sofar: (
      /** @type {HTMLDivElement} */
      find(".sa-sofar")
    )
  };
}
function drawMarks(marks, run) {
  marks.textContent = "";
  if (!run?.duration) return;
  const add = (at, title, cls) => {
    const mark = document.createElement("div");
    mark.className = `sa-mark ${cls}`;
    mark.style.left = `${100 * at / run.duration}%`;
    mark.title = title;
    marks.appendChild(mark);
  };
  for (const e of run.events) add(e.at, eventText(e), `sa-mark-${String(e.kind).toLowerCase()}`);
  if (!run.events.length) {
    for (const [at, node, code] of run.changes) if (code === run.down) add(at, `node ${node} down`, "sa-mark-crash");
  }
}
function bindControls(v, page, player) {
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
  root.addEventListener("keydown", (event) => {
    const target = (
      /** @type {HTMLElement} */
      event.target
    );
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
    if (chartAt(v.layout, x, y)) return;
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
    const target = (
      /** @type {HTMLElement} */
      event.target
    );
    if (target.classList.contains("sa-unfollow")) player.follow(-1);
  });
}

// statelab/dashboards/static/src/hashing.js
var RING_SIZE = 4294967296;
var angle = (pos) => pos / RING_SIZE * 2 * Math.PI - Math.PI / 2;
function ownerOnRing(ring2, key, live) {
  const n = ring2.pos.length;
  const i = lower(ring2.pos, key);
  for (let step = 0; step < n; step++) {
    const j = (i + step) % n;
    if (live[ring2.node[j]]) return ring2.node[j];
  }
  return -1;
}
function liveMask(run, status) {
  const live = new Uint8Array(run.nodes);
  for (let k = 0; k < run.nodes; k++) live[k] = status[k] === run.up ? 1 : 0;
  return live;
}
function moduloNodes(run, status, configured) {
  const nodes = [];
  for (let k = 0; k < status.length; k++) {
    if (configured ? status[k] !== run.removed : status[k] === run.up) nodes.push(k);
  }
  return nodes;
}
function lastChange(run, t) {
  let event = null;
  for (const e of run.hashEvents) if (e.at <= t) event = e;
  return event;
}

// statelab/dashboards/static/src/layout.js
function makeLayout({ width, presenter, compact, run, measure }) {
  const w = Math.max(Math.floor(width), 320);
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
  const top = Math.round(font * 1.75);
  const balX = shopX + shopW + Math.round(w * 0.045);
  const balW = Math.round(font * 1.5);
  const nodesX = balX + balW + Math.round(w * 0.04);
  const nodesR = w - m - (hashW ? hashW + m : 0);
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
  const nodesTop = top + Math.round((nodesH - used) / 2);
  let clusterH = nodesH + storeRow;
  if (hashBeside) clusterH = Math.max(clusterH, Math.round(font * 12.5));
  const bottom = top + clusterH;
  const nodesB = bottom - (storeH ? storeH + gap : 0);
  const boxW = (nodesR - nodesX - gap * (cols - 1)) / cols;
  const dot = Math.max(2.4, Math.min(4.5 * f, boxH / 14));
  const boxes = [];
  for (let k = 0; k < n; k++) {
    const x = nodesX + Math.floor(k / rows) * (boxW + gap);
    const y2 = nodesTop + k % rows * (boxH + gap);
    const innerY = y2 + titleH;
    const innerH = boxH - titleH - 3 * f;
    const slotCols = Math.min(workers, workers <= 4 ? workers : workers <= 16 ? 8 : 12);
    const slotRows = Math.ceil(workers / slotCols);
    const slotSize = Math.max(4, Math.min(boxW * 0.3 / slotCols - 2, (innerH - 2) / slotRows - 2, 26 * f));
    const slotsW = slotCols * (slotSize + 2);
    const queueX = x + 6 * f;
    const queueW = boxW * 0.27;
    const slotsX = x + boxW * 0.33;
    const slotsY = innerY + Math.max(0, (innerH - slotRows * (slotSize + 2)) / 2);
    const cartX = slotsX + slotsW + 12 * f;
    const cartW = x + boxW - 6 * f - cartX;
    const token = Math.max(3, Math.min(9 * f, (innerH - 2) / 2 - 2, Math.sqrt(cartW * innerH / Math.max(workers * 6, 60)) - 2));
    boxes.push({
      x,
      y: y2,
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
      exitY: y2 + boxH / 2
    });
  }
  let y = bottom;
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
  const legendX = balX;
  const legend = legendItems(w - m - legendX, small, dot, !!run?.cartsInMemory, measure);
  const legendH = legend.lines * Math.round(small * 1.35) + 4;
  const legendY = y + Math.round(gap * 0.7);
  y = legendY + legendH;
  const chartTop = y + gap;
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
      ph: chartH - titleRow - tickRow
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
    marks: []
  };
}
function legendItems(room, small, r, carts, measure) {
  const items = [
    ["inbound", "request on its way (node's colour)"],
    ["ok", "answered ok"],
    ["lost", "cart lost"],
    ["failed", "failed"],
    ["timed", "timed out"],
    ["dup", "item added twice"]
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
var shopperY = (L, k) => L.top + 8 + frac(k * 0.6180339887) * (L.bottom - L.top - 16);
var shopperX = (L, k) => L.shopX + 6 + frac(k * 0.7548776662) * (L.shopW - 12);
function hashGeometry(L) {
  if (L.hashWide) {
    const bodyW = L.hashW * 0.55;
    return {
      bodyX: L.hashX,
      bodyW,
      cx: L.hashX + bodyW / 2,
      bodyBottom: L.hashY + L.hashH - 4,
      textX: L.hashX + bodyW + (L.hashW - bodyW) / 2,
      textY: L.hashY + L.hashH / 2 - L.font * 2.2
    };
  }
  return {
    bodyX: L.hashX,
    bodyW: L.hashW,
    cx: L.hashX + L.hashW / 2,
    bodyBottom: L.hashY + L.hashH - L.font * 5.8,
    textX: L.hashX + L.hashW / 2,
    textY: L.hashY + L.hashH - L.font * 3.9
  };
}
var oneLineKey = (L) => L.hashH < L.font * 16;
function ringRadius(L) {
  if (L.hashWide) return Math.max(8, Math.min(L.hashW * 0.2, (L.hashH - 1.8 * L.font) / 2 - 24 * L.f - 2));
  const above = L.font * 1.1 + L.small * (oneLineKey(L) ? 1.6 : 2.8);
  return Math.max(8, Math.min(L.hashW * 0.36, (L.hashH - above - 4.8 * L.font) / 2 - 22 * L.f));
}
function ringCentre(L) {
  if (L.hashWide) return L.hashY + L.font * 1.6 + (L.hashH - L.font * 1.6) / 2;
  const above = L.font * 1.1 + L.small * (oneLineKey(L) ? 1.6 : 2.8);
  return L.hashY + above + (L.hashH - above - 4.8 * L.font) / 2;
}

// statelab/dashboards/static/src/view.js
function createView(root, canvas) {
  const background = document.createElement("canvas");
  return {
    root,
    canvas,
    ctx: (
      /** @type {CanvasRenderingContext2D} */
      canvas.getContext("2d")
    ),
    background,
    bctx: (
      /** @type {CanvasRenderingContext2D} */
      background.getContext("2d")
    ),
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
    lastLabels: ""
  };
}
function statusName(v, k) {
  const run = (
    /** @type {Run} */
    v.run
  );
  const head = (
    /** @type {Playhead} */
    v.head
  );
  return run.statuses[head.status[k]];
}
function storeDown(v) {
  const run = v.run;
  if (run?.state !== "store") return "";
  let found = "";
  for (const e of run.events) {
    if (e.kind === "StoreOutage" && e.at <= v.t && v.t < e.at + (e.duration || 0)) {
      if (e.mode === "hang") found = "hang";
      else return "down";
    }
  }
  return found;
}

// statelab/dashboards/static/src/background.js
function drawBackground(v) {
  const L = (
    /** @type {Layout} */
    v.layout
  );
  const run = (
    /** @type {Run} */
    v.run
  );
  const c = v.bctx;
  c.setTransform(v.dpr, 0, 0, v.dpr, 0, 0);
  c.clearRect(0, 0, L.w, L.h);
  c.fillStyle = "#FFFFFF";
  c.fillRect(0, 0, L.w, L.h);
  c.textBaseline = "middle";
  roundRect(c, L.shopX, L.top, L.shopW, L.bottom - L.top, 8);
  c.fillStyle = "#F6F6F6";
  c.fill();
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
      room
    ),
    0,
    0
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
var storeColour = (run) => run.palette.causes.store_outage;
function drawNodeBox(v, c, k) {
  const L = (
    /** @type {Layout} */
    v.layout
  );
  const run = (
    /** @type {Run} */
    v.run
  );
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
  const titles = name === "up" ? [`node ${k}`, `n${k}`] : [`node ${k} · ${status}`, `n${k} · ${status}`, `n${k} ${name === "removed" ? "off" : name}`];
  c.fillText(fitting(c, titles, B.w - 16 * L.f), B.x + 8 * L.f, B.y + L.titleH * 0.55);
  c.strokeStyle = name === "down" ? "#BBBBBB" : "#AAAAAA";
  c.lineWidth = 1;
  for (let w = 0; w < run.workers; w++) {
    const x = B.slotsX + w % B.slotCols * (B.slotSize + 2);
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
function drawLegend(v, c) {
  const L = (
    /** @type {Layout} */
    v.layout
  );
  const palette = (
    /** @type {Run} */
    v.run.palette
  );
  const r = L.dot;
  const lineH = Math.round(L.small * 1.35);
  c.font = `${L.small}px sans-serif`;
  c.textAlign = "left";
  c.textBaseline = "middle";
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
    }
  };
  for (const item of L.legend.items) {
    const x = L.legendX + item.x;
    const y = L.legendY + lineH * (item.line + 0.5) + 2;
    draw[item.kind](x + r, y);
    c.fillStyle = "#444444";
    c.fillText(item.text, x + 2 * r + 6, y);
  }
}
function drawHashBackground(v, c) {
  const L = (
    /** @type {Layout} */
    v.layout
  );
  const run = (
    /** @type {Run} */
    v.run
  );
  const H = (
    /** @type {import("./contract.js").Hashing} */
    run.hashing
  );
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
  const live = liveMask(
    run,
    /** @type {import("./playhead.js").Playhead} */
    v.head.status
  );
  const { pos, node } = run.ring;
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
      room
    );
    c.fillText(keys, G.textX, L.hashY + L.hashH - L.small * 1.1);
  } else if (oneLineKey(L)) {
    c.fillText(
      fitting(c, ["arcs: owner node · ticks: keys", "arcs: owners · ticks: keys"], L.hashW - 12),
      cx,
      L.hashY + L.font * 1.1 + L.small
    );
  } else {
    c.fillText(fitting(c, ["arcs: the node that owns the keys", "arcs: owner node"], L.hashW - 12), cx, L.hashY + L.font * 1.1 + L.small);
    c.fillText(fitting(c, ["ticks: the shoppers' keys", "ticks: keys"], L.hashW - 12), cx, L.hashY + L.font * 1.1 + L.small * 2.2);
  }
}

// statelab/dashboards/static/src/hashpanel.js
function drawHashing(v) {
  const run = (
    /** @type {Run} */
    v.run
  );
  const head = (
    /** @type {Playhead} */
    v.head
  );
  const L = (
    /** @type {Layout} */
    v.layout
  );
  const H = (
    /** @type {import("./contract.js").Hashing} */
    run.hashing
  );
  const { ctx, t } = v;
  const keys = run.s.key;
  const event = lastChange(run, t);
  const recent = !!event && t < event.at + Math.max(8, 3 * v.speed);
  const flags = recent && event ? event.movedFlags : null;
  const G = hashGeometry(L);
  let shown = 0;
  const highlighted = [];
  if (H.kind === "ring" && run.ring) {
    const ring2 = run.ring;
    const R = ringRadius(L);
    const cx = G.cx;
    const cy = ringCentre(L);
    const live = liveMask(run, head.status);
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
        if (flags?.[s] || ownerOnRing(ring2, keys[s], live) !== k) continue;
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
    const nodes = moduloNodes(run, head.status, !!H.configured);
    const count2 = nodes.length;
    const top = L.hashY + L.font * 1.5 + L.small * 1.3;
    const colW = (G.bodyW - 16) / Math.max(count2, 1);
    const bodyTop = top + L.font * 2.6;
    const bodyH = Math.max(8, G.bodyBottom - bodyTop);
    ctx.font = `${L.small}px sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    for (let i = 0; i < count2; i++) {
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
    for (let i = 0; i < count2; i++) column[nodes[i]] = i;
    const r = Math.max(1.8, L.dot * 0.65);
    const moved = [];
    ctx.beginPath();
    for (let j = 0; j < head.sessionsN; j++) {
      const s = head.sessions[j];
      let k = head.lastNode[s];
      if (flags && event && event.afterNode[s] >= 0 && column[event.afterNode[s]] >= 0) k = event.afterNode[s];
      if (k < 0 || column[k] < 0) continue;
      const x = G.bodyX + 8 + column[k] * colW + 3 + frac(s * 0.754877) * (colW - 6);
      const y = bodyTop + 3 + keys[s] / RING_SIZE * (bodyH - 6);
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
    box: { x: L.hashX, y: L.hashY, w: L.hashW, h: L.hashH }
  };
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";
  const y0 = G.textY;
  const tx = G.textX;
  ctx.font = `${L.small}px sans-serif`;
  ctx.fillStyle = "#555555";
  ctx.fillText(`${head.sessionsN} shoppers' keys shown`, tx, y0);
  if (event) {
    const pct = event.keys ? 100 * event.moved / event.keys : 0;
    ctx.font = `bold ${L.font}px sans-serif`;
    ctx.fillStyle = recent ? run.palette.lost : INK;
    ctx.fillText(`${event.before} → ${event.after} nodes at ${Number(event.at).toFixed(0)} s:`, tx, y0 + L.font * 1.2);
    ctx.fillText(`moved ${event.moved} of ${event.keys} (${pct.toFixed(0)}%)`, tx, y0 + L.font * 2.3);
    ctx.font = `${L.font}px sans-serif`;
    const theory = event.theory != null ? `theory ${(100 * event.theory).toFixed(0)}%` : "no theory for this change";
    const room = 2 * Math.min(tx - L.hashX, L.hashX + L.hashW - tx) - 12;
    const marked = recent && highlighted.length ? [`${theory} · ${highlighted.length} in vermillion`, `${theory} · ${highlighted.length} moved`] : [];
    ctx.fillText(fitting(ctx, [...marked, theory], room), tx, y0 + L.font * 3.3);
  }
}

// statelab/dashboards/static/src/overlay.js
function drawNodeCounts(v) {
  const run = (
    /** @type {Run} */
    v.run
  );
  const head = (
    /** @type {Playhead} */
    v.head
  );
  const L = (
    /** @type {Layout} */
    v.layout
  );
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
        busy
      ],
      room
    );
    ctx.fillText(text, B.x + B.w - 8 * L.f, B.y + L.titleH * 0.55);
  }
}
function drawStore(v) {
  const L = (
    /** @type {Layout} */
    v.layout
  );
  const head = (
    /** @type {Playhead} */
    v.head
  );
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
  const texts = down === "hang" ? ["session store · HUNG (takes calls, answers none)", "store HUNG (no answers)", "store HUNG"] : down ? ["session store · DOWN (outage)", "store DOWN (outage)", "store DOWN"] : [
    `session store · ${carts} (one a shopper) · every request reads and writes here`,
    `session store · ${carts} (one a shopper)`,
    `store · ${carts}`
  ];
  ctx.fillText(fitting(ctx, texts, S.w - 16), S.x + S.w / 2, S.y + S.h / 2);
}
function drawLosses(v) {
  const run = (
    /** @type {Run} */
    v.run
  );
  const L = (
    /** @type {Layout} */
    v.layout
  );
  const { ctx, t } = v;
  const lost = run.palette.lost;
  const window2 = Math.max(1.5, 1.2 * v.speed);
  const lo = lower(run.lossTimes, t - window2);
  const hi = upper(run.lossTimes, t);
  if (hi <= lo) return;
  const perCause = {};
  ctx.lineWidth = 2.5;
  ctx.strokeStyle = lost;
  for (let j = lo; j < hi; j++) {
    const k = run.lossSessions[j];
    const age = v.reducedMotion ? 0 : (t - run.lossTimes[j]) / window2;
    const x = shopperX(L, k);
    const y = shopperY(L, k);
    ctx.globalAlpha = 1 - age * 0.7;
    ctx.beginPath();
    ctx.arc(x, y, L.dot * (1.5 + 3 * age), 0, 2 * Math.PI);
    ctx.stroke();
    const cause = run.causes[run.s.cause[k] - 1];
    perCause[cause] = (perCause[cause] || 0) + 1;
    const from2 = run.s.lost_node[k];
    if (from2 >= 0 && from2 < run.nodes) v.lostFlash[from2]++;
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
  const parts = Object.entries(perCause).map(([c, n2]) => `${n2} ${causeWord(c)}`);
  const n = hi - lo;
  const span = `in the last ${Number(window2.toFixed(1))} s`;
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
    `✕ ${n} lost`
  ];
  ctx.fillText(fitting(ctx, texts, to - from), from, L.top - L.font * 0.95);
}
function shoppersTitle(v) {
  const n = (
    /** @type {Playhead} */
    v.head.sessionsN
  );
  return `${n} shopper${n === 1 ? "" : "s"}`;
}
function bannerText(v) {
  const run = (
    /** @type {Run} */
    v.run
  );
  const window2 = Math.max(4, 2 * v.speed);
  let text = "";
  for (const e of run.events) {
    if (e.at <= v.t && v.t < e.at + window2) text = eventText(e).replace(/ at [\d.]+ s/, "");
  }
  return text ? `⚡ ${text}` : "";
}
function bannerBox(v) {
  const text = bannerText(v);
  if (!text) return null;
  const L = (
    /** @type {Layout} */
    v.layout
  );
  const { ctx } = v;
  const font = ctx.font;
  ctx.font = `bold ${Math.round(L.font * 1.15)}px sans-serif`;
  const w = ctx.measureText(text).width + 20;
  ctx.font = font;
  const x = (L.nodesX + L.nodesR) / 2;
  return { text, x: x - w / 2, w, cx: x, y: L.top - L.font * 0.95 };
}
function drawBanner(v) {
  const run = (
    /** @type {Run} */
    v.run
  );
  const L = (
    /** @type {Layout} */
    v.layout
  );
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
function drawFollowed(v) {
  const run = (
    /** @type {Run} */
    v.run
  );
  const L = (
    /** @type {Layout} */
    v.layout
  );
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

// statelab/dashboards/static/src/playhead.js
var AWAY = 0;
var AT_STORE = 1;
var QUEUED = 2;
var SERVING = 3;
var LEG_WALL = 0.4;
var legFor = (speed) => LEG_WALL * Math.min(speed, 3);
function twice(list) {
  const bigger = new Int32Array(list.length * 2);
  bigger.set(list);
  return bigger;
}
var Playhead = class {
  /** @param {Run} run */
  constructor(run) {
    this.run = run;
    const nSes = run.nSes;
    this.leg = legFor(1);
    this.active = new Int32Array(1024);
    this.activeN = 0;
    this.nextReq = 0;
    this.requestsT = Number.POSITIVE_INFINITY;
    this.lastNode = new Int8Array(nSes).fill(-1);
    this.sessions = new Int32Array(256);
    this.sessionsN = 0;
    this.nextSes = 0;
    this.sessionsT = Number.POSITIVE_INFINITY;
    this.cartNode = new Int8Array(nSes).fill(-1);
    this.heldPos = new Int32Array(nSes).fill(-1);
    this.held = new Int32Array(Math.max(nSes, 1));
    this.heldN = 0;
    this.movePtr = 0;
    this.movesT = Number.POSITIVE_INFINITY;
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
    if (q <= t) return t < l ? QUEUED : AWAY;
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
};

// statelab/dashboards/static/src/requests.js
var K_OK = 1e3;
var K_LOST = 1001;
var K_FAILED = 1002;
var K_TIMED = 1003;
var K_DUP = 1004;
var K_NONODE = 1005;
var K_STORE = 3e3;
var where = new Float64Array(2);
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
function drawShoppers(v) {
  const run = (
    /** @type {Run} */
    v.run
  );
  const head = (
    /** @type {Playhead} */
    v.head
  );
  const L = (
    /** @type {Layout} */
    v.layout
  );
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
    ctx.fillStyle = run.palette.lost;
    ctx.font = `bold ${L.small}px sans-serif`;
    ctx.fillText(fitting(ctx, ["✕ = cart lost", "✕ lost"], L.shopW + 2 * L.shopX - 4), L.shopX + L.shopW / 2, L.legendY + lineH * 0.5 + 2);
  }
}
function placeRequests(v) {
  const run = (
    /** @type {Run} */
    v.run
  );
  const head = (
    /** @type {Playhead} */
    v.head
  );
  const L = (
    /** @type {Layout} */
    v.layout
  );
  const { r, slot, bits } = run;
  const { t, points } = v;
  const leg = head.leg;
  const boxes = L.boxes;
  const dot = L.dot;
  const store = L.store;
  const gone = storeDown(v) === "down";
  v.storeCalls = 0;
  const queueSpot = (B, k) => {
    const q = v.queueRank[k]++;
    if (q < B.queueCols * B.queueRows) {
      return [
        B.queueX + B.queueW - dot - q % B.queueCols * (dot * 2 + 1.5),
        B.innerY + dot + Math.floor(q / B.queueCols) * (dot * 2 + 1.5),
        true
      ];
    }
    return [B.queueX + dot, B.innerY + B.innerH - dot, false];
  };
  const slotCentre = (B, w) => [
    B.slotsX + w % B.slotCols * (B.slotSize + 2) + B.slotSize / 2,
    B.slotsY + Math.floor(w / B.slotCols) * (B.slotSize + 2) + B.slotSize / 2
  ];
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
        const p2 = Math.min((t - a) / Math.max(lin, 1e-9), 1);
        along(L, s, p2 * 0.5, L.balX, L.top, where);
        points.add(where[0], where[1], K_NONODE, s);
        continue;
      }
      const B = boxes[k];
      const p = (t - a) / Math.max(lin, 1e-9);
      if (side === QUEUED) {
        const [tx, ty, inside] = queueSpot(B, k);
        if (p < 1) {
          along(L, s, p, tx, ty, where);
          points.add(where[0], where[1], k, s);
        } else if (inside) {
          points.add(tx, ty, k, s);
        }
      } else if (side === SERVING) {
        const [sx, sy] = slotCentre(B, slot[i]);
        v.busyCount[k]++;
        if (p < 1) {
          along(L, s, p, sx, sy, where);
          points.add(where[0], where[1], k, s);
        } else {
          points.add(sx, sy, 2e3 + k, s);
          if (store && !gone) {
            const u = (t - st) / Math.max(d - st, 1e-9);
            if (u < 0.35) {
              const w = Math.sin(u / 0.35 * Math.PI);
              points.add(
                sx + (store.x + store.w * (0.1 + 0.8 * frac(s * 0.618)) - sx) * w,
                sy + (store.y + store.h / 2 - sy) * w,
                K_STORE,
                s
              );
            }
          }
        }
      } else if (side === AT_STORE && store) {
        const tx = store.x + store.w * (0.1 + 0.8 * frac(s * 0.618));
        const ty = store.y + store.h / 2;
        if (p < 1) along(L, s, p, tx, ty, where);
        else {
          where[0] = tx;
          where[1] = ty;
        }
        points.add(where[0], where[1], k, s);
      } else {
        points.add(B.exitX + dot, B.exitY + (frac(s * 0.618) - 0.5) * B.h * 0.6, k, s);
      }
      continue;
    }
    if (side === SERVING) {
      const [sx, sy] = slotCentre(boxes[k], slot[i]);
      v.busyCount[k]++;
      points.add(sx, sy, 2500 + k, s);
    } else if (side === QUEUED) {
      const [tx, ty, inside] = queueSpot(boxes[k], k);
      if (inside) points.add(tx, ty, 2600 + k, s);
    }
    if (t < e + leg) {
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
function drawCarts(v) {
  const run = (
    /** @type {Run} */
    v.run
  );
  const head = (
    /** @type {Playhead} */
    v.head
  );
  const L = (
    /** @type {Layout} */
    v.layout
  );
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
        const at = pass === 0 ? q : v.cartCount[k] + q;
        if (at >= cap) continue;
        const x = B.cartX + at % B.cartCols * (B.token + 2);
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
function drawPoints(v) {
  const run = (
    /** @type {Run} */
    v.run
  );
  const L = (
    /** @type {Layout} */
    v.layout
  );
  const { ctx, points: P } = v;
  const { palette } = run;
  const r = L.dot;
  const n = run.nodes;
  for (let k = 0; k < n; k++) {
    ctx.beginPath();
    let any2 = false;
    for (let i = 0; i < P.n; i++) {
      if (P.kind[i] !== k) continue;
      ctx.moveTo(P.x[i] + r, P.y[i]);
      ctx.arc(P.x[i], P.y[i], r, 0, 2 * Math.PI);
      any2 = true;
    }
    if (any2) {
      ctx.fillStyle = nodeColour(palette, k);
      ctx.fill();
      if (k % palette.nodes.length === 5) {
        ctx.strokeStyle = DARK_YELLOW;
        ctx.lineWidth = 0.8;
        ctx.stroke();
      }
    }
  }
  for (let k = 0; k < n; k++) {
    const B = L.boxes[k];
    const half = B.slotSize / 2 - 1;
    ctx.beginPath();
    let any2 = false;
    let faded = false;
    for (let i = 0; i < P.n; i++) {
      if (P.kind[i] === 2e3 + k) {
        ctx.rect(P.x[i] - half, P.y[i] - half, 2 * half, 2 * half);
        any2 = true;
      } else if (P.kind[i] === 2500 + k || P.kind[i] === 2600 + k) faded = true;
    }
    if (any2) {
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
  const batch = (kind, colour, radius) => {
    ctx.beginPath();
    let any2 = false;
    for (let i = 0; i < P.n; i++) {
      if (P.kind[i] !== kind) continue;
      ctx.moveTo(P.x[i] + radius, P.y[i]);
      ctx.arc(P.x[i], P.y[i], radius, 0, 2 * Math.PI);
      any2 = true;
    }
    if (any2) {
      ctx.fillStyle = colour;
      ctx.fill();
    }
    return any2;
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
  if (run.state === "cookie") {
    ctx.beginPath();
    for (let i = 0; i < P.n; i++) {
      const kind = P.kind[i];
      if (kind >= 2e3) continue;
      ctx.rect(P.x[i] + r * 0.6, P.y[i] - r * 1.6, r * 1.3, r * 0.9);
    }
    ctx.fillStyle = "#8B5A2B";
    ctx.fill();
  }
  for (let i = 0; i < P.n; i++) {
    if (P.kind[i] < K_STORE) v.hits.add(P.x[i], P.y[i], 0, P.session[i]);
  }
}

// statelab/dashboards/static/src/frame.js
function paintFrame(v) {
  const L = (
    /** @type {import("./layout.js").Layout} */
    v.layout
  );
  const run = (
    /** @type {import("./run.js").Run} */
    v.run
  );
  const head = (
    /** @type {import("./playhead.js").Playhead} */
    v.head
  );
  const { ctx, t } = v;
  const statusChanged = head.advance(t);
  const key = `${L.w}x${L.h}:${head.status.join(",")}:${storeDown(v)}`;
  if (statusChanged || key !== v.backgroundKey) {
    drawBackground(v);
    v.backgroundKey = key;
  }
  ctx.drawImage(v.background, 0, 0, L.w, L.h);
  v.points.n = 0;
  v.hits.n = 0;
  v.queueRank.fill(0);
  v.busyCount.fill(0);
  v.cartCount.fill(0);
  v.lostFlash.fill(0);
  v.copyCount.fill(0);
  drawShoppers(v);
  placeRequests(v);
  if (run.cartsInMemory) drawCarts(v);
  drawPoints(v);
  drawNodeCounts(v);
  drawStore(v);
  drawLosses(v);
  drawBanner(v);
  if (run.hashing) drawHashing(v);
  drawFollowed(v);
  drawChartCursor(v);
}

// statelab/dashboards/static/src/state.js
function statusAt(run, time, inclusive = true) {
  const status = new Int8Array(run.nodes).fill(run.removed);
  for (const [at, node, code] of run.changes) {
    if (inclusive ? at > time : at >= time) break;
    if (node >= 0 && node < status.length) status[node] = code;
  }
  return status;
}
function soFar(run, t) {
  const outcomes = {};
  run.outcomes.forEach((name, o) => {
    outcomes[name] = upper(run.outcomeEnds[o], t);
  });
  const lostByCause = {};
  let sessionsLost = 0;
  run.causes.forEach((cause, c) => {
    lostByCause[cause] = upper(run.lostByCause[c], t);
    sessionsLost += lostByCause[cause];
  });
  return { outcomes, duplicates: upper(run.duplicateEnds, t), lostByCause, sessionsLost };
}
function stateAt(run, t) {
  const n = run.nodes;
  const { r, s } = run;
  const busy = new Array(n).fill(0);
  const queued = new Array(n).fill(0);
  let calls = 0;
  for (let i = 0; i < run.nReq; i++) {
    const left = orInf(r.left[i]);
    const start = r.start[i];
    const k = r.node[i];
    if (k < 0) continue;
    if (start <= t && t < left) busy[k]++;
    const servedFrom = Number.isNaN(start) ? left : start;
    const q = r.queuedFrom[i];
    if (q <= t && t < Math.min(servedFrom, left)) queued[k]++;
    if (run.meta.store) {
      const storeEnd = Number.isNaN(q) ? left : Math.min(q, left);
      if (r.arrival[i] <= t && t < storeEnd) calls++;
    }
  }
  const carts = new Array(n).fill(0);
  for (const node of cartsAt(run, t)) if (node >= 0) carts[node]++;
  const lost = new Array(n).fill(0);
  const found = upper(run.lossTimes, t);
  for (let j = 0; j < found; j++) {
    const from = s.lost_node[run.lossSessions[j]];
    if (from >= 0) lost[from]++;
  }
  let active = 0;
  for (let k = 0; k < run.nSes; k++) if (s.start[k] <= t && t < run.sesEnds[k]) active++;
  const so = soFar(run, t);
  const storeBusy = run.meta.store ? Math.min(calls, run.meta.store_workers) : 0;
  return {
    busy,
    queued,
    carts,
    status: Array.from(statusAt(run, t)),
    lost,
    sessions_lost: so.sessionsLost,
    lost_by_cause: so.lostByCause,
    active_sessions: active,
    store_busy: storeBusy,
    store_queued: run.meta.store ? calls - storeBusy : 0,
    so_far: { ...so.outcomes, duplicates: so.duplicates, sessions_lost: so.sessionsLost }
  };
}
function cartsAt(run, t) {
  const where2 = new Int16Array(run.nSes).fill(-1);
  const m = run.m;
  for (let j = 0; j < m.count && m.time[j] <= t; j++) {
    const node = m.node[j];
    const k = m.session[j];
    if (node >= 0) where2[k] = node;
    else if (where2[k] === -2 - node) where2[k] = -1;
  }
  return where2;
}

// statelab/dashboards/static/src/narration.js
var CLOSE_AFTER = 10;
var CLOSE_WINDOW = 1;
var FAR_WINDOW = 10;
var LOG_LINES = 5;
var seconds = (t) => `${Number(t.toFixed(1))} s`;
var count = (n, one, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
function nodeList(nodes) {
  if (nodes.length === 1) return `node ${nodes[0]}`;
  return `nodes ${nodes.slice(0, -1).join(", ")} and ${nodes[nodes.length - 1]}`;
}
function cartHome(run) {
  if (run.state === "store") return "in the session store";
  if (run.state === "cookie") return "in the shoppers' cookies";
  if (run.state === "replicated") return "in node memory, each copied to the next node";
  return "in node memory";
}
function crashConsequence(run, node, at) {
  if (!run.cartsInMemory) return `its carts live ${cartHome(run)}, not in its memory`;
  const before = cartsAt(run, at - 1e-9);
  let held = 0;
  for (let k = 0; k < before.length; k++) if (before[k] === node) held++;
  if (!held) return "it held no cart";
  const carts = held === 1 ? "the 1 cart in its memory" : `the ${held} carts in its memory`;
  if (run.state === "replicated") return `${carts} ${held === 1 ? "lives" : "live"} on as copies on the next node`;
  return `${carts} ${held === 1 ? "is" : "are"} gone`;
}
function eventLines(run) {
  const lines = [];
  for (const e of run.events) {
    const at = e.at;
    let text = "";
    if (e.kind === "Crash") text = `node ${e.node} crashed; ${crashConsequence(run, Number(e.node), at)}`;
    else if (e.kind === "Restart") text = `node ${e.node} is back, with an empty memory`;
    else if (e.kind === "ScaleTo") text = `scale to ${count(Number(e.nodes), "node")}`;
    else if (e.kind === "Autoscale") text = `the autoscaler sets ${count(Number(e.size ?? e.nodes), "node")}`;
    else if (e.kind === "StoreOutage" && e.mode === "hang") {
      text = `the session store hangs for ${seconds(e.duration || 0)}; requests wait on it, holding workers`;
      lines.push({
        at: at + (e.duration || 0),
        text: `${seconds(at + (e.duration || 0))}: the session store answers again`,
        kind: "event"
      });
    } else if (e.kind === "StoreOutage") {
      text = `the session store goes down for ${seconds(e.duration || 0)}; requests that need it fail`;
      lines.push({ at: at + (e.duration || 0), text: `${seconds(at + (e.duration || 0))}: the session store is back`, kind: "event" });
    } else text = `${e.kind}`;
    lines.push({ at, text: `${seconds(at)}: ${text}`, kind: "event" });
  }
  return lines;
}
function changeLines(run) {
  const lines = [];
  const told = (at, kind) => run.events.some((e) => Math.abs(e.at - at) < 1e-9 && e.kind === kind);
  const groups = /* @__PURE__ */ new Map();
  let previous = statusAt(run, -1);
  for (const [at, node, code] of run.changes) {
    if (at <= 0) {
      previous[node] = code;
      continue;
    }
    let words = "";
    if (code === run.down && !told(at, "Crash")) words = "went down";
    else if (code === run.draining) words = "drain: no new shoppers, the sticky ones still come";
    else if (code === run.removed && previous[node] !== run.removed) words = "left the cluster";
    else if (code === run.up && previous[node] === run.down && !told(at, "Restart")) words = "came back up, with an empty memory";
    previous = previous.slice();
    previous[node] = code;
    if (!words) continue;
    const key = `${at}|${words}`;
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(node);
  }
  for (const [key, nodes] of groups) {
    const [at, words] = [Number(key.slice(0, key.indexOf("|"))), key.slice(key.indexOf("|") + 1)];
    const verb = nodes.length === 1 ? words.replace(/^drain:/, "drains:") : words;
    lines.push({ at, text: `${seconds(at)}: ${nodeList(nodes)} ${verb}`, kind: "change" });
  }
  return lines;
}
function hashingLines(run) {
  return run.hashEvents.map((c) => ({
    at: c.at,
    text: `${seconds(c.at)}: the hash now spreads over ${count(c.after, "node")} (was ${c.before}): ${c.moved} of ${count(c.keys, "shopper")}' keys moved, ${c.keys ? Math.round(100 * c.moved / c.keys) : 0}% (${causeWord("rehash")})`,
    kind: "hashing"
  }));
}
function lossLines(run) {
  const moments = [...run.events.map((e) => e.at), ...run.changes.filter((c) => c[0] > 0).map((c) => c[0])];
  const close = (t) => moments.some((m) => m <= t && t < m + CLOSE_AFTER);
  const lines = [];
  run.causes.forEach((cause, c) => {
    const times = run.lostByCause[c];
    let i = 0;
    while (i < times.length) {
      const first = times[i];
      const width = close(first) ? CLOSE_WINDOW : FAR_WINDOW;
      const j = upper(times, first + width - 1e-9, i);
      const last = times[j - 1];
      const n = j - i;
      const who = `${n}${i ? " more" : ""} ${n === 1 ? "shopper" : "shoppers"}`;
      lines.push({
        at: last,
        text: `${seconds(last)}: ${who} found ${n === 1 ? "its" : "their"} cart gone (${causeWord(cause)}); ${count(j, "cart")} lost to ${causeWord(cause)} so far`,
        kind: "loss"
      });
      i = j;
    }
  });
  return lines;
}
function narration(run) {
  const order = ["event", "change", "hashing", "loss"];
  const lines = [...eventLines(run), ...changeLines(run), ...hashingLines(run), ...lossLines(run)];
  return lines.sort((a, b) => a.at - b.at || order.indexOf(a.kind) - order.indexOf(b.kind));
}
function linesBetween(lines, from, to) {
  return lines.filter((line) => from < line.at && line.at <= to);
}
function linesAfterJump(lines, from, to, most = 3) {
  const passed = linesBetween(lines, from, to);
  const rank = ["event", "hashing", "change", "loss"];
  const kept = passed.map((line, i) => ({ line, i })).sort((a, b) => rank.indexOf(a.line.kind) - rank.indexOf(b.line.kind) || b.i - a.i).slice(0, most);
  return kept.sort((a, b) => a.i - b.i).map((k) => k.line);
}
function nodesText(run, t) {
  const status = statusAt(run, t);
  const by = {};
  status.forEach((code, k) => {
    const name = run.statuses[code];
    if (name === "removed") return;
    by[name] = by[name] || [];
    by[name].push(k);
  });
  const up = (by.up || []).length + (by.draining || []).length;
  const inCluster = Object.values(by).reduce((total, nodes) => total + nodes.length, 0);
  const others = ["down", "draining", "booting"].filter((name) => by[name]).map((name) => `${nodeList(by[name])} ${name === "down" ? "down" : name}`);
  return `${up} of ${count(inCluster, "node")} up${others.length ? ` (${others.join(", ")})` : ""}`;
}
function canvasLabel(run, t) {
  const state = stateAt(run, t);
  const held = run.cartsInMemory ? `; ${count(
    state.carts.reduce((a, b) => a + b, 0),
    "cart"
  )} held in node memory` : "";
  return `Animated run at ${seconds(t)} of ${seconds(run.duration)}: ${nodesText(run, t)}${held}; ${count(state.sessions_lost, "cart")} lost so far`;
}
function describeMoment(run, t, lines = narration(run)) {
  const state = stateAt(run, t);
  const parts = [`At ${seconds(t)} of ${seconds(run.duration)}: ${nodesText(run, t)}.`];
  const serving = state.busy.reduce((a, b) => a + b, 0);
  const waiting = state.queued.reduce((a, b) => a + b, 0);
  parts.push(
    `${count(state.active_sessions, "shopper")} shopping; ${count(serving, "request")} being served, ${waiting} waiting for a worker.`
  );
  if (run.cartsInMemory) {
    const held = state.carts.map((n, k) => [n, k]).filter(([n]) => n > 0).map(([n, k]) => `node ${k} ${n}`);
    parts.push(`Carts held in node memory: ${held.length ? held.join(", ") : "none"}.`);
  } else {
    parts.push(`Carts live ${cartHome(run)}.`);
  }
  const causes = Object.entries(state.lost_by_cause).filter(([, n]) => n > 0).map(([cause, n]) => `${causeWord(cause)} ${n}`);
  parts.push(`Carts lost so far: ${state.sessions_lost}${causes.length ? ` (${causes.join(", ")})` : ""}.`);
  const recent = lines.filter((line) => line.kind !== "loss" && line.at <= t);
  if (recent.length) parts.push(`Last event: ${recent[recent.length - 1].text}.`);
  return parts.join(" ");
}

// statelab/dashboards/static/src/contract.js
var VERSION = 2;
var TYPES = {
  f64: Float64Array,
  i32: Int32Array,
  u32: Uint32Array,
  i8: Int8Array,
  u8: Uint8Array
};
var FIELDS = [
  "version",
  "duration",
  "nodes",
  "max_nodes",
  "workers",
  "state",
  "affinity",
  "store",
  "store_latency",
  "memory",
  "outcomes",
  "causes",
  "statuses",
  "bits",
  "palette",
  "events",
  "node_changes",
  "summary",
  "counts",
  "columns",
  "hashing",
  "panels"
];
var BLOCKS = {
  requests: ["arrival", "start", "end", "session", "node", "attempt", "code"],
  late: ["queued_from", "left", "row"],
  sessions: ["start", "end", "lost_at", "key", "cause", "lost_node"],
  ring: ["position", "node"]
};
var NAMED = {
  bits: ["outcome_mask", "applied", "duplicate", "moved", "late"],
  palette: ["nodes", "lost", "dead", "duplicate", "causes"]
};
var STATUSES = ["up", "draining", "booting", "down", "removed"];
var OUTCOMES = ["ok", "state_lost", "failed", "timed_out", "in_flight"];
function checkMeta(meta) {
  if (!meta || typeof meta !== "object") throw new Error("statelab: the view got no run (payload_meta is empty)");
  if (meta.version !== VERSION) {
    throw new Error(
      `statelab: this view reads payloads of version ${VERSION}, the run is version ${meta.version}: the package and its view do not match (reinstall statelab, then restart the kernel and reload the page)`
    );
  }
  for (const field of FIELDS) {
    if (!(field in meta)) throw new Error(`statelab: the run's meta has no "${field}" (payload version ${VERSION})`);
  }
  for (const [block, names] of Object.entries(BLOCKS)) {
    const columns = meta.columns[block];
    if (!Array.isArray(columns)) throw new Error(`statelab: the run's meta.columns has no block "${block}"`);
    if (!(block in meta.counts)) throw new Error(`statelab: the run's meta.counts has no "${block}"`);
    for (const name of names) {
      if (!columns.some((c) => c[0] === name)) {
        throw new Error(`statelab: block "${block}" has no column "${name}"`);
      }
    }
  }
  for (const [group, names] of Object.entries(NAMED)) {
    for (const name of names) {
      if (!(name in meta[group])) throw new Error(`statelab: the run's meta.${group} has no "${name}"`);
    }
  }
  for (const cause of meta.causes) {
    if (!(cause in meta.palette.causes)) throw new Error(`statelab: the run's meta.palette.causes has no colour for "${cause}"`);
  }
  for (const name of STATUSES) {
    if (!meta.statuses.includes(name)) throw new Error(`statelab: meta.statuses ${JSON.stringify(meta.statuses)} has no "${name}"`);
  }
  for (const name of OUTCOMES) {
    if (!meta.outcomes.includes(name)) throw new Error(`statelab: meta.outcomes ${JSON.stringify(meta.outcomes)} has no "${name}"`);
  }
  return meta;
}
function asBytes(value) {
  if (!value) return new Uint8Array(0);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new Error(`statelab: a column block is ${Object.prototype.toString.call(value)}, not bytes`);
}
function readColumns(value, spec, count2) {
  const bytes = asBytes(value);
  const out = {};
  for (const [name, dtype, offset] of spec) {
    const Type = TYPES[
      /** @type {keyof typeof TYPES} */
      dtype
    ];
    if (!Type) {
      throw new Error(`statelab: column "${name}" has type "${dtype}"; the view reads ${Object.keys(TYPES).join(", ")}`);
    }
    const size = Type.BYTES_PER_ELEMENT;
    if (offset + count2 * size > bytes.byteLength) {
      throw new Error(
        `statelab: column "${name}" (${count2} rows of ${dtype} from byte ${offset}) runs past its block (${bytes.byteLength} bytes)`
      );
    }
    const at = bytes.byteOffset + offset;
    const buffer = (
      /** @type {ArrayBuffer} */
      bytes.buffer
    );
    if (count2 === 0) out[name] = new Type(0);
    else if (at % size === 0) out[name] = new Type(buffer, at, count2);
    else out[name] = new Type(buffer.slice(at, at + count2 * size));
  }
  return out;
}

// statelab/dashboards/static/src/run.js
function prepare(rawMeta, blocks) {
  const meta = checkMeta(rawMeta);
  const { counts, columns, bits } = meta;
  const nReq = counts.requests;
  const nSes = counts.sessions;
  const r = readColumns(blocks.requests, columns.requests, nReq);
  const s = readColumns(blocks.sessions, columns.sessions, nSes);
  const late = readColumns(blocks.late, columns.late, counts.late);
  const delay = meta.store ? meta.store_latency : 0;
  const left = Float64Array.from(r.end);
  const queuedFrom = new Float64Array(nReq);
  for (let i = 0; i < nReq; i++) queuedFrom[i] = r.arrival[i] + delay;
  for (let j = 0; j < counts.late; j++) {
    const i = late.row[j];
    left[i] = late.left[j];
    queuedFrom[i] = late.queued_from[j];
  }
  const done = new Float64Array(nReq);
  for (let i = 0; i < nReq; i++) done[i] = Number.isNaN(r.start[i]) ? Number.NaN : left[i];
  const requests = {
    arrival: (
      /** @type {Float64Array} */
      r.arrival
    ),
    start: (
      /** @type {Float64Array} */
      r.start
    ),
    end: (
      /** @type {Float64Array} */
      r.end
    ),
    session: (
      /** @type {Int32Array} */
      r.session
    ),
    node: (
      /** @type {Int8Array} */
      r.node
    ),
    code: (
      /** @type {Uint8Array} */
      r.code
    ),
    done,
    left,
    queuedFrom
  };
  const sessions = {
    start: (
      /** @type {Float64Array} */
      s.start
    ),
    end: (
      /** @type {Float64Array} */
      s.end
    ),
    lost_at: (
      /** @type {Float64Array} */
      s.lost_at
    ),
    key: (
      /** @type {Uint32Array} */
      s.key
    ),
    cause: (
      /** @type {Uint8Array} */
      s.cause
    ),
    lost_node: (
      /** @type {Int8Array} */
      s.lost_node
    )
  };
  const nodes = meta.max_nodes;
  const workers = meta.workers;
  const { outcomes, causes, statuses } = meta;
  const slot = workerSlots(requests, nReq, nodes, workers);
  const endsBy = outcomes.map(() => []);
  const dupEnds = [];
  for (let i = 0; i < nReq; i++) {
    const code2 = requests.code[i];
    if (code2 & bits.duplicate && !Number.isNaN(done[i])) dupEnds.push(done[i]);
    const e = requests.end[i];
    if (Number.isNaN(e)) continue;
    endsBy[code2 & bits.outcome_mask].push(e);
  }
  const outcomeEnds = endsBy.map((a) => Float64Array.from(a).sort());
  const duplicateEnds = Float64Array.from(dupEnds).sort();
  const lostBy = causes.map(() => []);
  const losses = [];
  for (let j = 0; j < nSes; j++) {
    const at = sessions.lost_at[j];
    if (!Number.isNaN(at)) {
      lostBy[sessions.cause[j] - 1].push(at);
      losses.push(j);
    }
  }
  losses.sort((a, b) => sessions.lost_at[a] - sessions.lost_at[b]);
  const lossSessions = Int32Array.from(losses);
  const lossTimes = Float64Array.from(losses, (j) => sessions.lost_at[j]);
  const lostByCause = lostBy.map((a) => Float64Array.from(a).sort());
  const sesOrder = Int32Array.from({ length: nSes }, (_, j) => j).sort((a, b) => sessions.start[a] - sessions.start[b]);
  const sesStarts = Float64Array.from(sesOrder, (j) => sessions.start[j]);
  const sesEnds = new Float64Array(nSes);
  for (let j = 0; j < nSes; j++) sesEnds[j] = orInf(sessions.end[j]);
  const sortedSesEnds = sortedFinite(sessions.end);
  const changes = meta.node_changes.slice().sort((a, b) => a[0] - b[0]);
  const changeTimes = Float64Array.from(changes, (c) => c[0]);
  const code = {
    up: statuses.indexOf("up"),
    draining: statuses.indexOf("draining"),
    booting: statuses.indexOf("booting"),
    down: statuses.indexOf("down"),
    removed: statuses.indexOf("removed")
  };
  const moves = cartMoves(requests, sessions, changes, code, bits.moved, nReq);
  const events = meta.events.slice().sort((a, b) => a.at - b.at);
  const hashing = meta.hashing;
  let ring2 = null;
  if (hashing && hashing.kind === "ring") {
    const points = readColumns(blocks.ring, columns.ring, counts.ring);
    const order = Array.from({ length: counts.ring }, (_, i) => i).sort((a, b) => points.position[a] - points.position[b]);
    ring2 = { pos: Float64Array.from(order, (i) => points.position[i]), node: Int16Array.from(order, (i) => points.node[i]) };
  }
  const hashEvents = hashing ? hashing.changes.slice().sort((a, b) => a.at - b.at).map((c) => hashEvent(c, requests, nReq, nSes)) : [];
  return {
    meta,
    r: requests,
    s: sessions,
    m: moves,
    nReq,
    nSes,
    nodes,
    workers,
    outcomes,
    causes,
    statuses,
    bits,
    slot,
    palette: meta.palette,
    outcomeEnds,
    duplicateEnds,
    lossSessions,
    lossTimes,
    lostByCause,
    sesOrder,
    sesStarts,
    sesEnds,
    sortedSesEnds,
    changes,
    changeTimes,
    events,
    hashing,
    ring: ring2,
    hashEvents,
    state: meta.state,
    duration: meta.duration,
    ...code,
    cartsInMemory: meta.memory
  };
}
function workerSlots(r, nReq, nodes, workers) {
  const slot = new Int16Array(nReq).fill(-1);
  const byStart = [];
  for (let i = 0; i < nReq; i++) if (!Number.isNaN(r.start[i]) && r.node[i] >= 0) byStart.push(i);
  byStart.sort((a, b) => r.start[a] - r.start[b]);
  const freeAt = new Float64Array(nodes * workers).fill(Number.NEGATIVE_INFINITY);
  for (const i of byStart) {
    const base = r.node[i] * workers;
    const st = r.start[i];
    const dn = orInf(r.done[i]);
    let best = -1;
    let earliest = Number.POSITIVE_INFINITY;
    for (let w = 0; w < workers; w++) {
      if (freeAt[base + w] <= st) {
        best = w;
        break;
      }
      if (freeAt[base + w] < earliest) {
        earliest = freeAt[base + w];
        best = w;
      }
    }
    slot[i] = best;
    freeAt[base + best] = dn;
  }
  return slot;
}
function hashEvent(change, r, nReq, nSes) {
  const after = new Int8Array(nSes).fill(-1);
  for (let i = 0; i < nReq; i++) {
    const k = r.session[i];
    if (r.node[i] >= 0 && r.arrival[i] >= change.at && after[k] < 0) after[k] = r.node[i];
  }
  const moved = new Uint8Array(nSes);
  for (const k of change.sessions) {
    if (!(k >= 0 && k < nSes)) throw new Error(`statelab: hashing change at ${change.at} s moves session ${k}, of ${nSes}`);
    moved[k] = 1;
  }
  return { ...change, movedFlags: moved, afterNode: after };
}
function cartMoves(r, s, changes, code, movedBit, nReq) {
  const wipes = /* @__PURE__ */ new Map();
  for (const [at, node, status] of changes) {
    if (status !== code.down && status !== code.removed) continue;
    const times = wipes.get(node) || [];
    times.push(at);
    wipes.set(node, times);
  }
  const done = r.done;
  const rows = [];
  for (let i = 0; i < nReq; i++) if (r.code[i] & movedBit && r.node[i] >= 0 && !Number.isNaN(done[i])) rows.push(i);
  rows.sort((a, b) => r.session[a] - r.session[b] || done[a] - done[b]);
  const log = [];
  for (let j = 0; j < rows.length; j++) {
    const i = rows[j];
    const k = r.session[i];
    const node = r.node[i];
    const since = done[i];
    const end = orInf(s.end[k]);
    const next = j + 1 < rows.length && r.session[rows[j + 1]] === k ? done[rows[j + 1]] : Number.POSITIVE_INFINITY;
    let wipe = Number.POSITIVE_INFINITY;
    const times = wipes.get(node);
    if (times) {
      const at = lower(times, since);
      if (at < times.length) wipe = times[at];
    }
    log.push([since, k, node, 0]);
    if (since > end) {
      log.push([since, k, -2 - node, 1]);
      continue;
    }
    const until = Math.min(next, end, wipe);
    const replaced = next <= end && next < wipe;
    if (Number.isFinite(until) && !replaced) log.push([until, k, -2 - node, 1]);
  }
  log.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[3] - b[3]);
  return {
    time: Float64Array.from(log, (e) => e[0]),
    session: Int32Array.from(log, (e) => e[1]),
    node: Int16Array.from(log, (e) => e[2]),
    count: log.length
  };
}

// statelab/dashboards/static/src/text.js
function soFarHtml(run, t) {
  const summary = run.meta.summary;
  const so = soFar(run, t);
  const whole = (key) => summary[key] != null ? ` <i>/ ${summary[key]}</i>` : "";
  const parts = run.outcomes.filter((name) => name !== "in_flight").map((name) => `<span class="sa-${name}"><b>${outcomeWord(name)}</b> ${so.outcomes[name]}${whole(name)}</span>`);
  const lost = run.causes.filter((cause) => so.lostByCause[cause] || summary[`sessions_lost_${cause}`]).map((cause) => `${causeWord(cause)} ${so.lostByCause[cause]}${whole(`sessions_lost_${cause}`)}`);
  const p95 = summary.latency_p95;
  return `<div class="sa-row"><span class="sa-head">requests ended so far</span> ${parts.join(" · ")}</div><div class="sa-row"><span class="sa-head">carts lost so far</span> <b class="sa-lost">${so.sessionsLost}</b>${whole("sessions_lost")}${lost.length ? ` (${lost.join(", ")})` : ""} · <span class="sa-head">duplicate items so far</span> ${so.duplicates}${whole("duplicate_items")}${p95 != null ? ` · <span class="sa-head">p95 of the run</span> <i>${p95.toFixed(2)} s</i>` : ""} <span class="sa-note">(so far = up to t; <i>/ whole run</i>, after the warm-up)</span></div>`;
}
function requestsOf(run, k) {
  const rows = [];
  for (let i = 0; i < run.nReq; i++) if (run.r.session[i] === k) rows.push(i);
  return rows;
}
function followCaption(run, t, k, rows, cartNode) {
  if (!(k >= 0) || k >= run.nSes) return "";
  const { r, s } = run;
  let sent = 0;
  let lastNode = -1;
  let now = "";
  const outcomes = {};
  for (const i of rows) {
    if (r.arrival[i] > t) break;
    sent++;
    if (r.node[i] >= 0) lastNode = r.node[i];
    const e = r.end[i];
    if (!Number.isNaN(e) && e <= t) {
      const name = run.outcomes[r.code[i] & run.bits.outcome_mask];
      outcomes[name] = (outcomes[name] || 0) + 1;
    } else if (r.start[i] <= t) now = `being served by node ${r.node[i]}`;
    else now = r.node[i] >= 0 ? `waiting at node ${r.node[i]}` : "waiting at the balancer";
  }
  const bits = [`<b>Following shopper #${k}</b> <button class="sa-unfollow" type="button">stop</button>`];
  if (s.start[k] > t) {
    bits.push(`arrives at ${s.start[k].toFixed(1)} s`);
    return bits.join(" · ");
  }
  let where2 = "its cart is in the session store";
  if (run.cartsInMemory) {
    where2 = cartNode >= 0 ? `its cart is in node ${cartNode}'s memory` : s.lost_at[k] <= t ? "its cart is gone" : "no cart in memory yet";
  } else if (run.state === "cookie") {
    where2 = "its cart rides in its cookie";
  }
  bits.push(where2);
  if (lastNode >= 0) bits.push(`last sent to node ${lastNode}`);
  if (now) bits.push(`a request is ${now}`);
  const done = Object.entries(outcomes).map(([o, n]) => `${n} ${outcomeWord(o)}`);
  bits.push(`${sent} request${sent === 1 ? "" : "s"} sent${done.length ? ` (${done.join(", ")})` : ""}`);
  const at = s.lost_at[k];
  if (at <= t) {
    const cause = run.causes[s.cause[k] - 1];
    const from = s.lost_node[k] >= 0 ? ` (held by node ${s.lost_node[k]})` : "";
    bits.push(`<span class="sa-lost">lost its cart at ${at.toFixed(1)} s: ${causeWord(cause)}${from}</span>`);
  } else if (run.sesEnds[k] <= t) {
    bits.push(`left at ${run.sesEnds[k].toFixed(1)} s with its cart`);
  }
  return bits.join(" · ");
}

// statelab/dashboards/static/src/widget.js
var SYNC_EVERY = 250;
var SAY_EVERY = 1e3;
var SETTLE = 400;
var REDUCED_MOTION = "(prefers-reduced-motion: reduce)";
function render({ model, el }) {
  const page = buildPage(el);
  const { root, playButton, speedSelect, range, marks, timeLabel, canvas, caption, sofar } = page;
  const { describeButton, describe, log } = page;
  const v = createView(root, canvas);
  const motion = window.matchMedia ? window.matchMedia(REDUCED_MOTION) : null;
  v.reducedMotion = !!motion?.matches;
  const legOf = (speed) => v.reducedMotion ? 0 : legFor(speed);
  v.t = model.get("time") || 0;
  v.playing = !!model.get("playing");
  v.speed = model.get("speed") || 1;
  v.followed = model.get("followed");
  v.presenter = !!model.get("presenter");
  v.compact = !!model.get("compact");
  let runId = 0;
  let layoutWidth = 0;
  let dirty = true;
  let frameAsked = false;
  let alive = true;
  let lastSync = 0;
  let frames = 0;
  let selfSet = false;
  const last = { label: "", sofar: "", caption: "", nodes: "", error: "" };
  let followRows = null;
  let lines = [];
  let narrated = 0;
  let moved = false;
  let settleTimer = 0;
  let lastSaid = -Infinity;
  let lastStill = Number.NaN;
  const player = {
    dragging: false,
    chartDrag: null,
    lastNow: null,
    wake,
    syncTime(force) {
      const now = performance.now();
      if (!force && now - lastSync < SYNC_EVERY) return;
      lastSync = now;
      send(() => {
        model.set("time", v.t);
        if (!v.playing) model.set("playing", false);
      });
    },
    setPlaying(value, tell) {
      v.playing = value;
      if (v.playing) wake();
      else {
        lastSaid = Number.NEGATIVE_INFINITY;
        wake();
      }
      playButton.innerHTML = v.playing ? '<span aria-hidden="true">❚❚</span> Pause' : '<span aria-hidden="true">▶</span> Play';
      root.classList.toggle("sa-playing", v.playing);
      if (tell) {
        send(() => {
          model.set("playing", v.playing);
          model.set("time", v.t);
        });
      }
    },
    setSpeed(speed) {
      v.speed = speed;
      if (v.head) {
        v.head.leg = legOf(speed);
        v.head.reset();
      }
      model.set("speed", speed);
      model.save_changes();
      wake();
    },
    follow(session, why = "") {
      v.followed = session;
      followRows = null;
      send(() => model.set("followed", session));
      if (session >= 0) say(`Following shopper #${session}${why ? `, who ${why}` : ""}.`);
      else if (why) say(`${why[0].toUpperCase()}${why.slice(1)}.`);
      wake();
    },
    seek(time) {
      if (!v.run) return;
      v.t = Math.min(Math.max(time, 0), v.run.duration);
      player.lastNow = null;
      wake();
      player.syncTime(true);
    },
    describe(show) {
      describeButton.setAttribute("aria-expanded", String(show));
      describe.hidden = !show;
      if (show && v.run) describe.textContent = describeMoment(v.run, v.t, lines);
      lastSaid = -Infinity;
      wake();
    }
  };
  function say(text) {
    const line = document.createElement("p");
    line.textContent = text;
    log.appendChild(line);
    while (log.childElementCount > LOG_LINES) log.firstElementChild?.remove();
  }
  function speak() {
    const run = v.run;
    if (!run) return;
    const now = performance.now();
    if (v.playing && !player.dragging) {
      for (const line of linesBetween(lines, narrated, v.t)) say(line.text);
      narrated = v.t;
    } else if ((v.t !== narrated || moved) && !settleTimer) {
      settleTimer = window.setTimeout(() => {
        settleTimer = 0;
        if (!v.run || v.playing || player.dragging) return;
        moved = false;
        const passed = v.t > narrated ? linesAfterJump(lines, narrated, v.t) : [];
        for (const line of passed) say(line.text);
        say(canvasLabel(v.run, v.t).replace(/^Animated run at /, "Now at "));
        narrated = v.t;
        name(v.run);
      }, SETTLE);
    }
    if (now - lastSaid > SAY_EVERY) name(run);
  }
  function name(run) {
    const label = canvasLabel(run, v.t);
    if (canvas.getAttribute("aria-label") !== label) canvas.setAttribute("aria-label", label);
    if (!describe.hidden) describe.textContent = describeMoment(run, v.t, lines);
    lastSaid = performance.now();
  }
  function send(set) {
    selfSet = true;
    set();
    model.save_changes();
    selfSet = false;
  }
  function loadRun() {
    const meta = model.get("payload_meta");
    runId = model.get("run_id") || 0;
    v.run = null;
    v.head = null;
    last.error = "";
    if (meta?.counts) {
      try {
        v.run = prepare(meta, {
          requests: model.get("requests"),
          sessions: model.get("sessions"),
          late: model.get("late"),
          ring: model.get("ring")
        });
        v.head = new Playhead(v.run);
        v.head.leg = legOf(v.speed);
      } catch (error) {
        last.error = error instanceof Error ? error.message : String(error);
        console.error(error);
      }
    }
    const n = v.run ? v.run.nodes : 1;
    if (v.queueRank.length < n) {
      v.queueRank = new Int32Array(n);
      v.busyCount = new Int32Array(n);
      v.cartCount = new Int32Array(n);
      v.lostFlash = new Int32Array(n);
      v.copyCount = new Int32Array(n);
    }
    followRows = null;
    v.backgroundKey = "";
    v.t = Math.min(Math.max(model.get("time") || 0, 0), v.run ? v.run.duration : 0);
    lines = v.run ? narration(v.run) : [];
    const tops = model.get("chart_tops");
    v.chartTops = tops && Object.keys(tops).length ? tops : null;
    narrated = v.t;
    lastSaid = -Infinity;
    range.max = String(v.run ? v.run.duration : 1);
    range.step = String(v.run ? Math.max(v.run.duration / 2e3, 0.01) : 0.01);
    drawMarks(marks, v.run);
    v.layout = null;
    root.dataset.run = String(runId);
    wake();
  }
  model.on("change:run_id", loadRun);
  model.on("change:time", () => {
    if (selfSet) return;
    v.t = Math.min(Math.max(model.get("time") || 0, 0), v.run ? v.run.duration : 0);
    narrated = v.t;
    moved = true;
    player.lastNow = null;
    wake();
  });
  model.on("change:playing", () => {
    if (selfSet) return;
    const value = !!model.get("playing");
    if (value && v.run && v.t >= v.run.duration) v.t = 0;
    player.setPlaying(value, false);
    if (!value) player.syncTime(true);
    player.lastNow = null;
    wake();
  });
  model.on("change:speed", () => {
    v.speed = model.get("speed") || 1;
    speedSelect.value = String(v.speed);
    if (v.head) {
      v.head.leg = legOf(v.speed);
      v.head.reset();
    }
    wake();
  });
  motion?.addEventListener("change", () => {
    v.reducedMotion = motion.matches;
    root.dataset.reducedMotion = String(v.reducedMotion);
    if (v.head) {
      v.head.leg = legOf(v.speed);
      v.head.reset();
    }
    wake();
  });
  model.on("change:followed", () => {
    if (selfSet) return;
    v.followed = model.get("followed");
    followRows = null;
    wake();
  });
  model.on("change:presenter", () => {
    v.presenter = !!model.get("presenter");
    root.classList.toggle("sa-presenter", v.presenter);
    v.layout = null;
    wake();
  });
  model.on("change:compact", () => {
    v.compact = !!model.get("compact");
    root.classList.toggle("sa-compact", v.compact);
    v.layout = null;
    wake();
  });
  bindControls(v, page, player);
  const hooks = (
    /** @type {any} */
    root
  );
  hooks.statelabHits = () => Array.from({ length: v.hits.n }, (_, i) => ({ x: v.hits.x[i], y: v.hits.y[i], session: v.hits.session[i] }));
  hooks.statelabCharts = () => v.layout ? v.layout.charts.map((C) => ({ x: C.px, y: C.py, w: C.pw, h: C.ph, cursor: v.run ? xOf(v.run, C, v.t) : C.px })) : [];
  hooks.statelabBoxes = () => v.layout ? v.layout.boxes.map((b) => ({ x: b.x, y: b.y, w: b.w, h: b.h, cartX: b.cartX })) : [];
  const drawnAt = (time, read) => {
    if (!v.run) return null;
    const saved = v.t;
    v.t = Math.min(Math.max(Number(time), 0), v.run.duration);
    try {
      draw();
      return read();
    } finally {
      v.t = saved;
      wake();
    }
  };
  hooks.statelabState = (time) => drawnAt(time, () => {
    const run = (
      /** @type {import("./run.js").Run} */
      v.run
    );
    const head = (
      /** @type {Playhead} */
      v.head
    );
    const n = run.nodes;
    const so = soFar(run, v.t);
    return {
      t: v.t,
      busy: Array.from(v.busyCount.subarray(0, n)),
      queued: Array.from(v.queueRank.subarray(0, n)),
      carts: Array.from(v.cartCount.subarray(0, n)),
      copies: Array.from(v.copyCount.subarray(0, n)),
      status: Array.from(head.status.subarray(0, n)),
      sessions_lost: so.sessionsLost,
      lost_by_cause: so.lostByCause,
      active_sessions: head.sessionsN,
      at_store: v.storeCalls,
      so_far: { ...so.outcomes, duplicates: so.duplicates, sessions_lost: so.sessionsLost }
    };
  });
  hooks.statelabNarration = () => lines.map((line) => ({ ...line }));
  hooks.statelabHashing = (time) => time == null ? v.hashShown : drawnAt(time, () => v.hashShown);
  const resize = new ResizeObserver(() => {
    if (Math.floor(root.clientWidth || 900) === layoutWidth) return;
    v.layout = null;
    wake();
  });
  resize.observe(root);
  function newLayout() {
    const width = Math.max(Math.floor(root.clientWidth || 900), 320);
    layoutWidth = width;
    v.dpr = window.devicePixelRatio || 1;
    const bctx = v.bctx;
    const L = makeLayout({
      width,
      presenter: v.presenter,
      compact: v.compact,
      run: v.run,
      measure: (text, font) => {
        bctx.font = font;
        return bctx.measureText(text).width;
      }
    });
    const pw = Math.round(L.w * v.dpr);
    const ph = Math.round(L.h * v.dpr);
    if (canvas.width !== pw || canvas.height !== ph) {
      canvas.style.width = `${L.w}px`;
      canvas.style.height = `${L.h}px`;
      canvas.width = pw;
      canvas.height = ph;
      v.background.width = pw;
      v.background.height = ph;
    }
    v.layout = L;
    v.backgroundKey = "";
    return L;
  }
  function draw() {
    drawFrame();
    frames++;
    root.dataset.frame = String(frames);
  }
  function drawFrame() {
    const L = v.layout || newLayout();
    const { ctx, run, head, t } = v;
    ctx.setTransform(v.dpr, 0, 0, v.dpr, 0, 0);
    const label = run ? `t = ${t.toFixed(1)} s of ${run.duration.toFixed(0)} s` : "t = 0.0 s";
    if (label !== last.label) {
      timeLabel.textContent = label;
      last.label = label;
    }
    root.dataset.time = t.toFixed(3);
    if (!player.dragging) range.value = String(t);
    if (!run || !head) {
      ctx.fillStyle = "#FFFFFF";
      ctx.fillRect(0, 0, L.w, L.h);
      ctx.fillStyle = last.error ? "#B00020" : "#777777";
      ctx.font = `${L.font * (last.error ? 1 : 1.3)}px sans-serif`;
      ctx.textAlign = "center";
      ctx.fillText(last.error ? "this run cannot be shown:" : "no run to show yet", L.w / 2, L.h / 2 - L.font);
      if (last.error) ctx.fillText(last.error.replace(/^statelab: /, ""), L.w / 2, L.h / 2 + L.font, L.w - 20);
      root.dataset.error = last.error;
      return;
    }
    paintFrame(v);
    updateText();
    let nodes = "";
    for (let k = 0; k < run.nodes; k++) nodes += `${k ? ";" : ""}${statusName(v, k)}:${v.cartCount[k]}:${v.busyCount[k]}`;
    if (nodes !== last.nodes) {
      root.dataset.nodes = nodes;
      last.nodes = nodes;
    }
  }
  function updateText() {
    const run = (
      /** @type {import("./run.js").Run} */
      v.run
    );
    const head = (
      /** @type {Playhead} */
      v.head
    );
    const html = soFarHtml(run, v.t);
    if (html !== last.sofar) {
      sofar.innerHTML = html;
      last.sofar = html;
    }
    let text = "";
    if (v.followed >= 0 && v.followed < run.nSes) {
      followRows = followRows || requestsOf(run, v.followed);
      text = followCaption(run, v.t, v.followed, followRows, head.cartNode[v.followed]);
    }
    if (text !== last.caption) {
      caption.innerHTML = text;
      caption.classList.toggle("sa-following", !!text);
      last.caption = text;
    }
  }
  function wake() {
    dirty = true;
    if (!frameAsked && alive) {
      frameAsked = true;
      requestAnimationFrame(frame);
    }
  }
  function frame(now) {
    frameAsked = false;
    if (!alive) return;
    if (v.playing) {
      frameAsked = true;
      requestAnimationFrame(frame);
    } else {
      player.lastNow = null;
    }
    if (v.playing && v.run && !player.dragging) {
      if (player.lastNow !== null) {
        const dt = Math.min((now - player.lastNow) / 1e3, 0.1);
        v.t += dt * v.speed;
        if (v.t >= v.run.duration) {
          v.t = v.run.duration;
          player.setPlaying(false, true);
          player.syncTime(true);
        } else {
          player.syncTime(false);
        }
      }
      dirty = true;
    }
    if (v.playing) player.lastNow = now;
    if (!dirty) return;
    dirty = false;
    if (v.reducedMotion && v.playing && v.run) {
      const still = Math.floor(v.t);
      if (still !== lastStill) {
        lastStill = still;
        const clock = v.t;
        v.t = still;
        draw();
        v.t = clock;
      }
    } else {
      lastStill = Number.NaN;
      draw();
    }
    speak();
  }
  speedSelect.value = String(v.speed);
  root.dataset.reducedMotion = String(v.reducedMotion);
  root.classList.toggle("sa-presenter", v.presenter);
  root.classList.toggle("sa-compact", v.compact);
  player.setPlaying(v.playing, false);
  loadRun();
  wake();
  return () => {
    alive = false;
    window.clearTimeout(settleTimer);
    resize.disconnect();
  };
}
var widget_default = { render };
export {
  widget_default as default
};
