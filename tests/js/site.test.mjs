// The static site's Lab without a kernel (statelab/site/static/src): its grid's keys and
// words, its run files' bytes, and its model of the view's traits.
import assert from "node:assert/strict";
import { test } from "node:test";
import { crashChoices, holds, keyOf, outside, outsideMessage } from "../../statelab/site/static/src/grid.js";
import { LocalModel, showRun } from "../../statelab/site/static/src/model.js";
import { decodeRun, parseRun } from "../../statelab/site/static/src/runs.js";

/** @type {import("../../statelab/site/static/src/grid.js").GridConfig} */
const GRID = {
  name: "lab",
  axes: { nodes: [1, 2, 3, 4, 5, 6], affinity: ["none", "sticky"], state: ["server", "store"], crash_node: ["none", 1] },
  fixed: { nodes: 3, workers: 4, affinity: "sticky", state: "server", crash_node: "none", crash_at: 60, failures: false },
  shown: ["nodes", "workers", "affinity", "state", "crash_node", "crash_at", "failures"],
  noCrash: "none",
  controls: [
    { name: "nodes", label: "web servers", kind: "range", min: 1, max: 12, step: 1 },
    { name: "workers", label: "workers / node", kind: "range", min: 1, max: 16, step: 1 },
    { name: "crash_node", label: "crash node", kind: "select", options: ["none"] },
    { name: "crash_at", label: "crash at (s)", kind: "range", min: 0, max: 120, step: 5 },
    { name: "failures", label: "random failures", kind: "checkbox" },
  ],
};

test("a run's key joins the axes' values as Python's Grid.key does, a crash time only with a crash", () => {
  assert.equal(keyOf(GRID, GRID.fixed), "3_sticky_server_none");
  assert.equal(keyOf(GRID, { ...GRID.fixed, nodes: 4, crash_node: "1" }), "4_sticky_server_1");
  const timed = { ...GRID, axes: { nodes: [1, 2], crash_node: ["none", 0], crash_at: [30, 60] } };
  assert.equal(keyOf(timed, { ...GRID.fixed, nodes: 2, crash_node: 0, crash_at: 60 }), "2_0_60");
  assert.equal(keyOf(timed, { ...GRID.fixed, nodes: 2, crash_node: "none", crash_at: 45 }), "2_none");
  assert.equal(keyOf(timed, { ...GRID.fixed, nodes: 2, crash_node: 0, crash_at: 30.0 }), "2_0_30");
});

test("values off the grid are found, each with what the site holds, and said in one sentence", () => {
  assert.deepEqual(outside(GRID, GRID.fixed), []);
  assert.deepEqual(outside(GRID, { ...GRID.fixed, crash_node: "1" }), [], "a select's text is the grid's number");
  const found = outside(GRID, { ...GRID.fixed, nodes: 7, workers: 5 });
  assert.deepEqual(
    found.map((f) => [f.name, f.value]),
    [
      ["nodes", 7],
      ["workers", 5],
    ],
  );
  const sentence = outsideMessage(GRID, found);
  assert.match(sentence, /^No run for web servers 7, workers \/ node 5 on this site/);
  assert.match(sentence, /web servers 1 \/ 2 \/ 3 \/ 4 \/ 5 \/ 6; workers \/ node 4\./);
  assert.match(sentence, /The view keeps the run it shows/);
  // a crash time off the grid does not count without a crash
  assert.deepEqual(outside(GRID, { ...GRID.fixed, crash_at: 35 }), []);
  assert.deepEqual(
    outside(GRID, { ...GRID.fixed, crash_node: 1, crash_at: 35 }).map((f) => f.name),
    ["crash_at"],
  );
  assert.deepEqual(
    outside(GRID, { ...GRID.fixed, failures: true }).map((f) => [f.name, f.allowed]),
    [["failures", [false]]],
  );
});

test("the crash node offers none, then each node of the cluster", () => {
  assert.deepEqual(crashChoices(GRID, 3), ["none", 0, 1, 2]);
  assert.deepEqual(crashChoices(GRID, 1), ["none", 0]);
});

test("the Lab says what it holds: a range of web servers, the choices, the crash's time", () => {
  assert.equal(
    holds(GRID),
    "This Lab answers from runs made with the site: web servers 1 to 6 · affinity none / sticky · state server / store · " +
      "crash node none / 1 (a crash at 60 s); the other controls at their values shown.",
  );
});

/** A run file's bytes, made as statelab/site/grid.py packs them. */
async function packed(meta, blocks) {
  const head = new TextEncoder().encode(JSON.stringify({ meta, readout: "<b>Whole run</b>", lengths: blocks.map((b) => b.length) }));
  const raw = new Uint8Array(4 + head.length + blocks.reduce((n, b) => n + b.length, 0));
  new DataView(raw.buffer).setUint32(0, head.length, true);
  raw.set(head, 4);
  let at = 4 + head.length;
  for (const block of blocks) {
    raw.set(block, at);
    at += block.length;
  }
  const zipped = await new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream("gzip"))).arrayBuffer();
  return { raw, text: Buffer.from(zipped).toString("base64") };
}

test("a run file decodes to its meta, its readout and its four blocks, byte for byte", async () => {
  const blocks = [new Uint8Array([1, 2, 3, 4]), new Uint8Array([9]), new Uint8Array([]), new Uint8Array([7, 7])];
  const { raw, text } = await packed({ duration: 120, counts: { sessions: 5 } }, blocks);
  const run = await decodeRun(text);
  assert.equal(run.meta.duration, 120);
  assert.equal(run.readout, "<b>Whole run</b>");
  assert.deepEqual([...new Uint8Array(run.requests.buffer, run.requests.byteOffset, run.requests.byteLength)], [1, 2, 3, 4]);
  assert.equal(run.sessions.getUint8(0), 9);
  assert.equal(run.late.byteLength, 0);
  assert.equal(run.ring.getUint8(1), 7);
  const longer = new Uint8Array(raw.length + 1);
  longer.set(raw);
  assert.throws(() => parseRun(longer.buffer), /1 bytes too many/);
});

test("the local model runs its change handlers on a change only, and a new run keeps the time within it", () => {
  const model = new LocalModel({ time: 100, followed: 40, run_id: 0 });
  const seen = [];
  model.on("change:run_id", () => seen.push(["run", model.get("run_id"), model.get("time"), model.get("followed")]));
  model.on("change:time", () => seen.push(["time", model.get("time")]));
  model.set("time", 100);
  model.set("time", 90);
  const empty = new DataView(new ArrayBuffer(0));
  showRun(model, {
    meta: { duration: 60, counts: { sessions: 10 } },
    readout: "",
    requests: empty,
    sessions: empty,
    late: empty,
    ring: empty,
  });
  assert.deepEqual(seen, [
    ["time", 90],
    ["run", 1, 60, -1],
  ]);
});
