// The bench's child processes: a start that fails leaves neither a process nor a data dir behind.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pidsWithArg } from '@skiff/testing';
import { spawnAndWaitForPort, startApiServer } from './procs.mjs';

describe('spawnAndWaitForPort', () => {
  it('kills a child that never prints its port by the deadline, and rejects once it is gone', async () => {
    const marker = `skiff-procs-test-${process.pid}-${Math.random().toString(36).slice(2)}`;
    // The child runs until killed and never prints a port: the deadline, however short, is what ends the wait.
    await expect(spawnAndWaitForPort(['-e', 'setInterval(() => {}, 1000)', marker], /never (\d+)/, 200)).rejects.toThrow(/was not listening after 200 ms and was killed/);
    expect(pidsWithArg(marker)).toEqual([]);
  });
});

describe('startApiServer', () => {
  it('fails at once with the output of an api-server that exits while starting, and removes its data dir', async () => {
    const err = await startApiServer({ args: ['--no-such-flag'] }).then(() => undefined, (e) => e);
    expect(err?.message).toMatch(/--no-such-flag exited \(2\) before listening; output:\n/);
    const dataDir = /--data-dir (\S+)/.exec(err.message)?.[1];
    expect(dataDir).toBeTruthy();
    expect(existsSync(dataDir)).toBe(false);
  });
});
