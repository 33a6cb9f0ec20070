// What the canvas writes, read off frames painted in Node (painter.mjs) for every preset,
// in the learner's, the presenter's and Compare's (compact) sizes: no text overlaps another,
// leaves the canvas or is squashed; every count of lost carts says over what time; every
// colour the frame paints with a meaning has its word on the frame; colour words name a
// colour the frame shows.

import assert from "node:assert/strict";
import { test } from "node:test";
import { canvasLabel, describeMoment, narration } from "../../statelab/dashboards/static/src/narration.js";
import { soFarHtml } from "../../statelab/dashboards/static/src/text.js";
import { causeWord } from "../../statelab/dashboards/static/src/words.js";
import { fixture, PRESETS } from "./fixtures.mjs";
import { painter } from "./painter.mjs";

const SIZES = {
  learner: { width: 900 },
  presenter: { width: 1250, presenter: true },
  compact: { width: 560, compact: true },
};

/** The moments to paint: every 5 s, and just after each event. */
function moments(run) {
  const times = [];
  for (let t = 0; t <= run.duration; t += 5) times.push(t);
  for (const e of run.events) times.push(e.at + 0.5, e.at + 1.5);
  return times.filter((t) => t <= run.duration);
}

/** Every frame of a preset at every size: [size, t, what it drew]. */
function* frames(name, sizes = Object.keys(SIZES)) {
  const { run } = fixture(name);
  for (const size of sizes) {
    const p = painter(run, SIZES[size]);
    for (const t of moments(run)) yield [size, t, p.paint(t), p.v.layout];
  }
}

const shape = (text) => text.replace(/\d+(\.\d+)?/g, "#");

for (const factor of [0.55, 0.65]) {
  test(`no text overlaps another, leaves the canvas or is squashed (glyphs ${factor} of the size wide)`, () => {
    process.env.WIDTH_FACTOR = String(factor);
    const bad = new Map();
    for (const name of PRESETS) {
      for (const [size, t, drawn, L] of frames(name)) {
        // the balancer's label is written upright along its bar (rotated): its own test
        const texts = drawn.texts.filter((x) => x.text.trim() && !x.rotated);
        for (const a of texts) {
          if (a.squeezed) bad.set(`${size}: squashed "${shape(a.text)}"`, `${name} at ${t} s`);
          if (a.x0 < -0.5 || a.x1 > L.w + 0.5) bad.set(`${size}: off the canvas "${shape(a.text)}"`, `${name} at ${t} s`);
        }
        for (let i = 0; i < texts.length; i++) {
          for (let j = i + 1; j < texts.length; j++) {
            const [a, b] = [texts[i], texts[j]];
            const ox = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0);
            const oy = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
            if (ox > 1 && oy > 1) bad.set(`${size}: "${shape(a.text)}" over "${shape(b.text)}"`, `${name} at ${t} s`);
          }
        }
      }
    }
    delete process.env.WIDTH_FACTOR;
    assert.deepEqual(Object.fromEntries(bad), {});
  });
}

test("the balancer's upright label fits its bar", () => {
  for (const name of PRESETS) {
    for (const [size, t, drawn, L] of frames(name)) {
      for (const x of drawn.texts.filter((x) => x.rotated)) {
        assert.ok(x.x1 - x.x0 <= L.bottom - L.top, `${name} ${size} at ${t} s: "${x.text}"`);
      }
    }
  }
});

/** A count of lost carts with no span: "9 lost", "lost: 10" without "so far" and the like. */
const SPANS = /so far|in the last [\d.]+ s|whole run|running total|by the end|in this run|now/;
function unspanned(texts) {
  return texts.filter((text) => /\blost\b/.test(text) && /\d/.test(text) && !SPANS.test(text));
}

test("every count of lost carts on the canvas says over what time", () => {
  const bad = new Set();
  for (const name of PRESETS) {
    for (const [, , drawn] of frames(name, ["learner"])) {
      for (const text of unspanned(drawn.texts.map((x) => x.text))) bad.add(shape(text));
    }
  }
  assert.deepEqual([...bad], []);
});

test("every count of lost carts in the words under and about the canvas says over what time", () => {
  for (const name of PRESETS) {
    const { run } = fixture(name);
    const lines = narration(run);
    const said = lines.map((l) => l.text);
    for (const t of moments(run).filter((_, i) => i % 10 === 0)) {
      said.push(canvasLabel(run, t), describeMoment(run, t, lines));
      // the so-far lines: each row is headed "... so far", its whole-run number after a slash
      for (const row of soFarHtml(run, t).split("</div>")) {
        const text = row.replace(/<[^>]+>/g, "");
        if (/lost/.test(text)) assert.match(text, /so far/, `${name}: ${text}`);
      }
    }
    assert.deepEqual(unspanned(said).map(shape), [], name);
  }
});

test("every colour the frame paints with a meaning has its word on the frame", () => {
  for (const name of PRESETS) {
    const { run } = fixture(name);
    const palette = run.palette;
    for (const [size, t, drawn] of frames(name, ["learner", "compact"])) {
      const words = drawn.texts.map((x) => x.text).join(" | ");
      const colours = new Set([...drawn.fills, ...drawn.strokes, ...drawn.texts.map((x) => x.colour)]);
      const where = `${name} ${size} at ${t} s`;
      palette.nodes.forEach((colour, i) => {
        if (!colours.has(colour)) return;
        // node k wears colour k mod 7: one of them is named on the frame, by its number
        const named = [...Array(Math.max(run.nodes, palette.nodes.length)).keys()]
          .filter((k) => k % palette.nodes.length === i)
          .some((k) => new RegExp(`\\b(node ${k}|n${k})\\b`).test(words));
        assert.ok(named || i >= run.nodes, `${where}: node colour ${colour} with no node named`);
      });
      if (colours.has(palette.lost)) assert.match(words, /lost/, where);
      if (colours.has(palette.duplicate)) assert.match(words, /twice/, where);
      if (colours.has(palette.dead)) assert.match(words, /down|DOWN|not running/, where);
      for (const [cause, colour] of Object.entries(palette.causes)) {
        if (colour === palette.lost || !colours.has(colour)) continue;
        const word = cause === "store_outage" ? /store/ : new RegExp(causeWord(cause));
        assert.match(words, word, `${where}: ${cause}'s colour ${colour} with no word`);
      }
    }
  }
});

const COLOUR_WORDS = { vermillion: "lost", grey: "dead", yellow: "duplicate" };

test("a colour named in the view's words is a colour the frame shows", () => {
  for (const name of PRESETS) {
    const { run } = fixture(name);
    for (const [size, t, drawn] of frames(name, ["learner"])) {
      const colours = new Set([...drawn.fills, ...drawn.strokes, ...drawn.texts.map((x) => x.colour)]);
      for (const { text } of drawn.texts) {
        assert.doesNotMatch(text, /\b(red|orange|green|blue|purple|pink)\b/, `${name} ${size} at ${t} s: "${text}"`);
        for (const [word, key] of Object.entries(COLOUR_WORDS)) {
          if (new RegExp(`\\b${word}\\b`).test(text)) assert.ok(colours.has(run.palette[key]), `${name} at ${t} s: "${text}"`);
        }
      }
    }
  }
});
