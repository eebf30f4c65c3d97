/**
 * The dashboard with 1,000 pods on 100 simulated nodes (one agent process running them all), in real headless
 * Chromium: every node card and every chip arrives, and the page keeps rendering while the pods pour in. Frame
 * gaps (requestAnimationFrame) and the lag from "1,000 Running in the API" to "1,000 chips on screen" are written
 * to test-artifacts/dashboard-scale/timings.json: measurements, not assertions (the bench owns performance).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@skiff/testing';
import { artifactDir, browserMissing, launchBrowser } from './browser.js';
import { Cluster, mainOf } from './cluster.js';

const missing = browserMissing();
const NODES = 100;
const PODS = 1000;
const TOKEN = 'dashboard-scale-token';
const cluster = new Cluster();
let dashboard: ChildProcess | undefined;
let browser: Browser | undefined;
let page: Page;
let url = '';
const shots = artifactDir('dashboard-scale');
const timings: Record<string, unknown> = {};

beforeAll(async () => {
  if (missing) return;
  const tokens = join(cluster.dataDir, 'tokens.csv');
  writeFileSync(tokens, `${TOKEN},scale-admin,u-scale,"system:masters"\n`);
  await cluster.startApiServer(['--token-auth-file', tokens]);
  // One agent process runs the 100 nodes; it talks to the insecure port, the dashboard to the TLS port as a user.
  cluster.start('scheduler', 'scheduler', ['--leader-elect=false', '--listen', '127.0.0.1:0']);
  cluster.start('controller-manager', 'controller-manager', ['--leader-elect=false', '--listen', '127.0.0.1:0']);
  cluster.start('agents', 'node-agent', ['--node-name', 'scale', '--runtime', 'simulated', '--simulated-nodes', String(NODES), '--simulated-start-delay', '100ms', '--listen', '127.0.0.1:0']);
  await waitFor(async () => (await cluster.client.nodes.list()).items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length === NODES, { what: `${NODES} Ready nodes`, timeoutMs: 60_000 });
  const securePort = Number(/"securePort":(\d+)/.exec(cluster.components.get('api-server')!.logs())?.[1]);
  let logs = '';
  dashboard = spawn(process.execPath, [mainOf('dashboard'), '--server', `https://127.0.0.1:${securePort}`, '--certificate-authority', join(cluster.dataDir, 'pki', 'ca.crt'), '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  dashboard.stdout!.on('data', (d: Buffer) => (logs += d.toString()));
  dashboard.stderr!.on('data', (d: Buffer) => (logs += d.toString()));
  await waitFor(() => (url = /"url":"(http:[^"]+)"/.exec(logs)?.[1] ?? ''), { what: `the dashboard to serve (${logs})`, timeoutMs: 15_000 });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
}, 120_000);

afterAll(async () => {
  writeFileSync(join(shots, 'timings.json'), JSON.stringify(timings, null, 2));
  await browser?.close();
  dashboard?.kill('SIGTERM');
  await cluster.stop();
}, 60_000);

describe.skipIf(missing)(`dashboard with ${PODS} pods on ${NODES} nodes${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('shows every node and every pod while they arrive, and records frame gaps and the display lag', async () => {
    await page.goto(url);
    await page.fill('#token', TOKEN);
    await page.click('button[type=submit]');
    await waitFor(async () => (await page.locator('[data-node][data-ready="True"]').count()) === NODES, { what: `${NODES} Ready node cards`, timeoutMs: 30_000 });
    // Frame gaps from here on: the page's own clock, sampled every animation frame.
    await page.evaluate(`(() => { window.__gaps = []; let last = performance.now(); const tick = (t) => { window.__gaps.push(t - last); last = t; requestAnimationFrame(tick); }; requestAnimationFrame(tick); })()`);
    const t0 = Date.now();
    await cluster.client.deployments.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'many', namespace: 'default' },
      spec: { replicas: PODS, selector: { matchLabels: { app: 'many' } }, template: { metadata: { labels: { app: 'many' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } } },
    });
    let apiDone = 0;
    await waitFor(async () => {
      if (!apiDone) {
        const running = (await cluster.client.pods.list({ namespace: 'default', labelSelector: 'app=many' })).items.filter((p) => p.status?.phase === 'Running').length;
        if (running === PODS) apiDone = Date.now();
      }
      return (await page.locator('[data-pod^="default/many-"][data-phase="Running"]').count()) === PODS;
    }, { what: `${PODS} Running chips`, timeoutMs: 180_000, intervalMs: 250 });
    const shown = Date.now();
    const gaps = ((await page.evaluate('window.__gaps')) as number[]).sort((a, b) => a - b);
    const q = (p: number) => Math.round(gaps[Math.min(gaps.length - 1, Math.floor(p * gaps.length))]!);
    Object.assign(timings, {
      createToAllRunningInApiMs: apiDone ? apiDone - t0 : undefined,
      createToAllChipsShownMs: shown - t0,
      frames: gaps.length,
      frameGapP50Ms: q(0.5),
      frameGapP95Ms: q(0.95),
      frameGapMaxMs: Math.round(gaps[gaps.length - 1]!),
      loadAverage: (await import('node:os')).loadavg()[0],
    });
    process.stdout.write(`dashboard scale: ${JSON.stringify(timings)}\n`);
    await page.screenshot({ path: join(shots, 'thousand-pods.png') });
    // Every node keeps its card (some may have turned NotReady: one process heartbeats for 100 nodes under load).
    expect(await page.locator('[data-node]:not([data-node=""])').count()).toBe(NODES);
    expect(gaps.length).toBeGreaterThan(0);
  }, 240_000);
});
