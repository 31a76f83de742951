// Latest-wins preview requests (hover decodes and walk steps share one slot): at most one in
// flight; a newer request overwrites the pending one, which is sent when the in-flight reply
// arrives (matched by id) or when the in-flight request times out (a reply that never comes
// must not freeze the preview). Once the kernel is gone (`close()`) nothing more is sent: a
// slot that timed out and re-sent would ask a dead comm forever.

export class PreviewRequests {
  /**
   * @param {(content: object) => void} send sends one request to the kernel
   * @param {{timeoutMs?: number, setTimer?: Function, clearTimer?: Function}} [options]
   */
  constructor(send, options = {}) {
    this.send = send;
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = options.clearTimer ?? ((t) => clearTimeout(t));
    this.nextId = 1;
    /** @type {{id: number, key: string} | null} */
    this.inFlight = null;
    /** @type {{key: string, content: object} | null} */
    this.pending = null;
    this.lastKey = null;
    this.shownId = 0;
    this.timer = null;
    this.closed = false;
  }

  /**
   * Asks for a preview of the point `index`, or of empty space at (x, y) when index is null.
   * Repeats of the latest request (hovering the same point) are dropped.
   */
  request(x, y, index = null) {
    const key = index === null ? `@${x},${y}` : `#${index}`;
    this.ask(key, { type: "decode", x, y, index });
  }

  /** Asks for a preview `t` standard deviations from the anchor along `direction`. */
  walk(direction, t) {
    this.ask(`~${t} ${direction}`, { type: "walk", direction, t });
  }

  /**
   * Queues one request; `key` names what it asks for (repeats of the latest are dropped) and
   * `content` is the message without its id.
   * @param {string} key
   * @param {object} content
   */
  ask(key, content) {
    if (this.closed) return;
    if (this.inFlight !== null && key === this.inFlight.key) {
      this.pending = null; // the reply on its way already answers this
      return;
    }
    if (this.inFlight === null && key === this.lastKey) return;
    this.pending = { key, content };
    if (this.inFlight === null) this.flush();
  }

  flush() {
    const p = this.pending;
    if (p === null) return;
    this.pending = null;
    const id = this.nextId++;
    this.inFlight = { id, key: p.key };
    this.lastKey = p.key;
    this.timer = this.setTimer(() => this.expire(id), this.timeoutMs);
    this.send({ ...p.content, id });
  }

  expire(id) {
    if (this.inFlight === null || this.inFlight.id !== id) return;
    this.inFlight = null;
    this.timer = null;
    // The same position may be asked again after a lost reply.
    if (this.pending === null) this.lastKey = null;
    this.flush();
  }

  /**
   * Notes a preview reply. Returns whether it should be displayed: replies older than the one
   * on display (e.g. one that arrives after its timeout) are not.
   * @param {{id: number}} msg
   * @returns {boolean}
   */
  receive(msg) {
    const id = msg.id;
    if (this.inFlight !== null && this.inFlight.id === id) {
      if (this.timer !== null) this.clearTimer(this.timer);
      this.timer = null;
      this.inFlight = null;
      this.flush();
    }
    if (typeof id !== "number" || id <= this.shownId) return false;
    this.shownId = id;
    return true;
  }

  /**
   * Makes replies to requests already sent count as stale: the caller showed something newer
   * that needed no kernel reply.
   */
  supersede() {
    this.shownId = Math.max(this.shownId, this.nextId - 1);
    this.pending = null;
    this.lastKey = null;
  }

  /** Forgets the last request so the same position can be asked again (e.g. new points). */
  reset() {
    this.lastKey = null;
  }

  /** The kernel is gone: drops what waits and sends nothing more. */
  close() {
    this.closed = true;
    this.dispose();
  }

  dispose() {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    this.pending = null;
    this.inFlight = null;
  }
}
