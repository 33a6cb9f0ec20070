// @ts-check
// Sorted-array helpers shared by the view's modules: binary searches, and the fractional
// part that spreads shoppers over their column.

/**
 * First index i in [lo, hi) with a[i] > x (a sorted; NaN at the end counts as +inf).
 * @param {ArrayLike<number>} a
 * @param {number} x
 */
export function upper(a, x, lo = 0, hi = a.length) {
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * First index i in [lo, hi) with a[i] >= x.
 * @param {ArrayLike<number>} a
 * @param {number} x
 */
export function lower(a, x, lo = 0, hi = a.length) {
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The values that are not NaN, sorted.
 * @param {ArrayLike<number>} values
 */
export function sortedFinite(values) {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) n++;
  const out = new Float64Array(n);
  n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i])) out[n++] = values[i];
  return out.sort();
}

/** @param {number} x */
export const frac = (x) => x - Math.floor(x);

/** NaN (the payload's "never") as +inf. @param {number} x */
export const orInf = (x) => (Number.isNaN(x) ? Number.POSITIVE_INFINITY : x);
