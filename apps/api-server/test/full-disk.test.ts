import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api, pod, runServerToExit, spawnServer, type ServerProcess } from './harness.js';
import { httpWatch } from './watch-stream.js';
import { waitFor } from '@skiff/testing';

// A real full disk: a small tmpfs holds the data directory. Mounting needs root (CI runs as root); elsewhere the
// test skips, unless SKIFF_REQUIRE_DOCKER=1 says this machine must run every test.
const dir = mkdtempSync(join(tmpdir(), 'skiff-full-disk-'));
let mounted = false;
let mountError = '';
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=6m', 'tmpfs', dir], { stdio: 'pipe' });
  mounted = true;
} catch (err) {
  mountError = String((err as { stderr?: Buffer }).stderr ?? err);
}
if (!mounted && process.env['SKIFF_REQUIRE_DOCKER'] === '1') throw new Error(`SKIFF_REQUIRE_DOCKER=1 but cannot mount a tmpfs for the full-disk test: ${mountError}`);

let proc: ServerProcess | undefined;
afterAll(async () => {
  await proc?.kill('SIGKILL');
  if (mounted) execFileSync('umount', [dir]);
  rmSync(dir, { recursive: true, force: true });
});

/** fillDisk writes a file until the file system has no room left. */
function fillDisk(path: string): void {
  const fd = openSync(path, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    closeSync(fd);
  }
}

/** housekeepingRounds counts the api-server's housekeeping rounds so far, failed or not. */
async function housekeepingRounds(url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return [...text.matchAll(/^skiff_storage_housekeeping_total\{result="\w+"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

async function createPod(name: string): Promise<{ status: number; body: any }> {
  return api(proc!.url, 'POST', '/api/v1/namespaces/default/pods', pod(name));
}

describe.skipIf(!mounted)('api-server on a full disk', () => {
  it('answers writes 507 while reads and watches go on, writes again once space returns, and loses nothing acknowledged', async () => {
    // Housekeeping (expiry, compaction, checkpoint) runs often so it also meets the full disk.
    proc = await spawnServer(['--data-dir', dir, '--compaction-interval', '50ms', '--history-revisions', '1', '--history-window', '0s']);
    const acked = new Map<string, string>();
    for (let i = 0; i < 20; i++) {
      const r = await createPod(`before-${i}`);
      expect(r.status).toBe(201);
      acked.set(r.body.metadata.name, r.body.metadata.uid);
    }
    const watch = await httpWatch(`${proc.url}/api/v1/namespaces/default/pods?watch=true&resourceVersion=${(await createPod('probe')).body.metadata.resourceVersion}`);
    acked.set('probe', (await api(proc.url, 'GET', '/api/v1/namespaces/default/pods/probe')).body.metadata.uid);

    fillDisk(join(dir, 'filler'));
    // Concurrent writes share one group commit: every request of the failed batch gets the answer.
    const failed = await Promise.all(Array.from({ length: 8 }, (_, i) => createPod(`during-${i}`)));
    for (const r of failed) {
      expect(r.status, JSON.stringify(r.body)).toBe(507);
      expect(r.body).toMatchObject({ kind: 'Status', status: 'Failure', code: 507 });
      expect(r.body.message).toMatch(/disk is full/);
    }
    // Nothing of the failed writes shows, and reads, lists and the watch go on; so does the process, through
    // several rounds of housekeeping on the full disk (counted on /metrics, not guessed from the clock).
    const first = await housekeepingRounds(proc.url);
    let broken: unknown;
    await waitFor(async () => {
      try {
        const got = await api(proc!.url, 'GET', '/api/v1/namespaces/default/pods/before-3');
        expect(got.status).toBe(200);
        expect((await api(proc!.url, 'GET', '/api/v1/namespaces/default/pods/during-0')).status).toBe(404);
        const list = await api(proc!.url, 'GET', '/api/v1/namespaces/default/pods');
        expect(list.body.items.map((p: any) => p.metadata.name).sort()).toEqual([...acked.keys()].sort());
        expect((await createPod('still-full')).status).toBe(507);
        return (await housekeepingRounds(proc!.url)) >= first + 5;
      } catch (err) {
        broken = err; // a failed check ends the wait: it must hold every time, not eventually
        return true;
      }
    }, { what: 'five housekeeping rounds on the full disk', timeoutMs: 30_000, intervalMs: 50 });
    if (broken) throw broken;
    expect(proc.child.exitCode).toBeNull();
    expect(watch.events).toEqual([]);
    // Said once, not once per failed write.
    expect(proc.stderr().match(/commit failed; writes fail until commits succeed again/g)).toHaveLength(1);

    rmSync(join(dir, 'filler'));
    const after = await createPod('after');
    expect(after.status, JSON.stringify(after.body)).toBe(201);
    acked.set('after', after.body.metadata.uid);
    const [ev] = await watch.waitFor(1, 10_000);
    expect(ev).toMatchObject({ type: 'ADDED', object: { metadata: { name: 'after' } } });
    watch.close();
    const recovering = proc;
    await waitFor(() => /commits succeed again/.test(recovering.stderr()), { what: '"commits succeed again" in the log', timeoutMs: 5000 });

    // A restart finds every acknowledged pod, and none of the refused ones.
    await proc.kill('SIGTERM');
    proc = await spawnServer(['--data-dir', dir]);
    const list = await api(proc.url, 'GET', '/api/v1/namespaces/default/pods');
    expect(new Map(list.body.items.map((p: any) => [p.metadata.name, p.metadata.uid]))).toEqual(acked);

    // Starting on a full disk (after a clean stop removed the WAL index) stops with one line that says so.
    await proc.kill('SIGTERM');
    proc = undefined;
    fillDisk(join(dir, 'filler'));
    const refused = await runServerToExit(['--data-dir', dir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^api-server: cannot open database .*skiff\.db: .*; the disk holding .* is full: free space on it and start again$/)]);
  }, 60_000);
});
