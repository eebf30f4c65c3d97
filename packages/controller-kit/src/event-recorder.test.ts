import type { Event as CoreEvent } from '@skiff/api';
import { describe, expect, it } from 'vitest';
import { FakeClock } from './clock.js';
import { ClientEventRecorder, referenceTo, type EventSink } from './event-recorder.js';

function recordingSink(failCreates = 0): EventSink & { created: CoreEvent[]; patched: Array<[string, string, Partial<CoreEvent>]> } {
  let fails = failCreates;
  const sink = {
    created: [] as CoreEvent[],
    patched: [] as Array<[string, string, Partial<CoreEvent>]>,
    async create(e: CoreEvent) {
      if (fails-- > 0) throw new Error('events API down');
      sink.created.push(e);
      return e;
    },
    async patch(ns: string, name: string, body: Partial<CoreEvent>) {
      sink.patched.push([ns, name, body]);
      return {};
    },
  };
  return sink;
}

const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web', namespace: 'prod', uid: 'u1', resourceVersion: '7' } };

describe('ClientEventRecorder', () => {
  it('creates an Event, then aggregates a repeat into its count and lastTimestamp', async () => {
    const clock = new FakeClock(Date.UTC(2025, 0, 1, 0, 0, 0, 250));
    const sink = recordingSink();
    const r = new ClientEventRecorder({ sink, component: 'kubelet', host: 'n1', clock });
    r.event(pod, 'Warning', 'BackOff', 'Back-off restarting');
    clock.advance(5_000);
    r.event(pod, 'Warning', 'BackOff', 'Back-off restarting');
    await r.idle();
    expect(sink.created).toHaveLength(1);
    expect(sink.created[0]).toMatchObject({
      metadata: { namespace: 'prod' },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', name: 'web', namespace: 'prod', uid: 'u1', resourceVersion: '7' },
      type: 'Warning',
      reason: 'BackOff',
      source: { component: 'kubelet', host: 'n1' },
      reportingComponent: 'kubelet',
      reportingInstance: 'n1',
      firstTimestamp: '2025-01-01T00:00:00Z',
      count: 1,
    });
    expect(sink.patched).toEqual([['prod', sink.created[0]!.metadata.name, { count: 2, lastTimestamp: '2025-01-01T00:00:05Z' }]]);
  });

  it('keeps events about different fields apart and names events of one millisecond uniquely', async () => {
    const sink = recordingSink();
    const r = new ClientEventRecorder({ sink, component: 'kubelet', clock: new FakeClock() });
    const ref = referenceTo(pod);
    r.record({ ...ref, fieldPath: 'spec.containers{a}' }, 'Normal', 'Started', 'Started container');
    r.record({ ...ref, fieldPath: 'spec.containers{b}' }, 'Normal', 'Started', 'Started container');
    await r.idle();
    expect(sink.created).toHaveLength(2);
    expect(new Set(sink.created.map((e) => e.metadata.name)).size).toBe(2);
    expect(sink.patched).toEqual([]);
  });

  it('creates again after a failed create instead of patching an Event that does not exist', async () => {
    const sink = recordingSink(1);
    const r = new ClientEventRecorder({ sink, component: 'controller-manager', clock: new FakeClock() });
    r.event(pod, 'Normal', 'SuccessfulCreate', 'Created pod: web-1');
    await r.idle();
    r.event(pod, 'Normal', 'SuccessfulCreate', 'Created pod: web-1');
    await r.idle();
    expect(sink.created).toHaveLength(1);
    expect(sink.patched).toEqual([]);
  });

  it('drops and counts events beyond its backlog rather than queueing without bound', async () => {
    const sink = recordingSink();
    const r = new ClientEventRecorder({ sink, component: 'default-scheduler', clock: new FakeClock(), concurrency: 1, maxBacklog: 2 });
    for (let i = 0; i < 5; i++) r.event(pod, 'Normal', 'Scheduled', `attempt ${i}`);
    await r.idle();
    expect(sink.created.map((e) => e.message)).toEqual(['attempt 0', 'attempt 1', 'attempt 2']);
    expect(r.dropped).toBe(2);
  });
});
