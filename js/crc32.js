// CRC-32 (IEEE 802.3, the polynomial zlib.crc32 uses) of bytes: the page checks each part of
// the runtime and the model the kernel sends. crypto.subtle would need a secure context,
// which a JupyterLab served over plain http is not.

let table = null;

function makeTable() {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

/**
 * @param {Uint8Array} bytes
 * @param {number} [crc] the CRC of the bytes before these (to continue a running one)
 * @returns {number} unsigned 32-bit
 */
export function crc32(bytes, crc = 0) {
  table ??= makeTable();
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = table[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}
