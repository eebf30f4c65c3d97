import { describe, expect, it } from 'vitest';
import { isGone } from '@skiff/api';
import type { KubeObject } from '@skiff/api';
import { MemoryStore } from './memory-store.js';
import { runStoreContract } from './store.case.test.js';

runStoreContract('MemoryStore', (opts) => new MemoryStore(opts));

const cm = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'a', name } });

describe('MemoryStore', () => {
  it('bounds its change log: changes pushed out of the ring are compacted away', () => {
    const s = new MemoryStore({ windowSize: 5 });
    for (let i = 0; i < 8; i++) s.create({ resource: 'configmaps', namespace: 'a', name: `c${i}` }, cm(`c${i}`));
    expect(s.compactedRevision()).toBe(3);
    expect(s.changesSince(3).map((e) => e.revision)).toEqual([4, 5, 6, 7, 8]);
    let gone: unknown;
    try {
      s.changesSince(2);
    } catch (err) {
      gone = err;
    }
    expect(isGone(gone)).toBe(true);
    expect(s.stats()).toMatchObject({ objects: { configmaps: 8 }, revision: 8, dbSizeBytes: 0, walSizeBytes: 0 });
  });

  it('refuses writes after close', () => {
    const s = new MemoryStore();
    s.close();
    expect(() => s.create({ resource: 'configmaps', namespace: 'a', name: 'c' }, cm('c'))).toThrow(/closed/);
  });
});
