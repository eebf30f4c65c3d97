import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api, pod, runServerToExit, spawnServer, type ServerProcess } from './harness.js';
import { httpWatch } from './watch-stream.js';

const root = mkdtempSync(join(tmpdir(), 'skiff-store-start-'));
const running = new Set<ServerProcess>();
afterAll(async () => {
  for (const p of running) await p.kill('SIGKILL');
  rmSync(root, { recursive: true, force: true });
});

async function start(dir: string, extra: string[] = []): Promise<ServerProcess> {
  const p = await spawnServer(['--data-dir', dir, ...extra]);
  running.add(p);
  return p;
}

async function stop(p: ServerProcess, signal: NodeJS.Signals): Promise<void> {
  await p.kill(signal);
  running.delete(p);
}

/** writePods creates `n` pods and returns the highest resourceVersion acknowledged. */
async function writePods(p: ServerProcess, prefix: string, n: number): Promise<number> {
  let newest = 0;
  for (let i = 0; i < n; i++) {
    const r = await api(p.url, 'POST', '/api/v1/namespaces/default/pods', pod(`${prefix}-${i}`));
    expect(r.status).toBe(201);
    newest = Math.max(newest, Number(r.body.metadata.resourceVersion));
  }
  return newest;
}

/** expectOneLine checks that start-up failed with exit code 1 and one line (no stack trace) matching `pattern`. */
function expectOneLine(result: { code: number | null; stderr: string }, pattern: RegExp): void {
  expect(result.code).toBe(1);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(pattern);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

/** dirWithPods makes a data directory whose database holds pods `prefix`-0.. (stopped cleanly: all in skiff.db). */
async function dirWithPods(name: string, prefix: string, n: number): Promise<string> {
  const dir = join(root, name);
  const p = await start(dir);
  await writePods(p, prefix, n);
  await stop(p, 'SIGTERM');
  return dir;
}

/**
 * A data directory whose database holds pods p-0..p-9 in skiff.db itself (a clean stop checkpoints) and pods
 * q-0..q-9 only in skiff.db-wal (a SIGKILL skips the checkpoint). Returns the newest acknowledged revision.
 */
async function dirWithWalTail(name: string): Promise<{ dir: string; newest: number }> {
  const dir = await dirWithPods(name, 'p', 10);
  const p = await start(dir);
  const newest = await writePods(p, 'q', 10);
  await stop(p, 'SIGKILL');
  expect(statSync(join(dir, 'skiff.db-wal')).size).toBeGreaterThan(0);
  return { dir, newest };
}

/** loseWal deletes the WAL and its index, as copying skiff.db alone to another machine would. */
function loseWal(dir: string): void {
  rmSync(join(dir, 'skiff.db-wal'));
  rmSync(join(dir, 'skiff.db-shm'), { force: true });
}

describe('api-server start-up on a damaged data directory', () => {
  it('refuses a database whose WAL is missing, with one line naming the file and the flag that accepts it', async () => {
    const { dir } = await dirWithWalTail('missing-wal');
    loseWal(dir);
    expectOneLine(await runServerToExit(['--data-dir', dir]), /skiff\.db went backwards: it holds revision \d+ but .*skiff\.db-revision vouches that revision \d+ was committed.*--accept-store-rollback/);
  }, 60_000);

  it('refuses a database whose WAL was truncated', async () => {
    const { dir } = await dirWithWalTail('truncated-wal');
    truncateSync(join(dir, 'skiff.db-wal'), Math.floor(statSync(join(dir, 'skiff.db-wal')).size / 3));
    rmSync(join(dir, 'skiff.db-shm'), { force: true });
    expectOneLine(await runServerToExit(['--data-dir', dir]), /went backwards.*--accept-store-rollback/);
  }, 60_000);

  it('refuses a 0-byte database, a missing one, and an older copy put back in place', async () => {
    const dir = await dirWithPods('replaced', 'a', 3);
    copyFileSync(join(dir, 'skiff.db'), join(root, 'older.db'));
    const p = await start(dir);
    await writePods(p, 'b', 3);
    await stop(p, 'SIGTERM');

    copyFileSync(join(root, 'older.db'), join(dir, 'skiff.db'));
    expectOneLine(await runServerToExit(['--data-dir', dir]), /went backwards/);
    writeFileSync(join(dir, 'skiff.db'), '');
    expectOneLine(await runServerToExit(['--data-dir', dir]), /holds revision 0 but/);
    // The refusal left the evidence as it was: SQLite did not turn the empty file into an empty database.
    expect(statSync(join(dir, 'skiff.db')).size).toBe(0);
    rmSync(join(dir, 'skiff.db'));
    expectOneLine(await runServerToExit(['--data-dir', dir]), /holds revision 0 but/);
    expect(existsSync(join(dir, 'skiff.db'))).toBe(false);
  }, 60_000);

  it('with --accept-store-rollback serves what is left, past every revision a client saw, and old watches relist', async () => {
    const { dir, newest } = await dirWithWalTail('accepted');
    loseWal(dir);
    const p = await start(dir, ['--accept-store-rollback']);
    expect(p.stderr()).toMatch(/went backwards \(--accept-store-rollback\)/);
    const list = await api(p.url, 'GET', '/api/v1/namespaces/default/pods');
    const names = list.body.items.map((i: any) => i.metadata.name);
    expect(names).toContain('p-9');
    expect(names).not.toContain('q-0');
    expect(Number(list.body.metadata.resourceVersion)).toBeGreaterThanOrEqual(newest);
    const created = await api(p.url, 'POST', '/api/v1/namespaces/default/pods', pod('after'));
    expect(Number(created.body.metadata.resourceVersion)).toBeGreaterThan(newest);
    const w = await httpWatch(`${p.url}/api/v1/namespaces/default/pods?watch=true&resourceVersion=${newest - 5}`);
    const [ev] = await w.waitFor(1, 10_000);
    expect(ev.type).toBe('ERROR');
    expect(ev.object.code).toBe(410);
    w.close();
    await stop(p, 'SIGTERM');
    // Accepted once: the record now vouches for the new state, so the next start needs no flag.
    await stop(await start(dir), 'SIGTERM');
  }, 60_000);

  it('starts a database from before revision records and writes one', async () => {
    const dir = await dirWithPods('upgrade', 'u', 3);
    rmSync(join(dir, 'skiff.db-revision'));
    const p = await start(dir);
    expect(existsSync(join(dir, 'skiff.db-revision'))).toBe(true);
    const got = await api(p.url, 'GET', '/api/v1/namespaces/default/pods/u-2');
    expect(got.status).toBe(200);
    await stop(p, 'SIGTERM');
  }, 60_000);

  it('stops on a corrupt database with one line naming the file and what to do, not a stack trace', async () => {
    const dir = await dirWithPods('corrupt', 'c', 3);
    writeFileSync(join(dir, 'skiff.db'), Buffer.alloc(16_384, 0x5a));
    expectOneLine(await runServerToExit(['--data-dir', dir]), /cannot open database .*skiff\.db: file is not a database \(SQLITE_NOTADB\); restore it/);
  }, 60_000);
});
