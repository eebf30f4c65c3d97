/**
 * The dashboard in a real headless Chromium against a cluster of real Skiff processes (TLS api-server, scheduler,
 * controller-manager, simulated node agents): sign in with a token, watch a Deployment scale from 1 to 6 as six
 * chips, kill a node agent and see its node turn NotReady and its pods come back on the others. Screenshots of each
 * step go to test-artifacts/dashboard/.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deployment } from '@skiff/api';
import { waitFor } from '@skiff/testing';
import { artifactDir, browserMissing, launchBrowser } from './browser.js';
import { Cluster } from './cluster.js';

const missing = browserMissing();
const NODES = ['dash-a', 'dash-b', 'dash-c'];
const TOKEN = 'dashboard-e2e-token';
const DASHBOARD_MAIN = resolve(import.meta.dirname, '../../../apps/dashboard/dist/server/main.js');
const cluster = new Cluster({ secure: true });
let dashboard: ChildProcess | undefined;
let url = '';
let browser: Browser | undefined;
let page: Page;
const shots = artifactDir('dashboard');

function startAgent(name: string): void {
  cluster.start(name, 'node-agent', ['--node-name', name, '--runtime', 'simulated', '--listen', '127.0.0.1:0', '--node-lease-duration-seconds', '4', '--node-status-update-frequency', '1s']);
}

beforeAll(async () => {
  if (missing) return;
  const tokens = join(cluster.dataDir, 'tokens.csv');
  writeFileSync(tokens, `${TOKEN},dashboard-admin,u-dash,"system:masters"\n`);
  await cluster.startApiServer(['--token-auth-file', tokens, '--default-not-ready-toleration-seconds', '2', '--default-unreachable-toleration-seconds', '2']);
  cluster.start('scheduler', 'scheduler', ['--leader-elect=false', '--listen', '127.0.0.1:0']);
  cluster.start('controller-manager', 'controller-manager', ['--leader-elect=false', '--listen', '127.0.0.1:0', '--node-monitor-period', '500ms', '--node-monitor-grace-period', '4s', '--node-eviction-rate', '100']);
  for (const n of NODES) startAgent(n);
  await waitFor(async () => (await cluster.client.nodes.list()).items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length === NODES.length, { what: 'three Ready nodes', timeoutMs: 30_000 });

  let logs = '';
  dashboard = spawn(process.execPath, [DASHBOARD_MAIN, '--kubeconfig', cluster.kubeconfig(), '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  dashboard.stdout!.on('data', (d: Buffer) => (logs += d.toString()));
  dashboard.stderr!.on('data', (d: Buffer) => (logs += d.toString()));
  await waitFor(() => (url = /"url":"(http:[^"]+)"/.exec(logs)?.[1] ?? ''), { what: `the dashboard to serve (${logs})`, timeoutMs: 15_000 });
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
}, 90_000);

afterAll(async () => {
  await browser?.close();
  dashboard?.kill('SIGTERM');
  await cluster.stop();
}, 30_000);

function deployment(replicas: number): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'busybox:1.36', resources: { requests: { cpu: '100m', memory: '64Mi' } } }] } },
    },
  };
}

/** chipsByNode counts the Running pod chips of the web Deployment in each node's card. */
async function chipsByNode(): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const n of NODES) out[n] = await page.locator(`[data-node="${n}"] [data-pod^="default/web-"][data-phase="Running"]`).count();
  return out;
}
const total = (m: Record<string, number>) => Object.values(m).reduce((a, b) => a + b, 0);

describe.skipIf(missing)(`dashboard in Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  it('refuses a wrong token, then signs in and shows every node Ready', async () => {
    await page.goto(url);
    await page.fill('#token', 'wrong');
    await page.click('button[type=submit]');
    await page.waitForSelector('[role=alert]');
    expect(await page.textContent('[role=alert]')).toContain('did not accept this token');
    await page.fill('#token', TOKEN);
    await page.click('button[type=submit]');
    for (const n of NODES) await page.waitForSelector(`[data-node="${n}"][data-ready="True"]`);
    expect(await page.textContent('.user')).toBe('dashboard-admin');
    await page.screenshot({ path: join(shots, '1-signed-in.png') });
  }, 30_000);

  it('shows a Deployment scaling from 1 to 6 as six chips', async () => {
    await cluster.client.deployments.create(deployment(1));
    await waitFor(async () => total(await chipsByNode()) === 1, { what: 'one Running chip', timeoutMs: 20_000 });
    await page.screenshot({ path: join(shots, '2-one-replica.png') });
    await cluster.client.deployments.patchScale('web', 6, { namespace: 'default' });
    await waitFor(async () => total(await chipsByNode()) === 6, { what: 'six Running chips', timeoutMs: 30_000 });
    await page.screenshot({ path: join(shots, '3-six-replicas.png') });
  }, 60_000);

  it('turns a killed node NotReady and shows its pods come back on the other nodes', async () => {
    const before = await chipsByNode();
    const victim = NODES.find((n) => (before[n] ?? 0) > 0)!;
    await cluster.kill(victim, 'SIGKILL');
    await page.waitForSelector(`[data-node="${victim}"]:not([data-ready="True"])`, { timeout: 30_000 });
    await page.screenshot({ path: join(shots, '4-node-not-ready.png') });
    await waitFor(async () => {
      const now = await chipsByNode();
      return total(now) === 6 && !(now[victim] ?? 0);
    }, { what: `six Running chips on nodes other than ${victim}`, timeoutMs: 60_000 });
    await page.screenshot({ path: join(shots, '5-healed.png') });
  }, 90_000);
});
