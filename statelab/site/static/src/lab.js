// @ts-check
// The Lab without a kernel: the Lab's main controls as plain form controls, the readout, a
// message line and the animated view, answering from the grid of runs the site was built
// with (grid.js, runs.js). A value the grid has no run for is said in the message line,
// and the view keeps the run it shows.

import { crashChoices, holds, keyOf, outside, outsideMessage, said } from "./grid.js";
import { LocalModel, showRun } from "./model.js";

/**
 * @typedef {import("./grid.js").GridConfig & { moments?: { label: string, values: Record<string, any> }[],
 *   presenter?: boolean }} LabConfig
 * @typedef {{ render: (props: { model: any, el: HTMLElement }) => (() => void) | undefined }} ViewModule
 * @typedef {{ load: (name: string) => Promise<import("./runs.js").SiteRun> }} Loader
 */

let made = 0;

/**
 * A control's element: a labelled range (with its value shown), select or checkbox.
 * @param {import("./grid.js").ControlSpec} spec @param {any} value @param {string} id
 */
function makeControl(spec, value, id) {
  const row = document.createElement("div");
  row.className = `statelab-site-control statelab-site-${spec.kind}`;
  const label = document.createElement("label");
  label.htmlFor = id;
  label.textContent = spec.label;
  /** @type {HTMLInputElement | HTMLSelectElement} */
  let input;
  /** @type {HTMLOutputElement | null} */
  let shown = null;
  if (spec.kind === "select") {
    input = document.createElement("select");
    fillOptions(input, spec.options ?? [], value);
  } else {
    input = document.createElement("input");
    if (spec.kind === "checkbox") {
      input.type = "checkbox";
      input.checked = !!value;
    } else {
      input.type = "range";
      input.min = String(spec.min);
      input.max = String(spec.max);
      input.step = String(spec.step);
      input.value = String(value);
      shown = document.createElement("output");
      shown.htmlFor.add(id);
      shown.setAttribute("aria-hidden", "true"); // the range says its own value; no live region a slider
      shown.textContent = said(value);
    }
  }
  input.id = id;
  input.name = spec.name;
  if (spec.kind === "checkbox") row.append(input, label);
  else row.append(label, input);
  if (shown) row.append(shown);
  return { row, input, shown };
}

/**
 * @param {HTMLSelectElement} select @param {(string | number)[]} options @param {any} value
 */
function fillOptions(select, options, value) {
  select.replaceChildren(
    ...options.map((option) => {
      const element = document.createElement("option");
      element.value = String(option);
      element.textContent = String(option);
      return element;
    }),
  );
  select.value = String(value);
}

/**
 * A control's value read back in the grid's terms (numbers as numbers).
 * @param {import("./grid.js").ControlSpec} spec @param {HTMLInputElement | HTMLSelectElement} input
 */
function readValue(spec, input) {
  if (spec.kind === "checkbox") return /** @type {HTMLInputElement} */ (input).checked;
  if (spec.kind === "range") return Number(input.value);
  const number = Number(input.value);
  return input.value !== "" && Number.isFinite(number) ? number : input.value;
}

/**
 * Builds the Lab into `el` and shows the grid's first run.
 * @param {HTMLElement} el @param {LabConfig} config @param {ViewModule} viewModule @param {Loader} loader
 */
export function mountLab(el, config, viewModule, loader) {
  made += 1;
  const root = document.createElement("div");
  root.className = "statelab-site-lab";
  root.classList.toggle("statelab-site-presenter", !!config.presenter);
  const form = document.createElement("form");
  form.className = "statelab-site-controls";
  form.setAttribute("aria-label", "The Lab's controls");
  form.addEventListener("submit", (event) => event.preventDefault());
  /** @type {Record<string, any>} */
  const values = { ...config.fixed };
  /** @type {Record<string, { input: HTMLInputElement | HTMLSelectElement, shown: HTMLOutputElement | null }>} */
  const inputs = {};
  const shownSpecs = config.controls.filter((spec) => config.shown.includes(spec.name));
  for (const spec of shownSpecs) {
    const { row, input, shown } = makeControl(spec, values[spec.name], `statelab-site-${made}-${spec.name}`);
    inputs[spec.name] = { input, shown };
    form.append(row);
  }
  const moments = document.createElement("div");
  moments.className = "statelab-site-moments";
  for (const moment of config.moments ?? []) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = moment.label;
    button.addEventListener("click", () => setValues({ ...config.fixed, ...moment.values }));
    moments.append(button);
  }
  const held = document.createElement("p");
  held.className = "statelab-site-holds";
  held.textContent = holds(config);
  const message = document.createElement("div");
  message.className = "statelab-site-message";
  message.setAttribute("role", "status");
  const readout = document.createElement("div");
  readout.className = "statelab-readout statelab-site-readout";
  const viewBox = document.createElement("div");
  viewBox.className = "statelab-site-view";
  root.append(held, form);
  if (moments.childElementCount) root.append(moments);
  root.append(message, readout, viewBox);
  el.replaceChildren(root);

  const model = new LocalModel({
    payload_meta: {},
    requests: new DataView(new ArrayBuffer(0)),
    sessions: new DataView(new ArrayBuffer(0)),
    late: new DataView(new ArrayBuffer(0)),
    ring: new DataView(new ArrayBuffer(0)),
    chart_tops: {},
    time: 0,
    playing: false,
    speed: 1,
    followed: -1,
    presenter: !!config.presenter,
    compact: false,
    run_id: 0,
  });
  viewModule.render({ model, el: viewBox });
  let asked = 0; // the newest run asked for: an older one arriving late is not shown

  function syncCrashChoices() {
    const crash = inputs.crash_node;
    if (!crash) return;
    const choices = crashChoices(config, values.nodes);
    if (!choices.some((c) => String(c) === String(values.crash_node))) values.crash_node = config.noCrash;
    fillOptions(/** @type {HTMLSelectElement} */ (crash.input), choices, values.crash_node);
  }

  /** Shows the run of the controls' values, or says why there is none. */
  async function answer() {
    const found = outside(config, values);
    const mine = ++asked;
    if (found.length) {
      message.textContent = outsideMessage(config, found);
      root.dataset.outside = found.map((f) => f.name).join(" ");
      return;
    }
    delete root.dataset.outside;
    const key = keyOf(config, values);
    try {
      const run = await loader.load(`${config.name}/${key}`);
      if (mine !== asked) return;
      message.textContent = "";
      readout.innerHTML = run.readout;
      showRun(model, run);
      root.dataset.key = key;
    } catch (error) {
      if (mine === asked) message.textContent = String(/** @type {Error} */ (error).message);
    }
  }

  /** @param {Record<string, any>} next */
  function setValues(next) {
    Object.assign(values, next);
    syncCrashChoices();
    for (const [name, { input, shown }] of Object.entries(inputs)) {
      if (input instanceof HTMLInputElement && input.type === "checkbox") input.checked = !!values[name];
      else input.value = String(values[name]);
      if (shown) shown.textContent = said(values[name]);
    }
    answer();
  }

  for (const spec of shownSpecs) {
    const { input, shown } = inputs[spec.name];
    input.addEventListener(spec.kind === "range" ? "input" : "change", () => {
      values[spec.name] = readValue(spec, input);
      if (shown) shown.textContent = said(values[spec.name]);
      if (spec.name === "nodes") syncCrashChoices();
      answer();
    });
  }
  syncCrashChoices();
  answer();
  return { root, model, values, setValues };
}
