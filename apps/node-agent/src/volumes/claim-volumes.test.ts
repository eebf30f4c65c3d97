import { describe, expect, it } from 'vitest';
import { ApiError, type PersistentVolume, type PersistentVolumeClaim, type Pod } from '@skiff/api';
import { ClaimVolumes } from './claim-volumes.js';

const pod: Pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web-1', namespace: 'default', uid: 'p1' }, spec: { containers: [], volumes: [{ name: 'data', persistentVolumeClaim: { claimName: 'data-web-1' } }] } };
const volumeOf = pod.spec.volumes![0]!;
const boundClaim: PersistentVolumeClaim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data-web-1', namespace: 'default', uid: 'c1' }, spec: { volumeName: 'pvc-c1' }, status: { phase: 'Bound' } };
const pvOn = (node: string, extra: Partial<PersistentVolume['spec']> = {}): PersistentVolume => ({
  apiVersion: 'v1',
  kind: 'PersistentVolume',
  metadata: { name: 'pvc-c1' },
  spec: {
    persistentVolumeReclaimPolicy: 'Delete',
    claimRef: { namespace: 'default', name: 'data-web-1', uid: 'c1' },
    nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }] } },
    csi: { driver: 'skiff.dev/docker-volume', volumeHandle: 'skiff-pvc-c1' },
    ...extra,
  },
});

function setUp(claim: PersistentVolumeClaim | undefined, pv: PersistentVolume) {
  const created: string[] = [];
  const volumes = new ClaimVolumes({
    nodeName: 'n1',
    nodeLabels: () => ({ 'kubernetes.io/hostname': 'n1' }),
    source: {
      claim: async (_ns, name) => {
        if (!claim) throw new ApiError({ reason: 'NotFound', message: `persistentvolumeclaims "${name}" not found` });
        return claim;
      },
      volume: async () => pv,
    },
    runtime: { ensureVolume: async (name, labels, identity) => void created.push(`${name} ${JSON.stringify(labels)} identity ${identity.join(',')}`) },
  });
  return { run: () => volumes.setUp(pod, volumeOf), created };
}

describe('ClaimVolumes', () => {
  it('resolves a bound claim to the Docker volume its PersistentVolume names, created with the volume and policy labels', async () => {
    const h = setUp(boundClaim, pvOn('n1'));
    expect(await h.run()).toBe('skiff-pvc-c1');
    expect(h.created).toEqual([
      'skiff-pvc-c1 {"skiff.dev/managed":"true","skiff.dev/kind":"persistent-volume","skiff.dev/persistent-volume":"pvc-c1","skiff.dev/reclaim-policy":"Delete"} identity skiff.dev/managed,skiff.dev/kind,skiff.dev/persistent-volume',
    ]);
  });

  it('refuses a missing or unbound claim, a volume pinned to another node, and a volume of another driver, creating nothing', async () => {
    const missing = setUp(undefined, pvOn('n1'));
    await expect(missing.run()).rejects.toThrow('error processing PVC default/data-web-1: persistentvolumeclaims "data-web-1" not found');
    const unbound = setUp({ ...boundClaim, spec: {}, status: { phase: 'Pending' } }, pvOn('n1'));
    await expect(unbound.run()).rejects.toThrow('error processing PVC default/data-web-1: PVC is not bound');
    const elsewhere = setUp(boundClaim, pvOn('n2'));
    await expect(elsewhere.run()).rejects.toThrow('PersistentVolume pvc-c1 has volume node affinity that does not match node n1');
    const nfs = setUp(boundClaim, pvOn('n1', { csi: { driver: 'nfs.csi.k8s.io', volumeHandle: 'share' } }));
    await expect(nfs.run()).rejects.toThrow('only csi volumes of driver skiff.dev/docker-volume can be mounted');
    expect([...missing.created, ...unbound.created, ...elsewhere.created, ...nfs.created]).toEqual([]);
  });
});
