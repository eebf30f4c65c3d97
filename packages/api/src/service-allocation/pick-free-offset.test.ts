import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { pickFreeOffset, staticBandSize } from './pick-free-offset.js';

describe('pickFreeOffset', () => {
  it('sizes the static band as Kubernetes does: min(max(16, size/16), 256)', () => {
    expect(staticBandSize(2768)).toBe(173);
    expect(staticBandSize(100)).toBe(16);
    expect(staticBandSize(1 << 20)).toBe(256);
    expect(staticBandSize(8)).toBe(8);
  });

  it('returns a free offset whenever one exists, from the upper band while it has room', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 600 }), fc.array(fc.nat(), { maxLength: 700 }), fc.double({ min: 0, max: 0.9999, noNaN: true }), (size, takenRaw, r) => {
        const taken = new Set(takenRaw.map((t) => t % size));
        const got = pickFreeOffset(0, size - 1, (o) => taken.has(o), () => r);
        if (taken.size === size) {
          expect(got).toBeUndefined();
          return;
        }
        expect(got).toBeDefined();
        expect(taken.has(got!)).toBe(false);
        expect(got! >= 0 && got! < size).toBe(true);
        const band = staticBandSize(size);
        const upperFree = Array.from({ length: size - band }, (_, i) => band + i).some((o) => !taken.has(o));
        if (upperFree) expect(got! >= band).toBe(true);
      }),
    );
  });
});
