// @ts-check
// The view by keyboard: what a key does (a pure mapping, so Node tests it), and which
// shopper the "follow" keys pick. Keys are the view's while it has focus: it stops them
// reaching the notebook (JupyterLab's command mode would otherwise take ArrowRight to the
// next cell, or "a" to a new one), except Tab and keys with Ctrl, Alt or Meta.

import { lower } from "./arrays.js";

/** @typedef {import("./run.js").Run} Run */
/**
 * @typedef {{ kind: "play" } | { kind: "seek", by?: number, to?: number } |
 *   { kind: "follow-loser" } | { kind: "follow", by: number } | { kind: "unfollow" } |
 *   { kind: "native" }} KeyAction
 *   what a key asks: play or pause; move the time (by seconds, or to a time); follow the next
 *   shopper who loses a cart, or the next / previous shopper; stop following; or nothing but
 *   the focused control's own behaviour (a button's Space, a list's arrows)
 */

/** Seconds one arrow key moves the time, and with Shift (or Page Up / Page Down). */
export const STEP = 1;
export const BIG_STEP = 10;

/**
 * What `event` does with the view focused on an element of tag `tag` (null: the key is not
 * the view's, let the page have it).
 * @param {{ key: string, shiftKey?: boolean, ctrlKey?: boolean, altKey?: boolean, metaKey?: boolean }} event
 * @param {string} [tag] the focused element's tag name ("BUTTON", "SELECT", "INPUT", "CANVAS")
 * @returns {KeyAction | null}
 */
export function keyAction(event, tag = "") {
  if (event.ctrlKey || event.altKey || event.metaKey || event.key === "Tab") return null;
  const step = event.shiftKey ? BIG_STEP : STEP;
  const list = tag === "SELECT";
  switch (event.key) {
    case " ":
    case "Spacebar":
      return tag === "BUTTON" || list ? { kind: "native" } : { kind: "play" };
    case "Enter":
      return tag === "BUTTON" || list ? { kind: "native" } : { kind: "play" };
    case "ArrowRight":
    case "ArrowUp":
      return list ? { kind: "native" } : { kind: "seek", by: step };
    case "ArrowLeft":
    case "ArrowDown":
      return list ? { kind: "native" } : { kind: "seek", by: -step };
    case "PageUp":
      return { kind: "seek", by: BIG_STEP };
    case "PageDown":
      return { kind: "seek", by: -BIG_STEP };
    case "Home":
      return { kind: "seek", to: 0 };
    case "End":
      return { kind: "seek", to: Number.POSITIVE_INFINITY };
    case "f":
    case "F":
      return { kind: "follow-loser" };
    case "]":
      return { kind: "follow", by: 1 };
    case "[":
      return { kind: "follow", by: -1 };
    case "Escape":
      return { kind: "unfollow" };
    default:
      return { kind: "native" };
  }
}

/**
 * The next shopper to lose a cart after `t` (the first of the run when none is left), and
 * when: `{ session, at }`, or null in a run that loses none.
 * @param {Run} run @param {number} t model seconds
 */
export function nextLoser(run, t) {
  if (!run.lossTimes.length) return null;
  let j = lower(run.lossTimes, t + 1e-9);
  if (j >= run.lossTimes.length) j = 0;
  return { session: run.lossSessions[j], at: run.lossTimes[j] };
}

/**
 * The shopper after (`by` = 1) or before (-1) `current` among those shopping at `t`, by
 * number, wrapping round; the first (or last) when `current` is not one of them; -1 when
 * nobody is shopping.
 * @param {Run} run @param {number} t model seconds @param {number} current @param {number} by
 */
export function nextShopper(run, t, current, by) {
  const shopping = [];
  for (let k = 0; k < run.nSes; k++) if (run.s.start[k] <= t && t < run.sesEnds[k]) shopping.push(k);
  if (!shopping.length) return -1;
  const here = shopping.indexOf(current);
  if (here < 0) {
    if (by > 0) return shopping.find((k) => k > current) ?? shopping[0];
    return [...shopping].reverse().find((k) => k < current) ?? shopping[shopping.length - 1];
  }
  return shopping[(here + by + shopping.length) % shopping.length];
}
