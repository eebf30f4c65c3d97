import { describe, expect, it } from 'vitest';
import { FakeClock, type PersistentVolume, type PersistentVolumeClaim, type StorageClass } from '@skiff/api';
import { makeNode, makePod } from '../../__tests__/fixtures.js';
import { nodeInfo, stateFor } from '../../__tests__/plugin-harness.js';
import { REASON_BIND_CONFLICT, REASON_NODE_CONFLICT, REASON_UNBOUND_IMMEDIATE, VolumeBinding } from './volume-binding.js';

const klass = (name: string, mode: StorageClass['volumeBindingMode'], provisioner = 'skiff.dev/docker-volume'): StorageClass => ({
  apiVersion: 'storage.k8s.io/v1',
  kind: 'StorageClass',
  metadata: { name },
  provisioner,
  volumeBindingMode: mode,
});
const claim = (name: string, spec: Partial<PersistentVolumeClaim['spec']> = {}, annotations?: Record<string, string>): PersistentVolumeClaim => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name, namespace: 'default', resourceVersion: '7', ...(annotations ? { annotations } : {}) },
  spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, storageClassName: 'standard', ...spec },
});
const onNode = (name: string, node: string): PersistentVolume => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name },
  spec: {
    capacity: { storage: '1Gi' },
    accessModes: ['ReadWriteOnce'],
    storageClassName: 'local',
    nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } },
    local: { path: '/mnt/disk' },
  },
  status: { phase: 'Available' },
});
const podWith = (...claims: string[]) => makePod('web-0', { spec: { volumes: claims.map((c) => ({ name: c, persistentVolumeClaim: { claimName: c } })) } });

function harness() {
  const claims = new Map<string, PersistentVolumeClaim>();
  const volumes = new Map<string, PersistentVolume>();
  const classes = new Map<string, StorageClass>([['standard', klass('standard', 'WaitForFirstConsumer')], ['fast', klass('fast', 'Immediate')], ['local', klass('local', 'WaitForFirstConsumer', 'kubernetes.io/no-provisioner')]]);
  const annotated: string[] = [];
  const clock = new FakeClock();
  const plugin = new VolumeBinding({
    clock,
    bindTimeoutMs: 30_000,
    listers: {
      claim: (ns, name) => claims.get(`${ns}/${name}`),
      volume: (name) => volumes.get(name),
      volumes: () => [...volumes.values()],
      storageClass: (name) => classes.get(name),
    },
    writer: {
      async annotateSelectedNode(c, node) {
        annotated.push(`${c.metadata.name}@${node}`);
        claims.set(`default/${c.metadata.name}`, { ...c, metadata: { ...c.metadata, annotations: { ...c.metadata.annotations, 'volume.kubernetes.io/selected-node': node } } });
      },
    },
  });
  const add = (c: PersistentVolumeClaim) => claims.set(`default/${c.metadata.name}`, c);
  return { plugin, claims, volumes, annotated, clock, add };
}

const n1 = nodeInfo(makeNode('n1'));
const n2 = nodeInfo(makeNode('n2'));

describe('VolumeBinding', () => {
  it('admits every node for an unbound WaitForFirstConsumer claim whose class provisions', () => {
    const h = harness();
    h.add(claim('data'));
    const state = stateFor(podWith('data'));
    expect([h.plugin.filter(state, n1).code, h.plugin.filter(state, n2).code]).toEqual(['Success', 'Success']);
  });

  it('pins a pod to the node of its bound volume (the Docker volume lives there)', () => {
    const h = harness();
    h.add(claim('data', { volumeName: 'pvc-1' }));
    h.volumes.set('pvc-1', onNode('pvc-1', 'n1'));
    const state = stateFor(podWith('data'));
    expect(h.plugin.filter(state, n1).code).toBe('Success');
    expect(h.plugin.filter(state, n2)).toEqual({ code: 'UnschedulableAndUnresolvable', reasons: [REASON_NODE_CONFLICT] });
  });

  it('refuses a missing claim, an unbound Immediate claim, a claim another pod placed elsewhere, and a static class with no volume on the node', () => {
    const h = harness();
    expect(h.plugin.filter(stateFor(podWith('nope')), n1)).toEqual({ code: 'UnschedulableAndUnresolvable', reasons: ['persistentvolumeclaim "nope" not found'] });
    h.add(claim('now', { storageClassName: 'fast' }));
    expect(h.plugin.filter(stateFor(podWith('now')), n1)).toEqual({ code: 'Unschedulable', reasons: [REASON_UNBOUND_IMMEDIATE] });
    h.add(claim('taken', {}, { 'volume.kubernetes.io/selected-node': 'n1' }));
    expect(h.plugin.filter(stateFor(podWith('taken')), n1).code).toBe('Success');
    expect(h.plugin.filter(stateFor(podWith('taken')), n2)).toEqual({ code: 'Unschedulable', reasons: [REASON_BIND_CONFLICT] });
    h.add(claim('static', { storageClassName: 'local' }));
    h.volumes.set('disk-n2', onNode('disk-n2', 'n2'));
    expect(h.plugin.filter(stateFor(podWith('static')), n1)).toEqual({ code: 'Unschedulable', reasons: [REASON_BIND_CONFLICT] });
    expect(h.plugin.filter(stateFor(podWith('static')), n2).code).toBe('Success');
  });

  it('preBind writes the selected node on each unbound claim and resolves only once they are bound', async () => {
    const h = harness();
    h.add(claim('data'));
    h.add(claim('logs', { volumeName: 'pvc-logs' }));
    h.volumes.set('pvc-logs', onNode('pvc-logs', 'n1'));
    let done = false;
    const bound = h.plugin.preBind(podWith('data', 'logs'), 'n1').then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    expect(h.annotated).toEqual(['data@n1']);
    expect(done).toBe(false);
    h.add({ ...h.claims.get('default/data')!, spec: { ...h.claims.get('default/data')!.spec, volumeName: 'pvc-data' } });
    h.volumes.set('pvc-data', onNode('pvc-data', 'n1'));
    h.plugin.changed();
    await bound;
    expect(done).toBe(true);
    expect(h.clock.pendingTimers()).toBe(0);
  });

  it('preBind fails after the bind timeout when the claim never binds', async () => {
    const h = harness();
    h.add(claim('data'));
    const bound = h.plugin.preBind(podWith('data'), 'n1');
    const failed = expect(bound).rejects.toThrow(/binding volumes: timed out waiting for the condition/);
    await new Promise((r) => setImmediate(r));
    h.clock.advance(30_000);
    await failed;
  });
});
