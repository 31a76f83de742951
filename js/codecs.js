// Binary trait <-> typed array conversions.
//
// `bytes` traits arrive as a DataView (sometimes an ArrayBuffer) that may sit at a non-zero
// offset inside a larger buffer: always honour byteOffset/byteLength, and copy only when the
// offset is not aligned for the element type (typed-array views require alignment).

function parts(data) {
  if (data == null) return null;
  if (data instanceof ArrayBuffer) return { buffer: data, offset: 0, length: data.byteLength };
  if (ArrayBuffer.isView(data)) {
    return { buffer: data.buffer, offset: data.byteOffset, length: data.byteLength };
  }
  throw new TypeError(`expected a DataView, ArrayBuffer or typed array, got ${typeof data}`);
}

/**
 * A typed-array view of binary data; zero-copy when the offset is aligned.
 * Trailing bytes that do not fill a whole element are ignored.
 * @template {Float32ArrayConstructor|Float64ArrayConstructor|Uint32ArrayConstructor|Uint16ArrayConstructor|Uint8ArrayConstructor} C
 * @param {DataView|ArrayBuffer|ArrayBufferView|null|undefined} data
 * @param {C} Ctor
 * @returns {InstanceType<C>}
 */
export function viewAs(data, Ctor) {
  const p = parts(data);
  if (p === null) return new Ctor(0);
  const size = Ctor.BYTES_PER_ELEMENT;
  const count = Math.floor(p.length / size);
  if (p.offset % size === 0) return new Ctor(p.buffer, p.offset, count);
  return new Ctor(p.buffer.slice(p.offset, p.offset + count * size));
}

export const float32Of = (data) => viewAs(data, Float32Array);
export const float64Of = (data) => viewAs(data, Float64Array);
export const uint32Of = (data) => viewAs(data, Uint32Array);
export const uint8Of = (data) => viewAs(data, Uint8Array);

/**
 * Colour codes as uint8 or uint16 per `_code_width`.
 * @param {DataView|ArrayBuffer|null|undefined} data
 * @param {number} width bytes per code (1 or 2)
 * @returns {Uint8Array|Uint16Array}
 */
export function codesOf(data, width) {
  return width === 2 ? viewAs(data, Uint16Array) : viewAs(data, Uint8Array);
}

/**
 * A DataView that covers exactly the typed array's bytes in a buffer of its own, ready to be
 * written to a `bytes` trait (some serialisers send `view.buffer` whole, so never hand them
 * a view into a larger buffer).
 * @param {ArrayBufferView} typed
 * @returns {DataView}
 */
export function toDataView(typed) {
  const whole = typed.byteOffset === 0 && typed.byteLength === typed.buffer.byteLength;
  const buffer = whole
    ? typed.buffer
    : typed.buffer.slice(typed.byteOffset, typed.byteOffset + typed.byteLength);
  return new DataView(buffer);
}

/**
 * Sorted, unique uint32 copy of any list of indices.
 * @param {ArrayLike<number>} indices
 * @returns {Uint32Array}
 */
export function sortedUnique(indices) {
  const a = Uint32Array.from(indices).sort();
  if (a.length < 2) return a;
  let k = 1;
  for (let i = 1; i < a.length; i++) if (a[i] !== a[k - 1]) a[k++] = a[i];
  return k === a.length ? a : a.slice(0, k);
}

/**
 * A typed array as consecutive DataViews of at most `maxBytes` each (whole elements), each
 * over a buffer of its own (message buffers are sent whole), for messages the server would
 * refuse in one piece.
 * @param {ArrayBufferView} typed
 * @param {number} maxBytes
 * @returns {DataView[]}
 */
export function splitBytes(typed, maxBytes) {
  const size = typed.BYTES_PER_ELEMENT ?? 1;
  const step = Math.max(size, maxBytes - (maxBytes % size));
  const parts = [];
  for (let start = 0; start < typed.byteLength || parts.length === 0; start += step) {
    const end = Math.min(typed.byteLength, start + step);
    const from = typed.byteOffset + start;
    parts.push(new DataView(typed.buffer.slice(from, from + end - start)));
  }
  return parts;
}
