/**
 * A leading scheduler over real processes: two api-server restarts, each outage longer than the renew deadline,
 * leave it leading and scheduling; a Lease moved to another holder by a PATCH makes it step down and exit non-zero
 * (so a supervisor restarts it clean).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lease } from '@skiff/api';
import { Cluster, freePort, type Component } from './cluster.js';
import { busyboxPod as pod, readyNode } from './fixtures.js';
import { waitFor } from '@skiff/testing';

const RENEW_DEADLINE_MS = 2_000;
const cluster = new Cluster();
let scheduler: Component;
const lease = async (): Promise<Lease> => (await cluster.client.leases.get('kube-scheduler', { namespace: 'kube-system' })) as Lease;
const boundNode = async (name: string): Promise<string> => (await cluster.client.pods.get(name, { namespace: 'default' })).spec.nodeName ?? '';

beforeAll(async () => {
  await cluster.startApiServer();
  const listen = `127.0.0.1:${await freePort()}`;
  scheduler = cluster.start('scheduler', 'scheduler', [
    '--listen', listen,
    '--leader-elect-identity', 'scheduler-under-test',
    '--leader-elect-lease-duration', '3s',
    '--leader-elect-renew-deadline', `${RENEW_DEADLINE_MS / 1000}s`,
    '--leader-elect-retry-period', '500ms',
  ]);
  await cluster.client.nodes.create(readyNode('node-1'));
  await cluster.client.pods.create(pod('first'));
  await waitFor(async () => (await boundNode('first')) === 'node-1', { what: 'the first pod bound', timeoutMs: 30_000 });
}, 60_000);
afterAll(() => cluster.stop());

/** outage stops the api-server and starts it again on the same port and data dir once the scheduler has been without it for longer than its renew deadline. */
async function outage(): Promise<void> {
  await cluster.kill('api-server', 'SIGTERM');
  const down = Date.now();
  // The scenario, not a hoped-for result: the api-server stays away longer than the renew deadline.
  await waitFor(() => Date.now() - down > RENEW_DEADLINE_MS + 1_000, { what: 'the outage to outlast the renew deadline', timeoutMs: 10_000 });
  await cluster.startApiServer();
}

describe('a leading scheduler', () => {
  it('keeps leading and scheduling through two api-server restarts in a row', { timeout: 90_000 }, async () => {
    const before = await lease();
    expect(before.spec?.holderIdentity).toBe('scheduler-under-test');
    await outage();
    await outage();
    await cluster.client.pods.create(pod('after-restarts'));
    await waitFor(async () => (await boundNode('after-restarts')) === 'node-1', { what: 'the pod created after the restarts bound', timeoutMs: 30_000 });
    expect(scheduler.child.exitCode).toBeNull();
    const after = await lease();
    expect(after.spec).toMatchObject({ holderIdentity: 'scheduler-under-test', leaseTransitions: before.spec?.leaseTransitions ?? 0 });
    expect(scheduler.logs()).toContain('api-server unreachable; still leading');
  });

  it('steps down and exits non-zero when a PATCH moves the Lease to another holder', { timeout: 60_000 }, async () => {
    // A scheduler of its own, on a Lease of its own, so this does not depend on the test above.
    const other = cluster.start('scheduler-patched', 'scheduler', [
      '--listen', `127.0.0.1:${await freePort()}`,
      '--leader-elect-identity', 'scheduler-patched',
      '--leader-elect-resource-name', 'kube-scheduler-patched',
      '--leader-elect-retry-period', '500ms',
    ]);
    const code = new Promise<number | null>((r) => other.child.once('exit', (c) => r(c)));
    const get = async (): Promise<Lease> => (await cluster.client.leases.get('kube-scheduler-patched', { namespace: 'kube-system' })) as Lease;
    await waitFor(async () => (await get()).spec?.holderIdentity === 'scheduler-patched', { what: 'the second scheduler leading', timeoutMs: 30_000 });
    await cluster.client.leases.patch('kube-scheduler-patched', { spec: { holderIdentity: 'someone-else' } }, { namespace: 'kube-system' });
    expect(await code).toBe(1);
    expect(other.logs()).toContain('leader lease lost');
    expect((await get()).spec?.holderIdentity).toBe('someone-else');
  });
});
