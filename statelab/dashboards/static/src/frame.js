// @ts-check
// One frame of the view, painted: the background (redrawn when a node's status changes),
// the shoppers, the requests and carts, the counts, the store, the losses, the banner, the
// hashing panel, the followed shopper and the charts' cursor, all at the view's time `v.t`.
// No page here (widget.js owns the DOM), so Node tests paint frames on a recording context.

import { drawBackground } from "./background.js";
import { drawChartCursor } from "./charts.js";
import { drawHashing } from "./hashpanel.js";
import { drawBanner, drawFollowed, drawLosses, drawNodeCounts, drawStore } from "./overlay.js";
import { drawCarts, drawPoints, drawShoppers, placeRequests } from "./requests.js";
import { storeDown } from "./view.js";

/**
 * Paint the frame at `v.t` on `v.ctx` (its layout made already, a run and a playhead set).
 * @param {import("./view.js").View} v
 */
export function paintFrame(v) {
  const L = /** @type {import("./layout.js").Layout} */ (v.layout);
  const run = /** @type {import("./run.js").Run} */ (v.run);
  const head = /** @type {import("./playhead.js").Playhead} */ (v.head);
  const { ctx, t } = v;
  const statusChanged = head.advance(t);
  const key = `${L.w}x${L.h}:${head.status.join(",")}:${storeDown(v)}`;
  if (statusChanged || key !== v.backgroundKey) {
    drawBackground(v);
    v.backgroundKey = key;
  }
  ctx.drawImage(v.background, 0, 0, L.w, L.h);
  v.points.n = 0;
  v.hits.n = 0;
  v.queueRank.fill(0);
  v.busyCount.fill(0);
  v.cartCount.fill(0);
  v.lostFlash.fill(0);
  v.copyCount.fill(0);
  drawShoppers(v);
  placeRequests(v);
  if (run.cartsInMemory) drawCarts(v);
  drawPoints(v);
  drawNodeCounts(v);
  drawStore(v);
  drawLosses(v);
  drawBanner(v);
  if (run.hashing) drawHashing(v);
  drawFollowed(v);
  drawChartCursor(v);
}
