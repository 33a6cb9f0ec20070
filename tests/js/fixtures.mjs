// The committed fixtures of the Node tests (tests/js/fixtures/<preset>.json.gz, made by
// scripts/js_fixtures.py): each preset's payload, as Python sends it, and Python's answers.
// Non-finite numbers in the answers are written as the strings "NaN", "Infinity",
// "-Infinity" (JSON has none); `revive` turns them back into numbers.

import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";
import { prepare } from "../../statelab/dashboards/static/src/run.js";

const folder = join(dirname(fileURLToPath(import.meta.url)), "fixtures");

/** The presets with a fixture, by name. */
export const PRESETS = readdirSync(folder)
  .filter((name) => name.endsWith(".json.gz"))
  .map((name) => name.slice(0, -".json.gz".length))
  .sort();

const NON_FINITE = { NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, "-Infinity": Number.NEGATIVE_INFINITY };

/** @param {any} value */
export function revive(value) {
  if (typeof value === "string" && value in NON_FINITE) return NON_FINITE[value];
  if (Array.isArray(value)) return value.map(revive);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, revive(v)]));
  return value;
}

const cache = new Map();

/**
 * A preset's fixture: `payload` (meta and the blocks as bytes), `times`, `states`, `moves`
 * and (hashing affinities) `owners`, with `run`, the payload as the view prepares it.
 * @param {string} name
 */
export function fixture(name) {
  if (!cache.has(name)) {
    const data = JSON.parse(gunzipSync(readFileSync(join(folder, `${name}.json.gz`))).toString("utf8"));
    const blocks = {};
    for (const block of ["requests", "sessions", "late", "ring"]) {
      const bytes = Buffer.from(data.payload[block], "base64");
      // a fresh buffer, as the widget gets one: typed arrays view it without copying
      blocks[block] = new Uint8Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    }
    const meta = data.payload.meta;
    cache.set(name, {
      preset: data.preset,
      meta,
      blocks,
      times: data.times,
      states: revive(data.states),
      moves: revive(data.moves),
      owners: data.owners ? revive(data.owners) : null,
      run: prepare(meta, blocks),
    });
  }
  return cache.get(name);
}
