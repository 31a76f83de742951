// Brings the page's rarely used parts (static/extras.js: the atlas, the strip and grid views,
// the PNG compositing) when a user first needs one: the kernel is asked once per page
// (`{type: "extras"}`), replies with the file's bytes, its size and CRC-32, and the module is
// imported from a Blob URL (nothing is fetched). All views share the one module. A saved page
// has no kernel: its entry provides the module it bundles (provideExtras).
// Protocol: docs/protocol.md ("Extras").

import { uint8Of } from "./codecs.js";
import { crc32 } from "./crc32.js";

/** One page's extras: asked for once, shared by every caller. */
export class ExtrasLoader {
  /** @param {{importModule?: (url: string) => Promise<object>}} [options] */
  constructor({ importModule } = {}) {
    this.importModule = importModule ?? ((url) => import(/* @vite-ignore */ url));
    this.pending = null; // the Promise of the module, once asked or provided
    this.settle = null; // {resolve, reject} while the kernel's reply is awaited
  }

  /** The bundled module, for a page without a kernel: nothing is asked. */
  provide(module) {
    this.settle = null;
    this.pending = Promise.resolve(module);
  }

  /**
   * The extras module; the first caller's `send` asks the kernel, later callers share its answer.
   * @param {(content: object) => void} send
   */
  load(send) {
    if (this.pending) return this.pending;
    const pending = new Promise((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    this.pending = pending;
    send({ type: "extras" }); // may refuse at once (no kernel): the caller still gets `pending`
    return pending;
  }

  /** Takes the kernel's `extras` reply: checks size and CRC-32, then imports the module. */
  receive(msg, buffers) {
    const settle = this.settle;
    if (!settle) return; // not asked, or already answered
    this.settle = null;
    this.check(msg, buffers)
      .then(settle.resolve)
      .catch((error) => {
        this.pending = null; // a later use asks again
        settle.reject(error);
      });
  }

  /** The request could not go (no kernel): the waiting callers are told, a later use asks again. */
  refuse(text) {
    const settle = this.settle;
    if (!settle) return; // nothing asked (or a module provided): nothing to refuse
    this.settle = null;
    this.pending = null;
    settle.reject(new Error(text));
  }

  async check(msg, buffers) {
    if (msg?.error) throw new Error(`the kernel could not send the page's extras: ${msg.error}`);
    const { size, crc32: crc } = msg ?? {};
    const bytes = buffers?.length === 1 ? uint8Of(buffers[0]) : null;
    if (!bytes || !Number.isInteger(size) || !Number.isInteger(crc))
      throw new Error("the page's extras came malformed (expected one buffer, size and crc32)");
    if (bytes.length !== size)
      throw new Error(`the page's extras came truncated: ${bytes.length} of ${size} bytes`);
    if (crc32(bytes) !== crc) throw new Error("the page's extras came corrupt: checksum mismatch");
    const url = URL.createObjectURL(new Blob([bytes], { type: "text/javascript" }));
    try {
      return await this.importModule(url);
    } finally {
      URL.revokeObjectURL(url);
    }
  }
}

const page = new ExtrasLoader(); // one per page: every view of every widget shares it

/** @param {(content: object) => void} send */
export const loadExtras = (send) => page.load(send);
export const receiveExtras = (msg, buffers) => page.receive(msg, buffers);
export const refuseExtras = (text) => page.refuse(text);
export const provideExtras = (module) => page.provide(module);
