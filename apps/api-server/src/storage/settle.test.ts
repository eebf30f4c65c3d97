import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { settle } from './settle.js';
import { SqliteStore } from './sqlite-store.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'skiff-settle-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('settle', () => {
  it('finds a moment with nothing pending while writers keep the commit thread busy', async () => {
    const s = SqliteStore.open({ path: join(dir, 'busy.db'), groupCommit: true });
    let writing = true;
    let writes = 0;
    // A write on every turn of the event loop, as requests arriving all the time: every commit (an fsync) ends with
    // the next batch applied behind it. Bounded, so that without a way to settle the test ends (and fails), not hangs.
    const stopped = new Promise<void>((resolve) => {
      const write = (): void => {
        if (!writing || writes >= 20_000) {
          writing = false;
          resolve();
          return;
        }
        const name = `c${writes++}`;
        s.create({ resource: 'configmaps', namespace: 'a', name }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'a', name } });
        setImmediate(write);
      };
      write();
    });
    while (s.durableRevision() < 10) await new Promise((resolve) => setImmediate(resolve));
    let quiet: { durable: number; current: number; writing: boolean } | undefined;
    await settle(s).then(() => (quiet = { durable: s.durableRevision(), current: s.currentRevision(), writing }));
    writing = false;
    await stopped;
    expect(quiet?.durable).toBe(quiet?.current);
    // Settled while the writes went on, not after they stopped.
    expect(quiet?.writing).toBe(true);
    s.close();
  });
});
