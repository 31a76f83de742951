// Pins have one owner, the kernel: it lifts each pin to its latent, stores it and writes
// `_pins`. The page never writes the trait; it asks (`pin`, `clear_pins`) and, so that a pin
// appears at the click and not one kernel round trip later, draws its own requests as
// provisional pins until `_pins` brings them back. A pin's x and y travel as JSON doubles and
// come back as the same float64, so they are matched exactly.

import { float64Of } from "./codecs.js";

const key = (x, y) => `${x} ${y}`;

export class Pins {
  /**
   * @param {(content: object) => void} send a request to the kernel
   * @param {DataView|null} [value] `_pins` now
   */
  constructor(send, value = null) {
    this.send = send;
    /** The kernel's pins, interleaved x0 y0 x1 y1 … */
    this.kernel = float64Of(value);
    /** Pins asked for and not yet in `_pins`, interleaved, oldest first. */
    this.provisional = [];
    this.shownCache = null;
  }

  /** Asks the kernel to pin the map position (x, y) and shows it at once. */
  pin(x, y) {
    this.provisional.push(x, y);
    this.shownCache = null;
    this.send({ type: "pin", x, y });
  }

  /**
   * Asks the kernel to clear its pins, and drops the provisional ones at once; the kernel's
   * stay drawn until `_pins` comes back empty (it may refuse).
   */
  clear() {
    this.dropProvisional();
    this.send({ type: "clear_pins" });
  }

  /** The kernel refused a request (an error notice): what it refused is not coming. */
  dropProvisional() {
    this.provisional = [];
    this.shownCache = null;
  }

  /**
   * Takes a `_pins` change. A provisional pin is confirmed by a pin that arrived with it (in
   * the new value and not in the old one, counting repeats: pinning the same spot twice makes
   * two pins), so an earlier pin at the same spot does not confirm a later one.
   * @param {DataView|null} value
   */
  load(value) {
    const next = float64Of(value);
    if (this.provisional.length > 0) {
      const arrived = new Map();
      for (let k = 0; k + 1 < next.length; k += 2) {
        const name = key(next[k], next[k + 1]);
        arrived.set(name, (arrived.get(name) ?? 0) + 1);
      }
      for (let k = 0; k + 1 < this.kernel.length; k += 2) {
        const name = key(this.kernel[k], this.kernel[k + 1]);
        if (arrived.has(name)) arrived.set(name, arrived.get(name) - 1);
      }
      const waiting = [];
      for (let k = 0; k + 1 < this.provisional.length; k += 2) {
        const [x, y] = [this.provisional[k], this.provisional[k + 1]];
        const count = arrived.get(key(x, y)) ?? 0;
        if (count > 0) arrived.set(key(x, y), count - 1);
        else waiting.push(x, y);
      }
      this.provisional = waiting;
    }
    this.kernel = next;
    this.shownCache = null;
  }

  /** The pins to draw: the kernel's, then the provisional ones. */
  get shown() {
    if (this.provisional.length === 0) return this.kernel;
    if (this.shownCache === null) {
      const all = new Float64Array(this.kernel.length + this.provisional.length);
      all.set(this.kernel);
      all.set(this.provisional, this.kernel.length);
      this.shownCache = all;
    }
    return this.shownCache;
  }

  /** How many pins are drawn (`data-pins`). */
  get count() {
    return (this.kernel.length >> 1) + (this.provisional.length >> 1);
  }
}
