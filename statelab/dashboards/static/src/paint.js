// @ts-check
// Drawing primitives on a 2D canvas, the view's own colours (the course's palette comes
// from Python, in meta.palette), and the buffers each frame fills with what it draws.

export const INK = "#222222";
export const OK_COLOUR = "#3B3B3B";
export const LATENCY = "#333333"; // the one colour of the latency chart (three dash styles)
export const FUTURE = "rgba(255,255,255,0.9)"; // laid over the charts after the cursor
export const DARK_YELLOW = "#8A7F00"; // text and outlines in the yellow node's colour

/**
 * @typedef {import("./contract.js").Palette} Palette
 * @typedef {CanvasRenderingContext2D} Ctx
 */

/**
 * The colour of node k (a dead node's for k < 0), as style.node_colour in Python.
 * @param {Palette} palette @param {number} k
 */
export const nodeColour = (palette, k) => (k < 0 ? palette.dead : palette.nodes[k % palette.nodes.length]);

/**
 * The first of `texts` that fits in `room` CSS pixels in the context's font now ("" if none
 * does): the view shortens a label rather than squash or cut it.
 * @param {Ctx} c @param {string[]} texts @param {number} room
 */
export function fitting(c, texts, room) {
  return texts.find((text) => c.measureText(text).width <= room) ?? "";
}

/** @param {Ctx} c @param {number} x @param {number} y @param {number} w @param {number} h @param {number} r */
export function roundRect(c, x, y, w, h, r) {
  c.beginPath();
  c.moveTo(x + r, y);
  c.arcTo(x + w, y, x + w, y + h, r);
  c.arcTo(x + w, y + h, x, y + h, r);
  c.arcTo(x, y + h, x, y, r);
  c.arcTo(x, y, x + w, y, r);
  c.closePath();
}

/** @param {Ctx} c @param {number} x @param {number} y @param {number} r @param {string} colour */
export function dotAt(c, x, y, r, colour) {
  c.beginPath();
  c.arc(x, y, r, 0, 2 * Math.PI);
  c.fillStyle = colour;
  c.fill();
}

/** @param {Ctx} c @param {number} x @param {number} y @param {number} r @param {string} colour */
export function ring(c, x, y, r, colour) {
  c.beginPath();
  c.arc(x, y, r, 0, 2 * Math.PI);
  c.strokeStyle = colour;
  c.lineWidth = 1.5;
  c.stroke();
}

/** @param {Ctx} c @param {number} x @param {number} y @param {number} r @param {string} colour */
export function cross(c, x, y, r, colour) {
  c.beginPath();
  c.moveTo(x - r, y - r);
  c.lineTo(x + r, y + r);
  c.moveTo(x - r, y + r);
  c.lineTo(x + r, y - r);
  c.strokeStyle = colour;
  c.lineWidth = 2;
  c.stroke();
}

/**
 * Points drawn in one frame (CSS pixels), each with a kind and the session it belongs to:
 * grown when needed, never allocated per frame.
 */
export class Points {
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
    /** @template {Float32Array | Int16Array | Int32Array} T @param {T} a @returns {T} */
    const twice = (a) => {
      const b = /** @type {T} */ (new /** @type {any} */ (a.constructor)(a.length * 2));
      b.set(a);
      return b;
    };
    this.x = twice(this.x);
    this.y = twice(this.y);
    this.kind = twice(this.kind);
    this.session = twice(this.session);
  }
}
