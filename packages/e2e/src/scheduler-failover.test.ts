import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Lease } from '@skiff/api';
import { Cluster, freePort } from './cluster.js';
import { busyboxPod, readyNode } from './fixtures.js';
import { waitFor } from '@skiff/testing';

const pod = (name: string) => busyboxPod(name, { requests: { cpu: '100m' } });

const LEASE_SECONDS = 3;
const cluster = new Cluster();
const metricsUrl = new Map<string, string>();

/** scheduled reads scheduler_schedule_attempts_total{result="scheduled"} from one replica's /metrics. */
async function scheduled(id: string): Promise<number> {
  const text = await (await fetch(metricsUrl.get(id)!)).text();
  const m = /^scheduler_schedule_attempts_total\{[^}]*result="scheduled"[^}]*\} (\d+)/m.exec(text);
  return m ? Number(m[1]) : 0;
}

beforeAll(async () => {
  await cluster.startApiServer();
  for (const id of ['a', 'b']) {
    const listen = `127.0.0.1:${await freePort()}`;
    metricsUrl.set(`scheduler-${id}`, `http://${listen}/metrics`);
    cluster.start(`scheduler-${id}`, 'scheduler', [
      '--leader-elect-identity', `scheduler-${id}`,
      '--leader-elect-lease-duration', `${LEASE_SECONDS}s`,
      '--leader-elect-renew-deadline', '2s',
      '--leader-elect-retry-period', '500ms',
      '--listen', listen,
    ]);
  }
  for (const url of metricsUrl.values()) {
    await waitFor(async () => (await fetch(url)).ok, { what: `${url} to answer`, timeoutMs: 20_000 });
  }
  await cluster.client.nodes.create(readyNode('node-1'));
}, 60_000);
afterAll(() => cluster.stop());

async function boundNode(name: string): Promise<string | undefined> {
  return (await cluster.client.pods.get(name, { namespace: 'default' })).spec.nodeName || undefined;
}

describe('two scheduler replicas', () => {
  it('only the leader schedules, and the other takes over within the lease duration after a SIGKILL', async () => {
    await cluster.client.pods.create(pod('before'));
    await waitFor(async () => (await boundNode('before')) === 'node-1', { what: 'the first pod to be bound', timeoutMs: 20_000 });
    const lease = (await cluster.client.leases.get('kube-scheduler', { namespace: 'kube-system' })) as Lease;
    const leader = lease.spec?.holderIdentity;
    expect(['scheduler-a', 'scheduler-b']).toContain(leader);
    const standby = leader === 'scheduler-a' ? 'scheduler-b' : 'scheduler-a';

    // Only the leader scheduled.
    expect(await scheduled(leader!)).toBe(1);
    expect(await scheduled(standby)).toBe(0);

    await cluster.kill(leader!, 'SIGKILL');
    const killedAt = Date.now();
    await cluster.client.pods.create(pod('after'));
    await waitFor(async () => (await boundNode('after')) === 'node-1', { what: 'the standby to bind after the leader died', timeoutMs: 20_000 });
    const tookMs = Date.now() - killedAt;
    // The standby waits out the dead leader's lease (judged from when it saw the last renewal), then one retry period.
    expect(tookMs).toBeLessThan((LEASE_SECONDS + 3) * 1000);
    const after = (await cluster.client.leases.get('kube-scheduler', { namespace: 'kube-system' })) as Lease;
    expect(after.spec?.holderIdentity).toBe(standby);
  }, 60_000);
});
