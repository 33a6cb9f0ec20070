// @ts-check
// The view's model on a page with no kernel: the traits anywidget's model would hold, with
// its get / set / on / off / save_changes, and nothing sent anywhere.

export class LocalModel {
  /** @param {Record<string, any>} traits */
  constructor(traits) {
    /** @type {Record<string, any>} */
    this.traits = { ...traits };
    /** @type {Map<string, Set<Function>>} */
    this.handlers = new Map();
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
    for (const handler of [...(this.handlers.get(`change:${name}`) ?? [])]) handler();
  }

  /** @param {string} event @param {Function} handler */
  on(event, handler) {
    if (!this.handlers.has(event)) this.handlers.set(event, new Set());
    this.handlers.get(event)?.add(handler);
  }

  /** @param {string} [event] @param {Function} [handler] */
  off(event, handler) {
    if (!event) this.handlers.clear();
    else if (!handler) this.handlers.delete(event);
    else this.handlers.get(event)?.delete(handler);
  }

  /** Nothing to sync: no kernel. */
  save_changes() {}

  /** Nothing to send: no kernel. */
  send() {}
}

/**
 * Shows a run in the view as AnimatedCluster.show does in Python: the run's traits, the
 * time kept (within the new run), the followed shopper kept if the run has them, then
 * one more run_id, which the view loads.
 * @param {LocalModel} model @param {import("./runs.js").SiteRun} run
 */
export function showRun(model, run) {
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
