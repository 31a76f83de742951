// The map as a PNG download (the toolbar's PNG button): its canvases — the WebGL points, the
// pictures, the atlas, the labels, the overlay, in the order they are stacked — composited over
// the map's background into one canvas at the device pixel ratio × a scale, and saved through
// an `<a download>` with a blob URL. The WebGL canvas keeps its picture only until the browser
// shows it (no preserveDrawingBuffer: a copy per frame costs ~20 % on software GL), so the
// caller draws the points again in the same task, just before the composite reads them.

/** The file the button downloads. */
export const PNG_NAME = "latent_map.png";

/**
 * The exported picture's size in pixels: the map's CSS size × pixel ratio × scale.
 * @returns {{width: number, height: number}}
 */
export function exportSize(cssWidth, cssHeight, pixelRatio, scale = 1) {
  const k = Math.max(pixelRatio, 0) * Math.max(scale, 0);
  return {
    width: Math.max(1, Math.round(cssWidth * k)),
    height: Math.max(1, Math.round(cssHeight * k)),
  };
}

/**
 * Where a layer goes in the picture (pixels): its CSS transform, as a following canvas sets it
 * (`translate(Xpx, Ypx) scale(S)` about the top left corner) or none, applied to the map's box.
 * @param {string} transform the canvas's `style.transform`
 * @returns {{x: number, y: number, w: number, h: number}}
 */
export function layerRect(transform, cssWidth, cssHeight, factor) {
  const t = /translate\(\s*(-?[\d.e+-]+)px\s*,\s*(-?[\d.e+-]+)px\s*\)/.exec(transform ?? "");
  const s = /scale\(\s*(-?[\d.e+-]+)\s*\)/.exec(transform ?? "");
  const tx = t ? Number(t[1]) : 0;
  const ty = t ? Number(t[2]) : 0;
  const scale = s ? Number(s[1]) : 1;
  return {
    x: tx * factor,
    y: ty * factor,
    w: cssWidth * scale * factor,
    h: cssHeight * scale * factor,
  };
}

/**
 * The canvases that show, in stacking order (the DOM's: later ones are drawn on top).
 * @param {ArrayLike<HTMLCanvasElement>} canvases
 * @returns {HTMLCanvasElement[]}
 */
export function shownLayers(canvases) {
  return Array.from(canvases).filter(
    (c) => !c.hidden && c.style?.display !== "none" && c.width > 0 && c.height > 0,
  );
}

/**
 * Composites the map's layers into `target` (sized here): the background, then each layer
 * where the page shows it.
 * @param {object} o
 * @param {HTMLCanvasElement} o.target the picture
 * @param {HTMLCanvasElement[]} o.layers in stacking order
 * @param {number} o.cssWidth the map's size, CSS px
 * @param {number} o.cssHeight
 * @param {number} o.pixelRatio the page's device pixel ratio
 * @param {number} [o.scale] times the page's pixels
 * @param {string} o.background the map's background colour
 * @returns {HTMLCanvasElement} target
 */
export function compositeMap(o) {
  const { width, height } = exportSize(o.cssWidth, o.cssHeight, o.pixelRatio, o.scale ?? 1);
  const target = o.target;
  target.width = width;
  target.height = height;
  const ctx = target.getContext("2d");
  ctx.fillStyle = o.background;
  ctx.fillRect(0, 0, width, height);
  // Whole page pixels stay whole: a scale of 1 copies them exactly.
  ctx.imageSmoothingEnabled = (o.scale ?? 1) !== 1;
  const factor = width / o.cssWidth;
  for (const layer of o.layers) {
    const r = layerRect(layer.style?.transform, o.cssWidth, o.cssHeight, factor);
    ctx.drawImage(layer, 0, 0, layer.width, layer.height, r.x, r.y, r.w, r.h);
  }
  return target;
}

/**
 * Saves a canvas as a PNG file through a temporary link (the browser's download).
 * @param {HTMLCanvasElement} canvas
 * @param {string} [name]
 * @returns {Promise<number>} the file's size in bytes
 */
export function downloadPng(canvas, name = PNG_NAME) {
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => {
      if (!blob) {
        reject(new Error("latent_magic: the browser could not encode the map as a PNG"));
        return;
      }
      const url = URL.createObjectURL(blob);
      const a = document.createElement("a");
      a.href = url;
      a.download = name;
      a.hidden = true;
      document.body.append(a);
      a.click();
      a.remove();
      // The download has read the blob by the next task; the URL is freed after a while.
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      resolve(blob.size);
    }, "image/png");
  });
}
