/**
 * Issue 16's storage follow-ups over live processes (api-server, scheduler, controller-manager, two
 * `--runtime simulated` node agents) driven by kubectl 1.32: a StatefulSet's persistentVolumeClaimRetentionPolicy
 * (claims kept with Retain, deleted with the set for whenDeleted Delete, deleted with their condemned pods for
 * whenScaled Delete), and the pvc-protection finalizer keeping a claim a pod mounts Terminating until the pod goes.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES, type PersistentVolume, type PersistentVolumeClaim, type Pod } from '@skiff/api';
import { waitFor } from '@skiff/testing';
import { Cluster } from './cluster.js';
import { run, writeKubeconfig } from './toy-cluster.js';

const NS = 'default';
const cluster = new Cluster();
const dir = mkdtempSync(join(tmpdir(), 'skiff-storage-retention-'));
let kubeconfig = '';
const WAIT = { timeoutMs: 90_000, intervalMs: 300 };

const kubectl = (...args: string[]) => run('/usr/bin/kubectl', ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], { env: { HOME: dir }, timeoutMs: 120_000 });
const claims = () => cluster.client.resource<PersistentVolumeClaim>(RESOURCES.persistentvolumeclaims);
const volumes = () => cluster.client.resource<PersistentVolume>(RESOURCES.persistentvolumes);
const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
const claimNames = async (prefix: string) => (await claims().list({ namespace: NS })).items.map((c) => c.metadata.name!).filter((n) => n.startsWith(prefix)).sort();

function apply(name: string, yaml: string): Promise<string> {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, yaml);
  return kubectl('apply', '-f', file);
}

/** statefulSet is a set of `replicas` simulated pods, each with a 1Gi claim `data` from the default class. */
const statefulSet = (name: string, replicas: number, policy: string) => `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: ${name}}
spec:
  replicas: ${replicas}
  serviceName: ${name}
  podManagementPolicy: Parallel
  selector: {matchLabels: {app: ${name}}}
  ${policy}
  template:
    metadata: {labels: {app: ${name}}}
    spec:
      containers:
      - {name: c, image: busybox:1.36, volumeMounts: [{name: data, mountPath: /data}]}
  volumeClaimTemplates:
  - metadata: {name: data}
    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
`;

async function readyPods(app: string, count: number): Promise<void> {
  await waitFor(async () => (await cluster.client.pods.list({ namespace: NS, labelSelector: `app=${app}` })).items.filter(isReady).length === count || undefined, { ...WAIT, what: `${count} Ready ${app} pods` });
}

async function boundClaims(prefix: string, count: number): Promise<void> {
  await waitFor(async () => (await claims().list({ namespace: NS })).items.filter((c) => c.metadata.name!.startsWith(prefix) && c.status?.phase === 'Bound').length === count || undefined, {
    ...WAIT,
    what: `${count} Bound claims ${prefix}*`,
  });
}

beforeAll(async () => {
  await cluster.startApiServer();
  kubeconfig = writeKubeconfig(dir, cluster.server);
  await cluster.startSimulatedCluster(['ret-a', 'ret-b'], ['--simulated-start-delay', '200ms']);
}, 60_000);
afterAll(async () => {
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

describe('StatefulSet claim retention and claim protection (simulated nodes, kubectl)', () => {
  it('keeps the claims of a Retain set after `kubectl delete sts`, and deletes those of a whenDeleted=Delete set with it', async () => {
    await apply('kept', statefulSet('kept', 2, ''));
    await apply('dropped', statefulSet('dropped', 2, 'persistentVolumeClaimRetentionPolicy: {whenDeleted: Delete, whenScaled: Retain}'));
    await readyPods('kept', 2);
    await readyPods('dropped', 2);
    await boundClaims('data-dropped-', 2);
    const dropped = await claims().get('data-dropped-0', { namespace: NS });
    expect(dropped.metadata.ownerReferences).toEqual([expect.objectContaining({ kind: 'StatefulSet', name: 'dropped', controller: true })]);
    const pvNames = (await claims().list({ namespace: NS })).items.filter((c) => c.metadata.name!.startsWith('data-dropped-')).map((c) => c.spec.volumeName!);

    await kubectl('delete', 'sts', 'kept', 'dropped');
    await waitFor(async () => (await claimNames('data-dropped-')).length === 0 || undefined, { ...WAIT, what: 'the claims of dropped deleted by the garbage collector' });
    // Their volumes (reclaim Delete, the default class) go too once pv-protection lets them.
    await waitFor(async () => ((await volumes().list()).items.some((v) => pvNames.includes(v.metadata.name!)) ? undefined : true), { ...WAIT, what: 'the volumes of dropped deleted' });
    await waitFor(async () => (await cluster.client.pods.list({ namespace: NS, labelSelector: 'app=kept' })).items.length === 0 || undefined, { ...WAIT, what: 'the pods of kept gone' });
    expect(await claimNames('data-kept-')).toEqual(['data-kept-0', 'data-kept-1']);
    expect(await kubectl('get', 'pvc', 'data-kept-0', 'data-kept-1')).toMatch(/data-kept-1\s+Bound/);
  }, 240_000);

  it('deletes the claims of ordinals 1 and 2 on a scale-down 3 to 1 with whenScaled=Delete, keeping claim 0', async () => {
    await apply('shrink', statefulSet('shrink', 3, 'persistentVolumeClaimRetentionPolicy: {whenDeleted: Retain, whenScaled: Delete}'));
    await readyPods('shrink', 3);
    await boundClaims('data-shrink-', 3);
    expect(await kubectl('scale', 'sts', 'shrink', '--replicas=1')).toContain('statefulset.apps/shrink scaled');
    await waitFor(async () => ((await claimNames('data-shrink-')).join(' ') === 'data-shrink-0' ? true : undefined), { ...WAIT, what: 'only data-shrink-0 left' });
    const kept = await claims().get('data-shrink-0', { namespace: NS });
    expect(kept.metadata.ownerReferences ?? []).toEqual([]);
    expect(kept.metadata.deletionTimestamp).toBeUndefined();
    await readyPods('shrink', 1);
  }, 240_000);

  it('leaves a claim a running pod mounts Terminating after `kubectl delete pvc`, and removes it once the pod is gone', async () => {
    await apply(
      'in-use',
      `apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: in-use}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: v1
kind: Pod
metadata: {name: user, labels: {app: user}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - {name: c, image: busybox:1.36, volumeMounts: [{name: d, mountPath: /data}]}
  volumes:
  - {name: d, persistentVolumeClaim: {claimName: in-use}}
`,
    );
    await readyPods('user', 1);
    const claim = await claims().get('in-use', { namespace: NS });
    expect(claim.metadata.finalizers).toEqual(['kubernetes.io/pvc-protection']);
    const pv = await volumes().get(claim.spec.volumeName!);
    expect(pv.metadata.finalizers).toEqual(['kubernetes.io/pv-protection']);

    await kubectl('delete', 'pvc', 'in-use', '--wait=false');
    await waitFor(async () => ((await claims().get('in-use', { namespace: NS })).metadata.deletionTimestamp ? true : undefined), { ...WAIT, what: 'in-use marked for deletion' });
    expect(await kubectl('get', 'pvc', 'in-use')).toMatch(/in-use\s+Terminating\s+pvc-/);
    // Held while the pod runs. The barrier: pvc-protection's one worker takes claims in order, so once an unused
    // claim deleted after in-use is gone, in-use's deletion has been looked at too.
    await apply('probe', 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: probe}\nspec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n');
    await kubectl('delete', 'pvc', 'probe');
    expect((await claims().get('in-use', { namespace: NS })).metadata.finalizers).toEqual(['kubernetes.io/pvc-protection']);

    await kubectl('delete', 'pod', 'user');
    await waitFor(async () => claims().get('in-use', { namespace: NS }).then(() => undefined, () => true), { ...WAIT, what: 'in-use gone after its pod' });
    await waitFor(async () => volumes().get(pv.metadata.name!).then(() => undefined, () => true), { ...WAIT, what: `${pv.metadata.name} (reclaim Delete) gone` });
  }, 240_000);
});
