import { describe, expect, it } from 'vitest';
import type { Taint } from './node.js';
import type { Toleration } from './pod.js';
import { tolerationsTolerateTaint, toleratesTaint } from './tolerates-taint.js';

const taint: Taint = { key: 'node.kubernetes.io/not-ready', value: 'x', effect: 'NoExecute' };

describe('toleratesTaint', () => {
  it.each<[Toleration, boolean]>([
    [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' }, true],
    [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists' }, true],
    [{ key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoSchedule' }, false],
    [{ key: 'node.kubernetes.io/not-ready', operator: 'Equal', value: 'x' }, true],
    [{ key: 'node.kubernetes.io/not-ready', value: 'x' }, true],
    [{ key: 'node.kubernetes.io/not-ready', operator: 'Equal', value: 'y' }, false],
    [{ key: 'node.kubernetes.io/not-ready' }, false],
    [{ key: 'other', operator: 'Exists' }, false],
    [{ operator: 'Exists' }, true],
    [{ operator: 'Exists', effect: 'NoSchedule' }, false],
    [{ operator: 'Equal', value: 'x' }, false],
    [{ key: 'node.kubernetes.io/not-ready', operator: 'Gt' as Toleration['operator'], value: 'x' }, false],
  ])('%j -> %s', (t, want) => {
    expect(toleratesTaint(t, taint)).toBe(want);
  });

  it('compares an absent value as empty', () => {
    expect(toleratesTaint({ key: 'k', operator: 'Equal' }, { key: 'k', effect: 'NoSchedule' })).toBe(true);
    expect(toleratesTaint({ key: 'k', value: '' }, { key: 'k', value: 'v', effect: 'NoSchedule' })).toBe(false);
  });
});

describe('tolerationsTolerateTaint', () => {
  it('is true when any toleration matches', () => {
    expect(tolerationsTolerateTaint([{ key: 'a', operator: 'Exists' }, { key: taint.key, operator: 'Exists' }], taint)).toBe(true);
    expect(tolerationsTolerateTaint([{ key: 'a', operator: 'Exists' }], taint)).toBe(false);
    expect(tolerationsTolerateTaint(undefined, taint)).toBe(false);
  });
});
