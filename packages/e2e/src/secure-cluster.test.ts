/**
 * A cluster with no insecure port at all: the api-server serves only TLS, and the scheduler, controller-manager and
 * a simulated node agent reach it with the kubeconfigs it wrote (verified TLS, each its own client certificate). A
 * Deployment's pods get scheduled, bound and Running; kubectl works with admin.kubeconfig.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES, type Deployment } from '@skiff/api';
import { waitFor } from '@skiff/testing';
import { Cluster } from './cluster.js';
import { run } from './toy-cluster.js';

const cluster = new Cluster({ secure: true });
const dir = mkdtempSync(join(tmpdir(), 'skiff-secure-'));
const NODE = `secure-sim-${process.pid}`;

beforeAll(async () => {
  // The default authorization (Node,RBAC): each component runs only with what its bootstrap role grants.
  await cluster.startApiServer();
  cluster.start('scheduler', 'scheduler', ['--leader-elect=false', '--listen', '127.0.0.1:0']);
  cluster.start('controller-manager', 'controller-manager', ['--leader-elect=false', '--listen', '127.0.0.1:0']);
  cluster.start(NODE, 'node-agent', ['--node-name', NODE, '--runtime', 'simulated', '--simulated-start-delay', '100ms', '--listen', '127.0.0.1:0', '--node-status-update-frequency', '1s']);
}, 60_000);
afterAll(async () => {
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('a cluster on the secure port only', () => {
  it('has no plain-HTTP port: the api-server listens only on TLS', async () => {
    expect(cluster.server).toMatch(/^https:/);
    await expect(fetch(`http://127.0.0.1:${cluster.port}/readyz`)).rejects.toThrow();
    expect(cluster.components.get('api-server')!.args).not.toContain('--listen');
  });

  it('runs a Deployment through scheduler, controller-manager and node agent, each with its own kubeconfig', async () => {
    await waitFor(async () => (await cluster.client.nodes.list()).items.some((n) => n.metadata.name === NODE && n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')), { what: 'the node Ready', timeoutMs: 30_000 });
    await cluster.client.resource<Deployment>(RESOURCES.deployments).create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } } },
    });
    await waitFor(async () => (await cluster.client.pods.list({ namespace: 'default', labelSelector: 'app=web' })).items.filter((p) => p.spec?.nodeName === NODE && p.status?.phase === 'Running').length === 2, { what: 'two Running pods on the node', timeoutMs: 45_000 });
    for (const c of ['scheduler', 'controller-manager', NODE]) expect(cluster.components.get(c)!.args).toContain('--kubeconfig');
    const stdout = await run('kubectl', ['--kubeconfig', cluster.kubeconfig(), '--cache-dir', join(dir, 'cache'), 'get', 'pods', '-l', 'app=web', '-o', 'name'], { env: { HOME: dir }, timeoutMs: 30_000 });
    expect(stdout.trim().split('\n')).toHaveLength(2);
  }, 90_000);
});
