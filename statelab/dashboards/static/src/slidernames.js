// @ts-check
// Names for ipywidgets' sliders, for screen readers. An ipywidgets 8 slider draws its handle
// as a `div` with role "slider" and no accessible name (its description is a label beside
// it, tied to nothing), so a screen reader says only "slider" (axe-core's
// aria-input-field-name). This widget, hidden, sits in a box of controls and gives each
// slider handle in that box the name its description shows, now and whenever the box's
// children are drawn again.

/** @param {Element} scope */
export function nameSliders(scope) {
  let named = 0;
  for (const slider of scope.querySelectorAll(".widget-slider")) {
    const name = slider.querySelector(".widget-label")?.textContent?.trim();
    if (!name) continue;
    for (const handle of slider.querySelectorAll("[role=slider]")) {
      if (handle.getAttribute("aria-label") !== name) handle.setAttribute("aria-label", name);
      named++;
    }
  }
  return named;
}

/** @param {{ el: HTMLElement }} props */
function render({ el }) {
  el.style.display = "none";
  el.dataset.statelabSliderNames = "";
  /** @type {MutationObserver | null} */
  let observer = null;
  let asked = 0;
  const start = () => {
    const scope = el.parentElement?.closest(".widget-box");
    if (!scope) {
      if (asked++ < 100) requestAnimationFrame(start); // not in the page yet
      return;
    }
    nameSliders(scope);
    observer = new MutationObserver(() => nameSliders(scope));
    observer.observe(scope, { childList: true, subtree: true });
  };
  requestAnimationFrame(start);
  return () => observer?.disconnect();
}

export default { render };
