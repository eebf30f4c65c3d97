/**
 * The harness's own promise: a start that fails leaves no api-server process behind, however it fails.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnServer } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-harness-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** pidsWith lists the processes whose command line has `marker` as one of its arguments. */
function pidsWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').includes(marker)) pids.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}

describe('spawnServer', () => {
  it('kills a child that is not ready by the deadline before it rejects', async () => {
    const dataDir = join(dir, 'slow');
    // A deadline no start can meet: the wait fails while the child is still starting.
    await expect(spawnServer(['--data-dir', dataDir], {}, { readyTimeoutMs: 1 })).rejects.toThrow(/timed out .* the api-server was killed/);
    expect(pidsWith(dataDir)).toEqual([]);
  });

  it('fails with the exit and the stderr of a child that exits while starting, and leaves nothing running', async () => {
    const dataDir = join(dir, 'exits');
    await expect(spawnServer(['--data-dir', dataDir, '--no-such-flag'])).rejects.toThrow(/api-server exited with 2: .*no-such-flag/s);
    expect(pidsWith(dataDir)).toEqual([]);
  });
});
