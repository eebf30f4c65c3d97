import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Event as CoreEvent, Pod } from '@skiff/api';
import { createClient, type Clientset } from '@skiff/client';
import { realClock, silentLogger } from '@skiff/controller-kit';
import { startServer, type RunningServer } from '@skiff/api-server/testing';
import { makeNode, makePod } from './__tests__/fixtures.js';
import { DECISION_ANNOTATION, type SchedulingDecision } from './decision/scheduling-decision.js';
import { SchedulerMetrics } from './scheduler-metrics.js';
import { startScheduler, type RunningScheduler } from './start-scheduler.js';
import { waitFor } from '@skiff/testing';

function strip(pod: Pod): Pod {
  const { metadata, spec } = pod;
  delete metadata.uid;
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: metadata.name!, namespace: metadata.namespace!, ...(metadata.labels ? { labels: metadata.labels } : {}) }, spec };
}

describe('scheduler against a live api-server', () => {
  let server: RunningServer;
  let client: Clientset;
  const running: RunningScheduler[] = [];

  beforeEach(async () => {
    server = await startServer();
    client = createClient({ server: server.url });
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((r) => r.stop()));
    await client.close();
    await server.close();
  });

  function start(extra: Partial<Parameters<typeof startScheduler>[0]> = {}): RunningScheduler {
    const r = startScheduler({ client, clock: realClock, logger: silentLogger, schedulerName: 'default-scheduler', initialBackoffMs: 100, maxBackoffMs: 200, ...extra });
    running.push(r);
    return r;
  }

  it('schedules a pending pod once a fitting node joins, with the decision on the pod and a Scheduled event', async () => {
    const metrics = new SchedulerMetrics({ defaultMetrics: false });
    start({ metrics });
    await client.nodes.create(makeNode('small', { cpu: '1' }));
    await client.pods.create(strip(makePod('web', { cpu: '2' })));
    const pending = await waitFor(async () => {
      const p = await client.pods.get('web', { namespace: 'default' });
      return p.status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False') ? p : undefined;
    });
    expect(pending.spec.nodeName).toBeUndefined();

    await client.nodes.create(makeNode('big', { cpu: '8' }));
    const bound = await waitFor(async () => {
      const p = await client.pods.get('web', { namespace: 'default' });
      return p.spec.nodeName ? p : undefined;
    });
    expect(bound.spec.nodeName).toBe('big');
    expect(bound.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status).toBe('True');
    const decision = JSON.parse(bound.metadata.annotations?.[DECISION_ANNOTATION] ?? '{}') as SchedulingDecision;
    expect(decision.result).toBe('Scheduled');
    expect(decision.selected?.node).toBe('big');
    expect(decision.filtered).toEqual([{ plugin: 'NodeResourcesFit', reason: 'Insufficient cpu', count: 1, nodes: ['small'] }]);

    const events = await waitFor(async () => {
      const list = await client.events.list({ namespace: 'default' });
      const ev = list.items.find((e: CoreEvent) => e.reason === 'Scheduled' && e.involvedObject.name === 'web');
      return ev ? list.items : undefined;
    });
    const scheduled = events.find((e) => e.reason === 'Scheduled')!;
    expect(scheduled.message).toMatch(/^Successfully assigned default\/web to big; chosen big \(score \d+: /);
    expect(scheduled.involvedObject).toMatchObject({ kind: 'Pod', namespace: 'default', name: 'web', uid: bound.metadata.uid, apiVersion: 'v1' });
    expect(scheduled.source?.component).toBe('default-scheduler');
    expect(events.some((e) => e.reason === 'FailedScheduling' && e.type === 'Warning')).toBe(true);
    const text = await metrics.registry.metrics();
    expect(text).toMatch(/scheduler_schedule_attempts_total\{result="scheduled",profile="default-scheduler"\} 1/);
    expect(text).toMatch(/scheduler_schedule_attempts_total\{result="unschedulable",profile="default-scheduler"\} [1-9]/);
  });

  it("explains an unschedulable pod in kube-scheduler's words", async () => {
    start();
    await client.nodes.create(makeNode('a', { cpu: '1' }));
    await client.nodes.create(makeNode('b', { cpu: '1' }));
    await client.nodes.create(makeNode('c', { cpu: '8', taints: [{ key: 'k', value: 'v', effect: 'NoSchedule' }] }));
    await client.pods.create(strip(makePod('big', { cpu: '2' })));
    const pod = await waitFor(async () => {
      const p = await client.pods.get('big', { namespace: 'default' });
      return p.metadata.annotations?.[DECISION_ANNOTATION] ? p : undefined;
    });
    const cond = pod.status?.conditions?.find((c) => c.type === 'PodScheduled');
    expect(cond).toMatchObject({ status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available: 1 node(s) had untolerated taint {k: v}, 2 Insufficient cpu.' });
    const decision = JSON.parse(pod.metadata.annotations![DECISION_ANNOTATION]!) as SchedulingDecision;
    expect(decision.filtered).toEqual([
      { plugin: 'NodeResourcesFit', reason: 'Insufficient cpu', count: 2, nodes: ['a', 'b'] },
      { plugin: 'TaintToleration', reason: 'node(s) had untolerated taint {k: v}', count: 1, nodes: ['c'] },
    ]);
    const ev = await waitFor(async () => (await client.events.list({ namespace: 'default' })).items.find((e) => e.reason === 'FailedScheduling'));
    expect(ev.message).toBe(cond?.message);
    expect(ev.type).toBe('Warning');
  });

  it('ignores pods for other schedulers and binds many pods without overcommitting', async () => {
    start();
    for (let i = 0; i < 3; i++) await client.nodes.create(makeNode(`n${i}`, { cpu: '1', pods: '110' }));
    await client.pods.create(strip(makePod('other', { cpu: '100m', spec: { schedulerName: 'someone-else', containers: [{ name: 'c', image: 'x' }] } })));
    await Promise.all(Array.from({ length: 40 }, (_, i) => client.pods.create(strip(makePod(`p${i}`, { cpu: '100m' })))));
    const pods = await waitFor(async () => {
      const list = await client.pods.list({ namespace: 'default' });
      const bound = list.items.filter((p) => p.spec.nodeName);
      const parked = list.items.filter((p) => p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False'));
      return bound.length === 30 && parked.length === 10 ? list.items : undefined;
    });
    const perNode = new Map<string, number>();
    for (const p of pods) if (p.spec.nodeName) perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
    expect([...perNode.values()]).toEqual([10, 10, 10]);
    expect(pods.find((p) => p.metadata.name === 'other')?.spec.nodeName).toBeUndefined();
  });

  it('turns unhealthy once it lost its lease, since it never contends again', async () => {
    const le = { namespace: 'kube-system', name: 'kube-scheduler', leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 250 };
    const a = start({ leaderElection: { ...le, identity: 'a' } });
    await waitFor(() => a.isLeader() || undefined);
    expect(a.healthy()).toBe(true);
    // Another replica takes the lease over (as after a partition): a's renewals fail until its deadline passes.
    const lease = await client.leases.get('kube-scheduler', { namespace: 'kube-system' });
    await client.leases.update({ ...lease, spec: { ...lease.spec, holderIdentity: 'usurper' } }, { namespace: 'kube-system' });
    await waitFor(() => (!a.isLeader() && !a.healthy()) || undefined, { timeoutMs: 8_000 });
  });

  it('runs two replicas of which only the leader binds, and the standby takes over when the leader dies', async () => {
    const le = { namespace: 'kube-system', name: 'kube-scheduler', leaseDurationMs: 2_000, renewDeadlineMs: 1_500, retryPeriodMs: 250 };
    const a = start({ leaderElection: { ...le, identity: 'a', releaseOnCancel: false } });
    await waitFor(() => a.isLeader() || undefined);
    const b = start({ leaderElection: { ...le, identity: 'b' } });
    await waitFor(() => b.synced() || undefined);
    await client.nodes.create(makeNode('n1'));
    await client.pods.create(strip(makePod('first')));
    await waitFor(async () => (await client.pods.get('first', { namespace: 'default' })).spec.nodeName);
    expect(b.isLeader()).toBe(false);
    const lease = await client.leases.get('kube-scheduler', { namespace: 'kube-system' });
    expect(lease.spec?.holderIdentity).toBe('a');

    // A killed leader cannot release its lease: stop it without releasing, then the standby must wait it out.
    const killedAt = Date.now();
    await a.stop();
    await client.pods.create(strip(makePod('second')));
    const first = await client.pods.get('first', { namespace: 'default' });
    expect(JSON.parse(first.metadata.annotations![DECISION_ANNOTATION]!).selected.node).toBe('n1');
    await waitFor(async () => (await client.pods.get('second', { namespace: 'default' })).spec.nodeName, { timeoutMs: 8_000 });
    expect(b.isLeader()).toBe(true);
    expect(Date.now() - killedAt).toBeLessThan(le.leaseDurationMs + 2 * le.retryPeriodMs + 1_000);
    expect((await client.leases.get('kube-scheduler', { namespace: 'kube-system' })).spec?.holderIdentity).toBe('b');
  });
});
