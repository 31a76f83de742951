// The selected rows as CSV, for a saved page (`w.save_html`) where no Python takes the
// selection: one line per selected point with its row of the user's data, its label and its
// map position; and the download of such a text as a file.

/** A CSV field: quoted when it holds a comma, a quote or a line break (RFC 4180). */
export function csvField(value) {
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * The selected points as CSV text: `point,row,label,x,y`, one line each, in point order.
 * @param {ArrayLike<number>} indices the selected points (sorted)
 * @param {Float32Array} positions the map positions, x and y interleaved
 * @param {{rows?: ArrayLike<number>|null, labels?: string[]|null}} table each point's row of
 *   the data and label (when the page has them; else the point's number and "")
 * @returns {string}
 */
export function selectionCsv(indices, positions, { rows = null, labels = null } = {}) {
  const lines = ["point,row,label,x,y"];
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (2 * i + 1 >= positions.length) continue; // a selection made on a larger map
    const row = rows && i < rows.length ? rows[i] : i;
    const label = labels && i < labels.length ? labels[i] : "";
    const x = positions[2 * i],
      y = positions[2 * i + 1];
    lines.push([i, row, csvField(label), x, y].join(","));
  }
  return `${lines.join("\r\n")}\r\n`;
}

/**
 * The labels of a NUL-separated UTF-8 buffer (the kernel's label buffer), one per point.
 * @param {Uint8Array} bytes
 * @returns {string[]}
 */
export function labelsOf(bytes) {
  if (bytes.length === 0) return [];
  return new TextDecoder().decode(bytes).split("\u0000");
}

/**
 * Saves a text as a file through the browser's download (a link to a Blob; nothing leaves the
 * page).
 * @param {Document} doc
 * @param {string} name the file's name
 * @param {string} text
 * @param {string} type its MIME type
 */
export function downloadText(doc, name, text, type = "text/csv") {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = doc.createElement("a");
  link.href = url;
  link.download = name;
  link.hidden = true;
  doc.body.append(link);
  link.click();
  link.remove();
  // The download has its own copy once it started; the object URL is not needed after.
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
