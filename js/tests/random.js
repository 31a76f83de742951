// A small seeded generator so the property tests are reproducible.
export function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n clustered points, float32 interleaved. */
export function clusteredPoints(n, seed = 1) {
  const r = rng(seed);
  const xy = new Float32Array(2 * n);
  const centres = Array.from({ length: 6 }, () => [r() * 20 - 10, r() * 8 - 4]);
  for (let i = 0; i < n; i++) {
    const [cx, cy] = centres[Math.floor(r() * centres.length)];
    xy[2 * i] = cx + (r() - 0.5) * 3;
    xy[2 * i + 1] = cy + (r() - 0.5) * 2;
  }
  return xy;
}
