// @ts-check
// The animated cluster view of statelab: one simulated run, played in the browser.
//
// Python sends the run once (`payload_meta` and the column blocks: contract.js); everything
// after that happens here, one canvas frame at a time, with no round trip to the kernel.
// Each frame has one time `t` (model seconds); the picture and the time label both come
// from it. This module is the widget's wiring: the model's traits, the frame loop, and the
// hooks browser tests read (statelabState and the like).

import { xOf } from "./charts.js";
import { bindControls, buildPage, drawMarks } from "./controls.js";
import { paintFrame } from "./frame.js";
import { makeLayout } from "./layout.js";
import { canvasLabel, describeMoment, LOG_LINES, linesAfterJump, linesBetween, narration } from "./narration.js";
import { legFor, Playhead } from "./playhead.js";
import { prepare } from "./run.js";
import { soFar } from "./state.js";
import { followCaption, requestsOf, soFarHtml } from "./text.js";
import { createView, statusName } from "./view.js";

/**
 * @typedef {import("@anywidget/types").AnyModel<{
 *   payload_meta: any, requests: DataView, sessions: DataView, late: DataView, ring: DataView,
 *   chart_tops: { lost?: number, latency?: number }, time: number, playing: boolean, speed: number, followed: number, presenter: boolean,
 *   compact: boolean, run_id: number }>} Model
 *   the widget's traits (statelab/dashboards/animated.py)
 */

/** ms between two `time` updates sent to Python while playing */
const SYNC_EVERY = 250;
/** ms between two updates of the canvas's accessible name (and the shown description) while playing */
const SAY_EVERY = 1000;
/** ms after a scrub or a jump before the live region says where the view now is */
const SETTLE = 400;
/** The media query of a learner who asked their system for less motion. */
const REDUCED_MOTION = "(prefers-reduced-motion: reduce)";

/** @param {{ model: Model, el: HTMLElement }} props */
function render({ model, el }) {
  const page = buildPage(el);
  const { root, playButton, speedSelect, range, marks, timeLabel, canvas, caption, sofar } = page;
  const { describeButton, describe, log } = page;
  const v = createView(root, canvas);
  const motion = window.matchMedia ? window.matchMedia(REDUCED_MOTION) : null;
  v.reducedMotion = !!motion?.matches;
  /** Model seconds of a dot's travel at `speed`: none under reduced motion (dots step). @param {number} speed */
  const legOf = (speed) => (v.reducedMotion ? 0 : legFor(speed));
  v.t = model.get("time") || 0;
  v.playing = !!model.get("playing");
  v.speed = model.get("speed") || 1;
  v.followed = model.get("followed");
  v.presenter = !!model.get("presenter");
  v.compact = !!model.get("compact");
  let runId = 0;
  let layoutWidth = 0;
  let dirty = true;
  let frameAsked = false; // a requestAnimationFrame is pending
  let alive = true;
  let lastSync = 0;
  let frames = 0;
  let selfSet = false;
  const last = { label: "", sofar: "", caption: "", nodes: "", error: "" };
  /** @type {number[] | null} */
  let followRows = null;
  /** @type {import("./narration.js").Line[]} */
  let lines = [];
  let narrated = 0; // the model time the live region has told up to
  let moved = false; // the program moved the time: say where the view is, once it settles
  let settleTimer = 0;
  let lastSaid = -Infinity; // performance.now() of the last accessible-name update
  let lastStill = Number.NaN; // the whole second last drawn, under reduced motion

  /** @type {import("./controls.js").Player} */
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
        lastSaid = Number.NEGATIVE_INFINITY; // the canvas's name says the moment it stopped at
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
    },
  };

  /** One line into the live region, which keeps the last LOG_LINES. @param {string} text */
  function say(text) {
    const line = document.createElement("p");
    line.textContent = text;
    log.appendChild(line);
    while (log.childElementCount > LOG_LINES) log.firstElementChild?.remove();
  }

  /**
   * What the live region, the canvas's name and the description say, after a frame: while
   * playing, each line of the narration whose moment was passed; after a scrub or a jump,
   * once it settles, the lines passed (up to 3, events first) and where the view now is.
   */
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
    // the name and the description cost a state at t (every request of the run): at most
    // once a second while the time moves (a drag or play), and once more when it settles
    if (now - lastSaid > SAY_EVERY) name(run);
  }

  /** The canvas's name and the shown description, for the view's time now. @param {import("./run.js").Run} run */
  function name(run) {
    const label = canvasLabel(run, v.t);
    if (canvas.getAttribute("aria-label") !== label) canvas.setAttribute("aria-label", label);
    if (!describe.hidden) describe.textContent = describeMoment(run, v.t, lines);
    lastSaid = performance.now();
  }

  /** Set traits without hearing our own change back. @param {() => void} set */
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
          ring: model.get("ring"),
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
    range.step = String(v.run ? Math.max(v.run.duration / 2000, 0.01) : 0.01);
    drawMarks(marks, v.run);
    v.layout = null;
    root.dataset.run = String(runId);
    wake();
  }

  model.on("change:run_id", loadRun);
  model.on("change:time", () => {
    if (selfSet) return;
    v.t = Math.min(Math.max(model.get("time") || 0, 0), v.run ? v.run.duration : 0);
    // moved by the program (a moment rewinds the view): nothing was passed, but say where
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

  const hooks = /** @type {any} */ (root);
  // hooks for browser tests: where the clickable things were drawn in the last frame (CSS
  // pixels), the charts' plot areas and the time at the cursor (`data-labels` on the root
  // holds the event labels' boxes), the node boxes
  hooks.statelabHits = () => Array.from({ length: v.hits.n }, (_, i) => ({ x: v.hits.x[i], y: v.hits.y[i], session: v.hits.session[i] }));
  hooks.statelabCharts = () =>
    v.layout ? v.layout.charts.map((C) => ({ x: C.px, y: C.py, w: C.pw, h: C.ph, cursor: v.run ? xOf(v.run, C, v.t) : C.px })) : [];
  hooks.statelabBoxes = () => (v.layout ? v.layout.boxes.map((b) => ({ x: b.x, y: b.y, w: b.w, h: b.h, cartX: b.cartX })) : []);
  /**
   * What the frame at model time `time` shows (drawn by draw() itself, then the player's own
   * time is drawn again on the next animation frame): for tests that compare it with the model.
   * @template T @param {number} time @param {() => T} read
   */
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
  // per node as drawn: busy (worker slots held), queued (in its line), carts (in its
  // memory), status (code into meta.statuses); sessions lost so far, by cause; the other
  // counts so far
  hooks.statelabState = (/** @type {number} */ time) =>
    drawnAt(time, () => {
      const run = /** @type {import("./run.js").Run} */ (v.run);
      const head = /** @type {Playhead} */ (v.head);
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
        so_far: { ...so.outcomes, duplicates: so.duplicates, sessions_lost: so.sessionsLost },
      };
    });
  // the narration's lines, with their exact moments (the live region says them to 0.1 s)
  hooks.statelabNarration = () => lines.map((line) => ({ ...line }));
  // what the hashing panel shows at `time` (the player's time when none is given)
  hooks.statelabHashing = (/** @type {number | undefined} */ time) => (time == null ? v.hashShown : drawnAt(time, () => v.hashShown));

  // the canvas follows the container's width (its height follows what it holds)
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
      },
    });
    // a canvas given a size, even its own, drops its pixels and makes new ones: only when
    // the size changes
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

  // One frame drawn; the root's data-frame counts them once the canvas holds the frame
  // (browser tests and the benchmark time a new run up to that moment).
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
    // what the picture shows, for people reading the page and for browser tests
    let nodes = "";
    for (let k = 0; k < run.nodes; k++) nodes += `${k ? ";" : ""}${statusName(v, k)}:${v.cartCount[k]}:${v.busyCount[k]}`;
    if (nodes !== last.nodes) {
      root.dataset.nodes = nodes;
      last.nodes = nodes;
    }
  }

  function updateText() {
    const run = /** @type {import("./run.js").Run} */ (v.run);
    const head = /** @type {Playhead} */ (v.head);
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

  /** @param {number} now ms */
  function frame(now) {
    frameAsked = false;
    if (!alive) return;
    if (v.playing) {
      frameAsked = true;
      requestAnimationFrame(frame);
    } else {
      player.lastNow = null; // a later Play starts from its first frame, not from this one
    }
    if (v.playing && v.run && !player.dragging) {
      if (player.lastNow !== null) {
        const dt = Math.min((now - player.lastNow) / 1000, 0.1);
        v.t += dt * v.speed;
        if (v.t >= v.run.duration) {
          v.t = v.run.duration;
          player.setPlaying(false, true);
          player.syncTime(true);
        } else {
          player.syncTime(false);
        }
      }
      dirty = true; // in a frame, while playing: the next one is asked for above
    }
    if (v.playing) player.lastNow = now;
    if (!dirty) return;
    dirty = false;
    if (v.reducedMotion && v.playing && v.run) {
      // a still a second, not a moving picture
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

export default { render };
