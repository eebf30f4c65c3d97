/**
 * @module pickFreeOffset: choose a free offset in a range the way Kubernetes' allocators do since KEP-3070/3668:
 * dynamic allocations come from the upper part of the range first, leaving the lower band to addresses and ports
 * users ask for by value, so a requested value rarely collides with one handed out before.
 */

/** staticBandSize is the lower band kept for requested values: min(max(16, size/16), 256), capped at the range. */
export function staticBandSize(size: number): number {
  return Math.min(Math.max(16, Math.floor(size / 16)), 256, size);
}

/**
 * pickFreeOffset returns a free offset in [first, last], starting at a random point of the upper band and wrapping,
 * then the lower band; undefined when every offset is taken. `random` is injected (tests pin it).
 */
export function pickFreeOffset(first: number, last: number, taken: (offset: number) => boolean, random: () => number): number | undefined {
  if (last < first) return undefined;
  const band = Math.min(first + staticBandSize(last - first + 1), last + 1);
  const bands: Array<[number, number]> = band <= last ? [[band, last], [first, band - 1]] : [[first, last]];
  for (const [lo, hi] of bands) {
    if (hi < lo) continue;
    const n = hi - lo + 1;
    const start = Math.floor(random() * n) % n;
    for (let i = 0; i < n; i++) {
      const offset = lo + ((start + i) % n);
      if (!taken(offset)) return offset;
    }
  }
  return undefined;
}
