/**
 * The harness's own promise: a start that fails leaves no api-server process behind, however it fails.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { pidsWithArg } from '@skiff/testing';
import { spawnServer } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-harness-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('spawnServer', () => {
  it('kills a child that is not ready by the deadline before it rejects', async () => {
    const dataDir = join(dir, 'slow');
    // A deadline no start can meet: the wait fails while the child is still starting.
    await expect(spawnServer(['--data-dir', dataDir], {}, { readyTimeoutMs: 1 })).rejects.toThrow(/timed out .* the api-server was killed/);
    expect(pidsWithArg(dataDir)).toEqual([]);
  });

  it('fails with the exit and the stderr of a child that exits while starting, and leaves nothing running', async () => {
    const dataDir = join(dir, 'exits');
    await expect(spawnServer(['--data-dir', dataDir, '--no-such-flag'])).rejects.toThrow(/api-server exited with 2: .*no-such-flag/s);
    expect(pidsWithArg(dataDir)).toEqual([]);
  });
});
