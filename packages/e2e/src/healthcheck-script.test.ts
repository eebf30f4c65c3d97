/**
 * scripts/healthcheck.sh, the Docker healthcheck of every container in docker-compose.yml, against a real
 * api-server: a GET with bash built-ins (no Node runtime per probe), healthy on 200 only, and once it has passed it
 * sleeps before each later probe so an idle container is rarely probed.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Cluster, freePort } from './cluster.js';
import { ROOT } from './toy-cluster.js';

const SCRIPT = join(ROOT, 'scripts/healthcheck.sh');
const cluster = new Cluster();
const marks = mkdtempSync(join(tmpdir(), 'skiff-healthcheck-'));
beforeAll(() => cluster.startApiServer(), 60_000);
afterAll(async () => {
  await cluster.stop();
  rmSync(marks, { recursive: true, force: true });
});

function probe(port: number, path: string, quietSeconds: number, markDir = marks): Promise<{ code: number; out: string; ms: number }> {
  const t0 = performance.now();
  return new Promise((resolve) => {
    execFile('bash', [SCRIPT, String(port), path, String(quietSeconds)], { env: { ...process.env, SKIFF_HEALTHCHECK_MARK_DIR: markDir }, timeout: 30_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? Number((err as NodeJS.ErrnoException).code ?? 1) : 0, out: stdout + stderr, ms: performance.now() - t0 }),
    );
  });
}

it('is what every healthcheck in docker-compose.yml runs, never a Node process', () => {
  const tests = [...readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8').matchAll(/^\s*test: (.*)$/gm)].map((m) => m[1]!);
  for (const t of tests) expect(t).toMatch(/^\["CMD", "bash", "\/skiff\/scripts\/healthcheck\.sh", "\d+", "\/(readyz|healthz)"\]$/);
  // api-server, scheduler, controller-manager, (one anchor for both) the node agents' plain healthz port, dashboard.
  expect(tests.map((t) => JSON.parse(t)[3]).sort()).toEqual(['10248', '10257', '10259', '8080', '8090']);
});

it('passes on 200 and marks the container healthy', async () => {
  const dir = mkdtempSync(join(marks, 'ok-'));
  expect(await probe(cluster.port, '/readyz', 1, dir)).toMatchObject({ code: 0 });
  expect(readdirSync(dir)).toEqual([expect.stringMatching(new RegExp(`^\\.skiff-healthy-${cluster.port}-\\d+$`))]);
});

it('once it has passed, sleeps the quiet time before the next probe', async () => {
  const dir = mkdtempSync(join(marks, 'quiet-'));
  await probe(cluster.port, '/readyz', 2, dir);
  // A lower bound: a loaded machine only makes the probe take longer.
  const second = await probe(cluster.port, '/readyz', 2, dir);
  expect(second.code).toBe(0);
  expect(second.ms).toBeGreaterThanOrEqual(2000);
});

it('fails on any other status, naming it, and leaves no mark', async () => {
  const dir = mkdtempSync(join(marks, 'bad-'));
  const r = await probe(cluster.port, '/no-such-path', 0, dir);
  expect(r.code).toBe(1);
  expect(r.out).toContain('/no-such-path: HTTP 404');
  expect(readdirSync(dir)).toEqual([]);
});

it('fails when nothing listens on the port', async () => {
  const port = await freePort();
  const r = await probe(port, '/readyz', 0);
  expect(r.code).toBe(1);
  expect(r.out).toContain(`nothing listens on 127.0.0.1:${port}`);
});
