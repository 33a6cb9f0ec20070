// Bundle the animated view's sources (statelab/dashboards/static/src/, ES modules) into the
// one file anywidget loads (statelab/dashboards/static/animated_cluster.js), with esbuild.
// The bundle is committed, so learners need no Node.
//
//   node scripts/build_js.mjs          write the bundle (`make js`)
//   node scripts/build_js.mjs --check  exit 1 if the committed bundle is not what the
//                                      sources build (tests/test_js.py runs this)

import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const entry = join(root, "statelab/dashboards/static/src/widget.js");
const bundle = join(root, "statelab/dashboards/static/animated_cluster.js");

const result = await build({
  entryPoints: [entry],
  bundle: true,
  format: "esm",
  target: "es2020",
  charset: "utf8",
  legalComments: "none",
  write: false,
  banner: {
    js: "// The animated cluster view of statelab, bundled by esbuild from statelab/dashboards/static/src/\n// (`make js`): edit the sources there, not this file.",
  },
});
const text = result.outputFiles[0].text;
const where = relative(root, bundle);
if (process.argv.includes("--check")) {
  let committed = "";
  try {
    committed = readFileSync(bundle, "utf8");
  } catch {
    // missing: stale
  }
  if (committed !== text) {
    console.error(`${where} is not what the sources build: run \`make js\` and commit it`);
    process.exit(1);
  }
  console.log(`${where} is up to date (${text.length} bytes)`);
} else {
  writeFileSync(bundle, text);
  console.log(`wrote ${where} (${text.length} bytes)`);
}
