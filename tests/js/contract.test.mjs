// The contract with Python: the payload's version is checked, every field it reads is
// there, and bad bytes are refused with a message that names what is wrong.

import assert from "node:assert/strict";
import { test } from "node:test";
import { checkMeta, readColumns, TYPES, VERSION } from "../../statelab/dashboards/static/src/contract.js";
import { prepare } from "../../statelab/dashboards/static/src/run.js";
import { fixture, PRESETS } from "./fixtures.mjs";

const meta = () => structuredClone(fixture("crash").meta);

test("the fixtures are of the version the view reads", () => {
  for (const name of PRESETS) assert.equal(fixture(name).meta.version, VERSION, name);
});

test("a payload of another version is refused, saying both versions", () => {
  const old = { ...meta(), version: VERSION - 1 };
  assert.throws(
    () => checkMeta(old),
    (error) => {
      assert.match(error.message, new RegExp(`reads payloads of version ${VERSION}, the run is version ${VERSION - 1}`));
      assert.match(error.message, /restart the kernel/);
      return true;
    },
  );
  assert.throws(() => prepare({ ...meta(), version: undefined }, fixture("crash").blocks), /the run is version undefined/);
});

test("a meta without a field the view reads is refused, naming the field", () => {
  for (const field of ["palette", "bits", "outcomes", "node_changes", "panels", "hashing"]) {
    const m = meta();
    delete m[field];
    assert.throws(() => checkMeta(m), new RegExp(`has no "${field}"`), field);
  }
  const c = meta();
  delete c.palette.causes.crash;
  assert.throws(() => checkMeta(c), /meta.palette.causes has no colour for "crash"/);
  const p = meta();
  delete p.palette.duplicate;
  assert.throws(() => checkMeta(p), /meta.palette has no "duplicate"/);
  const m = meta();
  m.columns.sessions = m.columns.sessions.filter((c) => c[0] !== "lost_at");
  assert.throws(() => checkMeta(m), /block "sessions" has no column "lost_at"/);
  const n = meta();
  n.statuses = n.statuses.filter((s) => s !== "draining");
  assert.throws(() => checkMeta(n), /has no "draining"/);
});

test("the view reads the five column types Python sends, and names one it does not", () => {
  assert.deepStrictEqual(Object.keys(TYPES).sort(), ["f64", "i32", "i8", "u32", "u8"]);
  for (const name of PRESETS) {
    for (const columns of Object.values(fixture(name).meta.columns)) {
      for (const [, dtype] of columns) assert.ok(dtype in TYPES, `${name}: ${dtype}`);
    }
  }
  assert.throws(() => readColumns(new Uint8Array(8), [["x", "float64", 0]], 1), /column "x" has type "float64"; the view reads f64, i32/);
});

test("columns are read little-endian, at their offsets, copied only when unaligned", () => {
  const bytes = new Uint8Array(1 + 8 + 4);
  const view = new DataView(bytes.buffer);
  view.setFloat64(1, 2.5, true);
  view.setInt32(9, -7, true);
  const out = readColumns(
    bytes.subarray(1),
    [
      ["a", "f64", 0],
      ["b", "i32", 8],
    ],
    1,
  );
  assert.equal(out.a[0], 2.5);
  assert.equal(out.b[0], -7);
  const aligned = new Uint8Array(16);
  new DataView(aligned.buffer).setFloat64(8, 4, true);
  const read = readColumns(aligned, [["c", "f64", 8]], 1);
  assert.equal(read.c.buffer, aligned.buffer, "an aligned column is a view, not a copy");
  assert.throws(
    () => readColumns(new Uint8Array(4), [["d", "f64", 0]], 1),
    /column "d" \(1 rows of f64 from byte 0\) runs past its block \(4 bytes\)/,
  );
});

test("a block that is not bytes is refused", () => {
  assert.throws(() => readColumns(/** @type {any} */ ([1, 2]), [["a", "u8", 0]], 2), /a column block is \[object Array\], not bytes/);
});

test("every preset prepares with the counts its meta gives", () => {
  for (const name of PRESETS) {
    const { run, meta: m } = fixture(name);
    assert.equal(run.nReq, m.counts.requests, name);
    assert.equal(run.nSes, m.counts.sessions, name);
    assert.equal(run.r.arrival.length, m.counts.requests, name);
    let moved = 0;
    for (let i = 0; i < run.nReq; i++) if (run.r.code[i] & m.bits.moved) moved++;
    assert.equal(moved, m.counts.moves, `${name}: requests with the moved bit`);
    assert.equal(run.lossTimes.length, m.counts.losses, `${name}: losses`);
  }
});
