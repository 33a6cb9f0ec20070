// @ts-check
// The contract with Python (statelab/view/playback.py): the payload's version, its meta and
// its column blocks. Everything the view reads from Python is named here, and checked when a
// run arrives: a payload of another version, or one missing a field, is refused with a
// message that says which, never read with a silent default.

/** The payload version this view reads (playback.VERSION). */
export const VERSION = 2;

/**
 * @typedef {[name: string, dtype: string, offset: number]} Column
 *   a column of a block: its name, its type (one of `TYPES`) and where it starts (bytes)
 * @typedef {{ outcome_mask: number, applied: number, duplicate: number, moved: number, late: number }} Bits
 *   the bits of a request's `code`: its outcome's index (under `outcome_mask`), then flags
 * @typedef {{ nodes: string[], lost: string, dead: string, duplicate: string, causes: Record<string, string> }} Palette
 *   the course's colours (statelab/view/style.py): node k is `nodes[k % nodes.length]`; lost
 *   carts; a dead node; an item added twice; each cause of a lost cart
 * @typedef {{ kind: string, at: number, node?: number, nodes?: number, size?: number, duration?: number, mode?: string }} Event
 *   a scenario event (Crash, Restart, ScaleTo, StoreOutage) or an autoscaler resize (Autoscale)
 * @typedef {{ at: number, kind: string, before: number, after: number, moved: number, keys: number,
 *   theory: number | null, sessions: number[] }} HashChange
 *   a change of the hashed nodes: live nodes before and after, the active keys it moved
 *   (`sessions`: the model's answer) of `keys`, and theory's share
 * @typedef {{ kind: "ring" | "modulo", configured?: boolean, vnodes?: number, changes: HashChange[] }} Hashing
 * @typedef {{ times: number[], lost: Record<string, number[]>, active: number[],
 *   windows: { width: number, time: number[], p50: (number | null)[], p95: (number | null)[], p99: (number | null)[] } }} Panels
 *   what the two charts draw over the whole run (seconds, counts)
 * @typedef {{
 *   version: number, duration: number, warmup: number, nodes: number, max_nodes: number,
 *   workers: number, state: string, affinity: string, balancer: string, store: boolean,
 *   store_latency: number, store_workers: number, memory: boolean, sample_interval: number,
 *   outcomes: string[], causes: string[], statuses: string[], bits: Bits, palette: Palette,
 *   events: Event[], node_changes: [number, number, number][],
 *   summary: Record<string, number | null>, counts: Record<string, number>,
 *   columns: Record<string, Column[]>, hashing: Hashing | null, panels: Panels
 * }} Meta
 *   the payload's meta (playback.payload): times in seconds from the start of the run
 * @typedef {{ requests: Bytes, sessions: Bytes, late: Bytes, ring: Bytes }} Blocks
 *   the column blocks, as the widget's model gives them
 * @typedef {DataView | ArrayBuffer | ArrayBufferView | null | undefined} Bytes
 */

/** The typed array of each column type Python sends (playback.DTYPE_NAMES). */
export const TYPES = {
  f64: Float64Array,
  i32: Int32Array,
  u32: Uint32Array,
  i8: Int8Array,
  u8: Uint8Array,
};

/** Fields every meta has (hashing is null without a hashing affinity). */
const FIELDS = [
  "version",
  "duration",
  "nodes",
  "max_nodes",
  "workers",
  "state",
  "affinity",
  "store",
  "store_latency",
  "memory",
  "outcomes",
  "causes",
  "statuses",
  "bits",
  "palette",
  "events",
  "node_changes",
  "summary",
  "counts",
  "columns",
  "hashing",
  "panels",
];
/** Blocks every payload has, with their columns. */
const BLOCKS = {
  requests: ["arrival", "start", "end", "session", "node", "attempt", "code"],
  late: ["queued_from", "left", "row"],
  sessions: ["start", "end", "lost_at", "key", "cause", "lost_node"],
  ring: ["position", "node"],
};
/** What meta.bits and meta.palette name. */
const NAMED = {
  bits: ["outcome_mask", "applied", "duplicate", "moved", "late"],
  palette: ["nodes", "lost", "dead", "duplicate", "causes"],
};
const STATUSES = ["up", "draining", "booting", "down", "removed"];
const OUTCOMES = ["ok", "state_lost", "failed", "timed_out", "in_flight"];

/**
 * Refuse a meta this view cannot read: another version, a field missing, a block or
 * column missing, a status or outcome it does not know.
 * @param {any} meta
 * @returns {Meta}
 */
export function checkMeta(meta) {
  if (!meta || typeof meta !== "object") throw new Error("statelab: the view got no run (payload_meta is empty)");
  if (meta.version !== VERSION) {
    throw new Error(
      `statelab: this view reads payloads of version ${VERSION}, the run is version ${meta.version}: ` +
        "the package and its view do not match (reinstall statelab, then restart the kernel and reload the page)",
    );
  }
  for (const field of FIELDS) {
    if (!(field in meta)) throw new Error(`statelab: the run's meta has no "${field}" (payload version ${VERSION})`);
  }
  for (const [block, names] of Object.entries(BLOCKS)) {
    const columns = meta.columns[block];
    if (!Array.isArray(columns)) throw new Error(`statelab: the run's meta.columns has no block "${block}"`);
    if (!(block in meta.counts)) throw new Error(`statelab: the run's meta.counts has no "${block}"`);
    for (const name of names) {
      if (!columns.some((/** @type {Column} */ c) => c[0] === name)) {
        throw new Error(`statelab: block "${block}" has no column "${name}"`);
      }
    }
  }
  for (const [group, names] of Object.entries(NAMED)) {
    for (const name of names) {
      if (!(name in meta[group])) throw new Error(`statelab: the run's meta.${group} has no "${name}"`);
    }
  }
  for (const cause of meta.causes) {
    if (!(cause in meta.palette.causes)) throw new Error(`statelab: the run's meta.palette.causes has no colour for "${cause}"`);
  }
  for (const name of STATUSES) {
    if (!meta.statuses.includes(name)) throw new Error(`statelab: meta.statuses ${JSON.stringify(meta.statuses)} has no "${name}"`);
  }
  for (const name of OUTCOMES) {
    if (!meta.outcomes.includes(name)) throw new Error(`statelab: meta.outcomes ${JSON.stringify(meta.outcomes)} has no "${name}"`);
  }
  return meta;
}

/**
 * The bytes of a block as a Uint8Array (no copy).
 * @param {Bytes} value
 */
export function asBytes(value) {
  if (!value) return new Uint8Array(0);
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (ArrayBuffer.isView(value)) return new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
  throw new Error(`statelab: a column block is ${Object.prototype.toString.call(value)}, not bytes`);
}

/**
 * Typed-array views over one column block (a column at an unaligned offset is copied).
 * @param {Bytes} value the block's bytes
 * @param {Column[]} spec its columns
 * @param {number} count its rows
 * @returns {Record<string, any>} one typed array a column
 */
export function readColumns(value, spec, count) {
  const bytes = asBytes(value);
  /** @type {Record<string, any>} */
  const out = {};
  for (const [name, dtype, offset] of spec) {
    const Type = TYPES[/** @type {keyof typeof TYPES} */ (dtype)];
    if (!Type) {
      throw new Error(`statelab: column "${name}" has type "${dtype}"; the view reads ${Object.keys(TYPES).join(", ")}`);
    }
    const size = Type.BYTES_PER_ELEMENT;
    if (offset + count * size > bytes.byteLength) {
      throw new Error(
        `statelab: column "${name}" (${count} rows of ${dtype} from byte ${offset}) runs past its block (${bytes.byteLength} bytes)`,
      );
    }
    const at = bytes.byteOffset + offset;
    const buffer = /** @type {ArrayBuffer} */ (bytes.buffer);
    if (count === 0) out[name] = new Type(0);
    else if (at % size === 0) out[name] = new Type(buffer, at, count);
    else out[name] = new Type(buffer.slice(at, at + count * size));
  }
  return out;
}
