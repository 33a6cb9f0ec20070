// Frames of the view painted in Node (frame.js) on a recording canvas: every text the
// canvas shows, with its font and its box, and every colour it fills or strokes.

import { paintFrame } from "../../statelab/dashboards/static/src/frame.js";
import { makeLayout } from "../../statelab/dashboards/static/src/layout.js";
import { legFor, Playhead } from "../../statelab/dashboards/static/src/playhead.js";
import { createView } from "../../statelab/dashboards/static/src/view.js";

/** Width of `text` in `font`: a sans-serif's average advance, 0.55 of the size. */
export function measure(text, font) {
  const size = Number(/([\d.]+)px/.exec(font)?.[1] ?? 10);
  return String(text).length * size * (Number(process.env.WIDTH_FACTOR) || 0.55);
}

/**
 * A text as drawn: its words, font, colour, and its box (CSS pixels) from its alignment and
 * baseline; `squeezed` when a maxWidth narrower than the text made the canvas squash it.
 */
function box(text, x, y, maxWidth, state) {
  const size = Number(/([\d.]+)px/.exec(state.font)?.[1] ?? 10);
  const natural = measure(text, state.font);
  const w = maxWidth != null ? Math.min(natural, maxWidth) : natural;
  const align = state.textAlign;
  const x0 = align === "center" ? x - w / 2 : align === "right" || align === "end" ? x - w : x;
  const base = state.textBaseline;
  const y0 = base === "middle" ? y - size / 2 : base === "top" ? y : base === "bottom" ? y - size : y - 0.8 * size;
  return {
    text,
    font: state.font,
    colour: String(state.fillStyle),
    alpha: state.globalAlpha,
    rotated: state.rotated,
    squeezed: maxWidth != null && natural > maxWidth + 0.5,
    x0,
    x1: x0 + w,
    y0,
    y1: y0 + size,
  };
}

/** A 2D context that records what it is asked to draw. */
function recorder(log) {
  const state = {
    font: "10px sans-serif",
    fillStyle: "#000000",
    strokeStyle: "#000000",
    textAlign: "start",
    textBaseline: "alphabetic",
    globalAlpha: 1,
    rotated: false,
  };
  const stack = [];
  const ctx = {
    save: () => stack.push({ ...state }),
    restore: () => Object.assign(state, stack.pop() || {}),
    measureText: (text) => ({ width: measure(text, state.font), actualBoundingBoxAscent: 8, actualBoundingBoxDescent: 2 }),
    fillText: (text, x, y, maxWidth) => log.texts.push(box(String(text), x, y, maxWidth, state)),
    fill: () => log.fills.add(String(state.fillStyle)),
    fillRect: () => log.fills.add(String(state.fillStyle)),
    stroke: () => log.strokes.add(String(state.strokeStyle)),
    strokeRect: () => log.strokes.add(String(state.strokeStyle)),
    createLinearGradient: () => ({ addColorStop() {} }),
    getLineDash: () => [],
    rotate: () => {
      state.rotated = true;
    },
  };
  return new Proxy(ctx, {
    get(target, prop) {
      if (prop in target) return target[prop];
      if (prop in state) return state[prop];
      return () => {};
    },
    set(_target, prop, value) {
      state[prop] = value;
      return true;
    },
  });
}

function fakeCanvas(log) {
  const ctx = recorder(log);
  return { width: 0, height: 0, style: {}, getContext: () => ctx };
}

/**
 * A view of `run`, `width` pixels wide, that paints in Node; `paint(t)` paints the frame at
 * `t` and returns what it drew.
 */
export function painter(run, { width = 900, presenter = false, compact = false, speed = 1 } = {}) {
  const log = { texts: [], fills: new Set(), strokes: new Set() };
  globalThis.document ??= { createElement: () => fakeCanvas(log) };
  const v = createView({ dataset: {} }, fakeCanvas(log));
  v.ctx = fakeCanvas(log).getContext();
  v.bctx = fakeCanvas(log).getContext();
  v.background = fakeCanvas(log);
  v.run = run;
  v.head = new Playhead(run);
  v.head.leg = legFor(speed);
  v.speed = speed;
  v.presenter = presenter;
  v.compact = compact;
  v.layout = makeLayout({ width, presenter, compact, run, measure });
  return {
    v,
    paint(t) {
      log.texts = [];
      log.fills = new Set();
      log.strokes = new Set();
      v.t = t;
      v.backgroundKey = ""; // the background's texts too, in every frame painted
      paintFrame(v);
      return { texts: log.texts, fills: log.fills, strokes: log.strokes };
    },
  };
}
