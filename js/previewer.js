// What the preview panel shows for the spot under the pointer and for walk steps, and where
// it comes from. A point is decoded in the page from its own latent when the kernel sent the
// points' latents with a dense chain that takes a latent (`_point_latents`, `point_layer`);
// otherwise it is asked of the kernel (the map plane does not hold its latent). Empty space is decoded in the page when the kernel sent a decoder chain: at once, no
// round trip; the kernel is asked only once the pointer rests there (its reply adds the
// distance line; asking on every move would keep the kernel, and JupyterLab's busy indicator,
// churning). Without a chain, empty space is asked at once, or gets a note when the model
// cannot decode it. Kernel requests go through the latest-wins slot (preview_requests.js).

import {
  decodeAt,
  decodeLatent,
  imagePixels,
  parseClientDecoder,
  recordFeatures,
} from "./client_decoder.js";
import { float32Of } from "./codecs.js";
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
   * @param {import("./onnx_decoder.js").OnnxDecoder} [host.onnx] a conv decoder run in the
   *   page once its runtime has arrived (asynchronous; used when there is no dense chain)
   * @param {(index: number) => string | undefined} [host.labelOf] a point's label, as the
   *   kernel titles its preview ("label · …"), when the page knows it
   */
  constructor({ send, panel, decoder, shown, changed, onnx, labelOf }) {
    this.onnx = onnx ?? null;
    this.labelOf = labelOf ?? (() => undefined);
    this.onnxBusy = false; // a decode is running; `onnxNext` waits for it (latest wins)
    this.onnxNext = null;
    this.panel = panel;
    this.decoder = decoder;
    this.shown = shown;
    this.changed = changed;
    this.requests = new PreviewRequests(send);
    this.client = null; // the decoder run in the page (parseClientDecoder), or null
    this.pointLatents = null; // the points' own latents (Float32Array, n × d), or null
    this.restTimer = 0;
    this.clientPreviews = 0;
    this.seq = 0; // bumped per preview put on screen; a slower older one must not claim it
    this.previewMs = -1; // pointer event → page-decoded preview painted, the last one
    this.walk = null; // recent walk positions, interleaved, newest last
    this.walkDirection = "";
    this.gone = ""; // why the kernel cannot answer any more ("" while it can)
    this.spots = false; // once gone: a point's spot is decoded in the page (a saved page)
    this.disposed = false;
  }

  /** The pointer is over the point `index` at (x, y). */
  point(index, x, y) {
    clearTimeout(this.restTimer);
    const z = this.pointLatent(index);
    const onnxZ = z ? null : this.onnxPointLatent(index);
    if (onnxZ) {
      this.showOnnx(x, y, performance.now(), this.pointTitle(index), onnxZ);
      this.requests.supersede();
    } else if (z) {
      // Its own latent, decoded here: no kernel round trip (nor one once the pointer rests).
      const values = decodeLatent(this.client, z);
      this.showValues(this.pointTitle(index), x, y, values, performance.now());
      this.requests.supersede();
    } else if (!this.gone) this.requests.request(x, y, index);
    // A saved page never had its own latent; it decodes the point's spot on the map.
    else if (this.spots && this.decodesHere())
      this.showClient(x, y, performance.now(), `${this.pointTitle(index)} · decoded at its spot`);
    else this.showGone("point");
  }

  /** A point's title as the page can give it: its label when known, and its number. */
  pointTitle(index) {
    const label = this.labelOf(index);
    return label ? `${label} · point ${index}` : `point ${index}`;
  }

  /**
   * The pointer is over empty space at (x, y).
   * @param {number} since when the pointer event happened (performance.now() clock)
   */
  space(x, y, since) {
    clearTimeout(this.restTimer);
    const can = this.decoder()?.can_decode !== false;
    if (can && (this.client || this.onnx?.ready)) {
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

  /**
   * Decodes (x, y), or the latent `z` shown at (x, y), with the ONNX decoder; while one
   * decode runs, only the newest waits.
   */
  async showOnnx(x, y, since, title, z = null) {
    this.onnxNext = { x, y, since, title, z };
    if (this.onnxBusy) return;
    this.onnxBusy = true;
    while (this.onnxNext && this.onnx.ready && !this.disposed) {
      const p = this.onnxNext;
      this.onnxNext = null;
      const seq = ++this.seq;
      let pixels;
      try {
        pixels = await (p.z ? this.onnx.decodeLatent(p.z) : this.onnx.decode(p.x, p.y));
      } catch (error) {
        this.onnx.fail(`The page could not decode (${error?.message ?? error})`);
        break;
      }
      if (seq !== this.seq || this.disposed) continue; // something newer took the panel
      this.panel.showClient(p.title, p.x, p.y, pixels, null);
      this.previewMs = performance.now() - p.since;
      this.shown({ previewId: `o${++this.clientPreviews}`, previewSource: "onnx" });
    }
    this.onnxBusy = false;
  }

  showClient(x, y, since, title = "empty space") {
    const d = this.client;
    if (!d) return this.showOnnx(x, y, since, title);
    this.showValues(title, x, y, decodeAt(d, x, y), since);
  }

  /** Point `index`'s own latent (`_point_latents`) when the page can decode it, else null. */
  pointLatent(index) {
    const d = this.client?.point;
    const all = this.pointLatents;
    if (!d || !all || this.decoder()?.can_decode === false) return null;
    if (!(Number.isInteger(index) && index >= 0 && (index + 1) * d.n <= all.length)) return null;
    return all.subarray(index * d.n, (index + 1) * d.n);
  }

  /** Point `index`'s own latent for the ONNX decoder (no dense chain; it is ready), or null. */
  onnxPointLatent(index) {
    const dim = this.onnx?.spec?.dim;
    const all = this.pointLatents;
    if (this.client || !this.onnx?.ready || !dim || !all?.length) return null;
    if (this.decoder()?.can_decode === false) return null;
    if (!(Number.isInteger(index) && index >= 0 && (index + 1) * dim <= all.length)) return null;
    return all.slice(index * dim, (index + 1) * dim); // its own copy: the decode is async
  }

  /** Takes `_point_latents` (float32, n × d flat; empty when the kernel keeps them). */
  loadPointLatents(bytes) {
    try {
      this.pointLatents = float32Of(bytes);
    } catch {
      this.pointLatents = null;
    }
  }

  showValues(title, x, y, values, since) {
    const d = this.client;
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
   * @param {boolean} [spots] a point's spot on the map is decoded in the page (a saved page,
   *   `w.save_html`: as `w.decode_at` there); else a point says why it shows nothing
   */
  stop(text, spots = false) {
    clearTimeout(this.restTimer);
    this.gone = text;
    this.spots = spots;
    this.requests.close();
  }

  /** Whether the page decodes a spot itself now (a dense chain, or an ONNX decoder ready). */
  decodesHere() {
    return Boolean(this.client || this.onnx?.ready) && this.decoder()?.can_decode !== false;
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
