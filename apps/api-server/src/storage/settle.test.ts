import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
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
    // Writes stop when the test ends, passed or not: a settle that never comes fails at the test's timeout.
    onTestFinished(() => {
      writing = false;
      s.close();
    });
    // A write on every turn of the event loop, as requests arriving all the time: every commit (an fsync) ends with
    // the next batch applied behind it. They go on until settle resolves, however slow the commits are: a bound on
    // the writes would be a bound on time, and on a loaded machine (slow fsyncs) the writes ran out first.
    const write = (): void => {
      if (!writing) return;
      const name = `c${writes++}`;
      s.create({ resource: 'configmaps', namespace: 'a', name }, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { namespace: 'a', name } });
      setImmediate(write);
    };
    write();
    // Some commits done, and a write applied that is not yet durable: settle starts with something pending.
    while (s.durableRevision() < 10 || s.durableRevision() === s.currentRevision()) await new Promise((resolve) => setImmediate(resolve));
    const before = writes;
    let quiet: { durable: number; current: number; writes: number } | undefined;
    await settle(s).then(() => (quiet = { durable: s.durableRevision(), current: s.currentRevision(), writes }));
    writing = false;
    expect(quiet?.durable).toBe(quiet?.current);
    // Settled while the writes went on: writes were applied while it waited.
    expect(quiet!.writes).toBeGreaterThan(before);
  });
});
