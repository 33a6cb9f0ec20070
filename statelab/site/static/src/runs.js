// @ts-check
// A run of the site's grid: its file, and its bytes back as the view's traits.
//
// A run file is a script, `runs/<grid>/<key>.js`, that calls `statelabSiteRun(name, data)`
// (a script and not a JSON file: a page opened from file:// may load scripts but not fetch
// files). `data` is base64 of gzipped bytes: a little-endian uint32 n, n bytes of JSON
// (meta, readout, the lengths of the four blocks), then the blocks (statelab/site/grid.py).

/** The byte blocks of a run, in the order its file holds them. */
export const BLOCKS = /** @type {const} */ (["requests", "sessions", "late", "ring"]);
/** The function a run file calls. */
export const CALLBACK = "statelabSiteRun";

/**
 * @typedef {{ meta: any, readout: string, requests: DataView, sessions: DataView,
 *   late: DataView, ring: DataView }} SiteRun a run as the view's traits, and its readout
 */

/**
 * The bytes of base64 text.
 * @param {string} text
 */
export function fromBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * Gzipped bytes undone by the browser (or Node 18's) own DecompressionStream.
 * @param {Uint8Array<ArrayBuffer>} bytes
 * @returns {Promise<ArrayBuffer>}
 */
export async function gunzip(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Response(stream).arrayBuffer();
}

/**
 * A run's unzipped bytes as its traits and readout.
 * @param {ArrayBuffer} buffer
 * @returns {SiteRun}
 */
export function parseRun(buffer) {
  const view = new DataView(buffer);
  const n = view.getUint32(0, true);
  const head = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, n)));
  if (!Array.isArray(head.lengths) || head.lengths.length !== BLOCKS.length) {
    throw new Error(`a run file of the site holds ${BLOCKS.length} blocks; this one says ${JSON.stringify(head.lengths)}`);
  }
  /** @type {any} */
  const run = { meta: head.meta, readout: head.readout };
  let at = 4 + n;
  BLOCKS.forEach((name, i) => {
    run[name] = new DataView(buffer, at, head.lengths[i]);
    at += head.lengths[i];
  });
  if (at !== buffer.byteLength) throw new Error(`a run file of the site has ${buffer.byteLength - at} bytes too many`);
  return run;
}

/**
 * A run file's text (base64) as its run.
 * @param {string} text
 */
export async function decodeRun(text) {
  return parseRun(await gunzip(fromBase64(text)));
}

/**
 * Loads run files by script element, each once: `load(name)` resolves with the run of
 * `<base>/<name>.js` once its script has called back.
 * @param {string} base the runs' folder, relative to the page ("runs")
 * @param {Document} doc
 */
export function runLoader(base, doc = document) {
  /** @type {Map<string, Promise<SiteRun>>} */
  const runs = new Map();
  /** @type {Map<string, (text: string) => void>} */
  const waiting = new Map();
  /** @type {any} */ (doc.defaultView)[CALLBACK] = (/** @type {string} */ name, /** @type {string} */ text) => {
    const found = waiting.get(name);
    if (found) {
      waiting.delete(name);
      found(text);
    }
  };
  /** @param {string} name */
  function load(name) {
    let run = runs.get(name);
    if (!run) {
      run = new Promise((resolve, reject) => {
        waiting.set(name, (text) => resolve(decodeRun(text)));
        const script = doc.createElement("script");
        script.src = `${base}/${name}.js`;
        script.async = true;
        script.onload = () => script.remove();
        script.onerror = () => {
          script.remove();
          waiting.delete(name);
          runs.delete(name);
          reject(new Error(`the site has no run ${name} (${script.src})`));
        };
        doc.head.appendChild(script);
      });
      runs.set(name, run);
    }
    return run;
  }
  return { load };
}
