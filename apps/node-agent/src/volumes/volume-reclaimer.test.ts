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
const deleted = (name: string, policy: 'Delete' | 'Retain'): PersistentVolume => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name },
  spec: { persistentVolumeReclaimPolicy: policy, csi: { driver: 'skiff.dev/docker-volume', volumeHandle: `skiff-${name}` } },
});

function harness(volumes: FakeVolume[], existing: string[] = []) {
  const clock = new FakeClock();
  const reclaimer = new VolumeReclaimer({
    clock,
    logger: silentLogger,
    exists: (name) => existing.includes(name),
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
  return { reclaimer, clock, names: () => volumes.map((v) => v.name) };
}

describe('VolumeReclaimer', () => {
  it('removes the Docker volume of a deleted Delete volume and keeps a Retain one', async () => {
    const h = harness([held('pvc-a', 'Delete'), held('pvc-b', 'Retain')]);
    h.reclaimer.onDeleted(deleted('pvc-a', 'Delete'));
    h.reclaimer.onDeleted(deleted('pvc-b', 'Retain'));
    await h.reclaimer.idle();
    expect(h.names()).toEqual(['skiff-pvc-b']);
  });

  it('retries a volume still mounted until it is free', async () => {
    const busy = held('pvc-a', 'Delete', true);
    const h = harness([busy]);
    h.reclaimer.onDeleted(deleted('pvc-a', 'Delete'));
    await h.reclaimer.idle();
    expect(h.names()).toEqual(['skiff-pvc-a']);
    busy.inUse = false;
    await h.clock.advanceAsync(2000);
    await h.reclaimer.idle();
    expect(h.names()).toEqual([]);
  });

  it('sweeps the Delete volumes whose PersistentVolume went while the agent was down', async () => {
    const h = harness([held('pvc-gone', 'Delete'), held('pvc-live', 'Delete'), held('pvc-kept', 'Retain')], ['pvc-live']);
    await h.reclaimer.sweep();
    expect(h.names()).toEqual(['skiff-pvc-live', 'skiff-pvc-kept']);
  });
});
