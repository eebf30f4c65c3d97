import { describe, expect, it } from 'vitest';
import type { StatefulSet } from '@skiff/api';
import { controllerRevisionName, fnv32, hashControllerRevision, newControllerRevision, templateOf, templatePatch } from './controller-history.js';

const sts: StatefulSet = {
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'web', namespace: 'default', uid: 'u1' },
  spec: { selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
};

describe('controller history', () => {
  it('hashes with FNV-1 (hash/fnv.New32), not FNV-1a', () => {
    // Published FNV-1 32-bit test vectors; FNV-1a of "a" would be 0xe40c292c.
    expect(fnv32('')).toBe(0x811c9dc5);
    expect(fnv32('a')).toBe(0x050c5d7e);
    expect(fnv32('foobar')).toBe(0x31f0b262);
  });

  it('hashes data by its canonical JSON, so key order does not matter, and the collision count changes the hash', () => {
    expect(hashControllerRevision({ a: 1, b: 2 }, 0)).toBe(hashControllerRevision({ b: 2, a: 1 }, 0));
    expect(hashControllerRevision({ a: 1 }, 1)).not.toBe(hashControllerRevision({ a: 1 }, 0));
  });

  it('truncates the owner name to 223 characters', () => {
    expect(controllerRevisionName('x'.repeat(300), 'abc')).toBe(`${'x'.repeat(223)}-abc`);
  });

  it('stores the template as a $patch: replace patch and gives the template back', () => {
    const cr = newControllerRevision(sts, templatePatch(sts), 1, 0);
    expect(cr.data).toEqual({ spec: { template: { ...sts.spec.template, $patch: 'replace' } } });
    expect(templateOf(cr)).toEqual(sts.spec.template);
    expect(cr.metadata.name).toBe(`web-${hashControllerRevision(cr.data, 0)}`);
  });
});
