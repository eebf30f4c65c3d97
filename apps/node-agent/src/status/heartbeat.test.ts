import { describe, expect, it } from 'vitest';
import { errors, FakeClock, type Lease } from '@skiff/api';
import { silentLogger } from '@skiff/controller-kit';
import { LeaseHeartbeat, type LeaseClient } from './heartbeat.js';

/** recordingClient keeps Leases in a map and records when each write happened, by node. */
function recordingClient(clock: FakeClock) {
  const leases = new Map<string, Lease>();
  const writes: Array<{ at: number; name: string; verb: 'create' | 'update' }> = [];
  let rv = 0;
  const client: LeaseClient = {
    get: async (name) => {
      const l = leases.get(name);
      if (!l) throw errors.notFound('leases', 'coordination.k8s.io', name);
      return l;
    },
    create: async (lease) => {
      const stored = { ...lease, metadata: { ...lease.metadata, resourceVersion: String(++rv) } };
      leases.set(lease.metadata.name!, stored);
      writes.push({ at: clock.now(), name: lease.metadata.name!, verb: 'create' });
      return stored;
    },
    update: async (lease) => {
      const stored = { ...lease, metadata: { ...lease.metadata, resourceVersion: String(++rv) } };
      leases.set(lease.metadata.name!, stored);
      writes.push({ at: clock.now(), name: lease.metadata.name!, verb: 'update' });
      return stored;
    },
  };
  return { client, writes };
}

describe('LeaseHeartbeat', () => {
  it('creates every Lease at once, then spreads the renewals of many nodes evenly over each period', async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const { client, writes } = recordingClient(clock);
    const nodes = ['n0', 'n1', 'n2', 'n3'].map((name) => ({ name }));
    const hb = new LeaseHeartbeat({ nodes, client, clock, logger: silentLogger, durationSeconds: 40 });
    const ac = new AbortController();
    const running = hb.run(ac.signal);
    await clock.advanceAsync(0);
    expect(writes.map((w) => [w.at - t0, w.verb])).toEqual(nodes.map(() => [0, 'create']));
    await clock.advanceAsync(20_000);
    // A period is a quarter of the 40 s duration; node i of 4 renews i quarters of it into each round.
    expect(writes.filter((w) => w.verb === 'update').map((w) => [w.at - t0, w.name])).toEqual([
      [10_000, 'n0'],
      [12_500, 'n1'],
      [15_000, 'n2'],
      [17_500, 'n3'],
      [20_000, 'n0'],
    ]);
    ac.abort();
    await running;
  });

  it('renews a single node once a period', async () => {
    const clock = new FakeClock();
    const t0 = clock.now();
    const { client, writes } = recordingClient(clock);
    const hb = new LeaseHeartbeat({ nodes: [{ name: 'solo' }], client, clock, logger: silentLogger, durationSeconds: 10 });
    const ac = new AbortController();
    const running = hb.run(ac.signal);
    await clock.advanceAsync(10_000);
    expect(writes.map((w) => w.at - t0)).toEqual([0, 2_500, 5_000, 7_500, 10_000]);
    ac.abort();
    await running;
  });
});
