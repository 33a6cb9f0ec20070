// The animated cluster view of statelab: one simulated run, played in the browser.
//
// A plain ES module for anywidget (no build step, nothing from the network). Python sends the
// run once: `payload_meta` (a dict) and three little-endian column blocks (`requests`,
// `sessions`, `moves`) whose columns `payload_meta.columns` names. Everything after that
// happens here, one canvas frame at a time, with no round trip to the kernel:
//
// - each frame has one time `t` (model seconds); the picture and the time label both come
//   from it;
// - the requests, sorted by arrival, are kept in an "active" list (those on screen at `t`)
//   that moves forward with pointers while time moves forward and is rebuilt when it moves
//   back; the carts' moves and the node changes are replayed the same way;
// - the still parts (boxes, labels, the hash ring) are drawn once into an offscreen canvas
//   and redrawn only when a node changes status;
// - counts "so far" are binary searches into sorted arrays made once per run.

const PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#F0E442", "#000000"];
const LOST = "#D55E00";
const DEAD = "#B0B0B0";
const INK = "#222222";
const OK_COLOUR = "#3B3B3B";
const DUPLICATE = "#F0E442";
const LATENCY = "#333333"; // the one colour of the latency chart (three dash styles)
const FUTURE = "rgba(255,255,255,0.9)"; // laid over the charts after the cursor
const CAUSE_COLOURS = {
  crash: "#D55E00",
  rehash: "#CC79A7",
  scale_in: "#E69F00",
  no_affinity: "#0072B2",
  store_outage: "#009E73",
  cookie_too_large: "#56B4E9",
};
const CAUSE_WORDS = {
  crash: "crash",
  rehash: "rehash",
  scale_in: "scale-in",
  no_affinity: "no affinity",
  store_outage: "store outage",
  cookie_too_large: "cookie too large",
};
const OUTCOME_WORDS = {
  ok: "ok",
  state_lost: "state lost",
  failed: "failed",
  timed_out: "timed out",
  in_flight: "in flight",
};
const SPEEDS = [0.25, 0.5, 1, 2, 4, 8];
const LEG_WALL = 0.4; // seconds of wall time a dot takes to travel one way (up to 3x)
// model seconds of one leg: short enough at 8x that the dots do not hide the nodes
const legFor = (speed) => LEG_WALL * Math.min(speed, 3);
const SYNC_EVERY = 250; // ms between two `time` updates sent to Python while playing
const TYPES = {
  f64: Float64Array,
  f32: Float32Array,
  i32: Int32Array,
  u32: Uint32Array,
  i16: Int16Array,
  u16: Uint16Array,
  i8: Int8Array,
  u8: Uint8Array,
  f8: Float64Array,
  float64: Float64Array,
  f4: Float32Array,
  float32: Float32Array,
  i4: Int32Array,
  int32: Int32Array,
  u4: Uint32Array,
  uint32: Uint32Array,
  i2: Int16Array,
  int16: Int16Array,
  u2: Uint16Array,
  uint16: Uint16Array,
  i1: Int8Array,
  int8: Int8Array,
  u1: Uint8Array,
  uint8: Uint8Array,
  b1: Uint8Array,
  bool: Uint8Array,
};

const nodeColour = (k) => (k < 0 ? DEAD : PALETTE[k % PALETTE.length]);

// ---------------------------------------------------------------- data

function asBytes(value) {
  if (!value) return new Uint8Array(0);
  if (value instanceof DataView) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  return new Uint8Array(0);
}

/** Typed-array views over one column block; a column at an unaligned offset is copied. */
function readColumns(value, spec, count) {
  const bytes = asBytes(value);
  const out = {};
  for (const [name, dtype, offset] of spec || []) {
    const key = String(dtype).replace(/^[<|=]/, "");
    const Type = TYPES[key];
    if (!Type) throw new Error(`statelab: unknown column type ${dtype} for ${name}`);
    const size = Type.BYTES_PER_ELEMENT;
    const at = bytes.byteOffset + offset;
    if (count === 0) {
      out[name] = new Type(0);
    } else if (at % size === 0) {
      out[name] = new Type(bytes.buffer, at, count);
    } else {
      out[name] = new Type(bytes.buffer.slice(at, at + count * size));
    }
  }
  return out;
}

/** First index i with a[i] > x (a sorted, NaN at the end counts as +inf). */
function upper(a, x, lo = 0, hi = a.length) {
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index i with a[i] >= x. */
function lower(a, x, lo = 0, hi = a.length) {
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function sortedFinite(values) {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) n++;
  const out = new Float64Array(n);
  n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] === values[i]) out[n++] = values[i];
  return out.sort();
}

const frac = (x) => x - Math.floor(x);

// bits of a request's code above its outcome (bits 0-2)
const DUPLICATE_BIT = 16;
const MOVED_BIT = 32;

/** Everything derived from one run, made once when it arrives. */
function prepare(meta, blocks) {
  const counts = meta.counts || {};
  const columns = meta.columns || {};
  const nReq = counts.requests || 0;
  const nSes = counts.sessions || 0;
  const r = readColumns(blocks.requests, columns.requests, nReq);
  const s = readColumns(blocks.sessions, columns.sessions, nSes);
  const late = readColumns(blocks.late, columns.late, counts.late || 0);
  // when the node let go of a request (`left`: its end, unless the `late` block says
  // otherwise; NaN: still there at the end), `done` (left, if it ever started), and when it
  // joined its node's line (`queuedFrom`: arrival, after the store call with a store; NaN:
  // it never got past the store), as playback.decode spells them out
  const delay = meta.store ? meta.store_latency || 0 : 0;
  const left = Float64Array.from(r.end);
  const queuedFrom = new Float64Array(nReq);
  for (let i = 0; i < nReq; i++) queuedFrom[i] = r.arrival[i] + delay;
  for (let j = 0; j < (counts.late || 0); j++) {
    const i = late.row[j];
    left[i] = late.left[j];
    queuedFrom[i] = late.queued_from[j];
  }
  const done = new Float64Array(nReq);
  for (let i = 0; i < nReq; i++) done[i] = r.start[i] === r.start[i] ? left[i] : NaN;
  r.done = done;
  r.left = left;
  r.queuedFrom = queuedFrom;
  const nodes = meta.max_nodes || meta.nodes || 1;
  const workers = meta.workers || 1;
  const outcomes = meta.outcomes || ["ok", "state_lost", "failed", "timed_out", "in_flight"];
  const causes = meta.causes || [];
  const statuses = meta.statuses || ["up", "draining", "booting", "down", "removed"];

  // a worker slot for every request a node served: the lowest slot free at its start
  const slot = new Int16Array(nReq).fill(-1);
  const byStart = [];
  for (let i = 0; i < nReq; i++) if (r.start[i] === r.start[i] && r.node[i] >= 0) byStart.push(i);
  byStart.sort((a, b) => r.start[a] - r.start[b]);
  const freeAt = new Float64Array(nodes * workers).fill(-Infinity);
  for (const i of byStart) {
    const base = r.node[i] * workers;
    const st = r.start[i];
    const dn = r.done[i] === r.done[i] ? r.done[i] : Infinity;
    let best = -1;
    let earliest = Infinity;
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

  // "so far": sorted end times per outcome, duplicates, losses per cause
  const endsBy = outcomes.map(() => []);
  const dupEnds = [];
  for (let i = 0; i < nReq; i++) {
    const code = r.code[i];
    // a duplicate item is added when its node is done with the request, which for a
    // request the client gave up on is after the client's end
    if (code & DUPLICATE_BIT && done[i] === done[i]) dupEnds.push(done[i]);
    const e = r.end[i];
    if (e !== e) continue;
    const o = code & 7;
    if (endsBy[o]) endsBy[o].push(e);
  }
  const outcomeEnds = endsBy.map((a) => Float64Array.from(a).sort());
  const duplicateEnds = Float64Array.from(dupEnds).sort();
  const lostBy = causes.map(() => []);
  const losses = [];
  for (let j = 0; j < nSes; j++) {
    const at = s.lost_at ? s.lost_at[j] : NaN;
    if (at === at) {
      const c = s.cause ? s.cause[j] - 1 : -1;
      if (c >= 0 && lostBy[c]) lostBy[c].push(at);
      losses.push(j);
    }
  }
  losses.sort((a, b) => s.lost_at[a] - s.lost_at[b]);
  const lossSessions = Int32Array.from(losses);
  const lossTimes = Float64Array.from(losses, (j) => s.lost_at[j]);
  const lostByCause = lostBy.map((a) => Float64Array.from(a).sort());

  // sessions in order of start, for the active-shopper list
  const sesOrder = Int32Array.from({ length: nSes }, (_, j) => j).sort((a, b) => s.start[a] - s.start[b]);
  const sesStarts = Float64Array.from(sesOrder, (j) => s.start[j]);
  const sesEnds = new Float64Array(nSes);
  for (let j = 0; j < nSes; j++) sesEnds[j] = s.end[j] === s.end[j] ? s.end[j] : Infinity;
  const sortedSesEnds = sortedFinite(s.end);

  // node changes, sorted; the status of every node before any change: removed
  const changes = (meta.node_changes || []).slice().sort((a, b) => a[0] - b[0]);
  const changeTimes = Float64Array.from(changes, (c) => c[0]);
  const m = cartMoves(r, done, s, changes, statuses, nReq);

  // events: markers and banners; hashing events for the panel
  const events = (meta.events || []).slice().sort((a, b) => a.at - b.at);
  const hashing = meta.hashing || null;
  let ring = null;
  if (hashing && hashing.kind === "ring") {
    const points = readColumns(blocks.ring, columns.ring, counts.ring || 0);
    const order = Array.from({ length: counts.ring || 0 }, (_, i) => i).sort((a, b) => points.position[a] - points.position[b]);
    ring = { pos: Float64Array.from(order, (i) => points.position[i]), node: Int16Array.from(order, (i) => points.node[i]) };
  }
  const hashEvents = ((hashing && (hashing.changes || hashing.events)) || []).slice().sort((a, b) => a.at - b.at);
  // for each change: which sessions went to another node after it than before (from the data)
  for (const change of hashEvents) {
    const before = new Int8Array(nSes).fill(-1);
    const after = new Int8Array(nSes).fill(-1);
    for (let i = 0; i < nReq; i++) {
      const k = r.session[i];
      const node = r.node[i];
      if (node < 0) continue;
      if (r.arrival[i] < change.at) before[k] = node;
      else if (after[k] < 0) after[k] = node;
    }
    // a session whose node is not up after the change has moved too, even if it sends no
    // request after it (the route after a change is always a live node)
    const up = statuses.indexOf("up");
    const statusAfter = new Int8Array(nodes).fill(statuses.indexOf("removed"));
    for (const [at, node, code] of changes) if (at <= change.at && node >= 0 && node < nodes) statusAfter[node] = code;
    const moved = new Uint8Array(nSes);
    if (Array.isArray(change.sessions)) {
      // the model's own answer: the active sessions whose key the change sent elsewhere
      for (const k of change.sessions) if (k >= 0 && k < nSes) moved[k] = 1;
    } else {
      for (let k = 0; k < nSes; k++) {
        if (before[k] < 0) continue;
        moved[k] = after[k] >= 0 ? (before[k] !== after[k] ? 1 : 0) : statusAfter[before[k]] !== up ? 1 : 0;
      }
    }
    change.movedFlags = moved;
    change.afterNode = after; // where each session's key maps after the change, when the run shows it
  }

  const arrivals = r.arrival || new Float64Array(0);
  const state = meta.state || "server";
  return {
    meta, r, s, m, nReq, nSes, nodes, workers, outcomes, causes, statuses, slot,
    outcomeEnds, duplicateEnds, lossSessions, lossTimes, lostByCause,
    sesOrder, sesStarts, sesEnds, sortedSesEnds, changes, changeTimes, events, hashing, ring,
    hashEvents, arrivals, state, duration: meta.duration || 0,
    removed: Math.max(0, statuses.indexOf("removed")),
    up: Math.max(0, statuses.indexOf("up")),
    down: statuses.indexOf("down"),
    draining: statuses.indexOf("draining"),
    booting: statuses.indexOf("booting"),
    cartsInMemory: meta.memory != null ? !!meta.memory : state === "server" || state === "replicated",
  };
}

/**
 * The log of carts in node memory, sorted by time: `node` k >= 0 is a cart moving into
 * node k; -2 - k is the cart leaving node k (if it is still there). A cart is on a request's
 * node from the `done` of a request whose code has the moved bit until the session's next
 * such request, the session's end, or its node going down or away, whichever comes first.
 */
function cartMoves(r, done, s, changes, statuses, nReq) {
  const down = statuses.indexOf("down");
  const removed = statuses.indexOf("removed");
  const wipes = new Map(); // node -> sorted times its memory was wiped
  for (const [at, node, code] of changes) {
    if (code !== down && code !== removed) continue;
    if (!wipes.has(node)) wipes.set(node, []);
    wipes.get(node).push(at);
  }
  const rows = [];
  for (let i = 0; i < nReq; i++) if (r.code[i] & MOVED_BIT && r.node[i] >= 0 && done[i] === done[i]) rows.push(i);
  rows.sort((a, b) => r.session[a] - r.session[b] || done[a] - done[b]);
  const log = [];
  for (let j = 0; j < rows.length; j++) {
    const i = rows[j];
    const k = r.session[i];
    const node = r.node[i];
    const since = done[i];
    const end = s.end[k] === s.end[k] ? s.end[k] : Infinity;
    const next = j + 1 < rows.length && r.session[rows[j + 1]] === k ? done[rows[j + 1]] : Infinity;
    let wipe = Infinity;
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
    count: log.length,
  };
}

// ---------------------------------------------------------------- the widget

function render({ model, el }) {
  const root = document.createElement("div");
  root.className = "statelab-anim";
  root.dataset.run = "0";
  root.innerHTML = `
    <div class="sa-bar">
      <button class="sa-play" type="button" title="play / pause">▶ Play</button>
      <label class="sa-speed-label">speed
        <select class="sa-speed">${SPEEDS.map((v) => `<option value="${v}">${v}×</option>`).join("")}</select>
      </label>
      <div class="sa-scrub">
        <input class="sa-range" type="range" min="0" max="1" step="any" value="0" aria-label="time">
        <div class="sa-marks"></div>
      </div>
      <span class="sa-time statelab-anim-time">t = 0.0 s</span>
    </div>
    <canvas class="sa-canvas"></canvas>
    <div class="sa-caption"></div>
    <div class="sa-sofar"></div>`;
  el.appendChild(root);
  const playButton = root.querySelector(".sa-play");
  const speedSelect = root.querySelector(".sa-speed");
  const range = root.querySelector(".sa-range");
  const marks = root.querySelector(".sa-marks");
  const timeLabel = root.querySelector(".sa-time");
  const canvas = root.querySelector(".sa-canvas");
  const caption = root.querySelector(".sa-caption");
  const sofar = root.querySelector(".sa-sofar");
  const ctx = canvas.getContext("2d");
  const background = document.createElement("canvas");
  const bctx = background.getContext("2d");

  // state of the player
  let run = null; // what prepare() made
  let runId = 0;
  let t = model.get("time") || 0;
  let playing = !!model.get("playing");
  let speed = model.get("speed") || 1;
  let followed = model.get("followed");
  let presenter = !!model.get("presenter");
  let compact = !!model.get("compact");
  let layoutWidth = 0;
  let chartDrag = false;
  let lastLabels = "";
  let dirty = true;
  let frameAsked = false; // a requestAnimationFrame is pending
  let alive = true;
  let dragging = false;
  let lastNow = null;
  let lastSync = 0;
  let width = 0;
  let height = 0;
  let dpr = 1;
  let layout = null;
  let backgroundKey = "";
  let frames = 0;
  let lastLabel = "";
  let lastSofar = "";
  let lastCaption = "";
  let lastNodes = "";
  let selfSet = false;

  // incremental state at time `activeT`
  let active = new Int32Array(1024);
  let activeN = 0;
  let nextReq = 0;
  let activeT = Infinity; // Infinity: rebuild on the next frame
  let leg = legFor(speed);
  let sesActive = new Int32Array(256);
  let sesActiveN = 0;
  let nextSes = 0;
  let sesT = Infinity;
  let cartNode = new Int8Array(0);
  let lastNode = new Int8Array(0); // the node of each session's latest request so far
  let heldPos = new Int32Array(0);
  let held = new Int32Array(0);
  let heldN = 0;
  let movePtr = 0;
  let moveT = Infinity;
  let status = new Int8Array(0);
  let changePtr = -1;
  let followRequests = null;

  // per-frame scratch, grown when needed, never per frame
  let px = new Float32Array(1024);
  let py = new Float32Array(1024);
  let pk = new Int16Array(1024); // colour / shape kind
  let ps = new Int32Array(1024); // session
  let pn = 0;
  let hx = new Float32Array(2048);
  let hy = new Float32Array(2048);
  let hs = new Int32Array(2048);
  let hn = 0;
  let queueRank = new Int32Array(16);
  let busyCount = new Int32Array(16);
  let cartCount = new Int32Array(16);
  let lostFlash = new Int32Array(16);
  let copyCount = new Int32Array(16);
  let storeCalls = 0; // requests at the session store in the last frame

  // ------------------------------------------------------------ model <-> page

  function syncTime(force) {
    const now = performance.now();
    if (!force && now - lastSync < SYNC_EVERY) return;
    lastSync = now;
    selfSet = true;
    model.set("time", t);
    if (!playing) model.set("playing", false);
    model.save_changes();
    selfSet = false;
  }

  function setPlaying(value, send) {
    playing = value;
    if (playing) wake();
    playButton.textContent = playing ? "❚❚ Pause" : "▶ Play";
    root.classList.toggle("sa-playing", playing);
    if (send) {
      selfSet = true;
      model.set("playing", playing);
      model.set("time", t);
      model.save_changes();
      selfSet = false;
    }
  }

  function loadRun() {
    const meta = model.get("payload_meta") || {};
    runId = model.get("run_id") || 0;
    if (!meta.counts) {
      run = null;
    } else {
      run = prepare(meta, {
        requests: model.get("requests"),
        sessions: model.get("sessions"),
        late: model.get("late"),
        ring: model.get("ring"),
      });
    }
    const n = run ? run.nodes : 1;
    if (queueRank.length < n) {
      queueRank = new Int32Array(n);
      busyCount = new Int32Array(n);
      cartCount = new Int32Array(n);
      lostFlash = new Int32Array(n);
      copyCount = new Int32Array(n);
    }
    const nSes = run ? run.nSes : 0;
    cartNode = new Int8Array(nSes).fill(-1);
    lastNode = new Int8Array(nSes).fill(-1);
    heldPos = new Int32Array(nSes).fill(-1);
    held = new Int32Array(Math.max(nSes, 1));
    status = new Int8Array(n);
    activeT = Infinity;
    sesT = Infinity;
    moveT = Infinity;
    changePtr = -1;
    followRequests = null;
    backgroundKey = "";
    t = Math.min(Math.max(model.get("time") || 0, 0), run ? run.duration : 0);
    range.max = String(run ? run.duration : 1);
    range.step = String(run ? Math.max(run.duration / 2000, 0.01) : 0.01);
    drawMarks();
    layout = null;
    wake();
  }

  function drawMarks() {
    marks.textContent = "";
    if (!run || !run.duration) return;
    const add = (at, title, cls) => {
      const mark = document.createElement("div");
      mark.className = `sa-mark ${cls}`;
      mark.style.left = `${(100 * at) / run.duration}%`;
      mark.title = title;
      marks.appendChild(mark);
    };
    for (const e of run.events) add(e.at, eventText(e), `sa-mark-${String(e.kind).toLowerCase()}`);
    if (!run.events.length) {
      for (const [at, node, code] of run.changes) {
        if (code === run.down) add(at, `node ${node} down`, "sa-mark-crash");
      }
    }
  }

  model.on("change:run_id", () => {
    loadRun();
    root.dataset.run = String(runId);
  });
  model.on("change:time", () => {
    if (selfSet) return;
    const value = model.get("time") || 0;
    t = Math.min(Math.max(value, 0), run ? run.duration : 0);
    lastNow = null;
    wake();
  });
  model.on("change:playing", () => {
    if (selfSet) return;
    const value = !!model.get("playing");
    if (value && run && t >= run.duration) t = 0;
    setPlaying(value, false);
    if (!value) syncTime(true);
    lastNow = null;
    wake();
  });
  model.on("change:speed", () => {
    speed = model.get("speed") || 1;
    speedSelect.value = String(speed);
    leg = legFor(speed);
    activeT = Infinity;
    wake();
  });
  model.on("change:followed", () => {
    if (selfSet) return;
    followed = model.get("followed");
    followRequests = null;
    wake();
  });
  model.on("change:presenter", () => {
    presenter = !!model.get("presenter");
    root.classList.toggle("sa-presenter", presenter);
    layout = null;
    wake();
  });
  model.on("change:compact", () => {
    compact = !!model.get("compact");
    root.classList.toggle("sa-compact", compact);
    layout = null;
    wake();
  });

  playButton.addEventListener("click", () => {
    if (!run) return;
    if (!playing && t >= run.duration) t = 0;
    lastNow = null;
    setPlaying(!playing, true);
    wake();
  });
  speedSelect.addEventListener("change", () => {
    speed = Number(speedSelect.value);
    leg = legFor(speed);
    activeT = Infinity;
    model.set("speed", speed);
    model.save_changes();
    wake();
  });
  range.addEventListener("pointerdown", () => {
    dragging = true;
  });
  range.addEventListener("input", () => {
    t = Number(range.value);
    wake();
  });
  range.addEventListener("change", () => {
    dragging = false;
    t = Number(range.value);
    lastNow = null;
    wake();
    syncTime(true);
  });
  // a click or a drag on a chart moves the time, as the scrubber does
  const canvasPoint = (event) => {
    const box = canvas.getBoundingClientRect();
    return [event.clientX - box.left, event.clientY - box.top];
  };
  canvas.addEventListener("pointerdown", (event) => {
    const [x, y] = canvasPoint(event);
    const C = chartAt(x, y);
    if (!C) return;
    chartDrag = C;
    dragging = true;
    if (canvas.setPointerCapture) canvas.setPointerCapture(event.pointerId);
    t = timeAtX(C, x);
    wake();
    event.preventDefault();
  });
  canvas.addEventListener("pointermove", (event) => {
    const [x, y] = canvasPoint(event);
    if (chartDrag) {
      t = timeAtX(chartDrag, x);
      wake();
      return;
    }
    canvas.style.cursor = chartAt(x, y) ? "ew-resize" : "pointer";
  });
  const endChartDrag = () => {
    if (!chartDrag) return;
    chartDrag = false;
    dragging = false;
    lastNow = null;
    wake();
    syncTime(true);
  };
  canvas.addEventListener("pointerup", endChartDrag);
  canvas.addEventListener("pointercancel", endChartDrag);
  canvas.addEventListener("click", (event) => {
    const box = canvas.getBoundingClientRect();
    const x = event.clientX - box.left;
    const y = event.clientY - box.top;
    if (chartAt(x, y)) return; // a scrub, not a pick
    let best = -1;
    let bestD = (layout ? layout.hit : 10) ** 2;
    for (let i = 0; i < hn; i++) {
      const d = (hx[i] - x) ** 2 + (hy[i] - y) ** 2;
      if (d < bestD) {
        bestD = d;
        best = hs[i];
      }
    }
    followed = best;
    followRequests = null;
    selfSet = true;
    model.set("followed", followed);
    model.save_changes();
    selfSet = false;
    wake();
  });

  // where the clickable things were drawn in the last frame (CSS pixels), and the node boxes
  root.statelabHits = () => Array.from({ length: hn }, (_, i) => ({ x: hx[i], y: hy[i], session: hs[i] }));
  // the charts' plot areas (CSS pixels) and the time at the cursor; `data-labels` on the root
  // holds the event labels' boxes (JSON: chart, text, x, y, w, h) as they were placed
  root.statelabCharts = () => (layout ? layout.charts.map((C) => ({ x: C.px, y: C.py, w: C.pw, h: C.ph, cursor: run ? xOf(C, t) : C.px })) : []);
  // what the frame at model time `time` shows (drawn by draw() itself, then the player's own
  // time is drawn again on the next animation frame): for tests that compare it with the model
  const drawnAt = (time, read) => {
    if (!run) return null;
    const saved = t;
    t = Math.min(Math.max(Number(time), 0), run.duration);
    try {
      draw();
      return read();
    } finally {
      t = saved;
      wake();
    }
  };
  // per node: busy (worker slots held), queued (in its line), carts (in its memory), status
  // (code into meta.statuses); sessions lost so far, by cause; the other counts so far
  root.statelabState = (time) =>
    drawnAt(time, () => {
      const n = run.nodes;
      const so = soFar();
      return {
        t,
        busy: Array.from(busyCount.subarray(0, n)),
        queued: Array.from(queueRank.subarray(0, n)),
        carts: Array.from(cartCount.subarray(0, n)),
        copies: Array.from(copyCount.subarray(0, n)),
        status: Array.from(status.subarray(0, n)),
        sessions_lost: so.sessionsLost,
        lost_by_cause: so.lostByCause,
        active_sessions: sesActiveN,
        at_store: storeCalls,
        so_far: { ...so.outcomes, duplicates: so.duplicates, sessions_lost: so.sessionsLost },
      };
    });
  // what the hashing panel shows at `time` (the player's time when none is given): the kind of
  // picture, the last change's numbers as printed, how many keys are highlighted as moved, the
  // keys shown, and the panel's box (CSS pixels)
  root.statelabHashing = (time) => (time == null ? hashShown : drawnAt(time, () => hashShown));
  root.statelabBoxes = () => (layout ? layout.boxes.map((b) => ({ x: b.x, y: b.y, w: b.w, h: b.h, cartX: b.cartX })) : []);

  // the canvas follows the container's width (its height follows what it holds)
  const resize = new ResizeObserver(() => {
    if (Math.floor(root.clientWidth || 900) === layoutWidth) return;
    layout = null;
    wake();
  });
  resize.observe(root);

  // ------------------------------------------------------------ time-dependent state

  function advanceRequests() {
    const r = run.r;
    const n = run.nReq;
    const arrival = r.arrival;
    const end = r.end;
    const done = r.done;
    if (active.length < n + 1 && active.length < 1 << 22) {
      // room for every request that could be on screen at once (grows once per run)
    }
    const session = r.session;
    const node = r.node;
    if (t < activeT) {
      activeN = 0;
      lastNode.fill(-1);
      const hi = upper(arrival, t);
      for (let i = 0; i < hi; i++) {
        if (node[i] >= 0) lastNode[session[i]] = node[i];
        if (visibleUntil(i) > t) push(i);
      }
      nextReq = hi;
    } else {
      let w = 0;
      for (let j = 0; j < activeN; j++) {
        const i = active[j];
        if (visibleUntil(i) > t) active[w++] = i;
      }
      activeN = w;
      while (nextReq < n && arrival[nextReq] <= t) {
        if (node[nextReq] >= 0) lastNode[session[nextReq]] = node[nextReq];
        if (visibleUntil(nextReq) > t) push(nextReq);
        nextReq++;
      }
    }
    activeT = t;
  }

  function push(i) {
    if (activeN === active.length) {
      const bigger = new Int32Array(active.length * 2);
      bigger.set(active);
      active = bigger;
    }
    active[activeN++] = i;
  }

  /** Until when request i is on screen: its answer's trip back, or its node letting go of it. */
  function visibleUntil(i) {
    const e = run.r.end[i];
    const l = run.r.left[i];
    const endT = e === e ? e + leg : Infinity;
    const leftT = l === l ? l : Infinity;
    return leftT > endT ? leftT : endT;
  }

  // where a request is at `t` on the server side, as playback.state_at has it
  const AWAY = 0; // not at its node nor at the store (not yet sent, travelling back, or let go)
  const AT_STORE = 1; // the session store call before it joins its node's line
  const QUEUED = 2; // in its node's line of workers
  const SERVING = 3; // holding a worker slot

  function serverSide(i) {
    const r = run.r;
    const st = r.start[i];
    const l = r.left[i] === r.left[i] ? r.left[i] : Infinity;
    if (st <= t) return t < l ? SERVING : AWAY;
    const q = r.queuedFrom[i];
    if (q <= t) return t < l ? QUEUED : AWAY; // not started yet: it waits until it leaves
    if (run.meta.store && r.arrival[i] <= t && t < (q === q ? Math.min(q, l) : l)) return AT_STORE;
    return AWAY;
  }

  function advanceSessions() {
    const starts = run.sesStarts;
    const order = run.sesOrder;
    const ends = run.sesEnds;
    if (t < sesT) {
      sesActiveN = 0;
      const hi = upper(starts, t);
      for (let k = 0; k < hi; k++) if (ends[order[k]] > t) pushSession(order[k]);
      nextSes = hi;
    } else {
      let w = 0;
      for (let j = 0; j < sesActiveN; j++) {
        const k = sesActive[j];
        if (ends[k] > t) sesActive[w++] = k;
      }
      sesActiveN = w;
      while (nextSes < starts.length && starts[nextSes] <= t) {
        const k = order[nextSes++];
        if (ends[k] > t) pushSession(k);
      }
    }
    sesT = t;
  }

  function pushSession(k) {
    if (sesActiveN === sesActive.length) {
      const bigger = new Int32Array(sesActive.length * 2);
      bigger.set(sesActive);
      sesActive = bigger;
    }
    sesActive[sesActiveN++] = k;
  }

  function placeCart(k, node) {
    const before = cartNode[k];
    if (before === node) return;
    cartNode[k] = node;
    if (node >= 0 && heldPos[k] < 0) {
      heldPos[k] = heldN;
      held[heldN++] = k;
    } else if (node < 0 && heldPos[k] >= 0) {
      const at = heldPos[k];
      const last = held[--heldN];
      held[at] = last;
      heldPos[last] = at;
      heldPos[k] = -1;
    }
  }

  function advanceMoves() {
    const m = run.m;
    const n = m.count;
    if (!n) return;
    if (t < moveT) {
      cartNode.fill(-1);
      heldPos.fill(-1);
      heldN = 0;
      movePtr = 0;
    }
    while (movePtr < n && m.time[movePtr] <= t) {
      const node = m.node[movePtr];
      const k = m.session[movePtr];
      if (node >= 0) placeCart(k, node);
      else if (cartNode[k] === -2 - node) placeCart(k, -1);
      movePtr++;
    }
    moveT = t;
  }

  function advanceStatus() {
    const hi = upper(run.changeTimes, t);
    if (hi === changePtr) return false;
    status.fill(run.removed);
    for (let i = 0; i < hi; i++) {
      const [, node, code] = run.changes[i];
      if (node >= 0 && node < status.length) status[node] = code;
    }
    changePtr = hi;
    return true;
  }

  // ------------------------------------------------------------ layout

  function makeLayout() {
    const w = Math.max(Math.floor(root.clientWidth || 900), 320);
    layoutWidth = w;
    // sizes: presenter type is at least 15 px; compact is for two views side by side
    const f = presenter ? 1.45 : compact ? 0.9 : 1;
    const font = presenter ? 18 : compact ? 11 : 12;
    const small = presenter ? 15 : compact ? 10 : 11;
    dpr = window.devicePixelRatio || 1;
    const n = run ? run.nodes : 1;
    const workers = run ? run.workers : 1;
    const m = Math.round(8 * f);
    const gap = Math.round(6 * f);
    const hashing = !!(run && run.hashing);
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
    const boxes = [];
    const dot = Math.max(2.4, Math.min(4.5 * f, boxH / 14));
    for (let k = 0; k < n; k++) {
      const c = Math.floor(k / rows);
      const rr = k % rows;
      const x = nodesX + c * (boxW + gap);
      const y = nodesTop + rr * (boxH + gap);
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
        x, y, w: boxW, h: boxH, innerY, innerH, slotCols, slotRows, slotSize, slotsX, slotsY,
        queueX, queueW, cartX, cartW, token,
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
    const legend = legendItems(w - m - legendX, small, dot);
    const legendH = legend.lines * Math.round(small * 1.35) + 4;
    const legendY = y + Math.round(gap * 0.7);
    y = legendY + legendH;
    // two charts side by side over the whole run
    const chartTop = y + gap;
    const chartH = presenter ? 136 : compact ? 118 : 138;
    const chartGap = Math.round(18 * f);
    const chartW = (w - 2 * m - chartGap) / 2;
    const charts = [0, 1].map((i) => {
      const x = m + i * (chartW + chartGap);
      const axisW = Math.round(small * 2.4);
      const titleRow = Math.round(small * 1.6);
      const tickRow = Math.round(small * 1.4);
      return {
        x, y: chartTop, w: chartW, h: chartH,
        px: x + axisW, py: chartTop + titleRow, pw: chartW - axisW - Math.round(small * 1.6), ph: chartH - titleRow - tickRow,
      };
    });
    const h = Math.ceil(chartTop + chartH + 2);
    width = w;
    height = h;
    // a canvas given a size, even its own, drops its pixels and makes new ones: only when
    // the size changes
    const pw = Math.round(w * dpr);
    const ph = Math.round(h * dpr);
    if (canvas.width !== pw || canvas.height !== ph) {
      canvas.style.width = `${w}px`;
      canvas.style.height = `${h}px`;
      canvas.width = pw;
      canvas.height = ph;
      background.width = pw;
      background.height = ph;
    }
    layout = {
      f, m, font, small, w, h, top, bottom, shopX, shopW, balX, balW, nodesX, nodesR, nodesB, boxes, dot,
      titleH, hashX, hashW: hashPanelW, hashY, hashH, hashWide: hashing && !hashBeside,
      legend, legendX, legendY, legendH, charts,
      store: storeH ? { x: nodesX, y: nodesB + gap, w: nodesR - nodesX, h: storeH } : null,
      hit: 9 * f,
    };
    backgroundKey = "";
  }

  /** The legend's items, wrapped into lines of at most `room` CSS pixels. */
  function legendItems(room, small, r) {
    const items = [
      ["inbound", "request on its way (node's colour)"],
      ["ok", "answered ok"],
      ["lost", "cart lost"],
      ["failed", "failed"],
      ["timed", "timed out"],
      ["dup", "item added twice"],
    ];
    if (run && run.cartsInMemory) items.push(["cart", "a cart in the node's memory"]);
    bctx.font = `${small}px sans-serif`;
    let x = 0;
    let line = 0;
    const placed = [];
    for (const [kind, text] of items) {
      const w = 2 * r + 6 + bctx.measureText(text).width;
      if (x > 0 && x + w > room) {
        x = 0;
        line++;
      }
      placed.push({ kind, text, x, line });
      x += w + 12;
    }
    return { items: placed, lines: line + 1 };
  }

  const shopperY = (k) => layout.top + 8 + frac(k * 0.6180339887) * (layout.bottom - layout.top - 16);
  const shopperX = (k) => layout.shopX + 6 + frac(k * 0.7548776662) * (layout.shopW - 12);

  // ------------------------------------------------------------ the still parts

  function statusName(k) {
    return run.statuses[status[k]] || "removed";
  }

  function storeDown() {
    if (!run || run.state !== "store") return false;
    for (const e of run.events) {
      if (e.kind === "StoreOutage" && e.at <= t && t < e.at + (e.duration || 0)) return true;
    }
    return false;
  }

  function drawBackground() {
    const L = layout;
    const c = bctx;
    c.setTransform(dpr, 0, 0, dpr, 0, 0);
    c.clearRect(0, 0, L.w, L.h);
    c.fillStyle = "#FFFFFF";
    c.fillRect(0, 0, L.w, L.h);
    c.textBaseline = "middle";
    // shoppers
    roundRect(c, L.shopX, L.top, L.shopW, L.bottom - L.top, 8);
    c.fillStyle = "#F6F6F6";
    c.fill();
    c.fillStyle = INK;
    c.font = `bold ${L.font}px sans-serif`;
    c.textAlign = "center";
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
    c.font = `${L.font}px sans-serif`;
    const affinity = String(run.meta.affinity || "none").replace(/_/g, " ");
    const policy = run.meta.balancer ? `${String(run.meta.balancer).replace(/_/g, " ")} · ` : "";
    const room = L.bottom - L.top - 8;
    c.font = `${L.small}px sans-serif`;
    const label = [`load balancer · ${policy}affinity ${affinity}`, `balancer · affinity ${affinity}`, `affinity ${affinity}`, "balancer"]
      .find((text) => c.measureText(text).width <= room) || "";
    c.fillText(label, 0, 0);
    c.restore();
    // nodes
    for (let k = 0; k < L.boxes.length; k++) drawNodeBox(c, k);
    // store
    if (L.store) {
      const S = L.store;
      const down = storeDown();
      roundRect(c, S.x, S.y, S.w, S.h, 8);
      c.fillStyle = down ? "#E4E4E4" : "#F2F7F4";
      c.fill();
      c.strokeStyle = down ? DEAD : "#009E73";
      c.lineWidth = 2;
      c.stroke();
    }
    // legend
    drawLegend(c);
    if (run.hashing) drawHashBackground(c);
    drawCharts(c);
  }

  function drawNodeBox(c, k) {
    const L = layout;
    const B = L.boxes[k];
    const name = statusName(k);
    const colour = nodeColour(k);
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
    c.strokeStyle = name === "down" ? DEAD : colour;
    c.lineWidth = name === "up" ? 2.5 * L.f : 2 * L.f;
    roundRect(c, B.x, B.y, B.w, B.h, 8);
    c.stroke();
    c.setLineDash([]);
    c.textAlign = "left";
    c.font = `bold ${L.font}px sans-serif`;
    c.fillStyle = name === "down" ? "#777777" : colour === "#F0E442" ? "#8A7F00" : colour;
    const label = name === "up" ? `node ${k}` : `node ${k} · ${name === "removed" ? "not running" : name}`;
    c.fillText(label, B.x + 8 * L.f, B.y + L.titleH * 0.55);
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
    if (B.slotsY + B.slotRows * (B.slotSize + 2) < B.y + B.h - L.small * 1.3) {
      c.fillText("queue", B.queueX, B.y + B.h - L.small * 0.7);
      c.fillText("workers", B.slotsX, B.y + B.h - L.small * 0.7);
    }
    if (name === "down") {
      c.fillStyle = "#666666";
      c.font = `bold ${L.font}px sans-serif`;
      c.textAlign = "center";
      c.font = `bold ${L.small}px sans-serif`;
      const down = ["DOWN: memory wiped", "DOWN"].find((text) => c.measureText(text).width <= B.cartW) || "";
      c.fillText(down, B.cartX + B.cartW / 2, B.innerY + B.innerH / 2);
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

  function drawLegend(c) {
    const L = layout;
    const r = L.dot;
    const lineH = Math.round(L.small * 1.35);
    c.font = `${L.small}px sans-serif`;
    c.textAlign = "left";
    c.textBaseline = "middle";
    const draw = {
      inbound: (cx, cy) => dotAt(c, cx, cy, r, PALETTE[0]),
      ok: (cx, cy) => dotAt(c, cx, cy, r, OK_COLOUR),
      lost: (cx, cy) => dotAt(c, cx, cy, r * 1.3, LOST),
      failed: (cx, cy) => cross(c, cx, cy, r * 1.2, "#000000"),
      timed: (cx, cy) => ring(c, cx, cy, r, "#555555"),
      dup: (cx, cy) => {
        dotAt(c, cx, cy, r * 1.2, DUPLICATE);
        ring(c, cx, cy, r * 1.2, "#333333");
      },
      cart: (cx, cy) => {
        c.fillStyle = PALETTE[0];
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

  function drawHashBackground(c) {
    const L = layout;
    const H = run.hashing;
    roundRect(c, L.hashX, L.hashY, L.hashW, L.hashH, 8);
    c.fillStyle = "#FAFAFA";
    c.fill();
    c.strokeStyle = "#CCCCCC";
    c.lineWidth = 1;
    c.stroke();
    c.fillStyle = INK;
    c.textAlign = "center";
    c.font = `bold ${L.font}px sans-serif`;
    const G = hashGeometry();
    const cx = G.cx;
    if (H.kind === "ring") {
      c.fillText("the hash ring", cx, L.hashY + L.font);
      const R = ringRadius();
      const cy = ringCentre();
      const live = liveMask();
      const pos = run.ring.pos;
      const node = run.ring.node;
      // each arc (previous live point, this point] belongs to this point's node
      let last = -1;
      for (let i = pos.length - 1; i >= 0; i--) if (live[node[i]]) { last = i; break; }
      if (last >= 0) {
        let prev = pos[last] - 4294967296;
        c.lineWidth = 10 * L.f;
        for (let i = 0; i < pos.length; i++) {
          if (!live[node[i]]) continue;
          c.beginPath();
          c.strokeStyle = nodeColour(node[i]);
          c.arc(cx, cy, R, angle(prev), angle(pos[i]));
          c.stroke();
          prev = pos[i];
        }
      } else {
        c.strokeStyle = DEAD;
        c.lineWidth = 10 * L.f;
        c.beginPath();
        c.arc(cx, cy, R, 0, 2 * Math.PI);
        c.stroke();
      }
      c.font = `${L.small}px sans-serif`;
      c.fillStyle = "#555555";
      if (L.hashWide) {
        c.fillText("arcs: which node owns the keys; ticks: shoppers' keys", G.textX, L.hashY + L.hashH - L.small * 1.1);
      } else if (oneLineKey()) {
        c.fillText("arcs: owner node · ticks: keys", cx, L.hashY + L.font * 1.1 + L.small);
      } else {
        c.fillText("arcs: the node that owns the keys", cx, L.hashY + L.font * 1.1 + L.small);
        c.fillText("ticks: the shoppers' keys", cx, L.hashY + L.font * 1.1 + L.small * 2.2);
      }
    } else {
      c.fillText(H.configured ? "key mod configured nodes" : "key mod live nodes", cx, L.hashY + L.font);
    }
  }

  const angle = (pos) => (pos / 4294967296) * 2 * Math.PI - Math.PI / 2;
  /** Where the hashing panel puts its picture (ring or table) and its caption. */
  function hashGeometry() {
    const L = layout;
    if (L.hashWide) {
      // below the nodes, wide and low: the picture on the left, the caption on the right
      const bodyW = L.hashW * 0.55;
      return {
        bodyX: L.hashX, bodyW, cx: L.hashX + bodyW / 2, bodyBottom: L.hashY + L.hashH - 4,
        textX: L.hashX + bodyW + (L.hashW - bodyW) / 2, textY: L.hashY + L.hashH / 2 - L.font * 2.2,
      };
    }
    return {
      bodyX: L.hashX, bodyW: L.hashW, cx: L.hashX + L.hashW / 2, bodyBottom: L.hashY + L.hashH - L.font * 5.8,
      textX: L.hashX + L.hashW / 2, textY: L.hashY + L.hashH - L.font * 3.9,
    };
  }
  const oneLineKey = () => layout.hashH < layout.font * 16;
  const ringRadius = () => {
    const L = layout;
    if (L.hashWide) return Math.max(8, Math.min(L.hashW * 0.2, (L.hashH - 1.8 * L.font) / 2 - 24 * L.f - 2));
    const above = L.font * 1.1 + L.small * (oneLineKey() ? 1.6 : 2.8);
    return Math.max(8, Math.min(L.hashW * 0.36, (L.hashH - above - 4.8 * L.font) / 2 - 22 * L.f));
  };
  const ringCentre = () => {
    const L = layout;
    if (L.hashWide) return L.hashY + L.font * 1.6 + (L.hashH - L.font * 1.6) / 2;
    const above = L.font * 1.1 + L.small * (oneLineKey() ? 1.6 : 2.8);
    return L.hashY + above + (L.hashH - above - 4.8 * L.font) / 2;
  };

  function liveMask() {
    const live = new Uint8Array(run.nodes);
    for (let k = 0; k < run.nodes; k++) live[k] = status[k] === run.up ? 1 : 0;
    return live;
  }

  function statusAt(time) {
    const st = new Int8Array(run.nodes).fill(run.removed);
    for (const [at, node, code] of run.changes) {
      if (at > time) break;
      if (node >= 0 && node < st.length) st[node] = code;
    }
    return st;
  }

  // ------------------------------------------------------------ the charts over time
  //
  // Two charts under the cluster, over the whole run (`payload_meta.panels`): carts lost by
  // cause (running totals) and latency percentiles per window. Their still parts are drawn
  // into the background once; each frame only fades what comes after the time cursor (no
  // spoilers) and draws the cursor.

  const EVENT_COLOURS = { Crash: LOST, Restart: "#777777", ScaleTo: "#0072B2", Autoscale: "#0072B2", StoreOutage: "#009E73" };

  function shortEvent(e) {
    switch (e.kind) {
      case "Crash":
        return `crash n${e.node}`;
      case "Restart":
        return `n${e.node} back`;
      case "ScaleTo":
        return `→ ${e.nodes} nodes`;
      case "StoreOutage":
        return "store down";
      case "Autoscale":
        return `→ ${e.size ?? e.nodes}`;
      default:
        return String(e.kind || "").toLowerCase();
    }
  }

  /** The moments the charts mark: the events, or (with none) the nodes going down. */
  function chartEvents() {
    if (run.events.length) {
      return run.events.map((e) => ({
        at: e.at, until: e.kind === "StoreOutage" ? e.at + (e.duration || 0) : e.at,
        text: shortEvent(e), colour: EVENT_COLOURS[e.kind] || "#777777",
      }));
    }
    return run.changes.filter((c) => c[2] === run.down).map(([at, node]) => ({ at, until: at, text: `n${node} down`, colour: LOST }));
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

  const fmtNumber = (v) => (Math.abs(v - Math.round(v)) < 1e-9 ? String(Math.round(v)) : String(Number(v.toPrecision(2))));
  const xOf = (C, time) => C.px + (Math.min(Math.max(time, 0), run.duration) / (run.duration || 1)) * C.pw;
  const yOf = (C, v, top) => C.py + C.ph - (v / top) * C.ph;

  function chartAxes(c, C, top, unit) {
    const L = layout;
    c.lineWidth = 1;
    c.font = `${L.small}px sans-serif`;
    c.textBaseline = "middle";
    c.textAlign = "right";
    for (const v of [0, top / 2, top]) {
      const y = Math.round(yOf(C, v, top)) + 0.5;
      c.strokeStyle = v ? "#EEEEEE" : "#999999";
      c.beginPath();
      c.moveTo(C.px, y);
      c.lineTo(C.px + C.pw, y);
      c.stroke();
      c.fillStyle = "#555555";
      c.fillText(fmtNumber(v) + (v === top && unit ? ` ${unit}` : ""), C.px - 4, Math.max(y, C.py + L.small * 0.5));
    }
    c.textAlign = "center";
    c.textBaseline = "top";
    const step = timeStep(run.duration, compact ? 4 : 6);
    for (let s = 0; s <= run.duration + 1e-9; s += step) {
      const x = Math.round(xOf(C, s)) + 0.5;
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

  /** Title and legend in one row: `title` then a swatch and a word for each item, once. */
  function chartTitle(c, C, title, items, fallback) {
    const L = layout;
    c.textBaseline = "middle";
    c.textAlign = "left";
    const y = C.y + L.small * 0.75;
    const swatch = Math.round(L.small * 1.6);
    const measure = (text) => {
      c.font = `bold ${L.small}px sans-serif`;
      let w = c.measureText(text).width + 8;
      c.font = `${L.small}px sans-serif`;
      for (const item of items) w += swatch + 4 + c.measureText(item.text).width + 10;
      return w;
    };
    const text = measure(title) <= C.w || !fallback ? title : fallback;
    c.font = `bold ${L.small}px sans-serif`;
    c.fillStyle = INK;
    c.fillText(text, C.x, y);
    let x = C.x + c.measureText(text).width + 8;
    c.font = `${L.small}px sans-serif`;
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

  function polyline(c, C, times, values, top) {
    c.beginPath();
    let pen = false;
    for (let i = 0; i < times.length; i++) {
      const v = values[i];
      if (v == null || v !== v) {
        pen = false;
        continue;
      }
      const x = xOf(C, times[i]);
      const y = yOf(C, Math.min(v, top), top);
      if (pen) c.lineTo(x, y);
      else c.moveTo(x, y);
      pen = true;
    }
    c.stroke();
  }

  /** Place the events' short labels; a label that would touch another is dropped. */
  function placeEvents(c, C, events, chart, boxes, marks) {
    const L = layout;
    const rowH = Math.round(L.small * 1.3);
    const rows = compact ? 1 : 2;
    const placed = [];
    c.font = `${L.small}px sans-serif`;
    for (const e of events) {
      const x = Math.round(xOf(C, e.at)) + 0.5;
      if (e.until > e.at) {
        c.fillStyle = "rgba(0,158,115,0.10)";
        c.fillRect(x, C.py, xOf(C, e.until) - x, C.ph);
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

  function drawEventMarks() {
    const L = layout;
    ctx.lineWidth = 1;
    ctx.font = `${L.small}px sans-serif`;
    ctx.textBaseline = "middle";
    ctx.textAlign = "left";
    ctx.globalAlpha = 0.55;
    for (const mark of L.marks || []) {
      ctx.strokeStyle = mark.colour;
      ctx.beginPath();
      ctx.moveTo(mark.x, mark.y0);
      ctx.lineTo(mark.x, mark.y1);
      ctx.stroke();
    }
    ctx.globalAlpha = 1;
    for (const mark of L.marks || []) {
      const box = mark.box;
      if (!box) continue;
      ctx.fillStyle = "rgba(255,255,255,0.85)";
      ctx.fillRect(box.x, box.y, box.w, box.h);
      ctx.fillStyle = mark.colour;
      ctx.fillText(mark.text, box.x + 3, box.y + box.h / 2);
    }
  }

  function drawCharts(c) {
    const L = layout;
    const P = run.meta.panels;
    const [A, B] = L.charts;
    const boxes = [];
    for (const C of L.charts) {
      c.fillStyle = "#FFFFFF";
      c.fillRect(C.px, C.py, C.pw, C.ph);
    }
    if (!P) {
      labelBoxes(boxes);
      return;
    }
    const events = chartEvents();
    const marks = [];
    L.marks = marks;
    // carts lost, by cause
    const causes = Object.keys(P.lost || {});
    let most = 0;
    for (const cause of causes) for (const v of P.lost[cause]) most = Math.max(most, v);
    const lostTop = niceCeil(Math.max(most * 1.1, 4));
    chartAxes(c, A, lostTop, "");
    placeEvents(c, A, events, 0, boxes, marks);
    c.lineWidth = 2.2 * Math.min(L.f, 1.2);
    for (const cause of causes) {
      c.strokeStyle = CAUSE_COLOURS[cause] || LOST;
      polyline(c, A, P.times, P.lost[cause], lostTop);
    }
    chartTitle(
      c, A,
      causes.length ? "carts lost (running total), by cause:" : "carts lost (running total): none in this run",
      causes.map((cause) => ({ text: CAUSE_WORDS[cause] || cause, colour: CAUSE_COLOURS[cause] || LOST })),
      "carts lost, by cause:",
    );
    // latency per window: one colour, three dash styles
    const W = P.windows || { time: [], p50: [], p95: [], p99: [] };
    let peak = 0;
    for (const v of W.p99) if (v != null) peak = Math.max(peak, v);
    const latTop = niceCeil(Math.max(peak * 1.05, 0.1));
    chartAxes(c, B, latTop, "s");
    placeEvents(c, B, events, 1, boxes, marks);
    const series = [
      { key: "p50", text: "p50", dash: [2, 3], width: 1.8 },
      { key: "p95", text: "p95", dash: [], width: 2.2 },
      { key: "p99", text: "p99", dash: [7, 4], width: 1.6 },
    ];
    for (const S of series) {
      c.strokeStyle = LATENCY;
      c.lineWidth = S.width * Math.min(L.f, 1.2);
      c.setLineDash(S.dash);
      polyline(c, B, W.time, W[S.key], latTop);
      c.setLineDash([]);
    }
    const width = `${fmtNumber(W.width || 0)} s`;
    chartTitle(
      c, B, `latency of each ${width} window:`,
      series.map((S) => ({ text: S.text, colour: LATENCY, dash: S.dash, width: S.width })),
      `latency, ${width} windows:`,
    );
    labelBoxes(boxes);
  }

  function labelBoxes(boxes) {
    const text = JSON.stringify(boxes);
    if (text !== lastLabels) {
      root.dataset.labels = text;
      lastLabels = text;
    }
  }

  /** Each frame: the cursor at `t`, and what comes after it faded. */
  function drawChartCursor() {
    const L = layout;
    for (const C of L.charts) {
      const x = xOf(C, t);
      ctx.fillStyle = FUTURE;
      ctx.fillRect(x, C.py - 1, C.px + C.pw + 2 - x, C.ph + 2);
      ctx.strokeStyle = INK;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      ctx.moveTo(x, C.py - 2);
      ctx.lineTo(x, C.py + C.ph + 2);
      ctx.stroke();
    }
    drawEventMarks();
  }

  function chartAt(x, y) {
    if (!layout || !run) return null;
    for (const C of layout.charts) {
      if (x >= C.px - 6 && x <= C.px + C.pw + 6 && y >= C.py - 4 && y <= C.y + C.h) return C;
    }
    return null;
  }

  const timeAtX = (C, x) => Math.min(Math.max(((x - C.px) / C.pw) * run.duration, 0), run.duration);

  // ------------------------------------------------------------ drawing helpers

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

  function addPoint(x, y, kind, session) {
    if (pn === px.length) {
      const grow = (a, T) => {
        const b = new T(a.length * 2);
        b.set(a);
        return b;
      };
      px = grow(px, Float32Array);
      py = grow(py, Float32Array);
      pk = grow(pk, Int16Array);
      ps = grow(ps, Int32Array);
    }
    px[pn] = x;
    py[pn] = y;
    pk[pn] = kind;
    ps[pn] = session;
    pn++;
  }

  function addHit(x, y, session) {
    if (hn === hx.length) {
      const grow = (a, T) => {
        const b = new T(a.length * 2);
        b.set(a);
        return b;
      };
      hx = grow(hx, Float32Array);
      hy = grow(hy, Float32Array);
      hs = grow(hs, Int32Array);
    }
    hx[hn] = x;
    hy[hn] = y;
    hs[hn] = session;
    hn++;
  }

  // kinds of points: 0..nodes-1 inbound in the node's colour, then these
  const K_OK = 1000;
  const K_LOST = 1001;
  const K_FAILED = 1002;
  const K_TIMED = 1003;
  const K_DUP = 1004;
  const K_NONODE = 1005;

  /** Where a request travelling from the shoppers to (tx, ty) is, at progress p. */
  function along(k, p, tx, ty, out) {
    const sx = shopperX(k);
    const sy = shopperY(k);
    const bx = layout.balX + layout.balW / 2;
    const by = Math.min(Math.max(sy * 0.5 + ty * 0.5, layout.top + 6), layout.bottom - 6);
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
  const where = new Float64Array(2);

  // ------------------------------------------------------------ one frame

  // One frame drawn; the root's data-frame counts them once the canvas holds the frame
  // (browser tests and the benchmark time a new run up to that moment).
  function draw() {
    drawFrame();
    frames++;
    root.dataset.frame = String(frames);
  }

  function drawFrame() {
    if (!layout) makeLayout();
    const L = layout;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const label = run ? `t = ${t.toFixed(1)} s of ${run.duration.toFixed(0)} s` : "t = 0.0 s";
    if (label !== lastLabel) {
      timeLabel.textContent = label;
      lastLabel = label;
    }
    root.dataset.time = t.toFixed(3);
    if (!dragging) range.value = String(t);
    if (!run) {
      ctx.fillStyle = "#FFFFFF";
      ctx.fillRect(0, 0, L.w, L.h);
      ctx.fillStyle = "#777777";
      ctx.font = `${L.font * 1.3}px sans-serif`;
      ctx.textAlign = "center";
      ctx.fillText("no run to show yet", L.w / 2, L.h / 2);
      return;
    }
    const statusChanged = advanceStatus();
    advanceRequests();
    advanceSessions();
    if (run.cartsInMemory) advanceMoves();
    const key = `${L.w}x${L.h}:${status.join(",")}:${storeDown()}`;
    if (statusChanged || key !== backgroundKey) {
      drawBackground();
      backgroundKey = key;
    }
    ctx.drawImage(background, 0, 0, L.w, L.h);
    pn = 0;
    hn = 0;
    const n = run.nodes;
    queueRank.fill(0);
    busyCount.fill(0);
    cartCount.fill(0);
    lostFlash.fill(0);
    copyCount.fill(0);

    drawShoppers();
    drawRequests();
    if (run.cartsInMemory) drawCarts();
    drawPoints();
    drawNodeCounts();
    drawStore();
    drawLosses();
    drawBanner();
    if (run.hashing) drawHashing();
    drawFollowed();
    drawChartCursor();
    updateText();
    // what the picture shows, for people reading the page and for browser tests
    let nodes = "";
    for (let k = 0; k < run.nodes; k++) nodes += `${k ? ";" : ""}${statusName(k)}:${cartCount[k]}:${busyCount[k]}`;
    if (nodes !== lastNodes) {
      root.dataset.nodes = nodes;
      lastNodes = nodes;
    }
  }

  function drawShoppers() {
    const lostAt = run.s.lost_at;
    const r = layout.dot * 0.7;
    ctx.fillStyle = "#9A9A9A";
    ctx.beginPath();
    let lostN = 0;
    for (let j = 0; j < sesActiveN; j++) {
      const k = sesActive[j];
      if (lostAt && lostAt[k] <= t) {
        lostN++;
        continue;
      }
      const x = shopperX(k);
      const y = shopperY(k);
      ctx.moveTo(x + r, y);
      ctx.arc(x, y, r, 0, 2 * Math.PI);
      addHit(x, y, k);
    }
    ctx.fill();
    if (lostN) {
      ctx.beginPath();
      const c = r * 1.3;
      for (let j = 0; j < sesActiveN; j++) {
        const k = sesActive[j];
        if (!(lostAt[k] <= t)) continue;
        const x = shopperX(k);
        const y = shopperY(k);
        ctx.moveTo(x - c, y - c);
        ctx.lineTo(x + c, y + c);
        ctx.moveTo(x - c, y + c);
        ctx.lineTo(x + c, y - c);
        addHit(x, y, k);
      }
      ctx.strokeStyle = LOST;
      ctx.lineWidth = 1.6;
      ctx.stroke();
    }
    const L = layout;
    // how many shop now (the title of their column), and how many of those lost their cart
    const lineH = Math.round(L.small * 1.35);
    ctx.fillStyle = INK;
    ctx.font = `bold ${L.font}px sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    const title = `${sesActiveN} shopper${sesActiveN === 1 ? "" : "s"}`;
    if (ctx.measureText(title).width > L.shopW) {
      ctx.textAlign = "left";
      ctx.fillText(title, L.shopX, L.top - L.font * 0.8);
      ctx.textAlign = "center";
    } else {
      ctx.fillText(title, L.shopX + L.shopW / 2, L.top - L.font * 0.8);
    }
    if (lostN) {
      ctx.fillStyle = LOST;
      ctx.font = `bold ${L.small}px sans-serif`;
      ctx.fillText(`${lostN} ✕ lost`, L.shopX + L.shopW / 2, L.legendY + lineH * 0.5 + 2);
    }
  }

  function drawRequests() {
    const r = run.r;
    const L = layout;
    const boxes = L.boxes;
    const arrival = r.arrival;
    const start = r.start;
    const end = r.end;
    const done = r.done;
    const node = r.node;
    const code = r.code;
    const session = r.session;
    const slot = run.slot;
    const dot = L.dot;
    const store = L.store;
    const gone = statusesGone();
    storeCalls = 0;
    // the place of the next request in node B's queue (and queueRank[k] counts it)
    const queueSpot = (B, k) => {
      const q = queueRank[k]++;
      if (q < B.queueCols * B.queueRows) {
        return [B.queueX + B.queueW - dot - (q % B.queueCols) * (dot * 2 + 1.5), B.innerY + dot + Math.floor(q / B.queueCols) * (dot * 2 + 1.5), true];
      }
      return [B.queueX + dot, B.innerY + B.innerH - dot, false];
    };
    const slotCentre = (B, w) => [
      B.slotsX + (w % B.slotCols) * (B.slotSize + 2) + B.slotSize / 2,
      B.slotsY + Math.floor(w / B.slotCols) * (B.slotSize + 2) + B.slotSize / 2,
    ];
    // busyCount and queueRank count, per node, what serverSide() says: the model's state
    for (let j = 0; j < activeN; j++) {
      const i = active[j];
      const a = arrival[i];
      const st = start[i];
      const e = end[i] === end[i] ? end[i] : Infinity;
      const d = done[i] === done[i] ? done[i] : Infinity;
      const k = node[i];
      const s = session[i];
      const lin = Math.min(leg, 0.5 * (e - a));
      const side = k >= 0 ? serverSide(i) : AWAY;
      if (side === AT_STORE) storeCalls++;
      if (t < e) {
        if (k < 0) {
          const p = Math.min((t - a) / Math.max(lin, 1e-9), 1);
          along(s, p * 0.5, L.balX, L.top, where);
          addPoint(where[0], where[1], K_NONODE, s);
          continue;
        }
        const B = boxes[k];
        const p = (t - a) / Math.max(lin, 1e-9);
        if (side === QUEUED) {
          // waiting: travelling to the queue, or in it
          const [tx, ty, inside] = queueSpot(B, k);
          if (p < 1) {
            along(s, p, tx, ty, where);
            addPoint(where[0], where[1], k, s);
          } else if (inside) {
            addPoint(tx, ty, k, s);
          }
        } else if (side === SERVING) {
          // being served: travelling to its slot, then the slot is filled
          const [sx, sy] = slotCentre(B, slot[i]);
          busyCount[k]++;
          if (p < 1) {
            along(s, p, sx, sy, where);
            addPoint(where[0], where[1], k, s);
          } else {
            addPoint(sx, sy, 2000 + k, s);
            if (store && !gone) {
              // a call to the session store: there and back while it is served
              const u = (t - st) / Math.max(d - st, 1e-9);
              if (u < 0.35) {
                const v = Math.sin((u / 0.35) * Math.PI);
                addPoint(sx + (store.x + store.w * (0.1 + 0.8 * frac(s * 0.618)) - sx) * v, sy + (store.y + store.h / 2 - sy) * v, 3000, s);
              }
            }
          }
        } else if (side === AT_STORE && store) {
          // at the session store, before it joins its node's line
          const tx = store.x + store.w * (0.1 + 0.8 * frac(s * 0.618));
          const ty = store.y + store.h / 2;
          if (p < 1) along(s, p, tx, ty, where);
          else {
            where[0] = tx;
            where[1] = ty;
          }
          addPoint(where[0], where[1], k, s);
        } else {
          // the node let go of it (done, or cut short); the answer is about to leave
          addPoint(B.exitX + dot, B.exitY + (frac(s * 0.618) - 0.5) * B.h * 0.6, k, s);
        }
      } else {
        if (side === SERVING) {
          // the client gave up; the node still works on it
          const [sx, sy] = slotCentre(boxes[k], slot[i]);
          busyCount[k]++;
          addPoint(sx, sy, 2500 + k, s);
        } else if (side === QUEUED) {
          // the client gave up; it still waits in its node's line
          const [tx, ty, inside] = queueSpot(boxes[k], k);
          if (inside) addPoint(tx, ty, 2600 + k, s);
        }
        if (t < e + leg) {
          // the answer travels back to the shopper, coloured by outcome
          const c = code[i];
          const o = c & 7;
          const name = run.outcomes[o];
          let kind = K_OK;
          if (c & DUPLICATE_BIT) kind = K_DUP;
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
            ty = Math.min(Math.max(shopperY(s), L.top), L.bottom);
          }
          along(s, p, tx, ty, where);
          addPoint(where[0], where[1], kind, s);
        }
      }
    }
  }

  function statusesGone() {
    return storeDown();
  }

  function drawCarts() {
    const L = layout;
    const boxes = L.boxes;
    const replicated = run.state === "replicated";
    let peer = null;
    if (replicated) {
      peer = new Int16Array(run.nodes).fill(-1);
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
    const peerCount = replicated ? new Int32Array(run.nodes) : null;
    for (let pass = 0; pass < (replicated ? 2 : 1); pass++) {
      for (let k = 0; k < run.nodes; k++) {
        ctx.beginPath();
        let any = false;
        for (let j = 0; j < heldN; j++) {
          const s = held[j];
          let home = cartNode[s];
          if (pass === 1) home = home >= 0 ? peer[home] : -1;
          if (home !== k) continue;
          if (status[k] === run.down || status[k] === run.removed) continue;
          const B = boxes[k];
          const q = pass === 0 ? cartCount[k]++ : peerCount[k]++;
          const cap = B.cartCols * B.cartRows;
          if (pass === 1) {
            // the copies sit after the node's own carts
            const slotAt = cartCount[k] + q;
            if (slotAt >= cap) continue;
            const x = B.cartX + (slotAt % B.cartCols) * (B.token + 2);
            const y = B.innerY + Math.floor(slotAt / B.cartCols) * (B.token + 2);
            ctx.rect(x, y, B.token, B.token);
            any = true;
            continue;
          }
          if (q >= cap) continue;
          const x = B.cartX + (q % B.cartCols) * (B.token + 2);
          const y = B.innerY + Math.floor(q / B.cartCols) * (B.token + 2);
          ctx.rect(x, y, B.token, B.token);
          addHit(x + B.token / 2, y + B.token / 2, s);
          any = true;
        }
        if (!any) continue;
        if (pass === 0) {
          ctx.fillStyle = nodeColour(k);
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
    if (replicated) for (let k = 0; k < run.nodes; k++) copyCount[k] = peerCount[k];
  }

  function drawPoints() {
    const L = layout;
    const r = L.dot;
    const n = run.nodes;
    // inbound and queued dots, one batch a node
    for (let k = 0; k < n; k++) {
      ctx.beginPath();
      let any = false;
      for (let i = 0; i < pn; i++) {
        if (pk[i] !== k) continue;
        ctx.moveTo(px[i] + r, py[i]);
        ctx.arc(px[i], py[i], r, 0, 2 * Math.PI);
        any = true;
      }
      if (any) {
        ctx.fillStyle = nodeColour(k);
        ctx.fill();
        if (k === 5) {
          ctx.strokeStyle = "#8A7F00";
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
      for (let i = 0; i < pn; i++) {
        if (pk[i] === 2000 + k) {
          ctx.rect(px[i] - half, py[i] - half, 2 * half, 2 * half);
          any = true;
        } else if (pk[i] === 2500 + k || pk[i] === 2600 + k) faded = true;
      }
      if (any) {
        ctx.fillStyle = nodeColour(k);
        ctx.fill();
      }
      if (faded) {
        ctx.beginPath();
        for (let i = 0; i < pn; i++) {
          if (pk[i] === 2500 + k) ctx.rect(px[i] - half, py[i] - half, 2 * half, 2 * half);
          else if (pk[i] === 2600 + k) {
            ctx.moveTo(px[i] + r, py[i]);
            ctx.arc(px[i], py[i], r, 0, 2 * Math.PI);
          }
        }
        ctx.save();
        ctx.globalAlpha = 0.35;
        ctx.fillStyle = nodeColour(k);
        ctx.fill();
        ctx.restore();
      }
    }
    const batch = (kind, colour, radius) => {
      ctx.beginPath();
      let any = false;
      for (let i = 0; i < pn; i++) {
        if (pk[i] !== kind) continue;
        ctx.moveTo(px[i] + radius, py[i]);
        ctx.arc(px[i], py[i], radius, 0, 2 * Math.PI);
        any = true;
      }
      if (any) {
        ctx.fillStyle = colour;
        ctx.fill();
      }
      return any;
    };
    batch(3000, "#009E73", r * 0.6);
    batch(K_NONODE, DEAD, r);
    batch(K_OK, OK_COLOUR, r * 0.9);
    batch(K_LOST, LOST, r * 1.35);
    if (batch(K_DUP, DUPLICATE, r * 1.2)) {
      ctx.strokeStyle = "#333333";
      ctx.lineWidth = 1.2;
      ctx.stroke();
    }
    ctx.beginPath();
    let any = false;
    for (let i = 0; i < pn; i++) {
      if (pk[i] !== K_TIMED) continue;
      ctx.moveTo(px[i] + r, py[i]);
      ctx.arc(px[i], py[i], r, 0, 2 * Math.PI);
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
    for (let i = 0; i < pn; i++) {
      if (pk[i] !== K_FAILED) continue;
      ctx.moveTo(px[i] - c, py[i] - c);
      ctx.lineTo(px[i] + c, py[i] + c);
      ctx.moveTo(px[i] - c, py[i] + c);
      ctx.lineTo(px[i] + c, py[i] - c);
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
      for (let i = 0; i < pn; i++) {
        const kind = pk[i];
        if (kind >= 2000 || kind === 3000) continue;
        ctx.rect(px[i] + r * 0.6, py[i] - r * 1.6, r * 1.3, r * 0.9);
      }
      ctx.fillStyle = "#8B5A2B";
      ctx.fill();
    }
    for (let i = 0; i < pn; i++) {
      if (pk[i] < 3000 && pk[i] !== 3000) addHit(px[i], py[i], ps[i]);
    }
  }

  function drawNodeCounts() {
    const L = layout;
    ctx.font = `${L.small}px sans-serif`;
    ctx.textAlign = "right";
    ctx.textBaseline = "middle";
    ctx.fillStyle = "#444444";
    for (let k = 0; k < run.nodes; k++) {
      if (status[k] === run.removed) continue;
      const B = L.boxes[k];
      const waiting = queueRank[k];
      const cap = B.queueCols * B.queueRows;
      const more = waiting > cap ? ` (${waiting - cap} not drawn)` : "";
      const own = cartCount[k];
      const carts = run.cartsInMemory && status[k] !== run.down
        ? `${own} cart${own === 1 ? "" : "s"}${copyCount[k] ? ` + ${copyCount[k]} copies` : ""} in memory · `
        : "";
      const room = B.w - 16 * L.f - ctx.measureText(`node ${k} · draining `).width;
      let text = `${carts}${busyCount[k]}/${run.workers} busy · ${waiting} waiting${more}`;
      if (ctx.measureText(text).width > room) {
        text = `${carts ? `${own} carts · ` : ""}${busyCount[k]}/${run.workers} busy · ${waiting} wait`;
      }
      ctx.fillText(text, B.x + B.w - 8 * L.f, B.y + L.titleH * 0.55);
    }
  }

  function drawStore() {
    const S = layout.store;
    if (!S) return;
    const L = layout;
    const down = storeDown();
    ctx.fillStyle = down ? "#666666" : INK;
    ctx.font = `bold ${L.font}px sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    const kept = sesActiveN;
    ctx.fillText(
      down ? "session store · DOWN (outage)" : `session store · ${kept} cart${kept === 1 ? "" : "s"} (one a shopper) · every request reads and writes here`,
      S.x + S.w / 2,
      S.y + S.h / 2,
    );
  }

  function drawLosses() {
    const L = layout;
    const window = Math.max(1.5, 1.2 * speed);
    const lo = lower(run.lossTimes, t - window);
    const hi = upper(run.lossTimes, t);
    if (hi <= lo) return;
    const lostNode = run.s.lost_node;
    const causeOf = run.s.cause;
    const perCause = {};
    ctx.lineWidth = 2.5;
    ctx.strokeStyle = LOST;
    for (let j = lo; j < hi; j++) {
      const k = run.lossSessions[j];
      const age = (t - run.lossTimes[j]) / window;
      const x = shopperX(k);
      const y = shopperY(k);
      ctx.globalAlpha = 1 - age * 0.7;
      ctx.beginPath();
      ctx.arc(x, y, L.dot * (1.5 + 3 * age), 0, 2 * Math.PI);
      ctx.stroke();
      const cause = run.causes[(causeOf ? causeOf[k] : 0) - 1] || "lost";
      perCause[cause] = (perCause[cause] || 0) + 1;
      if (hi - lo <= 4) {
        ctx.fillStyle = LOST;
        ctx.font = `bold ${L.font}px sans-serif`;
        ctx.textAlign = "left";
        ctx.fillText(`cart lost: ${CAUSE_WORDS[cause] || cause}`, x + L.dot * 3, y - L.dot * 2);
      }
      const from = lostNode ? lostNode[k] : -1;
      if (from >= 0 && from < run.nodes) lostFlash[from]++;
    }
    ctx.globalAlpha = 1;
    for (let k = 0; k < run.nodes; k++) {
      if (!lostFlash[k]) continue;
      const B = L.boxes[k];
      ctx.strokeStyle = LOST;
      ctx.lineWidth = 3 * L.f;
      roundRect(ctx, B.x - 2, B.y - 2, B.w + 4, B.h + 4, 9);
      ctx.stroke();
    }
    if (hi - lo > 4) {
      const parts = Object.entries(perCause).map(([c, n]) => `${n} ${CAUSE_WORDS[c] || c}`);
      ctx.fillStyle = LOST;
      ctx.font = `bold ${L.font * 1.05}px sans-serif`;
      ctx.textAlign = "left";
      ctx.fillText(`✕ carts lost just now: ${parts.join(", ")}`, L.balX, L.top - L.font * 0.95);
    }
  }

  function eventText(e) {
    switch (e.kind) {
      case "Crash":
        return `node ${e.node} crashes at ${e.at} s`;
      case "Restart":
        return `node ${e.node} restarts at ${e.at} s (empty memory)`;
      case "ScaleTo":
        return `scale to ${e.nodes} nodes at ${e.at} s`;
      case "StoreOutage":
        return `session store down from ${e.at} s for ${e.duration} s`;
      case "Autoscale":
        return `the autoscaler sets ${e.size ?? e.nodes} nodes at ${e.at} s`;
      default:
        return `${e.kind} at ${e.at} s`;
    }
  }

  function drawBanner() {
    const L = layout;
    const window = Math.max(4, 2 * speed);
    let text = "";
    for (const e of run.events) {
      if (e.at <= t && t < e.at + window) text = eventText(e).replace(/ at [\d.]+ s/, "");
    }
    if (!text) return;
    ctx.font = `bold ${Math.round(L.font * 1.15)}px sans-serif`;
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    const x = (L.nodesX + L.nodesR) / 2;
    const y = L.top - L.font * 0.95;
    const w = ctx.measureText(text).width + 20;
    ctx.fillStyle = "#FFF4E5";
    roundRect(ctx, x - w / 2, y - L.font * 0.8, w, L.font * 1.6, 6);
    ctx.fill();
    ctx.strokeStyle = LOST;
    ctx.lineWidth = 1.5;
    ctx.stroke();
    ctx.fillStyle = INK;
    ctx.fillText(`⚡ ${text}`, x, y);
  }

  // the hashing panel: the ring, or the modulo table, and the keys of the active shoppers
  let hashCache = { at: NaN, before: null, after: null };
  let hashShown = null; // what drawHashing() showed in the last frame (statelabHashing)

  function ownerOnRing(key, live) {
    const pos = run.ring.pos;
    const node = run.ring.node;
    const n = pos.length;
    let i = lower(pos, key);
    for (let step = 0; step < n; step++) {
      const j = (i + step) % n;
      if (live[node[j]]) return node[j];
    }
    return -1;
  }

  function moduloOwner(key, st, configured) {
    const nodes = [];
    for (let k = 0; k < st.length; k++) {
      if (configured ? st[k] !== run.removed : st[k] === run.up) nodes.push(k);
    }
    if (!nodes.length) return [-1, 0, nodes];
    return [nodes[key % nodes.length], nodes.length, nodes];
  }

  function drawHashing() {
    const L = layout;
    const H = run.hashing;
    const keys = run.s.key;
    if (!keys) return;
    // the last hashing event at or before t, and whether it is recent
    let event = null;
    for (const e of run.hashEvents) if (e.at <= t) event = e;
    const recent = event && t < event.at + Math.max(8, 3 * speed);
    if (event && hashCache.at !== event.at) {
      const beforeStatus = statusAt(event.at - 1e-6);
      const afterStatus = statusAt(event.at + 1e-6);
      hashCache = { at: event.at, before: beforeStatus, after: afterStatus };
    }
    const G = hashGeometry();
    const cx = G.cx;
    let movedShown = 0;
    let shown = 0;
    let highlightedSessions = [];
    if (H.kind === "ring") {
      const R = ringRadius();
      const cy = ringCentre();
      const live = liveMask();
      const liveBefore = recent ? hashCache.before.map((c) => (c === run.up ? 1 : 0)) : null;
      const liveAfter = recent ? hashCache.after.map((c) => (c === run.up ? 1 : 0)) : null;
      for (let k = 0; k < run.nodes; k++) {
        ctx.beginPath();
        let any = false;
        for (let j = 0; j < sesActiveN; j++) {
          const s = sesActive[j];
          const owner = ownerOnRing(keys[s], live);
          if (owner !== k) continue;
          const a = angle(keys[s]);
          const moved = recent && ownerOnRing(keys[s], liveBefore) !== ownerOnRing(keys[s], liveAfter);
          if (moved) continue;
          ctx.moveTo(cx + Math.cos(a) * (R + 7 * L.f), cy + Math.sin(a) * (R + 7 * L.f));
          ctx.lineTo(cx + Math.cos(a) * (R + 15 * L.f), cy + Math.sin(a) * (R + 15 * L.f));
          any = true;
          shown++;
        }
        if (any) {
          ctx.strokeStyle = nodeColour(k);
          ctx.lineWidth = 1.5;
          ctx.stroke();
        }
      }
      if (recent) {
        ctx.beginPath();
        for (let j = 0; j < sesActiveN; j++) {
          const s = sesActive[j];
          if (ownerOnRing(keys[s], liveBefore) === ownerOnRing(keys[s], liveAfter)) continue;
          highlightedSessions.push(s);
          const a = angle(keys[s]);
          ctx.moveTo(cx + Math.cos(a) * (R + 5 * L.f), cy + Math.sin(a) * (R + 5 * L.f));
          ctx.lineTo(cx + Math.cos(a) * (R + 24 * L.f), cy + Math.sin(a) * (R + 24 * L.f));
          movedShown++;
          shown++;
        }
        ctx.strokeStyle = LOST;
        ctx.lineWidth = 3;
        ctx.stroke();
      }
      if (followed >= 0 && followed < run.nSes) {
        const a = angle(keys[followed]);
        ctx.beginPath();
        ctx.arc(cx + Math.cos(a) * (R + 20 * L.f), cy + Math.sin(a) * (R + 20 * L.f), 5 * L.f, 0, 2 * Math.PI);
        ctx.strokeStyle = INK;
        ctx.lineWidth = 2;
        ctx.stroke();
      }
    } else {
      // the modulo table: one column a slot, the node it maps to, the keys in it
      const configured = !!H.configured;
      const [, count, nodes] = moduloOwner(0, status, configured);
      const top = L.hashY + L.font * 2.2;
      const colW = (G.bodyW - 16) / Math.max(count, 1);
      const bodyTop = top + L.font * 2.6;
      const bodyH = Math.max(8, G.bodyBottom - bodyTop);
      ctx.font = `${L.small}px sans-serif`;
      ctx.textAlign = "center";
      ctx.textBaseline = "middle";
      for (let i = 0; i < count; i++) {
        const k = nodes[i];
        const x = G.bodyX + 8 + i * colW;
        const deadSlot = status[k] === run.down;
        ctx.fillStyle = deadSlot ? "#E2E2E2" : nodeColour(k);
        ctx.globalAlpha = deadSlot ? 1 : 0.18;
        ctx.fillRect(x + 1, bodyTop, colW - 2, bodyH);
        ctx.globalAlpha = 1;
        ctx.fillStyle = INK;
        ctx.fillText(`${i}`, x + colW / 2, top + L.font * 0.5);
        ctx.fillStyle = deadSlot ? "#777777" : nodeColour(k);
        ctx.fillText(deadSlot ? `n${k}✕` : `n${k}`, x + colW / 2, top + L.font * 1.7);
      }
      ctx.fillStyle = "#555555";
      ctx.textAlign = "left";
      ctx.fillText("slot", G.bodyX + 8, top - L.font * 0.5);
      const flags = recent ? event.movedFlags : null;
      const column = new Int16Array(run.nodes).fill(-1);
      for (let i = 0; i < count; i++) column[nodes[i]] = i;
      const r = Math.max(1.8, L.dot * 0.65);
      const moved = [];
      ctx.beginPath();
      const highlighted = [];
      for (let j = 0; j < sesActiveN; j++) {
        const s = sesActive[j];
        // the slot its key falls in now: after a recent change, where the run shows it maps
        // (its old node may have no slot any more), else its latest request's node
        let k = lastNode[s];
        if (flags && event.afterNode[s] >= 0 && column[event.afterNode[s]] >= 0) k = event.afterNode[s];
        if (k < 0 || column[k] < 0) continue;
        const key = keys[s];
        const i = column[k];
        const x = G.bodyX + 8 + i * colW + 3 + frac(s * 0.754877) * (colW - 6);
        const y = bodyTop + 3 + (key / 4294967296) * (bodyH - 6);
        shown++;
        if (flags && flags[s]) {
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
        ctx.fillStyle = LOST;
        ctx.fill();
        movedShown = moved.length / 2;
      }
      highlightedSessions = highlighted;
    }
    hashShown = {
      kind: H.kind,
      event: event ? event.kind : null,
      at: event ? event.at : null,
      recent: !!recent,
      before: event ? event.before : null,
      after: event ? event.after : null,
      moved: event ? event.moved : null,
      keys: event ? event.keys : null,
      theory: event ? (event.theory != null ? event.theory : null) : null,
      highlighted: recent ? movedShown : 0,
      highlightedSessions: recent ? highlightedSessions : [],
      drawn: shown,
      keysShown: sesActiveN,
      box: { x: layout.hashX, y: layout.hashY, w: layout.hashW, h: layout.hashH },
    };
    // the caption: moved X of Y (Z%), theory W%
    ctx.textAlign = "center";
    ctx.textBaseline = "middle";
    const y0 = G.textY;
    const tx = G.textX;
    ctx.font = `${L.small}px sans-serif`;
    ctx.fillStyle = "#555555";
    ctx.fillText(`${sesActiveN} shoppers' keys shown`, tx, y0);
    if (event) {
      const pct = event.keys ? (100 * event.moved) / event.keys : 0;
      ctx.font = `bold ${L.font}px sans-serif`;
      ctx.fillStyle = recent ? LOST : INK;
      ctx.fillText(`${event.before} → ${event.after} nodes at ${Number(event.at).toFixed(0)} s:`, tx, y0 + L.font * 1.2);
      ctx.fillText(`moved ${event.moved} of ${event.keys} (${pct.toFixed(0)}%)`, tx, y0 + L.font * 2.3);
      ctx.font = `${L.font}px sans-serif`;
      const theory = event.theory != null ? `theory ${(100 * event.theory).toFixed(0)}%` : "no theory for this change";
      ctx.fillText(theory + (recent && movedShown ? ` · ${movedShown} red here` : ""), tx, y0 + L.font * 3.3);
    }
  }

  function drawFollowed() {
    if (!(followed >= 0) || followed >= run.nSes) return;
    const L = layout;
    ctx.strokeStyle = INK;
    ctx.lineWidth = 2.5;
    ctx.beginPath();
    let any = false;
    for (let i = 0; i < hn; i++) {
      if (hs[i] !== followed) continue;
      ctx.moveTo(hx[i] + L.dot * 2.4, hy[i]);
      ctx.arc(hx[i], hy[i], L.dot * 2.4, 0, 2 * Math.PI);
      any = true;
    }
    if (any) ctx.stroke();
    const x = shopperX(followed);
    const y = shopperY(followed);
    ctx.fillStyle = INK;
    ctx.font = `bold ${L.font}px sans-serif`;
    ctx.textAlign = "left";
    ctx.fillText(`#${followed}`, x + L.dot * 2.6, y);
  }

  // ------------------------------------------------------------ text

  function count(sorted) {
    return upper(sorted, t);
  }

  /** The counts "so far" at `t`: requests ended by outcome, duplicates, carts lost by cause. */
  function soFar() {
    const outcomes = {};
    run.outcomes.forEach((name, o) => {
      outcomes[name] = count(run.outcomeEnds[o]);
    });
    const lostByCause = {};
    let sessionsLost = 0;
    run.causes.forEach((cause, c) => {
      lostByCause[cause] = count(run.lostByCause[c]);
      sessionsLost += lostByCause[cause];
    });
    return { outcomes, duplicates: count(run.duplicateEnds), lostByCause, sessionsLost };
  }

  function updateText() {
    const summary = run.meta.summary || {};
    const so = soFar();
    const parts = [];
    run.outcomes.forEach((name) => {
      if (name === "in_flight") return;
      const now = so.outcomes[name];
      const whole = summary[name];
      parts.push(`<span class="sa-${name}"><b>${OUTCOME_WORDS[name] || name}</b> ${now}${whole != null ? ` <i>/ ${whole}</i>` : ""}</span>`);
    });
    const lost = [];
    const lostNow = so.sessionsLost;
    run.causes.forEach((cause) => {
      const now = so.lostByCause[cause];
      const whole = summary[`sessions_lost_${cause}`];
      if (now || whole) lost.push(`${CAUSE_WORDS[cause] || cause} ${now}${whole != null ? ` <i>/ ${whole}</i>` : ""}`);
    });
    const dups = so.duplicates;
    const p95 = summary.latency_p95;
    const html =
      `<div class="sa-row"><span class="sa-head">requests ended so far</span> ${parts.join(" · ")}</div>` +
      `<div class="sa-row"><span class="sa-head">carts lost so far</span> <b class="sa-lost">${lostNow}</b>` +
      `${summary.sessions_lost != null ? ` <i>/ ${summary.sessions_lost}</i>` : ""}${lost.length ? ` (${lost.join(", ")})` : ""}` +
      ` · <span class="sa-head">duplicate items so far</span> ${dups}${summary.duplicate_items != null ? ` <i>/ ${summary.duplicate_items}</i>` : ""}` +
      `${p95 != null ? ` · <span class="sa-head">p95 of the run</span> <i>${p95.toFixed(2)} s</i>` : ""}` +
      ` <span class="sa-note">(so far = up to t; <i>/ whole run</i>, after the warm-up)</span></div>`;
    if (html !== lastSofar) {
      sofar.innerHTML = html;
      lastSofar = html;
    }
    const text = followCaption();
    if (text !== lastCaption) {
      caption.innerHTML = text;
      caption.classList.toggle("sa-following", !!text);
      lastCaption = text;
    }
  }

  function followCaption() {
    if (!(followed >= 0) || !run || followed >= run.nSes) return "";
    const k = followed;
    const s = run.s;
    if (!followRequests) {
      const list = [];
      for (let i = 0; i < run.nReq; i++) if (run.r.session[i] === k) list.push(i);
      followRequests = list;
    }
    const r = run.r;
    let sent = 0;
    let lastNode = -1;
    let now = "";
    const outcomes = {};
    for (const i of followRequests) {
      if (r.arrival[i] > t) break;
      sent++;
      if (r.node[i] >= 0) lastNode = r.node[i];
      const e = r.end[i];
      if (e === e && e <= t) {
        const name = run.outcomes[r.code[i] & 7];
        outcomes[name] = (outcomes[name] || 0) + 1;
      } else if (r.start[i] <= t) now = `being served by node ${r.node[i]}`;
      else now = r.node[i] >= 0 ? `waiting at node ${r.node[i]}` : "waiting at the balancer";
    }
    const bits = [`<b>Following shopper #${k}</b> <button class="sa-unfollow" type="button">stop</button>`];
    if (s.start[k] > t) {
      bits.push(`arrives at ${s.start[k].toFixed(1)} s`);
      return bits.join(" · ");
    }
    const where = run.cartsInMemory
      ? cartNode[k] >= 0
        ? `its cart is in node ${cartNode[k]}'s memory`
        : s.lost_at[k] <= t
          ? "its cart is gone"
          : "no cart in memory yet"
      : run.state === "cookie"
        ? "its cart rides in its cookie"
        : "its cart is in the session store";
    bits.push(where);
    if (lastNode >= 0) bits.push(`last sent to node ${lastNode}`);
    if (now) bits.push(`a request is ${now}`);
    const done = Object.entries(outcomes).map(([o, n]) => `${n} ${OUTCOME_WORDS[o] || o}`);
    bits.push(`${sent} request${sent === 1 ? "" : "s"} sent${done.length ? ` (${done.join(", ")})` : ""}`);
    const at = s.lost_at ? s.lost_at[k] : NaN;
    if (at <= t) {
      const cause = run.causes[(s.cause ? s.cause[k] : 0) - 1] || "";
      const from = s.lost_node && s.lost_node[k] >= 0 ? ` (held by node ${s.lost_node[k]})` : "";
      bits.push(`<span class="sa-lost">lost its cart at ${at.toFixed(1)} s: ${CAUSE_WORDS[cause] || cause}${from}</span>`);
    } else if (run.sesEnds[k] <= t) {
      bits.push(`left at ${run.sesEnds[k].toFixed(1)} s with its cart`);
    }
    return bits.join(" · ");
  }

  caption.addEventListener("click", (event) => {
    if (!event.target.classList.contains("sa-unfollow")) return;
    followed = -1;
    model.set("followed", -1);
    model.save_changes();
    wake();
  });

  // ------------------------------------------------------------ the loop

  // Frames are asked for only while there is something to draw: playing, or a change
  // (wake). An idle view asks for none, so the browser rests and the kernel, on the same
  // two cores, runs the next simulation faster (an idle page cost 8% of a core, now 1.4%).
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
    if (playing) {
      frameAsked = true;
      requestAnimationFrame(frame);
    } else {
      lastNow = null; // a later Play starts from its first frame, not from this one
    }
    if (playing && run && !dragging) {
      if (lastNow !== null) {
        const dt = Math.min((now - lastNow) / 1000, 0.1);
        t += dt * speed;
        if (t >= run.duration) {
          t = run.duration;
          setPlaying(false, true);
          syncTime(true);
        } else {
          syncTime(false);
        }
      }
      dirty = true; // in a frame, while playing: the next one is asked for above
    }
    if (playing) lastNow = now;
    if (!dirty) return;
    dirty = false;
    draw();
  }

  speedSelect.value = String(speed);
  root.classList.toggle("sa-presenter", presenter);
  root.classList.toggle("sa-compact", compact);
  setPlaying(playing, false);
  loadRun();
  root.dataset.run = String(runId);
  wake();

  return () => {
    alive = false;
    resize.disconnect();
  };
}

export default { render };
