// A convolutional decoder run in the page by onnxruntime-web (latent_magic/_onnx_decoder.py).
// The runtime (its JS and its 14 MB .wasm) and the model's .onnx bytes are not in this bundle:
// once the map is drawn the page asks for them (`onnx_runtime`), and the kernel sends them as
// `onnx_part` messages, each part with a CRC-32 of its bytes and of its whole blob. The parts
// are put together and checked here, the runtime is imported from a Blob URL with the .wasm
// given as bytes and one thread (nothing is fetched; JupyterLab is not cross-origin isolated),
// and a latent lifted from (x, y) with the map's affine lift is decoded to the image's values.
// Anything that fails (no WebAssembly, a bad checksum, a runtime that does not start) leaves
// the previews to the kernel and says why once.

import { imagePixels } from "./client_decoder.js";
import { uint8Of } from "./codecs.js";
import { crc32 } from "./crc32.js";

export const BLOBS = ["runtime", "wasm", "model"];
const MAX_PARTS = 64; // 256 MiB at the kernel's 4 MiB a part: far over any model it sends

/** The parts of the named blobs, as they come; every part's and every blob's CRC checked. */
export class PartAssembler {
  constructor() {
    this.blobs = new Map(); // name → {total, size, crc, parts: Uint8Array[], got}
    this.bytes = 0;
  }

  /**
   * Takes one `onnx_part` message and its buffer; throws an Error saying what is wrong.
   * @returns {boolean} whether every blob is complete
   */
  add(msg, buffer) {
    const { blob, index, total, crc32: crc, blob_size: size, blob_crc32: blobCrc } = msg || {};
    if (!BLOBS.includes(blob)) throw new Error(`an unknown part ${JSON.stringify(blob)}`);
    const ints = [index, total, crc, size, blobCrc];
    if (!ints.every((v) => Number.isInteger(v) && v >= 0) || index >= total || total > MAX_PARTS)
      throw new Error(`a malformed part of ${blob}`);
    const bytes = uint8Of(buffer);
    const where = `part ${index + 1}/${total} of the ${blob}`;
    if (crc32(bytes) !== crc) throw new Error(`${where}: checksum mismatch`);
    let entry = this.blobs.get(blob);
    if (!entry) {
      entry = { total, size, crc: blobCrc, parts: new Array(total), got: 0 };
      this.blobs.set(blob, entry);
    }
    if (entry.total !== total || entry.size !== size || entry.crc !== blobCrc)
      throw new Error(`${where} disagrees with its other parts`);
    if (!entry.parts[index]) entry.got++;
    entry.parts[index] = bytes;
    this.bytes += bytes.length;
    return this.complete();
  }

  complete() {
    return BLOBS.every((name) => {
      const e = this.blobs.get(name);
      return e !== undefined && e.got === e.total;
    });
  }

  /** A whole blob, its size and CRC checked (a missing or truncated part fails here). */
  blob(name) {
    const e = this.blobs.get(name);
    if (!e || e.got !== e.total) throw new Error(`the ${name} is incomplete`);
    const out = new Uint8Array(e.size);
    let at = 0;
    for (const part of e.parts) {
      if (at + part.length > e.size) throw new Error(`the ${name} is longer than announced`);
      out.set(part, at);
      at += part.length;
    }
    if (at !== e.size) throw new Error(`the ${name} is truncated (${at} of ${e.size} bytes)`);
    if (crc32(out) !== e.crc) throw new Error(`the ${name}: checksum mismatch`);
    return out;
  }
}

/**
 * Reads `_onnx_decoder`; null unless the page is to decode (a lift and an image to paint).
 * @returns {{dim: number, atOrigin: Float64Array, lift: Float64Array, image: object} | null}
 */
export function parseOnnxSpec(spec) {
  if (spec?.page !== true) return null;
  const at = spec.at_origin;
  const lift = spec.lift;
  const shape = spec.shape;
  if (!Array.isArray(at) || !Array.isArray(lift) || at.length < 1 || lift.length !== at.length)
    return null;
  if (!lift.every((row) => Array.isArray(row) && row.length === 2)) return null;
  if (!Array.isArray(shape) || shape.length < 2 || shape.length > 3) return null;
  const channels = shape.length === 3 ? shape[2] : 1;
  if (!shape.every((d) => Number.isInteger(d) && d > 0) || ![1, 3, 4].includes(channels))
    return null;
  const range = Array.isArray(spec.value_range) ? spec.value_range.map(Number) : [];
  return {
    dim: at.length,
    atOrigin: Float64Array.from(at, Number),
    lift: Float64Array.from(lift.flat(), Number),
    image: { shape, range: range.length === 2 && range.every(Number.isFinite) ? range : [0, 1] },
  };
}

/** The latent at map position (x, y): at_origin + lift · (x, y), as float32. */
export function liftLatent(spec, x, y) {
  const z = new Float32Array(spec.dim);
  for (let i = 0; i < spec.dim; i++)
    z[i] = spec.atOrigin[i] + spec.lift[2 * i] * x + spec.lift[2 * i + 1] * y;
  return z;
}

export class OnnxDecoder {
  /**
   * @param {object} host
   * @param {(content: object) => void} host.send a request to the kernel
   * @param {(text: string, level: string) => void} host.notice say something once
   * @param {() => void} host.changed the state changed (publish it)
   * @param {(url: string) => Promise<object>} [host.importModule] loads the runtime
   * @param {() => boolean} [host.hasWasm] whether this page runs WebAssembly
   */
  constructor({ send, notice, changed, importModule, hasWasm }) {
    this.send = send;
    this.notice = notice;
    this.changed = changed;
    this.importModule = importModule ?? ((url) => import(/* @vite-ignore */ url));
    this.hasWasm = hasWasm ?? (() => typeof WebAssembly !== "undefined");
    this.spec = null;
    // off: nothing to run; waiting: asks once the map is drawn; loading: the parts come;
    // ready: decodes; kernel: stays in the kernel (why: this.reason).
    this.state = "off";
    this.reason = "";
    this.said = new Set(); // reasons already shown: each once
    this.parts = null;
    this.session = null;
    this.ort = null;
    this.asked = 0; // performance.now() when the runtime was asked for
    this.readyMs = -1; // asked → ready
    this.transferBytes = 0;
  }

  /** Takes `_onnx_decoder` (again when the lift changes: the session is kept). */
  load(raw) {
    if (raw?.reason) this.stay(String(raw.reason));
    this.spec = parseOnnxSpec(raw);
    if (this.spec && this.state === "off") this.state = "waiting";
    this.changed();
  }

  /** Whether previews of empty space decode here now. */
  get ready() {
    return this.state === "ready" && this.spec !== null;
  }

  /** The map has been drawn: ask for the runtime and the model (once). */
  mapDrawn() {
    if (this.state !== "waiting" || !this.spec) return;
    if (!this.hasWasm()) {
      this.stay("This browser has no WebAssembly: previews decode in the kernel.");
      return;
    }
    this.state = "loading";
    this.asked = performance.now();
    this.parts = new PartAssembler();
    this.send({ type: "onnx_runtime" });
    this.changed();
  }

  /** Takes an `onnx_part` message. */
  receive(msg, buffers) {
    if (this.state !== "loading" || !this.parts) return;
    let complete;
    try {
      complete = this.parts.add(msg, buffers?.[0]);
    } catch (error) {
      this.fail(`The decoder's runtime arrived damaged (${error.message})`);
      return;
    }
    if (complete) this.start();
  }

  async start() {
    const parts = this.parts;
    this.parts = null;
    let url = "";
    try {
      const [js, wasm, model] = BLOBS.map((name) => parts.blob(name));
      this.transferBytes = parts.bytes;
      url = URL.createObjectURL(new Blob([js], { type: "text/javascript" }));
      const ort = await this.importModule(url);
      ort.env.wasm.wasmBinary = wasm;
      ort.env.wasm.numThreads = 1;
      this.session = await ort.InferenceSession.create(model, { executionProviders: ["wasm"] });
      this.ort = ort;
      this.state = "ready";
      this.readyMs = performance.now() - this.asked;
      this.changed();
    } catch (error) {
      this.fail(`The decoder could not start in the page (${error?.message ?? error})`);
    } finally {
      if (url) URL.revokeObjectURL(url);
    }
  }

  /**
   * The image at (x, y): RGBA pixels like client_decoder's imagePixels.
   * @returns {Promise<{width: number, height: number, data: Uint8ClampedArray}>}
   */
  async decode(x, y) {
    return this.decodeLatent(liftLatent(this.spec, x, y));
  }

  /**
   * The image of a latent `z` (Float32Array of `dim` values, e.g. a data point's own).
   * @returns {Promise<{width: number, height: number, data: Uint8ClampedArray}>}
   */
  async decodeLatent(z) {
    const spec = this.spec;
    const input = new this.ort.Tensor("float32", z, [1, spec.dim]);
    const out = await this.session.run({ [this.session.inputNames[0]]: input });
    return imagePixels(spec.image, out[this.session.outputNames[0]].data);
  }

  /** For the page's data-onnx: the state, and once ready the time and bytes it took. */
  published() {
    if (this.state === "off") return undefined;
    const ready = this.state === "ready";
    const extra = ready ? { ms: Math.round(this.readyMs), bytes: this.transferBytes } : {};
    return JSON.stringify({ state: this.state, ...extra });
  }

  /** Something failed: previews stay in the kernel; say so once. */
  fail(text) {
    this.stay(`${text}: previews decode in the kernel.`, "error");
  }

  stay(reason, level = "info") {
    this.state = "kernel";
    this.reason = reason;
    this.parts = null;
    if (!this.said.has(reason)) {
      this.said.add(reason);
      this.notice(reason, level);
    }
    this.changed();
  }
}
