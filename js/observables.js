// The `data-` attributes on the widget root that e2e tests and benchmarks read (names and
// meanings in docs/protocol.md, "Observable front end"). They are published after every
// frame and change, so only the attributes whose text changed are written: each write is a
// DOM mutation, and style work in JupyterLab's next frame.

/**
 * The attributes' text (dataset keys, camelCase) for the widget's state now.
 * @param {object} o
 * @param {number} o.frames completed map frames
 * @param {number} o.drawn points drawn in the last frame
 * @param {{x0: number, x1: number, y0: number, y1: number}} o.view
 * @param {number} o.selected selected points shown
 * @param {number} o.pins pins shown
 * @param {string} o.tool
 * @param {string[]} o.axes
 * @param {number} o.marks
 * @param {number} o.walkT
 * @param {number} o.groupA
 * @param {number} o.groupB
 * @param {string} o.notice
 * @param {string} o.frameKind `points`, `cached` or `overlay`
 * @param {number} o.frameMs
 * @param {number} o.previewMs negative until a preview was decoded in the page
 * @param {boolean} o.kernelGone the kernel holding the widget restarted or shut down
 * @returns {Record<string, string>}
 */
export function observedValues(o) {
  const values = {
    frames: String(o.frames),
    drawn: String(o.drawn),
    view: JSON.stringify(o.view),
    selected: String(o.selected),
    pins: String(o.pins),
    tool: o.tool,
    axes: JSON.stringify(o.axes),
    marks: String(o.marks),
    walkT: String(o.walkT),
    groupA: String(o.groupA),
    groupB: String(o.groupB),
    notice: o.notice,
    frameKind: o.frameKind,
    frameMs: o.frameMs.toFixed(2),
    kernel: o.kernelGone ? "gone" : "live",
  };
  if (o.previewMs >= 0) values.previewMs = o.previewMs.toFixed(2);
  return values;
}

/**
 * Writes the values whose text differs from the dataset's.
 * @param {DOMStringMap|Record<string, string>} dataset
 * @param {Record<string, string>} values
 * @returns {number} how many were written
 */
export function writeChanged(dataset, values) {
  let written = 0;
  for (const [name, value] of Object.entries(values)) {
    if (dataset[name] !== value) {
      dataset[name] = value;
      written++;
    }
  }
  return written;
}
