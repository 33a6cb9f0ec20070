// The committed bundle (statelab/dashboards/static/animated_cluster.js, what anywidget
// loads) is what the sources build: a change to src/ without `make js` fails here.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const bundle = join(root, "statelab/dashboards/static/animated_cluster.js");

test("the committed bundle is what the sources build", () => {
  let output = "";
  try {
    output = execFileSync(process.execPath, [join(root, "scripts/build_js.mjs"), "--check"], { encoding: "utf8", stdio: "pipe" });
  } catch (error) {
    assert.fail(String(error.stderr || error));
  }
  assert.match(output, /is up to date/);
});

test("the bundle is one module with no import: anywidget loads it alone", () => {
  const text = readFileSync(bundle, "utf8");
  assert.doesNotMatch(text, /^\s*import\s/m);
  assert.match(text, /export\s*\{\s*\w+ as default\s*\}/);
});
