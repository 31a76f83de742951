// The right-hand preview panel: title, a badge that says what the preview is (decoded from
// an exact or an approximate lift, a point's own latent decoded, the nearest labels of a
// model that cannot decode), the decoded preview (image, record bars, the user's HTML or a
// message), and a caption: the coordinates of the previewed spot and how far it lies from
// the data (with a warning when the decoding is an extrapolation). Labels always go in as
// text; only `kind: "html"` (the user's own preview function) is HTML.

import { CanvasCaption, TEXT_SETTLE_MS } from "./canvas_caption.js";
import { el } from "./dom.js";
import { distanceText, formatNumber } from "./ops_format.js";

const MAX_FEATURES = 64;
const RAW_RGBA = "image/x-raw-rgba"; // the kernel's small images: width × height × 4 bytes
const DECODED_KINDS = new Set(["image", "record", "html"]);

/**
 * What the badge says about a preview, from `_decoder` and the preview on display.
 * @param {{can_decode?: boolean, exact?: boolean, reason?: string, neighbors?: boolean}} decoder
 *   `_decoder` (`neighbors`: the model shows nearest labels rather than decoding)
 * @param {{kind?: string, index?: number|null, exact?: boolean, walk?: boolean}|null} [preview]
 *   the preview on display (`walk`: a walk step), or null before the first one
 * @returns {{text: string, tone: "exact"|"approx"|"none", title: string}}
 */
export function badgeFor(decoder, preview = null) {
  const d = { can_decode: true, exact: false, reason: "", ...(decoder || {}) };
  const kind = preview?.kind;
  const lift = (preview?.exact ?? d.exact) === true;
  if (kind === "neighbors" || (d.neighbors === true && !DECODED_KINDS.has(kind))) {
    return {
      text: "nearest labels",
      tone: "none",
      title:
        "This model does not decode: a preview lists the labels of the points nearest the " +
        `latent (cosine), lifted ${lift ? "exactly" : "approximately"} from the map for empty space.`,
    };
  }
  if (!d.can_decode) return { text: "cannot decode", tone: "none", title: d.reason || "" };
  if (preview && DECODED_KINDS.has(kind) && (preview.index != null || preview.walk)) {
    return {
      text: "decoded",
      tone: "exact",
      title: preview.walk
        ? "The walk's latent (anchor + t · SD · direction), decoded."
        : "This point's own latent, decoded.",
    };
  }
  if (lift) {
    return {
      text: "exact lift",
      tone: "exact",
      title:
        "Empty space is decoded from the latent lifted from this map position; the lift is " +
        "exact: that latent sits exactly here on the map.",
    };
  }
  return {
    text: "approximate lift",
    tone: "approx",
    title:
      "Empty space is decoded from a latent interpolated from the points around this map " +
      "position: it sits near here on the map, not exactly here.",
  };
}

export class PreviewPanel {
  /**
   * @param {object} [host]
   * @param {() => ({x0: number, x1: number, y0: number, y1: number}|null)} [host.view] the
   *   map's visible range: coordinates are written with the decimals its size needs
   */
  constructor({ view = () => null } = {}) {
    this.view = view;
    this.root = el("div", "lm-preview");
    const head = el("div", "lm-preview-head");
    this.title = el("div", "lm-preview-title", "Preview");
    this.badge = el("span", "lm-badge");
    head.append(this.title, this.badge);
    this.body = el("div", "lm-preview-body");
    // Painted in a canvas: it changes on every pointer move (see canvas_caption.js). Room
    // for the coordinates and a distance line that may wrap, so its height never changes.
    this.caption = new CanvasCaption("lm-preview-caption", 3);
    this.root.append(head, this.body, this.caption.root);
    this.copyTimer = 0;
    this.url = null;
    this.imageSeq = 0; // bumped per image shown; a slow <img> decode must not take over
    this.decoder = { can_decode: true, exact: false, reason: "" };
    this.tone = "";
    this.shown = false;
    this.note = null;
    this.showMessage("Hover over the map to preview.");
  }

  /** @param {{can_decode?: boolean, exact?: boolean, reason?: string, neighbors?: boolean}} decoder */
  setDecoder(decoder) {
    this.decoder = { can_decode: true, exact: false, reason: "", ...(decoder || {}) };
    const d = this.decoder;
    this.setBadge(badgeFor(d));
    if (!d.can_decode && !this.shown) this.showMessage(d.reason || "This model cannot decode.");
  }

  /** Writes the badge, touching the DOM only where it changed (it is set on every hover). */
  setBadge({ text, tone, title }) {
    if (this.badge.textContent !== text) this.badge.textContent = text;
    if (this.badge.title !== title) this.badge.title = title;
    if (this.tone !== tone) {
      if (this.tone) this.badge.classList.remove(`lm-badge-${this.tone}`);
      this.badge.classList.add(`lm-badge-${tone}`);
      this.tone = tone;
    }
  }

  /** A coordinate, with the decimals the map's visible range needs. */
  coord(v) {
    const view = this.view();
    const scale = view ? Math.max(view.x1 - view.x0, view.y1 - view.y0) : undefined;
    return formatNumber(v, scale);
  }

  /** Shows a message in place of a preview (e.g. why empty space cannot be decoded). */
  showMessage(text) {
    this.clearBody();
    this.body.append(el("div", "lm-preview-message", text));
  }

  /** Shows a note that needs no kernel reply, e.g. empty space for a model that cannot decode. */
  showNote(title, text, coords = "") {
    this.setCaption(coords, null);
    if (this.note === text && this.title.textContent === title) return;
    this.note = text;
    this.setTitle(title);
    this.showMessage(text);
  }

  /**
   * The caption: the spot's coordinates, and how far it lies from the data with an "off the
   * data" chip when the latent is far from every point (no line when `distance` is null).
   */
  setCaption(coords, distance, note) {
    const d = distanceText(distance);
    const lines = [[{ text: coords }]];
    if (note) lines.push([{ text: String(note) }]); // e.g. input | reconstruction and its error
    if (d !== null) {
      const line = [{ text: d.text }];
      if (d.offData) {
        line.push({
          text: "off the data",
          chip: true,
          title:
            "Far from every data point: this decoding is an extrapolation, not something the model has seen.",
        });
      }
      lines.push(line);
    }
    this.caption.set(lines);
  }

  clearBody() {
    this.revoke();
    this.body.replaceChildren();
  }

  revoke() {
    if (this.url !== null) URL.revokeObjectURL(this.url);
    this.url = null;
  }

  /**
   * Displays one preview reply.
   * @param {object} msg the kernel's `{"type": "preview", …}` content
   * @param {Array<DataView|ArrayBuffer>} buffers
   * @returns {Promise<void>} settles when the preview is on screen (an image decoded); rejects
   *   when a newer image replaced it first
   */
  show(msg, buffers) {
    this.shown = true;
    this.note = null;
    this.setTitle(msg.title ?? "");
    this.setBadge(
      badgeFor(this.decoder, {
        kind: msg.kind,
        index: msg.index,
        exact: msg.exact,
        walk: Array.isArray(msg.walk_xy),
      }),
    );
    const where =
      Number.isFinite(msg.x) && Number.isFinite(msg.y)
        ? `x ${this.coord(msg.x)}, y ${this.coord(msg.y)}`
        : "";
    // A data point is on the data: no distance line for it.
    const point = msg.index != null;
    this.setCaption(
      point ? `point ${msg.index} · ${where}` : where,
      point ? null : msg.distance,
      msg.note,
    );

    if (msg.kind === "image" && msg.mime === RAW_RGBA && buffers?.length > 0) {
      // Small images come as raw RGBA: painted now, no asynchronous decode to wait for.
      const bytes = buffers[0];
      const view = ArrayBuffer.isView(bytes) ? bytes : new Uint8Array(bytes);
      const data = new Uint8ClampedArray(view.buffer, view.byteOffset, view.byteLength);
      this.paintPixels(msg.title ?? "", msg.width, msg.height, data);
    } else if (msg.kind === "image" && buffers && buffers.length > 0) {
      return this.showImage(msg, buffers[0]);
    } else if (msg.kind === "record" && Array.isArray(msg.features)) {
      this.clearBody();
      this.body.append(recordView(msg.features));
    } else if (msg.kind === "neighbors" && Array.isArray(msg.neighbors)) {
      this.clearBody();
      this.body.append(neighborsView(msg.neighbors));
    } else if (msg.kind === "html") {
      this.clearBody();
      const html = el("div", "lm-preview-html");
      html.innerHTML = String(msg.html ?? ""); // the user's own preview function's output
      this.body.append(html);
    } else {
      this.showMessage(msg.text ?? (msg.kind === "image" ? "The preview image is missing." : ""));
    }
    return Promise.resolve();
  }

  /**
   * Shows image bytes. The <img> is reused so the previous preview stays up until the next
   * one has loaded (no flicker while hovering); its object URL is revoked then.
   */
  showImage(msg, bytes) {
    const url = URL.createObjectURL(new Blob([bytes], { type: msg.mime || "image/png" }));
    return this.setImage(msg.title, msg.width, msg.height, url, true);
  }

  /** The reused <img> (kernel images) and <canvas> (images decoded in the browser). */
  imageElements() {
    let img = this.body.querySelector("img.lm-preview-image");
    let canvas = this.body.querySelector("canvas.lm-preview-canvas");
    if (!img || !canvas) {
      this.clearBody();
      img = el("img", "lm-preview-image");
      canvas = el("canvas", "lm-preview-canvas");
      canvas.hidden = true;
      this.body.append(img, canvas);
    }
    return { img, canvas };
  }

  /** Puts `src` in the reused <img>, sized for a width × height image. */
  setImage(title, width, height, src, isObjectUrl) {
    const { img, canvas } = this.imageElements();
    const seq = ++this.imageSeq;
    img.alt = title ?? "preview";
    sizeFor(img, width, height);
    const previous = this.url;
    this.url = isObjectUrl ? src : null;
    img.src = src;
    const shown = img.decode().then(() => {
      // Unless a browser-decoded preview has taken the panel since.
      if (this.imageSeq !== seq) return;
      img.hidden = false;
      canvas.hidden = true;
    });
    if (previous !== null) {
      const done = () => URL.revokeObjectURL(previous);
      shown.then(done, done);
    }
    return shown;
  }

  /**
   * Shows a preview of empty space decoded in the page, synchronously: an image is painted
   * into a canvas (an <img> waits for an asynchronous decode, tens of ms); the <img> gets the
   * same pixels as a PNG, for anything that reads the preview image. No distance line: the
   * kernel's reply for the same spot brings it.
   * @param {string} title
   * @param {number} x
   * @param {number} y
   * @param {{width: number, height: number, data: Uint8ClampedArray}|null} pixels an image
   * @param {object[]|null} features a record
   */
  showClient(title, x, y, pixels, features) {
    this.shown = true;
    this.note = null;
    this.setTitle(title);
    this.setBadge(badgeFor(this.decoder, { kind: pixels ? "image" : "record", index: null }));
    this.setCaption(`x ${this.coord(x)}, y ${this.coord(y)}`, null);
    if (!pixels) {
      this.clearBody();
      this.body.append(recordView(features || []));
      return;
    }
    this.paintPixels(title, pixels.width, pixels.height, pixels.data);
  }

  /** Paints RGBA pixels into the canvas (and, as a PNG, into the <img> for readers). */
  paintPixels(title, width, height, data) {
    const { img, canvas } = this.imageElements();
    const seq = ++this.imageSeq;
    if (canvas.width !== width) canvas.width = width;
    if (canvas.height !== height) canvas.height = height;
    sizeFor(canvas, width, height);
    canvas.getContext("2d").putImageData(new ImageData(data, width, height), 0, 0);
    // Each DOM write below happens only when something changed: on a move over empty space
    // nothing but canvases should change, or the page's frame takes style, layout and paint.
    if (canvas.hidden) canvas.hidden = false;
    if (!img.hidden) img.hidden = true;
    if (img.alt !== title) img.alt = title;
    sizeFor(img, width, height);
    this.revoke();
    if (img.hasAttribute("src")) img.removeAttribute("src");
    // The <img> copy (for readers, and "save image") is made once the pointer rests.
    clearTimeout(this.copyTimer);
    this.copyTimer = setTimeout(() => {
      if (this.imageSeq === seq) img.src = canvas.toDataURL("image/png");
    }, TEXT_SETTLE_MS);
  }

  /** Paints again what is painted in canvases (after a theme change). */
  repaint() {
    this.caption.paint();
  }

  setTitle(title) {
    if (this.title.textContent === title) return;
    this.title.textContent = title;
    this.title.title = title;
  }

  dispose() {
    clearTimeout(this.copyTimer);
    this.caption.dispose();
    this.revoke();
  }
}

/** CSS size of a preview image: 220 px on its long side. */
function sizeFor(node, width, height) {
  const aspect = width > 0 && height > 0 ? height / width : 1;
  const w = aspect > 1 ? Math.round(220 / aspect) : 220;
  const cssWidth = `${w}px`;
  const cssHeight = `${Math.round(w * aspect)}px`;
  if (node.style.width !== cssWidth) node.style.width = cssWidth;
  if (node.style.height !== cssHeight) node.style.height = cssHeight;
}

/** The nearest labels, best first, each with its cosine similarity as a bar. */
function neighborsView(neighbors) {
  const list = el("ol", "lm-neighbors");
  for (const n of neighbors) {
    const row = el("li", "lm-neighbor");
    const score = Number(n.score);
    const label = el("span", "lm-neighbor-label", String(n.label ?? ""));
    label.title = String(n.label ?? "");
    const track = el("span", "lm-neighbor-track");
    const bar = el("span", "lm-neighbor-bar");
    bar.style.width = `${Math.max(0, Math.min(1, score)) * 100}%`;
    track.append(bar);
    row.append(label, track, el("span", "lm-neighbor-score", formatNumber(score)));
    list.append(row);
  }
  return list;
}

/** Bars of (value - mean) / std, one row per feature, clipped at ±3. */
function recordView(features) {
  const list = el("div", "lm-record");
  for (const f of features.slice(0, MAX_FEATURES)) {
    const row = el("div", "lm-record-row");
    const std = Number(f.std);
    const z = std > 0 ? (Number(f.value) - Number(f.mean)) / std : 0;
    const zc = Math.max(-3, Math.min(3, Number.isFinite(z) ? z : 0));
    const name = el("span", "lm-record-name", String(f.name ?? ""));
    name.title = String(f.name ?? "");
    const track = el("span", "lm-record-track");
    const bar = el("span", zc >= 0 ? "lm-record-bar lm-pos" : "lm-record-bar lm-neg");
    const half = (Math.abs(zc) / 3) * 50;
    bar.style.left = zc >= 0 ? "50%" : `${50 - half}%`;
    bar.style.width = `${half}%`;
    track.append(bar);
    // Read against the feature's spread: a value a millionth of it from 0 is 0.
    const value = el("span", "lm-record-value", formatNumber(Number(f.value), std || undefined));
    value.title = `z = ${Number.isFinite(z) ? z.toFixed(2) : "n/a"}`;
    row.append(name, track, value);
    list.append(row);
  }
  if (features.length > MAX_FEATURES) {
    list.append(el("div", "lm-record-more", `… ${features.length - MAX_FEATURES} more`));
  }
  return list;
}
