// @ts-check
// The grid of a site's Lab: which control values have a run, the file of each, and what to
// say of a value that has none. Python's twin is statelab/site/grid.py (Grid.key).

/**
 * @typedef {{ name: string, label: string, kind: "range" | "select" | "checkbox",
 *   min?: number, max?: number, step?: number, options?: (string | number)[] }} ControlSpec
 * @typedef {{ name: string, axes: Record<string, (string | number)[]>,
 *   fixed: Record<string, any>, shown: string[], noCrash: string,
 *   controls: ControlSpec[] }} GridConfig what the page knows of its grid
 * @typedef {Record<string, any>} Values control name -> value
 */

/**
 * A number as Python's `format(x, "g")` writes the grid's values (60.0 -> "60").
 * @param {any} value
 */
function part(value) {
  return typeof value === "number" ? String(Number(value.toPrecision(6))) : String(value);
}

/**
 * The run file of these values (without `.js`): the axes' values joined by `_`, the
 * crash time only with a crash (as Grid.key).
 * @param {GridConfig} grid @param {Values} values
 */
export function keyOf(grid, values) {
  const parts = [];
  for (const name of Object.keys(grid.axes)) {
    if (name === "crash_at" && values.crash_node === grid.noCrash) continue;
    parts.push(part(values[name]));
  }
  return parts.join("_");
}

/**
 * Two control values the same (a number from a range input against the grid's).
 * @param {any} a @param {any} b
 */
function same(a, b) {
  if (typeof a === "number" || typeof b === "number") return Number(a) === Number(b);
  return a === b;
}

/**
 * The controls whose values the grid has no run for: each with its value and what the
 * site holds. A crash time does not count when there is no crash.
 * @param {GridConfig} grid @param {Values} values
 * @returns {{ name: string, value: any, allowed: any[] }[]}
 */
export function outside(grid, values) {
  const found = [];
  for (const name of Object.keys(values)) {
    if (name === "crash_at" && values.crash_node === grid.noCrash) continue;
    const allowed = grid.axes[name] ?? [grid.fixed[name]];
    if (!allowed.some((value) => same(value, values[name]))) {
      found.push({ name, value: values[name], allowed });
    }
  }
  return found;
}

/**
 * A control's value as the page says it.
 * @param {any} value
 */
export function said(value) {
  if (value === true) return "on";
  if (value === false) return "off";
  return part(value);
}

/**
 * One sentence for the controls outside the grid: what was asked, what the site holds,
 * and what the view shows meanwhile.
 * @param {GridConfig} grid @param {{ name: string, value: any, allowed: any[] }[]} found
 */
export function outsideMessage(grid, found) {
  const label = (/** @type {string} */ name) => grid.controls.find((c) => c.name === name)?.label ?? name;
  const asked = found.map((f) => `${label(f.name)} ${said(f.value)}`).join(", ");
  const held = found.map((f) => `${label(f.name)} ${f.allowed.map(said).join(" / ")}`).join("; ");
  return (
    `No run for ${asked} on this site: it holds runs for ${held}. ` +
    "The view keeps the run it shows; in JupyterLab the Lab runs any value."
  );
}

/**
 * The crash node's choices for a cluster of `nodes`: none, then each node.
 * @param {GridConfig} grid @param {number} nodes
 */
export function crashChoices(grid, nodes) {
  return [grid.noCrash, ...Array.from({ length: nodes }, (_, k) => k)];
}

/**
 * What the page's Lab holds runs for, in a sentence.
 * @param {GridConfig} grid
 */
export function holds(grid) {
  const label = (/** @type {string} */ name) => grid.controls.find((c) => c.name === name)?.label ?? name;
  const axes = Object.entries(grid.axes).map(([name, values]) => {
    if (name === "nodes" && values.every((v, i) => i === 0 || Number(v) === Number(values[i - 1]) + 1)) {
      return `${label(name)} ${values[0]} to ${values[values.length - 1]}`;
    }
    return `${label(name)} ${values.map(said).join(" / ")}`;
  });
  const crashAt = grid.axes.crash_at ? "" : ` (a crash at ${said(grid.fixed.crash_at)} s)`;
  return `This Lab answers from runs made with the site: ${axes.join(" · ")}${crashAt}; the other controls at their values shown.`;
}
