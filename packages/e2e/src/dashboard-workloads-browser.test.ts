/**
 * The dashboard's Workloads view in a real headless Chromium against real Skiff processes (TLS api-server,
 * scheduler, controller-manager, simulated node agents): a StatefulSet scaled 1 → 3 with the buttons, restarted
 * into a new ControllerRevision, rolled back and partitioned; a DaemonSet's rollout; a suspended Job resumed and
 * completing; a CronJob suspended and triggered; an autoscaler on its target's row; a view-only user refused; the
 * keyboard and a phone's width. Every change is checked in the API, and kubectl's own words where it has them. Screenshots go to test-artifacts/dashboard/workloads-*.png.
 *
 * Two nodes run pods until deleted; a third, tainted for batch work only, runs containers that exit 0 after 300 ms,
 * so Jobs complete there while the StatefulSet's and DaemonSet's pods stay up on the others.
 */
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES, type ClusterRoleBinding, type ControllerRevision, type CronJob, type DaemonSet, type Deployment, type HorizontalPodAutoscaler, type Job, type PodSpec, type StatefulSet } from '@skiff/api';
import { waitFor } from '@skiff/testing';
import { artifactDir, browserMissing, launchBrowser } from './browser.js';
import { Cluster } from './cluster.js';
import { signIn, startDashboard, tokenAuthFile, type Dashboard } from './dashboard-session.js';
import { run } from './toy-cluster.js';

const missing = browserMissing();
const NS = 'default';
const TOKEN = 'dashboard-workloads-token';
const VIEWER_TOKEN = 'dashboard-viewer-token';
const BATCH_TAINT = 'skiff.dev/batch=true:NoSchedule';
const cluster = new Cluster({ secure: true });
let dashboard: Dashboard | undefined;
let browser: Browser | undefined;
let page: Page;
const shots = artifactDir('dashboard');
const shot = (name: string) => page.screenshot({ path: join(shots, `workloads-${name}.png`), fullPage: true });

const statefulsets = () => cluster.client.resource<StatefulSet>(RESOURCES.statefulsets);
const daemonsets = () => cluster.client.resource<DaemonSet>(RESOURCES.daemonsets);
const jobs = () => cluster.client.resource<Job>(RESOURCES.jobs);
const cronjobs = () => cluster.client.resource<CronJob>(RESOURCES.cronjobs);
const hpas = () => cluster.client.resource<HorizontalPodAutoscaler>(RESOURCES.horizontalpodautoscalers);

const template = (app: string, spec: Partial<PodSpec> = {}) => ({ metadata: { labels: { app } }, spec: { containers: [{ name: app, image: 'busybox:1.36' }], ...spec } });
/** batchPod puts a pod on the batch node, where containers run to completion. */
const batchPod = (app: string) => template(app, { restartPolicy: 'Never', nodeSelector: { 'skiff.dev/pool': 'batch' }, tolerations: [{ key: 'skiff.dev/batch', operator: 'Equal', value: 'true', effect: 'NoSchedule' }] });

/** kubectl is the real kubectl 1.32, as the cluster's admin: what the page shows is checked against what it says. */
const kubectl = (...args: string[]) => run('/usr/bin/kubectl', ['--kubeconfig', cluster.kubeconfig(), '--cache-dir', join(cluster.dataDir, 'kubectl-cache'), ...args], { env: { HOME: cluster.dataDir }, timeoutMs: 60_000 });

const text = async (selector: string) => (await page.locator(selector).textContent())?.trim() ?? '';
const waitText = (selector: string, want: string | RegExp, timeoutMs = 30_000) =>
  waitFor(async () => (typeof want === 'string' ? (await text(selector)) === want : want.test(await text(selector))), { what: `${selector} to read ${want}`, timeoutMs });

beforeAll(async () => {
  if (missing) return;
  await cluster.startApiServer(['--token-auth-file', tokenAuthFile(cluster, TOKEN, 'workloads-admin', [{ token: VIEWER_TOKEN, user: 'viewer' }])]);
  cluster.start('scheduler', 'scheduler', ['--leader-elect=false', '--listen', '127.0.0.1:0']);
  cluster.start('controller-manager', 'controller-manager', ['--leader-elect=false', '--listen', '127.0.0.1:0']);
  const agent = (name: string, extra: string[] = []) =>
    cluster.start(name, 'node-agent', ['--node-name', name, '--runtime', 'simulated', '--simulated-start-delay', '100ms', '--listen', '127.0.0.1:0', '--node-status-update-frequency', '1s', ...extra]);
  agent('wl-a');
  agent('wl-b');
  agent('wl-batch', ['--simulated-exit', 'after=300ms,code=0', '--register-with-taints', BATCH_TAINT, '--node-labels', 'skiff.dev/pool=batch']);
  await waitFor(async () => (await cluster.client.nodes.list()).items.filter((n) => n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length === 3, { what: 'three Ready nodes', timeoutMs: 30_000 });
  dashboard = await startDashboard(cluster);
  browser = await launchBrowser();
  page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await signIn(page, dashboard.url, TOKEN);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  dashboard?.child.kill('SIGTERM');
  await cluster.stop();
}, 30_000);

describe.skipIf(missing)(`dashboard Workloads view in Chromium${missing ? ` (skipped: ${missing})` : ''}`, () => {
  const sts = '[data-statefulset="default/db"]';

  it('scales a StatefulSet from 1 to 3 with the + button and shows its rollout reach 3/3', async () => {
    await statefulsets().create({ apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: NS }, spec: { replicas: 1, serviceName: 'db', selector: { matchLabels: { app: 'db' } }, template: template('db') } });
    await page.goto(`${dashboard!.url}#/workloads`);
    await waitText(`${sts} [data-field="ready"]`, '1/1');
    await page.locator(`${sts}[data-rollout="done"]`).waitFor();
    await shot('1-statefulset-one');
    for (const want of [2, 3]) {
      await page.click(`${sts} button[aria-label="scale db up"]`);
      // The button patches replicas to the count it shows plus one: wait for the watch to show the new count.
      await waitFor(async () => (await statefulsets().get('db', { namespace: NS })).spec.replicas === want, { what: `spec.replicas ${want}`, timeoutMs: 10_000 });
      await waitText(`${sts} [data-field="ready"]`, new RegExp(`/${want}$`), 10_000);
    }
    await waitText(`${sts} [data-field="ready"]`, '3/3');
    await page.locator(`${sts}[data-rollout="done"] [role="progressbar"][data-done="3"][data-want="3"]`).waitFor({ timeout: 30_000 });
    expect((await statefulsets().get('db', { namespace: NS })).status?.readyReplicas).toBe(3);
    expect(await text(`${sts} .rollout-line`)).toBe((await kubectl('rollout', 'status', 'sts/db', '--watch=false')).trim());
    await shot('2-statefulset-three');
  }, 60_000);

  it('restarts the StatefulSet into a new revision in its history, then rolls back to the first', async () => {
    await page.click(`${sts} button.link`);
    const history = page.locator('[data-history="/apis/apps/v1/namespaces/default/statefulsets/db"] tbody tr');
    await waitFor(async () => (await history.count()) === 1, { what: 'one revision', timeoutMs: 10_000 });
    expect(await history.first().getAttribute('data-current')).toBe('true');
    await page.click(`${sts} button:text("Restart")`);
    await waitFor(async () => (await history.count()) === 2, { what: 'a second revision', timeoutMs: 20_000 });
    const restarted = (await statefulsets().get('db', { namespace: NS })).spec.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'];
    expect(restarted).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    // Newest first; the new revision is the template now, and shows the annotation it was made by.
    await page.locator('[data-history] tr[data-revision="2"][data-current="true"]').waitFor({ timeout: 20_000 });
    expect(await text('[data-history] tr[data-revision="2"] td:nth-child(4)')).toBe(restarted);
    await page.locator(`${sts}[data-rollout="done"] [role="progressbar"][data-done="3"]`).waitFor({ timeout: 60_000 });
    await shot('3-statefulset-restarted');

    // kubectl rollout undo --to-revision=1: revision 1's template comes back (no restartedAt) and, as in kube, is
    // renumbered past the others.
    await page.click('[data-history] tr[data-revision="1"] button:text("Roll back")');
    await waitFor(async () => (await statefulsets().get('db', { namespace: NS })).spec.template.metadata?.annotations?.['kubectl.kubernetes.io/restartedAt'] === undefined, { what: 'the restartedAt annotation rolled back', timeoutMs: 10_000 });
    await page.locator('[data-history] tr[data-revision="3"][data-current="true"]').waitFor({ timeout: 20_000 });
    expect(await history.count()).toBe(2);
    // The template is now exactly the one the revision snapshots (its data is the template with `$patch: replace`,
    // written as Go writes it: with the zero `creationTimestamp: null`, which the stored template leaves out).
    const live = await statefulsets().get('db', { namespace: NS });
    const revision = await cluster.client.resource<ControllerRevision>(RESOURCES.controllerrevisions).get(live.status!.updateRevision!, { namespace: NS });
    expect(revision.revision).toBe(3);
    const { $patch, metadata, ...snapshot } = (revision.data as { spec: { template: { metadata: Record<string, unknown> } & Record<string, unknown> } }).spec.template;
    expect($patch).toBe('replace');
    const { creationTimestamp, ...snapshotMeta } = metadata;
    expect(creationTimestamp).toBeNull();
    expect(live.spec.template).toEqual({ ...snapshot, metadata: snapshotMeta });
    await page.locator(`${sts}[data-rollout="done"] [role="progressbar"][data-done="3"]`).waitFor({ timeout: 60_000 });
    await shot('4-statefulset-rolled-back');
  }, 120_000);

  it('shows a partition holding pods back: current → update revision, as kubectl rollout status reports it', async () => {
    await statefulsets().patch('db', { spec: { updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } } }, { namespace: NS });
    await waitText(`${sts} [data-field="partition"]`, 'partition 1');
    await page.click(`${sts} button:text("Restart")`);
    // Ordinals 1 and 2 move to the new revision; db-0, below the partition, stays on the current one.
    await waitText(`${sts} .rollout-line`, 'partitioned roll out complete: 2 new pods have been updated...', 60_000);
    const live = await statefulsets().get('db', { namespace: NS });
    expect(live.status?.currentRevision).not.toBe(live.status?.updateRevision);
    const short = (rev: string | undefined) => rev!.slice('db-'.length);
    expect(await text(`${sts} [data-field="revision"]`)).toBe(`${short(live.status?.currentRevision)} → ${short(live.status?.updateRevision)}`);
    expect(await text(`${sts} .rollout-line`)).toBe((await kubectl('rollout', 'status', 'sts/db', '--watch=false')).trim());
    expect(await page.locator(`${sts} [role="progressbar"][data-done="2"][data-want="2"]`).count()).toBe(1);
    await page.locator(`[data-history] tr[data-revision="4"][data-current="true"]`).waitFor();
    expect(await text(`[data-history] tr[data-revision="3"] .badge`)).toBe('rolling from');
    await shot('4b-statefulset-partitioned');
  }, 90_000);

  it('shows a DaemonSet roll out to every node it may run on', async () => {
    await daemonsets().create({ apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'agent', namespace: NS }, spec: { selector: { matchLabels: { app: 'agent' } }, template: template('agent') } });
    const ds = '[data-daemonset="default/agent"]';
    // The batch node's taint keeps it off that node: two of three.
    await waitText(`${ds} [data-field="available"]`, '2/2');
    await page.locator(`${ds}[data-rollout="done"]`).waitFor();
    expect(await text(`${ds} .rollout-line`)).toBe('daemon set "agent" successfully rolled out');
    expect(await text(`${ds} .rollout-line`)).toBe((await kubectl('rollout', 'status', 'ds/agent', '--watch=false')).trim());
    expect(await text(`${ds} [data-field="desired"]`)).toBe('2');
    await shot('5-daemonset');
  }, 60_000);

  it('resumes a suspended Job and shows it complete 3/3', async () => {
    await jobs().create({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'crunch', namespace: NS }, spec: { completions: 3, parallelism: 1, suspend: true, template: batchPod('crunch') } });
    const job = '[data-job="default/crunch"]';
    await page.locator(`${job} [data-condition="Suspended"]`).waitFor({ timeout: 20_000 });
    await shot('6-job-suspended');
    await page.click(`${job} button:text("Resume")`);
    await waitFor(async () => (await jobs().get('crunch', { namespace: NS })).spec.suspend === false, { what: 'spec.suspend false', timeoutMs: 10_000 });
    await waitText(`${job} [data-field="completions"]`, '3/3', 60_000);
    await page.locator(`${job} [data-condition="Complete"]`).waitFor();
    expect(await page.locator(`${job} [role="progressbar"][data-done="3"][data-want="3"]`).count()).toBe(1);
    await shot('7-job-complete');
  }, 90_000);

  it('suspends a CronJob from the UI and triggers it now as kubectl create job --from=cronjob does', async () => {
    const cj = await cronjobs().create({ apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'nightly', namespace: NS }, spec: { schedule: '0 3 * * *', jobTemplate: { metadata: { labels: { team: 'ops' } }, spec: { template: batchPod('nightly') } } } });
    const row = '[data-cronjob="default/nightly"]';
    await waitText(`${row} [data-field="suspend"]`, 'False');
    await page.click(`${row} button:text("Suspend")`);
    await waitFor(async () => (await cronjobs().get('nightly', { namespace: NS })).spec.suspend === true, { what: 'spec.suspend true in the API', timeoutMs: 10_000 });
    await waitText(`${row} [data-field="suspend"]`, 'True');
    await shot('8-cronjob-suspended');

    await page.click(`${row} button:text("Trigger now")`);
    const name = (await page.locator(`${row} [data-created]`).getAttribute('data-created', { timeout: 10_000 }))!;
    expect(name).toMatch(/^nightly-manual-[a-z0-9]{3}$/);
    const triggered = await jobs().get(name, { namespace: NS });
    expect(triggered.metadata.annotations?.['cronjob.kubernetes.io/instantiate']).toBe('manual');
    expect(triggered.metadata.labels?.['team']).toBe('ops');
    expect(triggered.metadata.ownerReferences).toEqual([{ apiVersion: 'batch/v1', kind: 'CronJob', name: 'nightly', uid: cj.metadata.uid, controller: true }]);
    // The same Job kubectl would make, but for its name and what the server generates per Job.
    const byKubectl = JSON.parse(await kubectl('create', 'job', 'by-kubectl', '--from=cronjob/nightly', '--dry-run=server', '-o', 'json')) as Job;
    expect(triggered.metadata.annotations).toEqual(byKubectl.metadata.annotations);
    expect(triggered.metadata.ownerReferences).toEqual(byKubectl.metadata.ownerReferences);
    expect(triggered.spec.completions).toBe(byKubectl.spec.completions);
    expect(triggered.spec.template.spec).toEqual(byKubectl.spec.template.spec);
    await page.locator(`[data-job="default/${name}"] [data-condition="Complete"]`).waitFor({ timeout: 60_000 });
    await shot('9-cronjob-triggered');
  }, 90_000);

  it('shows an autoscaler on its target\'s row', async () => {
    await cluster.client.deployments.create({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'api', namespace: NS }, spec: { replicas: 1, selector: { matchLabels: { app: 'api' } }, template: template('api') } } as Deployment);
    await hpas().create({ apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: 'api', namespace: NS }, spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'api' }, minReplicas: 1, maxReplicas: 4, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 60 } } }] } });
    const line = page.locator('[data-deployment="default/api"] [data-hpa="api"]');
    await line.waitFor({ timeout: 20_000 });
    expect(await line.textContent()).toMatch(/^HPA api \(1–4\) · replicas \d+ → \d+ · cpu: .+\/60%$/);
  }, 60_000);

  it('shows the api-server\'s refusal when RBAC lets the user only view', async () => {
    await cluster.client.resource<ClusterRoleBinding>(RESOURCES.clusterrolebindings).create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'viewer-view' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'User', name: 'viewer', apiGroup: 'rbac.authorization.k8s.io' }],
    });
    const context = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
    try {
      const viewer = await context.newPage();
      await signIn(viewer, dashboard!.url, VIEWER_TOKEN);
      await viewer.goto(`${dashboard!.url}#/workloads`);
      await viewer.click(`${sts} button[aria-label="scale db up"]`);
      const alert = viewer.locator('[data-view="workloads"] [role=alert]');
      await alert.waitFor();
      expect(await alert.textContent()).toMatch(/forbidden: User "viewer" cannot patch resource "statefulsets\/scale"/);
      expect((await statefulsets().get('db', { namespace: NS })).spec.replicas).toBe(3);
      await viewer.screenshot({ path: join(shots, 'workloads-forbidden.png') });
    } finally {
      await context.close();
    }
  }, 60_000);

  it('works from the keyboard and reads at a phone width', async () => {
    await page.goto(`${dashboard!.url}#/overview`);
    await page.keyboard.press('3');
    await page.locator('[data-view="workloads"]').waitFor();
    await page.focus(`${sts} button[aria-label="scale db down"]`);
    await page.keyboard.press('Enter');
    await waitFor(async () => (await statefulsets().get('db', { namespace: NS })).spec.replicas === 2, { what: 'scaled to 2 by Enter on −', timeoutMs: 10_000 });
    await page.focus(`${sts} button.link`);
    await page.keyboard.press('Enter');
    expect(await page.getAttribute(`${sts} button.link`, 'aria-expanded')).toBe('true');
    await page.setViewportSize({ width: 390, height: 844 });
    await waitText(`${sts} [data-field="ready"]`, '2/2');
    expect(await page.evaluate('document.documentElement.scrollWidth')).toBeLessThanOrEqual(390);
    await shot('10-phone');
    await page.setViewportSize({ width: 1280, height: 800 });
  }, 60_000);
});
