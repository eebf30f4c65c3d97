/**
 * The dashboard in a real headless Chromium against a cluster of real Skiff processes (TLS api-server, scheduler,
 * controller-manager, simulated node agents): sign in with a token, watch a Deployment scale from 1 to 6 as six
 * chips, kill a node agent and see its node turn NotReady and its pods come back on the others. Screenshots of each
 * step go to test-artifacts/dashboard/.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deployment } from '@skiff/api';
import { waitFor } from '@skiff/testing';
import { artifactDir, browserMissing, launchBrowser } from './browser.js';
import { Cluster } from './cluster.js';
import { startDashboard, tokenAuthFile, type Dashboard } from './dashboard-session.js';

const missing = browserMissing();
const NODES = ['dash-a', 'dash-b', 'dash-c'];
const TOKEN = 'dashboard-e2e-token';
const cluster = new Cluster({ secure: true });
let dashboard: Dashboard | undefined;
let url = '';
let browser: Browser | undefined;
let page: Page;
const shots = artifactDir('dashboard');
const timings: Record<string, unknown> = {};

function startAgent(name: string): void {
  cluster.start(name, 'node-agent', ['--node-name', name, '--runtime', 'simulated', '--listen', '127.0.0.1:0', '--node-lease-duration-seconds', '4', '--node-status-update-frequency', '1s']);
}

beforeAll(async () => {
  if (missing) return;
  const tokens = tokenAuthFile(cluster, TOKEN, 'dashboard-admin');
  await cluster.startApiServer(['--token-auth-file', tokens, '--default-not-ready-toleration-seconds', '2', '--default-unreachable-toleration-seconds', '2']);
  cluster.start('scheduler', 'scheduler', ['--leader-elect=false', '--listen', '127.0.0.1:0']);
  cluster.start('controller-manager', 'controller-manager', ['--leader-elect=false', '--listen', '127.0.0.1:0', '--node-monitor-period', '500ms', '--node-monitor-grace-period', '4s', '--node-eviction-rate', '100']);
  for (const n of NODES) startAgent(n);
  await waitFor(async () => (await cluster.client.nodes.list()).items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length === NODES.length, { what: 'three Ready nodes', timeoutMs: 30_000 });

  dashboard = await startDashboard(cluster);
  url = dashboard.url;
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
}, 90_000);

afterAll(async () => {
  writeFileSync(join(shots, 'timings.json'), JSON.stringify(timings, null, 2));
  await browser?.close();
  dashboard?.child.kill('SIGTERM');
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
    await page.waitForSelector('#token');
    // Time to an interactive sign-in form, from the browser's own navigation clock (an artefact, not an assertion).
    timings['loginFormMs'] = await page.evaluate('performance.now()');
    await page.fill('#token', 'wrong');
    await page.click('button[type=submit]');
    await page.waitForSelector('[role=alert]');
    expect(await page.textContent('[role=alert]')).toContain('did not accept this token');
    await page.fill('#token', TOKEN);
    await page.click('button[type=submit]');
    const signedIn = (await page.evaluate('performance.now()')) as number;
    for (const n of NODES) await page.waitForSelector(`[data-node="${n}"][data-ready="True"]`);
    timings['signInToNodesMs'] = ((await page.evaluate('performance.now()')) as number) - signedIn;
    expect(await page.textContent('.user')).toBe('dashboard-admin');
    await page.screenshot({ path: join(shots, '1-signed-in.png') });
  }, 30_000);

  it('shows a Deployment scaling from 1 to 6 as six chips', async () => {
    await cluster.client.deployments.create(deployment(1));
    await waitFor(async () => total(await chipsByNode()) === 1, { what: 'one Running chip', timeoutMs: 20_000 });
    await page.screenshot({ path: join(shots, '2-one-replica.png') });
    await cluster.client.deployments.patchScale('web', 6, { namespace: 'default' });
    await waitFor(async () => total(await chipsByNode()) === 6, { what: 'six Running chips', timeoutMs: 30_000 });
    // Usage from metrics.k8s.io beside the requests, once the agents have sampled (simulated nodes report some).
    await page.locator('[data-node] [data-bar="cpu-used"]:not([data-value="0"])').first().waitFor({ timeout: 60_000 });
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
  it('lists the pods by label selector, and shows one pod\'s scheduling decision, events and logs', async () => {
    await page.goto(`${url}#/pods`);
    await page.fill('#filter', 'app=web');
    await page.press('#filter', 'Enter');
    const live = page.locator('[data-row^="default/web-"]:not([data-phase="Terminating"])');
    await waitFor(async () => (await live.count()) === 6, { what: 'six live pod rows', timeoutMs: 15_000 });
    await live.first().click();
    const detail = page.locator('[data-detail^="default/web-"]');
    await detail.locator('[data-decision="Scheduled"]').waitFor();
    expect(await detail.locator('th', { hasText: '(chosen)' }).count()).toBe(1);
    await detail.locator('[data-event-reason="Scheduled"]').waitFor();
    await page.screenshot({ path: join(shots, '6-pod-detail.png') });
    await detail.locator('[data-tab="logs"]').click();
    await detail.locator('.log-line', { hasText: 'simulated container web of default/web-' }).waitFor();
    await page.screenshot({ path: join(shots, '7-pod-logs.png') });
    await page.keyboard.press('Escape');
    await page.locator('[data-detail]').waitFor({ state: 'detached' });
    // The logs of every listed pod at once, interleaved, each line prefixed with its pod and container.
    await page.click('[data-action="logs"]');
    await waitFor(async () => new Set(await page.locator('[data-view="pods"] .log-source').allTextContents()).size === 6, { what: 'log lines of six pods', timeoutMs: 20_000 });
    expect(await page.locator('[data-view="pods"] .log-line', { hasText: 'simulated container web of default/web-' }).count()).toBe(6);
    await page.screenshot({ path: join(shots, '7b-logs-of-six-pods.png') });
  }, 60_000);

  it('edits the replica count in the YAML view: the diff, the conflict with the owning manager, then force', async () => {
    await page.goto(`${url}#/workloads`);
    await page.locator('[data-deployment="default/web"] button', { hasText: 'YAML' }).click();
    await page.locator('[data-view="yaml"] button', { hasText: 'Edit' }).click();
    const editor = page.locator('textarea[aria-label="YAML"]');
    const yaml = await editor.inputValue();
    expect(yaml).toMatch(/^  replicas: 6$/m);
    await editor.fill(yaml.replace(/^  replicas: 6$/m, '  replicas: 3'));
    await page.locator('button', { hasText: 'Review changes' }).click();
    expect(await page.locator('[data-diff] .del').allTextContents()).toEqual(['-   replicas: 6']);
    expect(await page.locator('[data-diff] .add').allTextContents()).toEqual(['+   replicas: 3']);
    await page.click('[data-action="apply"]');
    const alert = page.locator('[role=alert][data-code="409"]');
    await alert.waitFor();
    expect(await alert.textContent()).toContain('.spec.replicas');
    await page.screenshot({ path: join(shots, '8-yaml-conflict.png') });
    expect((await cluster.client.deployments.get('web', { namespace: 'default' })).spec.replicas).toBe(6);
    await page.click('[data-action="force"]');
    await page.locator('[data-view="yaml"] .ok').waitFor();
    const d = await cluster.client.deployments.get('web', { namespace: 'default' });
    expect(d.spec.replicas).toBe(3);
    const managers = (d.metadata.managedFields ?? []) as { manager?: string; operation?: string }[];
    expect(managers.find((m) => m.manager === 'skiff-dashboard')?.operation).toBe('Apply');
    await page.goto(`${url}#/overview`);
    await waitFor(async () => total(await chipsByNode()) === 3, { what: 'three Running chips after the edit', timeoutMs: 30_000 });
  }, 60_000);

  it('reads at a phone width', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${url}#/overview`);
    await page.waitForSelector(`[data-node="${NODES[1]}"]`);
    const width = await page.evaluate('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(390);
    await page.screenshot({ path: join(shots, '9-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
  });
});
