import { describe, expect, it } from 'vitest';
import type { Node, Pod } from '@skiff/api';
import { FakeClock, silentLogger } from '@skiff/controller-kit';
import { conflict, FakeWriter } from './__tests__/fake-writer.js';
import { makeNode, makePod } from './__tests__/fixtures.js';
import { DECISION_ANNOTATION, type SchedulingDecision } from './decision/scheduling-decision.js';
import { podRequests } from './framework/resources.js';
import { Framework } from './framework/framework.js';
import { defaultPlugins } from './plugins/default-registry.js';
import { Scheduler } from './scheduler.js';

function setup(seed = 1) {
  const clock = new FakeClock();
  const writer = new FakeWriter();
  const random = mulberry32(seed);
  const scheduler = new Scheduler({ writer, clock, logger: silentLogger, schedulerName: 'default-scheduler', framework: new Framework({ ...defaultPlugins(), random }) });
  return { clock, writer, scheduler, random };
}

/** drain runs cycles until the active queue is empty. */
async function drain(s: Scheduler): Promise<void> {
  while (s.queue.pending().active > 0) s.scheduleOne((await s.queue.pop())!);
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('Scheduler', () => {
  it('assumes pods so back-to-back cycles never overcommit a node before binds return', async () => {
    const { writer, scheduler } = setup();
    scheduler.onNodeAdd(makeNode('a', { cpu: '1' }));
    for (let i = 0; i < 5; i++) scheduler.onPodAdd(makePod(`p${i}`, { cpu: '300m' }));
    await drain(scheduler);
    expect(writer.binds.map((b) => b.node)).toEqual(['a', 'a', 'a']);
    expect(scheduler.cache.assumedCount()).toBe(3);
    expect(scheduler.queue.pending().unschedulable).toBe(2);
  });

  it('confirms an assumption when the bound pod comes back through the watch', async () => {
    const { writer, scheduler } = setup();
    scheduler.onNodeAdd(makeNode('a'));
    const pod = makePod('p', { cpu: '1' });
    scheduler.onPodAdd(pod);
    await drain(scheduler);
    const bind = writer.binds[0]!;
    bind.resolve();
    await scheduler.idle();
    scheduler.onPodUpdate(pod, { ...pod, spec: { ...pod.spec, nodeName: 'a' } });
    expect(scheduler.cache.assumedCount()).toBe(0);
    expect(scheduler.cache.nodeInfo('a')!.requested.milliCpu).toBe(1000);
    const decision = JSON.parse(bind.annotations[DECISION_ANNOTATION]!) as SchedulingDecision;
    expect(decision).toMatchObject({ result: 'Scheduled', attempt: 1, selected: { node: 'a' }, nodes: { total: 1, evaluated: 1, feasible: 1 } });
    expect(writer.events.map((e) => [e.reason, e.type])).toEqual([['Scheduled', 'Normal']]);
  });

  it('forgets the assumption and retries after backoff when the bind fails', async () => {
    const { clock, writer, scheduler } = setup();
    scheduler.onNodeAdd(makeNode('a', { cpu: '1' }));
    scheduler.onPodAdd(makePod('p', { cpu: '1' }));
    await drain(scheduler);
    writer.binds[0]!.reject(new Error('connection reset'));
    await scheduler.idle();
    expect(scheduler.cache.assumedCount()).toBe(0);
    expect(scheduler.cache.nodeInfo('a')!.requested.milliCpu).toBe(0);
    expect(scheduler.queue.pending()).toEqual({ active: 0, backoff: 1, unschedulable: 0 });
    expect(writer.events.at(-1)).toMatchObject({ reason: 'FailedScheduling', type: 'Warning' });
    clock.advance(2000);
    await drain(scheduler);
    expect(writer.binds).toHaveLength(2);
  });

  it('does not retry a pod the watch already shows bound when its bind conflicts', async () => {
    const { writer, scheduler } = setup();
    scheduler.onNodeAdd(makeNode('a'));
    const pod = makePod('p');
    scheduler.onPodAdd(pod);
    await drain(scheduler);
    scheduler.onPodUpdate(pod, { ...pod, spec: { ...pod.spec, nodeName: 'a' } });
    writer.binds[0]!.reject(conflict());
    await scheduler.idle();
    expect(scheduler.queue.pending()).toEqual({ active: 0, backoff: 0, unschedulable: 0 });
    expect(scheduler.cache.nodeInfo('a')!.pods.size).toBe(1);
  });

  it('marks a pod that fits nowhere Unschedulable and retries it when a node joins', async () => {
    const { writer, scheduler, clock } = setup();
    scheduler.onNodeAdd(makeNode('a', { cpu: '1' }));
    scheduler.onPodAdd(makePod('p', { cpu: '2' }));
    await drain(scheduler);
    await scheduler.idle();
    expect(writer.conditions[0]!.condition).toMatchObject({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/1 nodes are available: 1 Insufficient cpu.' });
    expect(JSON.parse(writer.annotations[0]!.annotations[DECISION_ANNOTATION]!)).toMatchObject({ result: 'Unschedulable', filtered: [{ plugin: 'NodeResourcesFit', reason: 'Insufficient cpu', nodes: ['a'] }] });
    expect(writer.events[0]).toMatchObject({ reason: 'FailedScheduling', type: 'Warning', message: '0/1 nodes are available: 1 Insufficient cpu.', count: 1 });
    clock.advance(1000);
    scheduler.onNodeAdd(makeNode('b', { cpu: '4' }));
    await drain(scheduler);
    expect(writer.binds.map((b) => b.node)).toEqual(['b']);
  });

  it('aggregates a repeated FailedScheduling into one Event with a count', async () => {
    const { writer, scheduler, clock } = setup();
    scheduler.onNodeAdd(makeNode('a', { cpu: '1' }));
    scheduler.onPodAdd(makePod('p', { cpu: '2' }));
    await drain(scheduler);
    await scheduler.idle();
    clock.advance(1000);
    scheduler.onNodeUpdate(makeNode('a', { cpu: '1' }), makeNode('a', { cpu: '1', labels: { x: 'y' } }));
    await drain(scheduler);
    await scheduler.idle();
    expect(writer.events).toHaveLength(1);
    expect(writer.events[0]!.count).toBe(2);
  });

  it("takes only its own pods and skips pods being deleted", async () => {
    const { writer, scheduler } = setup();
    scheduler.onNodeAdd(makeNode('a'));
    scheduler.onPodAdd(makePod('mine'));
    scheduler.onPodAdd(makePod('theirs', { spec: { schedulerName: 'other' } }));
    const dying = makePod('dying');
    dying.metadata.deletionTimestamp = '2025-01-01T00:00:00Z';
    scheduler.onPodAdd(dying);
    await drain(scheduler);
    expect(writer.binds.map((b) => b.pod.metadata.name)).toEqual(['mine']);
  });

  it('frees resources and retries parked pods when an assigned pod finishes', async () => {
    const { writer, scheduler, clock } = setup();
    scheduler.onNodeAdd(makeNode('a', { cpu: '1' }));
    const running = makePod('running', { cpu: '1', nodeName: 'a' });
    scheduler.onPodAdd(running);
    scheduler.onPodAdd(makePod('p', { cpu: '1' }));
    await drain(scheduler);
    expect(scheduler.queue.pending().unschedulable).toBe(1);
    clock.advance(1000);
    scheduler.onPodUpdate(running, { ...running, status: { phase: 'Succeeded' } });
    await drain(scheduler);
    expect(writer.binds.map((b) => b.node)).toEqual(['a']);
  });

  it('spreads replicas of one owner across equal nodes', async () => {
    const { writer, scheduler } = setup();
    for (const n of ['a', 'b', 'c']) scheduler.onNodeAdd(makeNode(n));
    for (let i = 0; i < 3; i++) scheduler.onPodAdd(makePod(`web-${i}`, { owner: 'web' }));
    await drain(scheduler);
    expect(new Set(writer.binds.map((b) => b.node)).size).toBe(3);
  });

  it('property: random nodes and pods never leave a node with bound requests above allocatable', async () => {
    let totalBound = 0;
    for (let seed = 1; seed <= 25; seed++) {
      const { writer, scheduler, random, clock } = setup(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
      const nodes: Node[] = [];
      for (let i = 0; i < 2 + Math.floor(random() * 8); i++) {
        const zone = pick(['x', 'y']);
        nodes.push(
          makeNode(`n${i}`, {
            cpu: pick(['500m', '1', '2', '4']),
            memory: pick(['512Mi', '1Gi', '4Gi']),
            pods: pick(['3', '10', '110']),
            labels: { zone },
            ...(random() < 0.3 ? { taints: [{ key: 'dedicated', value: pick(['a', 'b']), effect: pick(['NoSchedule', 'NoExecute', 'PreferNoSchedule'] as const) }] } : {}),
            ...(random() < 0.1 ? { unschedulable: true } : {}),
          }),
        );
      }
      const pods: Pod[] = [];
      for (let i = 0; i < 30 + Math.floor(random() * 40); i++) {
        const spec: Partial<Pod['spec']> = {};
        if (random() < 0.3) spec.nodeSelector = { zone: pick(['x', 'y']) };
        if (random() < 0.3) spec.tolerations = [{ key: 'dedicated', operator: 'Equal', value: pick(['a', 'b']) }];
        if (random() < 0.2) spec.initContainers = [{ name: 'i', image: 'x', resources: { requests: { cpu: pick(['100m', '900m', '2']) } } }];
        pods.push(makePod(`p${i}`, { cpu: pick(['', '50m', '250m', '700m', '1500m']) || undefined, memory: pick(['', '64Mi', '300Mi', '1Gi']) || undefined, priority: Math.floor(random() * 3), spec, owner: pick(['a', 'b']) }));
      }
      // Nodes and pods arrive interleaved; binds complete (and come back through the watch) in random order.
      const arrivals: Array<Node | Pod> = [...nodes, ...pods].sort(() => random() - 0.5);
      const bound = new Map<string, Pod>();
      for (const obj of arrivals) {
        if (obj.kind === 'Node') scheduler.onNodeAdd(obj);
        else scheduler.onPodAdd(obj);
        if (random() < 0.5) await drain(scheduler);
        while (writer.binds.length > 0 && random() < 0.5) {
          const b = writer.binds.splice(Math.floor(random() * writer.binds.length), 1)[0]!;
          if (random() < 0.1) {
            b.reject(new Error('flaky'));
            continue;
          }
          b.resolve();
          const next = { ...b.pod, spec: { ...b.pod.spec, nodeName: b.node } };
          bound.set(b.pod.metadata.name!, next);
          scheduler.onPodUpdate(b.pod, next);
        }
        await new Promise((r) => setImmediate(r));
        clock.advance(500);
      }
      await drain(scheduler);
      totalBound += bound.size;
      for (const node of nodes) {
        const name = node.metadata.name!;
        const info = scheduler.cache.nodeInfo(name)!;
        expect(info.requested.milliCpu).toBeLessThanOrEqual(info.allocatable.milliCpu);
        expect(info.requested.memory).toBeLessThanOrEqual(info.allocatable.memory);
        expect(info.pods.size).toBeLessThanOrEqual(info.allocatable.pods);
        const onNode = [...bound.values()].filter((p) => p.spec.nodeName === name);
        const cpu = onNode.reduce((s, p) => s + podRequests(p).milliCpu, 0);
        expect(cpu).toBeLessThanOrEqual(info.allocatable.milliCpu);
        for (const p of onNode) {
          for (const [k, v] of Object.entries(p.spec.nodeSelector ?? {})) expect(node.metadata.labels?.[k]).toBe(v);
          for (const t of node.spec?.taints ?? []) if (t.effect !== 'PreferNoSchedule') expect(p.spec.tolerations?.some((x) => x.value === t.value)).toBe(true);
          expect(node.spec?.unschedulable).toBeFalsy();
        }
      }
    }
    expect(totalBound).toBeGreaterThan(300);
  });
});
