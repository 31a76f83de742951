// The selection, as shown on the map and as written to `_selection` (which Python writes too).
// Our own writes come back as change events (the DataView we set, at once; for a selection
// over 8 MiB, the kernel's join of the `selection_part`s we sent) and are not shown twice: at
// millions of points showing one costs a pass over every point and a GPU upload. Jupyter's
// server refuses websocket messages over 10 MiB, hence the parts (docs/protocol.md).

import { sortedUnique, splitBytes, toDataView, uint32Of } from "./codecs.js";

/** Below the server's 10 MiB websocket message limit, with room for the message's JSON. */
export const MAX_MESSAGE_BYTES = 8 << 20;

/** Whether two Uint32Arrays hold the same values. */
function sameValues(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The indices sorted ascending and unique, as the protocol has them (no copy when they are). */
export function normalise(indices) {
  for (let i = 1; i < indices.length; i++)
    if (indices[i] <= indices[i - 1]) return sortedUnique(indices);
  return indices;
}

/**
 * Per-point flags for the GPU (1 = selected) of the indices below `n`, reusing `flags` when it
 * has the right length; indices at or past `n` (a selection made on a larger map) are not
 * shown. `indices` are the shown ones, in order.
 * @param {Uint32Array} selection sorted ascending
 * @param {number} n
 * @param {Uint8Array} [flags]
 * @returns {{flags: Uint8Array, shown: number, indices: Uint32Array}}
 */
export function selectionFlags(selection, n, flags) {
  if (flags?.length === n) flags.fill(0);
  else flags = new Uint8Array(n);
  let shown = 0;
  for (let k = 0; k < selection.length; k++) {
    const i = selection[k];
    if (i < n) {
      flags[i] = 1;
      shown++;
    }
  }
  const indices = shown === selection.length ? selection : selection.subarray(0, shown);
  return { flags, shown, indices };
}

export class SelectionSync {
  /**
   * @param {object} host
   * @param {{get: Function, set: Function, save_changes: Function}} host.model
   * @param {(content: object, buffers: DataView[]) => void} host.send a message to the kernel
   * @param {(selection: Uint32Array) => void} host.show shows a selection on the map
   * @param {number} [host.maxBytes] the largest selection written to the trait in one piece
   * @param {() => boolean} [host.live] whether the kernel is there to write to (a selection
   *   made once it is gone is shown, not written)
   * @param {() => void} [host.save] saves the model's changes (the kernel link's, which notes a
   *   comm that refuses)
   */
  constructor({
    model,
    send,
    show,
    maxBytes = MAX_MESSAGE_BYTES,
    live = () => true,
    save = () => model.save_changes(),
  }) {
    this.save = save;
    this.model = model;
    this.send = send;
    this.show = show;
    this.maxBytes = maxBytes;
    this.live = live;
    /** The selection shown (sorted, unique); the map is not ready to show it yet. */
    this.selection = normalise(uint32Of(model.get("_selection")));
    this.written = null; // the DataView we set on `_selection` ourselves
    this.messages = 0; // selections sent in parts, for the kernel to tell them apart
  }

  /**
   * Takes a `_selection` change: shows it unless it is what the map shows already (our own
   * write or parts echoing back). Returns whether it was shown.
   */
  load() {
    const value = this.model.get("_selection");
    if (value === this.written) return false;
    const selection = uint32Of(value);
    // Also recognises the kernel's join of our parts; a foreign selection that came between
    // our parts and their join differs from the join, which is then shown (the kernel's last).
    if (sameValues(selection, this.selection)) return false;
    this.apply(normalise(selection));
    return true;
  }

  /** Shows a selection without writing it. */
  apply(selection) {
    this.selection = selection;
    this.show(selection);
  }

  /** Shows a selection (sorted, unique) and writes it for Python. */
  set(selection) {
    this.apply(selection);
    if (!this.live()) return;
    if (selection.byteLength <= this.maxBytes) {
      this.written = toDataView(selection);
      this.model.set("_selection", this.written);
      this.save();
      return;
    }
    // The kernel joins the parts and sets `_selection` itself.
    const parts = splitBytes(selection, this.maxBytes);
    const id = ++this.messages;
    parts.forEach((part, k) => {
      this.send({ type: "selection_part", id, part: k, parts: parts.length }, [part]);
    });
  }
}
