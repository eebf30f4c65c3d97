import { describe, expect, it } from 'vitest';
import { compareResourceVersions, isConcreteResourceVersion } from './resource-version.js';

describe('compareResourceVersions', () => {
  it('orders decimal revisions numerically, not lexically', () => {
    expect(compareResourceVersions('9', '10')).toBe(-1);
    expect(compareResourceVersions('100', '99')).toBe(1);
    expect(compareResourceVersions('42', '42')).toBe(0);
    expect(compareResourceVersions('007', '7')).toBe(0);
    expect(compareResourceVersions('123456789012345678901', '123456789012345678900')).toBe(1);
  });

  it('treats opaque revisions as newer unless equal, so nothing is dropped', () => {
    expect(compareResourceVersions('abc', '5')).toBe(1);
    expect(compareResourceVersions('5', 'abc')).toBe(1);
    expect(compareResourceVersions('abc', 'abc')).toBe(0);
  });
});

describe('isConcreteResourceVersion', () => {
  it('is false for unset, empty and "0"', () => {
    expect([undefined, '', '0', '1'].map(isConcreteResourceVersion)).toEqual([false, false, false, true]);
  });
});
