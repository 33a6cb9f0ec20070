// @ts-check
// The site's script: mounts a Lab without a kernel on each `.statelab-site-lab-mount` of the
// page, with the animated view's own committed bundle (its text, set by static/view.js as
// `statelabViewSource`, imported from a blob: as anywidget does, which works from file://).

import { mountLab } from "./lab.js";
import { runLoader } from "./runs.js";

/** @returns {Promise<import("./lab.js").ViewModule>} */
async function viewModule() {
  const source = /** @type {any} */ (window).statelabViewSource;
  if (typeof source !== "string") throw new Error("statelab: static/view.js (the view's bundle) did not load");
  const url = URL.createObjectURL(new Blob([source], { type: "text/javascript" }));
  try {
    return (await import(/* @vite-ignore */ url)).default;
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
  // a room's page (?present): the Lab alone, as make present's page is (site.css)
  document.body.classList.toggle("statelab-site-present", present);
  for (const mount of mounts) {
    const config = JSON.parse(mount.querySelector("script[type='application/json']")?.textContent || "{}");
    const lab = mountLab(/** @type {HTMLElement} */ (mount), { ...config, presenter: present || config.presenter }, view, loader);
    /** @type {any} */ (mount).statelabLab = lab;
  }
}

main().catch((error) => {
  console.error(error);
  for (const mount of document.querySelectorAll(".statelab-site-lab-mount")) {
    mount.textContent = `The Lab could not start: ${error.message}`;
  }
});
