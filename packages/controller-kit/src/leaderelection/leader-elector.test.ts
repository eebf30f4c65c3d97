import { ApiError, formatMicroTime } from '@skiff/api';
import type { Lease } from '@skiff/api';
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../clock.js';
import { FakeLeaseClient } from './fake-lease-client.js';
import { LeaderElector } from './leader-elector.js';
import type { LeaseClient } from './lease-client.js';

const lock = { namespace: 'kube-system', name: 'controller-manager' };

interface Candidate {
  id: string;
  elector: LeaderElector;
  ac: AbortController;
  run: Promise<void>;
  started: number[];
  stopped: number[];
  leaderSignal: AbortSignal | undefined;
  newLeaders: string[];
}

/**
 * partitionable wraps a client so a test can make the api-server fail one candidate's calls: by answering with an
 * error (`refused`, the default) or by not answering at all (`unreachable`, a connection refused).
 */
function partitionable(client: LeaseClient, how: 'refused' | 'unreachable' = 'refused'): LeaseClient & { cut: boolean } {
  const down = (): Promise<never> =>
    Promise.reject(
      how === 'refused'
        ? new ApiError({ reason: 'ServiceUnavailable', message: 'unavailable' })
        : Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8080'), { code: 'ECONNREFUSED' }),
    );
  const p = {
    cut: false,
    get: (name: string, opts: { namespace: string }) => (p.cut ? down() : client.get(name, opts)),
    create: (lease: Lease) => (p.cut ? down() : client.create(lease)),
    update: (lease: Lease) => (p.cut ? down() : client.update(lease)),
  };
  return p;
}

function candidate(id: string, client: LeaseClient, clock: FakeClock, timeline: string[]): Candidate {
  const c = { id, ac: new AbortController(), started: [], stopped: [], newLeaders: [] } as unknown as Candidate;
  c.elector = new LeaderElector({
    lock: { ...lock, identity: id },
    client,
    clock,
    onStartedLeading: (signal) => {
      c.leaderSignal = signal;
      c.started.push(clock.now());
      timeline.push(`${clock.now()} ${id} started`);
    },
    onStoppedLeading: () => {
      c.stopped.push(clock.now());
      timeline.push(`${clock.now()} ${id} stopped`);
    },
    onNewLeader: (leader) => c.newLeaders.push(leader),
  });
  c.run = c.elector.run(c.ac.signal);
  return c;
}

/** step advances time one second at a time, checking that two candidates never lead at once. */
async function step(clock: FakeClock, ms: number, all: Candidate[]): Promise<void> {
  for (let t = 0; t < ms; t += 1000) {
    await clock.advanceAsync(1000);
    expect(all.filter((c) => c.elector.isLeader()).length).toBeLessThanOrEqual(1);
  }
}

describe('LeaderElector', () => {
  it('lets exactly one of two candidates lead while it keeps renewing', async () => {
    const clock = new FakeClock(Date.UTC(2025, 0, 1));
    const client = new FakeLeaseClient();
    const timeline: string[] = [];
    const a = candidate('a', client, clock, timeline);
    await clock.advanceAsync(0);
    const b = candidate('b', client, clock, timeline);
    await step(clock, 60_000, [a, b]);
    expect(a.elector.isLeader()).toBe(true);
    expect(b.elector.isLeader()).toBe(false);
    expect(b.started).toEqual([]);
    expect(b.newLeaders).toEqual(['a']);
    expect(b.elector.getLeader()).toBe('a');
    const lease = client.peek(lock.namespace, lock.name);
    expect(lease?.spec).toMatchObject({
      holderIdentity: 'a',
      leaseDurationSeconds: 15,
      leaseTransitions: 0,
      acquireTime: '2025-01-01T00:00:00.000000Z',
      renewTime: formatMicroTime(clock.now()),
    });
    b.ac.abort();
    a.ac.abort();
    await Promise.all([a.run, b.run]);
  });

  it('hands over when the api-server refuses the renewals: the old leader stops before the new one starts', async () => {
    const clock = new FakeClock(0);
    const client = new FakeLeaseClient();
    const aClient = partitionable(client);
    const timeline: string[] = [];
    const a = candidate('a', aClient, clock, timeline);
    await clock.advanceAsync(0);
    const b = candidate('b', client, clock, timeline);
    await step(clock, 11_000, [a, b]);
    aClient.cut = true;
    await step(clock, 30_000, [a, b]);
    await a.run;
    expect(a.leaderSignal?.aborted).toBe(true);
    expect(a.stopped).toEqual([22_000]);
    expect(b.started).toHaveLength(1);
    const takeover = b.started[0] as number;
    expect(takeover).toBeGreaterThanOrEqual(10_000 + 15_000);
    expect(takeover).toBeLessThanOrEqual(12_000 + 15_000 + 2_000);
    expect(timeline).toEqual(['0 a started', '22000 a stopped', `${takeover} b started`]);
    expect(client.peek(lock.namespace, lock.name)?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    b.ac.abort();
    await b.run;
  });

  it('judges expiry by when it observed the record, not by the remote renewTime', async () => {
    const clock = new FakeClock(Date.UTC(2025, 0, 1));
    const client = new FakeLeaseClient();
    await client.create({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { ...lock },
      spec: { holderIdentity: 'ghost', leaseDurationSeconds: 15, renewTime: '2000-01-01T00:00:00.000000Z' },
    });
    const start = clock.now();
    const b = candidate('b', client, clock, []);
    await step(clock, 14_000, [b]);
    expect(b.started).toEqual([]);
    await step(clock, 3_000, [b]);
    expect(b.started).toEqual([start + 16_000]);
    b.ac.abort();
    await b.run;
  });

  it('lets only one of two candidates win an expired lease (compare-and-swap)', async () => {
    const clock = new FakeClock(0);
    const client = new FakeLeaseClient();
    await client.create({
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { ...lock },
      spec: { holderIdentity: 'ghost', leaseDurationSeconds: 15, renewTime: formatMicroTime(0) },
    });
    // While armed, each read is held until both candidates have read, so both then write on the same version.
    let armed = false;
    let held: Array<() => void> = [];
    const gated: LeaseClient = {
      get: async (name, opts) => {
        const lease = await client.get(name, opts);
        if (armed) {
          await new Promise<void>((resolve) => {
            held.push(resolve);
            if (held.length === 2) {
              for (const r of held) r();
              held = [];
            }
          });
        }
        return lease;
      },
      create: (lease) => client.create(lease),
      update: (lease) => client.update(lease),
    };
    const a = candidate('a', gated, clock, []);
    const b = candidate('b', gated, clock, []);
    await step(clock, 15_000, [a, b]);
    armed = true;
    const writesBefore = client.writes;
    await step(clock, 1_000, [a, b]);
    armed = false;
    expect(held).toEqual([]);
    expect(client.writes).toBe(writesBefore + 1);
    expect(a.started.length + b.started.length).toBe(1);
    await step(clock, 10_000, [a, b]);
    expect(a.started.concat(b.started)).toEqual([16_000]);
    a.ac.abort();
    b.ac.abort();
    await Promise.all([a.run, b.run]);
  });

  it('releases the lease on graceful stop so a waiting candidate takes over at once', async () => {
    const clock = new FakeClock(0);
    const client = new FakeLeaseClient();
    const timeline: string[] = [];
    const a = candidate('a', client, clock, timeline);
    await clock.advanceAsync(0);
    const b = candidate('b', client, clock, timeline);
    await step(clock, 10_000, [a, b]);
    a.ac.abort();
    await a.run;
    expect(a.leaderSignal?.aborted).toBe(true);
    expect(client.peek(lock.namespace, lock.name)?.spec?.holderIdentity).toBe('');
    await step(clock, 2_000, [a, b]);
    expect(b.started).toEqual([12_000]);
    expect(timeline).toEqual(['0 a started', '10000 a stopped', '12000 b started']);
    expect(client.peek(lock.namespace, lock.name)?.spec).toMatchObject({ holderIdentity: 'b', leaseTransitions: 1 });
    b.ac.abort();
    await b.run;
  });

  it('keeps leading through an api-server outage longer than the lease, and renews once it answers again', async () => {
    const clock = new FakeClock(0);
    const client = new FakeLeaseClient();
    const aClient = partitionable(client, 'unreachable');
    const a = candidate('a', aClient, clock, []);
    await step(clock, 5_000, [a]);
    aClient.cut = true;
    await step(clock, 40_000, [a]);
    expect(a.elector.isLeader()).toBe(true);
    expect(a.leaderSignal?.aborted).toBe(false);
    expect(a.stopped).toEqual([]);
    aClient.cut = false;
    const back = clock.now();
    await step(clock, 2_000, [a]);
    expect(a.elector.isLeader()).toBe(true);
    const spec = client.peek(lock.namespace, lock.name)?.spec;
    expect(spec).toMatchObject({ holderIdentity: 'a', leaseTransitions: 0, acquireTime: formatMicroTime(0) });
    expect(Date.parse(spec?.renewTime ?? '')).toBeGreaterThanOrEqual(back);
    a.ac.abort();
    await a.run;
    expect(a.stopped).toEqual([clock.now()]);
  });

  it('stops on reaching the api-server again when someone else took the lease meanwhile', async () => {
    const clock = new FakeClock(0);
    const client = new FakeLeaseClient();
    const aClient = partitionable(client, 'unreachable');
    const timeline: string[] = [];
    const a = candidate('a', aClient, clock, timeline);
    await clock.advanceAsync(0);
    const b = candidate('b', client, clock, timeline);
    await step(clock, 4_000, [a, b]);
    aClient.cut = true;
    // Only b reaches the api-server: it takes the expired lease while a, hearing nothing, leads on.
    await clock.advanceAsync(30_000);
    expect(b.started).toHaveLength(1);
    expect(a.stopped).toEqual([]);
    aClient.cut = false;
    const back = clock.now();
    await clock.advanceAsync(2_000);
    await a.run;
    expect(a.leaderSignal?.aborted).toBe(true);
    expect(a.stopped).toHaveLength(1);
    expect(a.stopped[0]).toBeLessThanOrEqual(back + 2_000);
    expect(client.peek(lock.namespace, lock.name)?.spec?.holderIdentity).toBe('b');
    b.ac.abort();
    await b.run;
  });

  it('steps down within a retry period when the lease is moved to another holder', async () => {
    const clock = new FakeClock(0);
    const client = new FakeLeaseClient();
    const a = candidate('a', client, clock, []);
    await step(clock, 5_000, [a]);
    const lease = client.peek(lock.namespace, lock.name)!;
    await client.update({ ...structuredClone(lease), spec: { ...lease.spec, holderIdentity: 'someone-else' } });
    const moved = clock.now();
    await step(clock, 2_000, [a]);
    await a.run;
    expect(a.stopped).toHaveLength(1);
    expect(a.stopped[0]).toBeLessThanOrEqual(moved + 2_000);
    expect(client.peek(lock.namespace, lock.name)?.spec?.holderIdentity).toBe('someone-else');
  });

  it('renews as leader with one write and no read per retry period (client-go fast path)', async () => {
    const clock = new FakeClock(0);
    const client = new FakeLeaseClient();
    const calls: string[] = [];
    const counted: LeaseClient = {
      get: (name, opts) => (calls.push('get'), client.get(name, opts)),
      create: (lease) => (calls.push('create'), client.create(lease)),
      update: (lease) => (calls.push('update'), client.update(lease)),
    };
    const a = candidate('a', counted, clock, []);
    await step(clock, 2_000, [a]);
    expect(a.elector.isLeader()).toBe(true);
    calls.length = 0;
    await step(clock, 10_000, [a]);
    expect(calls).toEqual(Array(5).fill('update'));
    expect(client.peek(lock.namespace, lock.name)?.spec).toMatchObject({ holderIdentity: 'a', renewTime: formatMicroTime(12_000) });
    a.ac.abort();
    await a.run;
  });

  it('rejects timing that would let a leader outlive its lease', () => {
    const client = new FakeLeaseClient();
    const base = { lock: { ...lock, identity: 'x' }, client, onStartedLeading: () => {}, onStoppedLeading: () => {} };
    expect(() => new LeaderElector({ ...base, leaseDurationMs: 10_000, renewDeadlineMs: 10_000 })).toThrow();
    expect(() => new LeaderElector({ ...base, renewDeadlineMs: 2_000, retryPeriodMs: 2_000 })).toThrow();
  });
});
