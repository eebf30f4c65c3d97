import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api, pod, spawnServer, type ServerProcess } from './harness.js';
import { httpWatch } from './watch-stream.js';
import { waitFor } from '@skiff/testing';

const dir = mkdtempSync(join(tmpdir(), 'skiff-durability-'));
let proc: ServerProcess | undefined;
afterAll(async () => {
  await proc?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('durability', () => {
  it('keeps every acknowledged write across SIGKILL, and a watch from the last seen revision misses nothing', async () => {
    proc = await spawnServer(['--data-dir', dir]);
    const acked = new Map<string, string>();
    let stop = false;
    // Four concurrent writers stream creates until the process dies under them.
    const writer = async (id: number) => {
      for (let i = 0; !stop; i++) {
        const name = `w${id}-${i}`;
        try {
          const r = await api(proc!.url, 'POST', '/api/v1/namespaces/default/pods', pod(name));
          if (r.status === 201) acked.set(name, r.body.metadata.uid);
        } catch {
          return; // connection refused or reset: the server is gone
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    await waitFor(() => acked.size >= 300, { what: '300 acknowledged creates', timeoutMs: 60_000, intervalMs: 5 });
    await proc.kill('SIGKILL');
    stop = true;
    await Promise.all(writers);

    proc = await spawnServer(['--data-dir', dir]);
    const list = await api(proc.url, 'GET', '/api/v1/namespaces/default/pods');
    const stored = new Map<string, string>(list.body.items.map((p: any) => [p.metadata.name, p.metadata.uid]));
    for (const [name, uid] of acked) expect(stored.get(name), name).toBe(uid);

    // A watch from a revision before the crash replays every change after it, then live ones.
    const revisions = list.body.items.map((p: any) => Number(p.metadata.resourceVersion)).sort((a: number, b: number) => a - b);
    const from = revisions[Math.floor(revisions.length / 2)]!;
    const expected = revisions.filter((r: number) => r > from);
    const w = await httpWatch(`${proc.url}/api/v1/namespaces/default/pods?watch=true&resourceVersion=${from}`);
    const after = await api(proc.url, 'POST', '/api/v1/namespaces/default/pods', pod('after-restart'));
    expect(Number(after.body.metadata.resourceVersion)).toBeGreaterThan(revisions.at(-1));
    const ev = await w.waitFor(expected.length + 1, 10_000);
    expect(ev.slice(0, expected.length).map((e) => Number(e.object.metadata.resourceVersion))).toEqual(expected);
    expect(ev.at(-1).object.metadata.name).toBe('after-restart');
    w.close();
    await proc.kill('SIGTERM');
  }, 60_000);

  it('keeps continue tokens valid across a restart, as kube does: the signing key lives beside the database', async () => {
    proc = await spawnServer(['--data-dir', dir]);
    const first = await api(proc.url, 'GET', '/api/v1/namespaces/default/pods?limit=100');
    expect(first.body.metadata.continue).toBeTruthy();
    await proc.kill('SIGTERM');
    proc = await spawnServer(['--data-dir', dir]);
    const next = await api(proc.url, 'GET', `/api/v1/namespaces/default/pods?limit=100&continue=${encodeURIComponent(first.body.metadata.continue)}`);
    expect(next.status).toBe(200);
    expect(next.body.metadata.resourceVersion).toBe(first.body.metadata.resourceVersion);
    expect(next.body.items[0].metadata.name > first.body.items.at(-1).metadata.name).toBe(true);
    await proc.kill('SIGTERM');
  }, 60_000);
});
