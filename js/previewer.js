// What the preview panel shows for the spot under the pointer and for walk steps, and where
// it comes from. A point is asked of the kernel (its own latent, which the map plane does not
// hold). Empty space is decoded in the page when the kernel sent a decoder chain: at once, no
// round trip; the kernel is asked only once the pointer rests there (its reply adds the
// distance line; asking on every move would keep the kernel, and JupyterLab's busy indicator,
// churning). Without a chain, empty space is asked at once, or gets a note when the model
// cannot decode it. Kernel requests go through the latest-wins slot (preview_requests.js).

import { decodeAt, imagePixels, parseClientDecoder, recordFeatures } from "./client_decoder.js";
import { PreviewRequests } from "./preview_requests.js";

/** A spot decoded in the page is asked of the kernel once the pointer rests there this long. */
export const REST_MS = 100;
const WALK_TRAIL = 16; // walk positions kept for the trail on the map

export class Previewer {
  /**
   * @param {object} host
   * @param {(content: object) => void} host.send a request to the kernel
   * @param {import("./preview_panel.js").PreviewPanel} host.panel
   * @param {() => object} host.decoder `_decoder`
   * @param {(values: Record<string, string>) => void} host.shown the preview on display
   *   changed: `previewId`, `previewSource` (and `previewMs`, kept here) to publish
   * @param {() => void} host.changed the walk trail changed (redraw)
   */
  constructor({ send, panel, decoder, shown, changed }) {
    this.panel = panel;
    this.decoder = decoder;
    this.shown = shown;
    this.changed = changed;
    this.requests = new PreviewRequests(send);
    this.client = null; // the decoder run in the page (parseClientDecoder), or null
    this.restTimer = 0;
    this.clientPreviews = 0;
    this.seq = 0; // bumped per preview put on screen; a slower older one must not claim it
    this.previewMs = -1; // pointer event → page-decoded preview painted, the last one
    this.walk = null; // recent walk positions, interleaved, newest last
    this.walkDirection = "";
    this.gone = ""; // why the kernel cannot answer any more ("" while it can)
    this.disposed = false;
  }

  /** The pointer is over the point `index` at (x, y). */
  point(index, x, y) {
    clearTimeout(this.restTimer);
    if (!this.gone) this.requests.request(x, y, index);
    // Its own latent went with the kernel; the page can still decode its spot on the map.
    else if (this.client && this.decoder()?.can_decode !== false)
      this.showClient(x, y, performance.now(), `point ${index} · decoded at its spot`);
    else this.showGone("point");
  }

  /**
   * The pointer is over empty space at (x, y).
   * @param {number} since when the pointer event happened (performance.now() clock)
   */
  space(x, y, since) {
    clearTimeout(this.restTimer);
    const can = this.decoder()?.can_decode !== false;
    if (can && this.client) {
      this.showClient(x, y, since);
      this.requests.supersede(); // replies on their way are for older positions
      if (!this.gone) this.restTimer = setTimeout(() => this.requests.request(x, y, null), REST_MS);
    } else if (this.gone) {
      this.showGone("empty space");
    } else if (can) {
      this.requests.request(x, y, null);
    } else {
      const reason = this.decoder()?.reason || "This model cannot decode empty space.";
      this.panel.showNote("empty space", reason);
      this.requests.supersede();
    }
  }

  showClient(x, y, since, title = "empty space") {
    const d = this.client;
    const values = decodeAt(d, x, y);
    if (d.kind === "image") this.panel.showClient(title, x, y, imagePixels(d, values), null);
    else this.panel.showClient(title, x, y, null, recordFeatures(d, values));
    this.seq++;
    this.previewMs = performance.now() - since;
    this.shown({ previewId: `c${++this.clientPreviews}`, previewSource: "client" });
  }

  /** Takes `_client_decoder` and `_client_weights`. */
  loadClient(spec, weights) {
    this.client = parseClientDecoder(spec, weights);
    this.requests.reset(); // the same spot may decode differently now
  }

  /**
   * The kernel is gone: no more requests; what the page decodes itself still shows, anything
   * else says why it cannot.
   * @param {string} text
   */
  stop(text) {
    clearTimeout(this.restTimer);
    this.gone = text;
    this.requests.close();
  }

  showGone(title) {
    this.seq++; // a preview image still decoding must not claim the panel
    this.panel.showNote(title, this.gone);
  }

  /** A walk step: it shares the hover's latest-wins slot, so the newest request wins. */
  walkTo(direction, t) {
    if (direction !== this.walkDirection) this.walk = null;
    this.walkDirection = direction;
    this.requests.walk(direction, t);
  }

  /** The map or the anchor changed: the trail's positions and the last request are stale. */
  reset() {
    this.walk = null;
    this.requests.reset();
  }

  /** Takes a `preview` message: shows it unless something newer is on display. */
  receive(msg, buffers) {
    if (!this.requests.receive(msg)) return;
    this.trackWalk(msg);
    // data-preview-id names the preview on screen: set once an image has decoded, unless a
    // newer preview has replaced it meanwhile.
    const seq = ++this.seq;
    this.panel.show(msg, buffers || []).then(
      () => {
        if (this.disposed || this.seq !== seq) return;
        this.shown({ previewId: String(msg.id), previewSource: "kernel" });
      },
      () => {},
    );
  }

  /** Keeps the walk trail in step with the preview on display. */
  trackWalk(msg) {
    const xy = msg.walk_xy;
    if (Array.isArray(xy) && Number.isFinite(xy[0]) && Number.isFinite(xy[1])) {
      const trail = this.walk ?? [];
      trail.push(xy[0], xy[1]);
      this.walk = trail.length > 2 * WALK_TRAIL ? trail.slice(-2 * WALK_TRAIL) : trail;
    } else {
      this.walk = null; // a hover preview took the panel back
    }
    this.changed();
  }

  dispose() {
    this.disposed = true;
    clearTimeout(this.restTimer);
    this.requests.dispose();
  }
}
