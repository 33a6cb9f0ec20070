// Bundle the animated view's sources (statelab/dashboards/static/src/, ES modules) into the
// one file anywidget loads (statelab/dashboards/static/animated_cluster.js), and the static
// site's Lab without a kernel (statelab/site/static/src/) into statelab/site/static/site.js
// (a classic script, which a page opened from file:// may load), with esbuild. Both bundles
// are committed, so learners need no Node.
//
//   node scripts/build_js.mjs          write the bundles (`make js`)
//   node scripts/build_js.mjs --check  exit 1 if a committed bundle is not what the
//                                      sources build (tests/test_js.py runs this)

import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const BUNDLES = [
  {
    entry: "statelab/dashboards/static/src/widget.js",
    bundle: "statelab/dashboards/static/animated_cluster.js",
    format: "esm",
    banner:
      "// The animated cluster view of statelab, bundled by esbuild from statelab/dashboards/static/src/\n// (`make js`): edit the sources there, not this file.",
  },
  {
    entry: "statelab/site/static/src/main.js",
    bundle: "statelab/site/static/site.js",
    format: "iife",
    banner:
      "// The static site's Lab without a kernel, bundled by esbuild from statelab/site/static/src/\n// (`make js`): edit the sources there, not this file.",
  },
];

let stale = false;
for (const { entry, bundle, format, banner } of BUNDLES) {
  const result = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    format: /** @type {"esm" | "iife"} */ (format),
    target: "es2020",
    charset: "utf8",
    legalComments: "none",
    write: false,
    banner: { js: banner },
  });
  const text = result.outputFiles[0].text;
  const where = relative(root, join(root, bundle));
  if (process.argv.includes("--check")) {
    let committed = "";
    try {
      committed = readFileSync(join(root, bundle), "utf8");
    } catch {
      // missing: stale
    }
    if (committed !== text) {
      console.error(`${where} is not what the sources build: run \`make js\` and commit it`);
      stale = true;
    } else {
      console.log(`${where} is up to date (${text.length} bytes)`);
    }
  } else {
    writeFileSync(join(root, bundle), text);
    console.log(`wrote ${where} (${text.length} bytes)`);
  }
}
if (stale) process.exit(1);
