// @ts-check
// The words the view shows for the run's names: causes, outcomes and events.

/** @typedef {import("./contract.js").Event} Event */

/** @type {Record<string, string>} */
export const CAUSE_WORDS = {
  crash: "crash",
  rehash: "rehash",
  scale_in: "scale-in",
  no_affinity: "no affinity",
  store_outage: "store outage",
  cookie_too_large: "cookie too large",
};

/** @type {Record<string, string>} */
export const OUTCOME_WORDS = {
  ok: "ok",
  state_lost: "state lost",
  failed: "failed",
  timed_out: "timed out",
  in_flight: "in flight",
};

/** @param {string} cause */
export const causeWord = (cause) => CAUSE_WORDS[cause] || cause;
/** @param {string} outcome */
export const outcomeWord = (outcome) => OUTCOME_WORDS[outcome] || outcome;

/**
 * An event in a sentence: "node 1 crashes at 60 s".
 * @param {Event} e
 */
export function eventText(e) {
  switch (e.kind) {
    case "Crash":
      return `node ${e.node} crashes at ${e.at} s`;
    case "Restart":
      return `node ${e.node} restarts at ${e.at} s (empty memory)`;
    case "ScaleTo":
      return `scale to ${e.nodes} nodes at ${e.at} s`;
    case "StoreOutage":
      return e.mode === "hang"
        ? `session store hangs from ${e.at} s for ${e.duration} s`
        : `session store down from ${e.at} s for ${e.duration} s`;
    case "Autoscale":
      return `the autoscaler sets ${e.size ?? e.nodes} nodes at ${e.at} s`;
    default:
      return `${e.kind} at ${e.at} s`;
  }
}

/**
 * An event in a few characters, for the charts: "crash n1".
 * @param {Event} e
 */
export function shortEvent(e) {
  switch (e.kind) {
    case "Crash":
      return `crash n${e.node}`;
    case "Restart":
      return `n${e.node} back`;
    case "ScaleTo":
      return `→ ${e.nodes} nodes`;
    case "StoreOutage":
      return e.mode === "hang" ? "store hangs" : "store down";
    case "Autoscale":
      return `→ ${e.size ?? e.nodes}`;
    default:
      return String(e.kind || "").toLowerCase();
  }
}
