// @ts-check
// The text under the canvas: the counts so far beside the whole run's, and the followed
// shopper's story. Pure functions of the run and the time, so Node can test them.

import { soFar } from "./state.js";
import { causeWord, outcomeWord } from "./words.js";

/** @typedef {import("./run.js").Run} Run */

/**
 * The "so far" lines (HTML): requests ended by outcome, carts lost by cause, duplicate
 * items, each with the whole run's number after a slash.
 * @param {Run} run @param {number} t model seconds
 */
export function soFarHtml(run, t) {
  const summary = run.meta.summary;
  const so = soFar(run, t);
  /** @param {string} key */
  const whole = (key) => (summary[key] != null ? ` <i>/ ${summary[key]}</i>` : "");
  const parts = run.outcomes
    .filter((name) => name !== "in_flight")
    .map((name) => `<span class="sa-${name}"><b>${outcomeWord(name)}</b> ${so.outcomes[name]}${whole(name)}</span>`);
  const lost = run.causes
    .filter((cause) => so.lostByCause[cause] || summary[`sessions_lost_${cause}`])
    .map((cause) => `${causeWord(cause)} ${so.lostByCause[cause]}${whole(`sessions_lost_${cause}`)}`);
  const p95 = summary.latency_p95;
  return (
    `<div class="sa-row"><span class="sa-head">requests ended so far</span> ${parts.join(" · ")}</div>` +
    `<div class="sa-row"><span class="sa-head">carts lost so far</span> <b class="sa-lost">${so.sessionsLost}</b>` +
    `${whole("sessions_lost")}${lost.length ? ` (${lost.join(", ")})` : ""}` +
    ` · <span class="sa-head">duplicate items so far</span> ${so.duplicates}${whole("duplicate_items")}` +
    `${p95 != null ? ` · <span class="sa-head">p95 of the run</span> <i>${p95.toFixed(2)} s</i>` : ""}` +
    ` <span class="sa-note">(so far = up to t; <i>/ whole run</i>, after the warm-up)</span></div>`
  );
}

/**
 * The rows of session k's requests, in order of arrival.
 * @param {Run} run @param {number} k
 */
export function requestsOf(run, k) {
  const rows = [];
  for (let i = 0; i < run.nReq; i++) if (run.r.session[i] === k) rows.push(i);
  return rows;
}

/**
 * The followed shopper's story at `t` (HTML; "" when none is followed): where its cart is,
 * where it sent its last request, what that request is doing, its requests so far, and
 * whether it lost its cart or left with it.
 * @param {Run} run @param {number} t model seconds @param {number} k the followed session
 * @param {number[]} rows its requests (`requestsOf`) @param {number} cartNode the node holding its cart (-1: none)
 */
export function followCaption(run, t, k, rows, cartNode) {
  if (!(k >= 0) || k >= run.nSes) return "";
  const { r, s } = run;
  let sent = 0;
  let lastNode = -1;
  let now = "";
  /** @type {Record<string, number>} */
  const outcomes = {};
  for (const i of rows) {
    if (r.arrival[i] > t) break;
    sent++;
    if (r.node[i] >= 0) lastNode = r.node[i];
    const e = r.end[i];
    if (!Number.isNaN(e) && e <= t) {
      const name = run.outcomes[r.code[i] & run.bits.outcome_mask];
      outcomes[name] = (outcomes[name] || 0) + 1;
    } else if (r.start[i] <= t) now = `being served by node ${r.node[i]}`;
    else now = r.node[i] >= 0 ? `waiting at node ${r.node[i]}` : "waiting at the balancer";
  }
  const bits = [`<b>Following shopper #${k}</b> <button class="sa-unfollow" type="button">stop</button>`];
  if (s.start[k] > t) {
    bits.push(`arrives at ${s.start[k].toFixed(1)} s`);
    return bits.join(" · ");
  }
  let where = "its cart is in the session store";
  if (run.cartsInMemory) {
    where = cartNode >= 0 ? `its cart is in node ${cartNode}'s memory` : s.lost_at[k] <= t ? "its cart is gone" : "no cart in memory yet";
  } else if (run.state === "cookie") {
    where = "its cart rides in its cookie";
  }
  bits.push(where);
  if (lastNode >= 0) bits.push(`last sent to node ${lastNode}`);
  if (now) bits.push(`a request is ${now}`);
  const done = Object.entries(outcomes).map(([o, n]) => `${n} ${outcomeWord(o)}`);
  bits.push(`${sent} request${sent === 1 ? "" : "s"} sent${done.length ? ` (${done.join(", ")})` : ""}`);
  const at = s.lost_at[k];
  if (at <= t) {
    const cause = run.causes[s.cause[k] - 1];
    const from = s.lost_node[k] >= 0 ? ` (held by node ${s.lost_node[k]})` : "";
    bits.push(`<span class="sa-lost">lost its cart at ${at.toFixed(1)} s: ${causeWord(cause)}${from}</span>`);
  } else if (run.sesEnds[k] <= t) {
    bits.push(`left at ${run.sesEnds[k].toFixed(1)} s with its cart`);
  }
  return bits.join(" · ");
}
