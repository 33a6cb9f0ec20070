// The static site's Lab without a kernel, bundled by esbuild from statelab/site/static/src/
// (`make js`): edit the sources there, not this file.
"use strict";
(() => {
  // statelab/site/static/src/grid.js
  function part(value) {
    return typeof value === "number" ? String(Number(value.toPrecision(6))) : String(value);
  }
  function keyOf(grid, values) {
    const parts = [];
    for (const name of Object.keys(grid.axes)) {
      if (name === "crash_at" && values.crash_node === grid.noCrash) continue;
      parts.push(part(values[name]));
    }
    return parts.join("_");
  }
  function same(a, b) {
    if (typeof a === "number" || typeof b === "number") return Number(a) === Number(b);
    return a === b;
  }
  function outside(grid, values) {
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
  function said(value) {
    if (value === true) return "on";
    if (value === false) return "off";
    return part(value);
  }
  function outsideMessage(grid, found) {
    const label = (name) => grid.controls.find((c) => c.name === name)?.label ?? name;
    const asked = found.map((f) => `${label(f.name)} ${said(f.value)}`).join(", ");
    const held = found.map((f) => `${label(f.name)} ${f.allowed.map(said).join(" / ")}`).join("; ");
    return `No run for ${asked} on this site: it holds runs for ${held}. The view keeps the run it shows; in JupyterLab the Lab runs any value.`;
  }
  function crashChoices(grid, nodes) {
    return [grid.noCrash, ...Array.from({ length: nodes }, (_, k) => k)];
  }
  function holds(grid) {
    const label = (name) => grid.controls.find((c) => c.name === name)?.label ?? name;
    const axes = Object.entries(grid.axes).map(([name, values]) => {
      if (name === "nodes" && values.every((v, i) => i === 0 || Number(v) === Number(values[i - 1]) + 1)) {
        return `${label(name)} ${values[0]} to ${values[values.length - 1]}`;
      }
      return `${label(name)} ${values.map(said).join(" / ")}`;
    });
    const crashAt = grid.axes.crash_at ? "" : ` (a crash at ${said(grid.fixed.crash_at)} s)`;
    return `This Lab answers from runs made with the site: ${axes.join(" · ")}${crashAt}; the other controls at their values shown.`;
  }

  // statelab/site/static/src/model.js
  var LocalModel = class {
    /** @param {Record<string, any>} traits */
    constructor(traits) {
      this.traits = { ...traits };
      this.handlers = /* @__PURE__ */ new Map();
    }
    /** @param {string} name */
    get(name) {
      return this.traits[name];
    }
    /**
     * Sets a trait; its "change:<name>" handlers run at once when the value changed (as a
     * Backbone model's do, which anywidget's is).
     * @param {string} name @param {any} value
     */
    set(name, value) {
      if (this.traits[name] === value) return;
      this.traits[name] = value;
      for (const handler of [...this.handlers.get(`change:${name}`) ?? []]) handler();
    }
    /** @param {string} event @param {Function} handler */
    on(event, handler) {
      if (!this.handlers.has(event)) this.handlers.set(event, /* @__PURE__ */ new Set());
      this.handlers.get(event)?.add(handler);
    }
    /** @param {string} [event] @param {Function} [handler] */
    off(event, handler) {
      if (!event) this.handlers.clear();
      else if (!handler) this.handlers.delete(event);
      else this.handlers.get(event)?.delete(handler);
    }
    /** Nothing to sync: no kernel. */
    save_changes() {
    }
    /** Nothing to send: no kernel. */
    send() {
    }
  };
  function showRun(model, run) {
    const duration = Number(run.meta.duration);
    const sessions = Number(run.meta.counts?.sessions ?? 0);
    model.traits.payload_meta = run.meta;
    model.traits.requests = run.requests;
    model.traits.sessions = run.sessions;
    model.traits.late = run.late;
    model.traits.ring = run.ring;
    model.traits.chart_tops = {};
    model.traits.time = Math.min(Math.max(model.traits.time || 0, 0), duration);
    if (model.traits.followed >= sessions) model.traits.followed = -1;
    model.set("run_id", (model.get("run_id") || 0) + 1);
  }

  // statelab/site/static/src/lab.js
  var made = 0;
  function makeControl(spec, value, id) {
    const row = document.createElement("div");
    row.className = `statelab-site-control statelab-site-${spec.kind}`;
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = spec.label;
    let input;
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
        shown.setAttribute("aria-hidden", "true");
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
  function fillOptions(select, options, value) {
    select.replaceChildren(
      ...options.map((option) => {
        const element = document.createElement("option");
        element.value = String(option);
        element.textContent = String(option);
        return element;
      })
    );
    select.value = String(value);
  }
  function readValue(spec, input) {
    if (spec.kind === "checkbox") return (
      /** @type {HTMLInputElement} */
      input.checked
    );
    if (spec.kind === "range") return Number(input.value);
    const number = Number(input.value);
    return input.value !== "" && Number.isFinite(number) ? number : input.value;
  }
  function mountLab(el, config, viewModule2, loader) {
    made += 1;
    const root = document.createElement("div");
    root.className = "statelab-site-lab";
    root.classList.toggle("statelab-site-presenter", !!config.presenter);
    const form = document.createElement("form");
    form.className = "statelab-site-controls";
    form.setAttribute("aria-label", "The Lab's controls");
    form.addEventListener("submit", (event) => event.preventDefault());
    const values = { ...config.fixed };
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
      run_id: 0
    });
    viewModule2.render({ model, el: viewBox });
    let asked = 0;
    function syncCrashChoices() {
      const crash = inputs.crash_node;
      if (!crash) return;
      const choices = crashChoices(config, values.nodes);
      if (!choices.some((c) => String(c) === String(values.crash_node))) values.crash_node = config.noCrash;
      fillOptions(
        /** @type {HTMLSelectElement} */
        crash.input,
        choices,
        values.crash_node
      );
    }
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
        if (mine === asked) message.textContent = String(
          /** @type {Error} */
          error.message
        );
      }
    }
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

  // statelab/site/static/src/runs.js
  var BLOCKS = (
    /** @type {const} */
    ["requests", "sessions", "late", "ring"]
  );
  var CALLBACK = "statelabSiteRun";
  function fromBase64(text) {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return bytes;
  }
  async function gunzip(bytes) {
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
    return new Response(stream).arrayBuffer();
  }
  function parseRun(buffer) {
    const view = new DataView(buffer);
    const n = view.getUint32(0, true);
    const head = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 4, n)));
    if (!Array.isArray(head.lengths) || head.lengths.length !== BLOCKS.length) {
      throw new Error(`a run file of the site holds ${BLOCKS.length} blocks; this one says ${JSON.stringify(head.lengths)}`);
    }
    const run = { meta: head.meta, readout: head.readout };
    let at = 4 + n;
    BLOCKS.forEach((name, i) => {
      run[name] = new DataView(buffer, at, head.lengths[i]);
      at += head.lengths[i];
    });
    if (at !== buffer.byteLength) throw new Error(`a run file of the site has ${buffer.byteLength - at} bytes too many`);
    return run;
  }
  async function decodeRun(text) {
    return parseRun(await gunzip(fromBase64(text)));
  }
  function runLoader(base, doc = document) {
    const runs = /* @__PURE__ */ new Map();
    const waiting = /* @__PURE__ */ new Map();
    doc.defaultView[CALLBACK] = (name, text) => {
      const found = waiting.get(name);
      if (found) {
        waiting.delete(name);
        found(text);
      }
    };
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

  // statelab/site/static/src/main.js
  async function viewModule() {
    const source = (
      /** @type {any} */
      window.statelabViewSource
    );
    if (typeof source !== "string") throw new Error("statelab: static/view.js (the view's bundle) did not load");
    const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
    try {
      return (await import(
        /* @vite-ignore */
        url
      )).default;
    } finally {
      URL.revokeObjectURL(url);
    }
  }
  async function main() {
    const mounts = [...document.querySelectorAll(".statelab-site-lab-mount")];
    if (!mounts.length) return;
    const view = await viewModule();
    const loader = runLoader(document.body.dataset.runs || "runs");
    const present = new URLSearchParams(window.location.search).has("present");
    document.body.classList.toggle("statelab-site-present", present);
    for (const mount of mounts) {
      const config = JSON.parse(mount.querySelector("script[type='application/json']")?.textContent || "{}");
      const lab = mountLab(
        /** @type {HTMLElement} */
        mount,
        { ...config, presenter: present || config.presenter },
        view,
        loader
      );
      mount.statelabLab = lab;
    }
  }
  main().catch((error) => {
    console.error(error);
    for (const mount of document.querySelectorAll(".statelab-site-lab-mount")) {
      mount.textContent = `The Lab could not start: ${error.message}`;
    }
  });
})();
