import { describe, expect, it } from 'vitest';
import { FakeClock, type PersistentVolume } from '@skiff/api';
import { silentLogger } from '@skiff/controller-kit';
import { VolumeReclaimer } from './volume-reclaimer.js';

interface FakeVolume {
  name: string;
  labels: Record<string, string>;
  inUse?: boolean;
}

const held = (pv: string, policy: string, inUse = false): FakeVolume => ({
  name: `skiff-${pv}`,
  labels: { 'skiff.dev/kind': 'persistent-volume', 'skiff.dev/persistent-volume': pv, 'skiff.dev/reclaim-policy': policy },
  inUse,
});
const volume = (name: string, policy: 'Delete' | 'Retain'): PersistentVolume => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name },
  spec: { persistentVolumeReclaimPolicy: policy, csi: { driver: 'skiff.dev/docker-volume', volumeHandle: `skiff-${name}` } },
});

/** harness: `api` holds the PersistentVolumes that exist; a name in `unreadable` makes the lookup fail. */
function harness(volumes: FakeVolume[], api: Map<string, PersistentVolume>, unreadable = new Set<string>()) {
  const clock = new FakeClock();
  const lookups: string[] = [];
  const reclaimer = new VolumeReclaimer({
    clock,
    logger: silentLogger,
    periodMs: 1000,
    lookup: async (name) => {
      lookups.push(name);
      if (unreadable.has(name)) throw new Error('forbidden');
      return api.get(name);
    },
    runtime: {
      // The runtime answers only this node's volumes; the fake holds only this node's.
      listVolumes: async (labels) => volumes.filter((v) => Object.entries(labels).every(([k, val]) => v.labels[k] === val)),
      removeVolume: async (name) => {
        const i = volumes.findIndex((v) => v.name === name);
        if (i >= 0 && volumes[i]!.inUse) return 'inUse';
        if (i >= 0) volumes.splice(i, 1);
        return 'removed';
      },
    },
  });
  return { reclaimer, clock, lookups, names: () => volumes.map((v) => v.name) };
}

describe('VolumeReclaimer', () => {
  it('removes the data of a gone Delete volume, keeps a gone Retain one, a live one and one the API will not tell about', async () => {
    const api = new Map([['pvc-live', volume('pvc-live', 'Delete')]]);
    const h = harness([held('pvc-gone', 'Delete'), held('pvc-live', 'Delete'), held('pvc-kept', 'Retain'), held('pvc-unknown', 'Delete')], api, new Set(['pvc-unknown']));
    await h.reclaimer.sweep();
    expect(h.names()).toEqual(['skiff-pvc-live', 'skiff-pvc-kept', 'skiff-pvc-unknown']);
    // One GET per held volume: no list of every volume in the cluster.
    expect(h.lookups).toEqual(['pvc-gone', 'pvc-live', 'pvc-kept', 'pvc-unknown']);
  });

  it('honours the policy last read: a volume switched to Retain before its deletion keeps its data', async () => {
    const api = new Map([['pvc-a', volume('pvc-a', 'Retain')]]);
    const h = harness([held('pvc-a', 'Delete')], api);
    await h.reclaimer.sweep();
    api.delete('pvc-a');
    await h.reclaimer.sweep();
    expect(h.names()).toEqual(['skiff-pvc-a']);
  });

  it('checks every period, retrying data still mounted until it is free', async () => {
    const busy = held('pvc-a', 'Delete', true);
    const api = new Map([['pvc-a', volume('pvc-a', 'Delete')]]);
    const h = harness([busy], api);
    const ac = new AbortController();
    const running = h.reclaimer.run(ac.signal);
    await h.clock.advanceAsync(0);
    expect(h.lookups).toEqual(['pvc-a']);
    api.delete('pvc-a');
    await h.clock.advanceAsync(1000);
    expect(h.names()).toEqual(['skiff-pvc-a']);
    busy.inUse = false;
    await h.clock.advanceAsync(1000);
    expect(h.names()).toEqual([]);
    ac.abort();
    await running;
  });
});
