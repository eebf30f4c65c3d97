/**
 * The scheduler as its own identity (system:kube-scheduler, bound by the api-server's bootstrap policy) against an
 * api-server with RBAC on: the default role is enough to elect a leader, watch pods and nodes, bind, set the
 * PodScheduled condition and annotate pods; and it is not cluster-admin.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { RESOURCES, type Pod } from '@skiff/api';
import { createClient, type Clientset } from '@skiff/client';
import { realClock, silentLogger } from '@skiff/controller-kit';
import { startRbacServer, type RunningServer } from '@skiff/api-server/testing';
import { waitFor } from '@skiff/testing';
import { makeNode, makePod } from './__tests__/fixtures.js';
import { startScheduler, type RunningScheduler } from './start-scheduler.js';

let server: RunningServer | undefined;
let scheduler: RunningScheduler | undefined;
const clients: Clientset[] = [];
afterEach(async () => {
  await scheduler?.stop();
  for (const c of clients.splice(0)) await c.close();
  await server?.close();
});

describe('scheduler with RBAC', () => {
  it('schedules with the least-privilege system:kube-scheduler role and nothing more', async () => {
    server = await startRbacServer('sched-token,system:kube-scheduler,1\nadmin-token,kubernetes-admin,2,system:masters\n');
    const as = (token: string) => {
      const c = createClient({ server: server!.url, token });
      clients.push(c);
      return c;
    };
    const sched = as('sched-token');
    const admin = as('admin-token');
    scheduler = startScheduler({
      client: sched,
      clock: realClock,
      logger: silentLogger,
      schedulerName: 'default-scheduler',
      leaderElection: { namespace: 'kube-system', name: 'kube-scheduler', identity: 'test', leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 200 },
    });
    await admin.nodes.create(makeNode('n1', { cpu: '4' }));
    const pod = makePod('web', { cpu: '1' });
    const { metadata, spec } = pod;
    await admin.pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: metadata.name!, namespace: metadata.namespace! }, spec } as Pod);
    const bound = await waitFor(async () => {
      const p = await admin.pods.get('web', { namespace: 'default' });
      return p.spec.nodeName ? p : undefined;
    }, { what: 'the pod to be bound by the RBAC-limited scheduler', timeoutMs: 20_000 });
    expect(bound.spec.nodeName).toBe('n1');
    expect(bound.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status).toBe('True');
    expect(scheduler.isLeader()).toBe(true);
    // Not an admin: no Secrets, no deleting nodes.
    await expect(sched.resource(RESOURCES.secrets).list({ namespace: 'default' })).rejects.toMatchObject({ code: 403 });
    await expect(sched.nodes.delete('n1')).rejects.toMatchObject({ code: 403 });
  });
});
