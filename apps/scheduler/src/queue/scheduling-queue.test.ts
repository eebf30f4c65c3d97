import { describe, expect, it } from 'vitest';
import { FakeClock } from '@skiff/controller-kit';
import { makePod } from '../__tests__/fixtures.js';
import { defaultQueueingHint } from '../plugins/default-registry.js';
import { SchedulingQueue } from './scheduling-queue.js';

function queue(clock = new FakeClock()) {
  return { clock, q: new SchedulingQueue({ clock, hint: defaultQueueingHint }) };
}

describe('SchedulingQueue', () => {
  it('pops by priority, then by age', async () => {
    const { clock, q } = queue();
    q.add(makePod('old-low', { priority: 0 }));
    clock.advance(10);
    q.add(makePod('high', { priority: 100 }));
    clock.advance(10);
    q.add(makePod('new-low', { priority: 0 }));
    const order = [];
    for (let i = 0; i < 3; i++) order.push((await q.pop())!.pod.metadata.name);
    expect(order).toEqual(['high', 'old-low', 'new-low']);
  });

  it('wakes a waiting pop when a pod arrives, and returns undefined on abort', async () => {
    const { q } = queue();
    const waiting = q.pop();
    q.add(makePod('a'));
    expect((await waiting)?.key).toBe('default/a');
    const ac = new AbortController();
    const p = q.pop(ac.signal);
    ac.abort();
    expect(await p).toBeUndefined();
  });

  it('backs off errors 1 s, 2 s, 4 s ... capped at 10 s', async () => {
    const { clock, q } = queue();
    expect([1, 2, 3, 4, 5, 6].map((n) => q.backoffDuration(n))).toEqual([1000, 2000, 4000, 8000, 10000, 10000]);
    q.add(makePod('a'));
    let info = (await q.pop())!;
    q.addUnschedulable(info, q.schedulingCycle, 'error');
    expect(q.pending()).toEqual({ active: 0, backoff: 1, unschedulable: 0 });
    clock.advance(999);
    expect(q.pending().backoff).toBe(1);
    clock.advance(1);
    expect(q.pending()).toEqual({ active: 1, backoff: 0, unschedulable: 0 });
    info = (await q.pop())!;
    expect(info.attempts).toBe(2);
    q.addUnschedulable(info, q.schedulingCycle, 'error');
    clock.advance(1999);
    expect(q.pending().backoff).toBe(1);
    clock.advance(1);
    expect(q.pending().active).toBe(1);
  });

  it('parks unschedulable pods until an event that can help them, then applies the remaining backoff', async () => {
    const { clock, q } = queue();
    q.add(makePod('cpu'));
    q.add(makePod('taint'));
    const cpu = (await q.pop())!;
    const taint = (await q.pop())!;
    const cycle = q.schedulingCycle;
    q.addUnschedulable({ ...cpu, unschedulablePlugins: new Set(['NodeResourcesFit']) }, cycle);
    q.addUnschedulable({ ...taint, unschedulablePlugins: new Set(['TaintToleration']) }, cycle);
    expect(q.pending()).toEqual({ active: 0, backoff: 0, unschedulable: 2 });
    expect(q.unschedulablePlugins()).toEqual(new Map([['NodeResourcesFit', 1], ['TaintToleration', 1]]));
    // A deleted pod frees resources but cannot remove a taint.
    q.moveAllToActiveOrBackoff('AssignedPodDelete');
    expect(q.pending()).toEqual({ active: 0, backoff: 1, unschedulable: 1 });
    clock.advance(1000);
    expect(q.pending()).toEqual({ active: 1, backoff: 0, unschedulable: 1 });
    // Long after its backoff, a node event sends the other straight to activeQ.
    clock.advance(5000);
    q.moveAllToActiveOrBackoff('NodeUpdate');
    expect(q.pending()).toEqual({ active: 2, backoff: 0, unschedulable: 0 });
  });

  it('does not park a pod when a move request arrived during its cycle', async () => {
    const { q } = queue();
    q.add(makePod('a'));
    const info = (await q.pop())!;
    const cycle = q.schedulingCycle;
    q.moveAllToActiveOrBackoff('NodeAdd');
    q.addUnschedulable({ ...info, unschedulablePlugins: new Set(['NodeResourcesFit']) }, cycle);
    expect(q.pending()).toEqual({ active: 0, backoff: 1, unschedulable: 0 });
  });

  it('retries a parked pod after a real spec change but not after its own annotation or status changed', async () => {
    const { clock, q } = queue();
    const pod = makePod('a');
    q.add(pod);
    const info = (await q.pop())!;
    q.addUnschedulable({ ...info, unschedulablePlugins: new Set(['NodeAffinity']) }, q.schedulingCycle);
    clock.advance(2000);
    const annotated = { ...pod, metadata: { ...pod.metadata, annotations: { 'skiff.dev/scheduling-decision': '{}' } }, status: { phase: 'Pending' as const } };
    q.update(pod, annotated);
    expect(q.pending().unschedulable).toBe(1);
    const relabelled = { ...annotated, spec: { ...annotated.spec, nodeSelector: { disk: 'ssd' } } };
    q.update(annotated, relabelled);
    expect(q.pending()).toEqual({ active: 1, backoff: 0, unschedulable: 0 });
    expect((await q.pop())!.pod.spec.nodeSelector).toEqual({ disk: 'ssd' });
  });

  it('flushes pods parked for more than five minutes', async () => {
    const { clock, q } = queue();
    q.add(makePod('a'));
    const info = (await q.pop())!;
    q.addUnschedulable({ ...info, unschedulablePlugins: new Set(['TaintToleration']) }, q.schedulingCycle);
    clock.advance(299_000);
    expect(q.pending().unschedulable).toBe(1);
    clock.advance(31_000);
    expect(q.pending()).toEqual({ active: 1, backoff: 0, unschedulable: 0 });
  });

  it('deletes pods from whichever sub-queue holds them', async () => {
    const { q } = queue();
    q.add(makePod('a'));
    q.add(makePod('b'));
    const b = (await q.pop())!;
    q.addUnschedulable(b, q.schedulingCycle, 'error');
    q.delete(makePod('a'));
    q.delete(makePod('b'));
    expect(q.pending()).toEqual({ active: 0, backoff: 0, unschedulable: 0 });
    q.close();
  });
});
