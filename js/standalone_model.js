// The widget's model in a saved page (`w.save_html`), where no kernel is: the state the
// kernel embedded in the file, behind the part of anywidget's model interface the widget uses
// (get, set, save_changes, on, off, send). Binary traits come back as DataViews, as anywidget
// hands them; `set` fires `change:<name>` at once, as Backbone does, so the view, the
// selection and the switches work; `send` answers nothing (no request can leave the page):
// the replies a saved page carries (the ONNX decoder's parts) come through `deliver`, and
// the requests it answers itself (its points' pictures, a search of its labels) through
// `answer`.
// `noKernel` tells kernel_link.js why nothing can be asked.

/** The format name the kernel writes into the saved page's state (_standalone.py). */
export const SAVED_FORMAT = "latent_magic.saved_map";

/**
 * The bytes of a base64 text.
 * @param {string} text
 * @returns {Uint8Array}
 */
export function bytesOfBase64(text) {
  if (typeof Uint8Array.fromBase64 === "function") return Uint8Array.fromBase64(text);
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Puts `value` at `path` (keys and indices) inside `state`. */
function putAt(state, path, value) {
  let node = state;
  for (let k = 0; k < path.length - 1; k++) {
    if (node[path[k]] === null || typeof node[path[k]] !== "object") node[path[k]] = {};
    node = node[path[k]];
  }
  node[path[path.length - 1]] = value;
}

/**
 * The traits of a saved page's document: its JSON state with each base64 buffer put back at
 * its path as a DataView over a buffer of its own.
 * @param {{format?: string, state?: object, buffers?: {path: (string|number)[], data: string}[]}} doc
 * @returns {Record<string, unknown>}
 */
export function traitsOf(doc) {
  if (doc?.format !== SAVED_FORMAT || doc.state === null || typeof doc.state !== "object") {
    throw new TypeError(
      `expected a saved latent_magic map (format "${SAVED_FORMAT}"), got ${JSON.stringify(doc?.format)}`,
    );
  }
  const state = structuredClone(doc.state);
  for (const { path, data } of doc.buffers ?? []) {
    if (!Array.isArray(path) || path.length === 0 || typeof data !== "string") {
      throw new TypeError(
        `a saved buffer needs a path and base64 data, got ${JSON.stringify(path)}`,
      );
    }
    const bytes = bytesOfBase64(data);
    putAt(state, path, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  }
  return state;
}

export class StandaloneModel {
  /**
   * @param {Record<string, unknown>} traits the widget's state (traitsOf)
   * @param {string} noKernel why nothing is asked of a kernel (shown by the widget)
   * @param {Promise<{width: number, height: number, bytes: Uint8Array}>|null} [pictures] every
   *   point's picture, RGBA, point after point (picturesOf), when the page carries them
   * @param {string[]|null} [labels] each point's label, for searches answered in the page
   */
  constructor(traits, noKernel, pictures = null, labels = null) {
    this.traits = { ...traits };
    this.noKernel = noKernel;
    this.labels = labels; // each point's label (string[]), searched in the page, or null
    this.pictures = pictures; // Promise<{width, height, bytes}>: every point's picture, or null
    this.handlers = new Map(); // event name → callbacks, in the order they came
    this.sent = 0; // messages the widget tried to send (none should: there is no kernel)
  }

  get(name) {
    return this.traits[name];
  }

  /** Sets a trait and, when it changed, tells its listeners at once. */
  set(name, value) {
    const old = this.traits[name];
    this.traits[name] = value;
    if (!sameValue(old, value)) this.trigger(`change:${name}`, this, value);
  }

  /** Nothing to save to: the page's state lives only here. */
  save_changes() {}

  /** A message for the kernel: there is none, so it goes nowhere and nothing answers. */
  send(_content, _callbacks, _buffers) {
    this.sent += 1;
  }

  on(name, callback) {
    const list = this.handlers.get(name) ?? [];
    list.push(callback);
    this.handlers.set(name, list);
  }

  /** Removes one callback of an event, every callback of an event, or every callback. */
  off(name, callback) {
    if (name === undefined) this.handlers.clear();
    else if (callback === undefined) this.handlers.delete(name);
    else
      this.handlers.set(
        name,
        (this.handlers.get(name) ?? []).filter((f) => f !== callback),
      );
  }

  /**
   * Whether this page answers requests of a type itself: `thumbnails` when it carries the
   * pictures, `search` (of the labels) when it carries labels.
   */
  answers(type) {
    if (type === "thumbnails") return this.pictures !== null;
    return type === "search" && this.labels !== null;
  }

  /**
   * Answers a request the page can answer (kernel_link.js asks): the pictures of the points
   * asked for, as the kernel's `thumbnails` reply, later (as a kernel's would come).
   * @returns {boolean} whether an answer is coming
   */
  answer(content) {
    if (!this.answers(content?.type)) return false;
    if (content.type === "search") {
      const [reply, points] = searchLabels(this.labels, content);
      setTimeout(() => this.trigger("msg:custom", reply, [new DataView(points.buffer)]), 0);
      return true;
    }
    if (!Array.isArray(content.points)) return false;
    this.pictures.then(({ width, height, bytes }) => {
      const size = width * height * 4;
      const n = Math.floor(bytes.length / size);
      const points = content.points.filter((i) => Number.isInteger(i) && i >= 0 && i < n);
      const out = new Uint8Array(points.length * size);
      points.forEach((i, k) => {
        out.set(bytes.subarray(i * size, (i + 1) * size), k * size);
      });
      const reply = { type: "thumbnails", id: content.id, points, width, height };
      this.trigger("msg:custom", reply, [new DataView(out.buffer)]);
    });
    return true;
  }

  /**
   * Hands the widget messages the kernel would have sent (a saved page records them: the
   * ONNX decoder's runtime and model), in order, as `msg:custom` events with DataView
   * buffers; buffers saved gzip-compressed (`encoding: "gzip"`) are expanded first.
   * @param {{content: object, buffers?: string[], encoding?: string}[]} messages
   */
  async deliver(messages) {
    for (const { content, buffers = [], encoding } of messages) {
      const views = [];
      for (const text of buffers) {
        const bytes = bytesOfBase64(text);
        const plain = encoding === "gzip" ? await gunzip(bytes) : bytes;
        views.push(new DataView(plain.buffer, plain.byteOffset, plain.byteLength));
      }
      this.trigger("msg:custom", content, views);
    }
  }

  /** Calls an event's callbacks (a copy of the list: one may remove itself). */
  trigger(name, ...args) {
    for (const callback of [...(this.handlers.get(name) ?? [])]) callback(...args);
  }
}

/**
 * A search of the labels as the kernel's `search_result` reply (latent_magic/_search.py): the
 * points whose label contains the query (ignoring case) or matches `/regex/`; a text no label
 * contains would be encoded by the kernel, which a saved page has not.
 * @param {string[]} labels
 * @param {{id: number, query: string}} content
 * @returns {[object, Uint32Array]} the reply and its points
 */
export function searchLabels(labels, { id, query }) {
  const text = String(query ?? "").trim();
  const reply = { type: "search_result", id, query: text };
  const regex = text.length >= 2 && text.startsWith("/") && text.endsWith("/");
  let test;
  if (regex) {
    try {
      const pattern = new RegExp(text.slice(1, -1), "i");
      test = (label) => pattern.test(label);
    } catch (error) {
      const why = `the regular expression ${text} is not valid: ${error.message}.`;
      return [{ ...reply, ok: false, error: why }, new Uint32Array(0)];
    }
  } else {
    const wanted = text.toLowerCase();
    test = (label) => label.toLowerCase().includes(wanted);
  }
  const found = [];
  for (let i = 0; text && i < labels.length; i++) if (test(labels[i])) found.push(i);
  const points = Uint32Array.from(found);
  let kind = regex ? "regex" : "label";
  let note = "";
  if (points.length === 0 && regex) note = `no label matches ${text}`;
  else if (points.length === 0) {
    kind = "none";
    note = `no label contains ${JSON.stringify(text)}; searching by meaning needs the notebook`;
  }
  return [{ ...reply, ok: true, kind, count: points.length, note }, points];
}

/**
 * The pictures a saved page carries (`doc.pictures`: gzip-compressed RGBA, base64), expanded.
 * @param {{width: number, height: number, data: string, encoding?: string}|null|undefined} saved
 * @returns {Promise<{width: number, height: number, bytes: Uint8Array}>|null}
 */
export function picturesOf(saved) {
  if (!saved || !Number.isInteger(saved.width) || !Number.isInteger(saved.height)) return null;
  const bytes = bytesOfBase64(saved.data);
  const plain = saved.encoding === "gzip" ? gunzip(bytes) : Promise.resolve(bytes);
  return plain.then((b) => ({ width: saved.width, height: saved.height, bytes: b }));
}

/** The bytes of gzip-compressed bytes (the browser's own DecompressionStream). */
async function gunzip(bytes) {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** Whether a set changes nothing: the same object, or equal plain values (JSON-like). */
function sameValue(a, b) {
  if (a === b) return true;
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) return false;
  if (a === null || b === null || typeof a !== "object" || typeof b !== "object") return false;
  return JSON.stringify(a) === JSON.stringify(b);
}
