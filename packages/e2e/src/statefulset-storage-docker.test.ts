/**
 * Issue 16's StatefulSet storage over real processes, kubectl 1.32 and a real Docker engine, in a secure cluster
 * (RBAC and the Node authorizer in force): a StatefulSet of 3 with a volumeClaimTemplate gets a claim per pod from
 * the default class `standard`, provisioned as a Docker named volume on the node the scheduler chose. Pod 1,
 * deleted, comes back with the same name on the same node and reads what it wrote on its first start. Deleting the
 * claims (reclaim Delete) deletes the volumes and the Docker volumes; a Retain class keeps its data.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES, type PersistentVolume, type PersistentVolumeClaim, type Pod } from '@skiff/api';
import { waitFor } from '@skiff/testing';
import { Cluster } from './cluster.js';
import { docker } from './docker.js';
import { dockerClusterAvailable, startDockerCluster, stopDockerCluster } from './docker-cluster.js';
import { run } from './toy-cluster.js';

const available = dockerClusterAvailable();
const SUFFIX = Math.random().toString(36).slice(2, 8);
const NODES = [`e2e-sts-a-${SUFFIX}`, `e2e-sts-b-${SUFFIX}`];
const cluster = new Cluster({ secure: true });
let kc = '';
const kubectl = (...args: string[]) => run('kubectl', ['--kubeconfig', kc, ...args], { timeoutMs: 60_000 });
const WAIT = { timeoutMs: 120_000, intervalMs: 500 };
const claims = () => cluster.client.resource<PersistentVolumeClaim>(RESOURCES.persistentvolumeclaims);
const volumes = () => cluster.client.resource<PersistentVolume>(RESOURCES.persistentvolumes);
const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

// Each pod writes its hostname and a random token into /data on its first start only, then prints what /data holds.
const STS = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  replicas: 3
  serviceName: web
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: c
        image: busybox:1.36
        command: [sh, -c, 'if [ -f /data/id ]; then echo "kept $(cat /data/id)"; else echo "$(hostname) $(cat /proc/sys/kernel/random/uuid)" > /data/id; echo "wrote $(cat /data/id)"; fi; trap "exit 0" TERM; sleep 3600 & wait']
        volumeMounts: [{name: data, mountPath: /data}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      accessModes: [ReadWriteOnce]
      resources: {requests: {storage: 1Gi}}
`;

/** dockerVolumes lists the Docker volumes holding persistent volumes on the test's nodes, as `volume pv node`. */
async function dockerVolumes(): Promise<string[]> {
  const out = await docker(['volume', 'ls', '--filter', 'label=skiff.dev/kind=persistent-volume', '--format', '{{.Name}} {{.Label "skiff.dev/persistent-volume"}} {{.Label "skiff.dev/node"}}']);
  return out.split('\n').filter((l) => NODES.some((n) => l.endsWith(` ${n}`))).sort();
}

async function readyPod(name: string, notUid?: string): Promise<Pod> {
  return waitFor(async () => {
    const pod = await cluster.client.pods.get(name, { namespace: 'default' }).catch(() => undefined);
    return pod && isReady(pod) && pod.metadata.uid !== notUid ? pod : undefined;
  }, { ...WAIT, what: `${name} Ready${notUid ? ' again, as a new pod' : ''}` });
}

async function logLine(pod: string): Promise<string> {
  return waitFor(async () => (await kubectl('logs', pod).catch(() => '')).trim() || undefined, { ...WAIT, what: `kubectl logs ${pod}` });
}

describe.skipIf(!available)('StatefulSet with persistent storage (kubectl, real Docker)', () => {
  beforeAll(async () => {
    await cluster.startApiServer();
    kc = cluster.kubeconfig();
    await startDockerCluster(cluster, NODES);
  }, 180_000);

  afterAll(async () => {
    await stopDockerCluster(cluster, NODES);
  }, 60_000);

  it('keeps pod 1 on its node with its data across deletion, shows 3 Bound claims and volumes, and removes the Docker volumes with the claims', async () => {
    expect(await kubectl('get', 'storageclass')).toMatch(/standard \(default\)\s+skiff\.dev\/docker-volume\s+Delete\s+WaitForFirstConsumer/);
    const manifest = join(cluster.dataDir, 'sts.yaml');
    writeFileSync(manifest, STS);
    expect(await kubectl('apply', '-f', manifest)).toContain('statefulset.apps/web created');
    const pods = [await readyPod('web-0'), await readyPod('web-1'), await readyPod('web-2')];
    const first = await logLine('web-1');
    expect(first).toMatch(/^wrote web-1 [0-9a-f-]{36}$/);

    const table = await kubectl('get', 'pvc,pv');
    for (const i of [0, 1, 2]) expect(table).toMatch(new RegExp(`persistentvolumeclaim/data-web-${i}\\s+Bound\\s+pvc-[0-9a-f-]+\\s+1Gi\\s+RWO\\s+standard`));
    expect(table.match(/persistentvolume\/pvc-\S+\s+1Gi\s+RWO\s+Delete\s+Bound\s+default\/data-web-\d\s+standard/g)).toHaveLength(3);

    // Each claim's volume is pinned to its pod's node and held there as a Docker volume.
    const pv1 = await volumes().get((await claims().get('data-web-1', { namespace: 'default' })).spec.volumeName!);
    const node1 = pods[1]!.spec.nodeName!;
    expect(pv1.spec.nodeAffinity?.required?.nodeSelectorTerms[0]?.matchExpressions?.[0]?.values).toEqual([node1]);
    expect(await dockerVolumes()).toHaveLength(3);
    expect(await dockerVolumes()).toContain(`skiff-${pv1.metadata.name} ${pv1.metadata.name} ${node1}`);
    const describePvc = await kubectl('describe', 'pvc', 'data-web-1');
    expect(describePvc).toMatch(/Status:\s+Bound/);
    expect(describePvc).toMatch(new RegExp(`Volume:\\s+${pv1.metadata.name}`));
    expect(describePvc).toMatch(new RegExp(`volume.kubernetes.io/selected-node: ${node1}`));
    expect(describePvc).toContain('Used By:       web-1');
    const describePv = await kubectl('describe', 'pv', pv1.metadata.name!);
    expect(describePv).toMatch(/Reclaim Policy:\s+Delete/);
    expect(describePv).toMatch(new RegExp(`Claim:\\s+default/data-web-1`));
    expect(describePv).toMatch(new RegExp(`Term 0:\\s+kubernetes.io/hostname in \\[${node1}\\]`));
    expect(describePv).toMatch(/VolumeHandle:\s+skiff-pvc-/);

    await kubectl('delete', 'pod', 'web-1', '--wait=false');
    const again = await readyPod('web-1', pods[1]!.metadata.uid);
    expect(again.spec.nodeName).toBe(node1);
    expect(await logLine('web-1')).toBe(first.replace(/^wrote /, 'kept '));

    // Retain is the default claim retention: the StatefulSet goes, its claims stay until deleted.
    await kubectl('delete', 'statefulset', 'web');
    await waitFor(async () => (await cluster.client.pods.list({ namespace: 'default', labelSelector: 'app=web' })).items.length === 0 || undefined, { ...WAIT, what: 'web pods gone' });
    expect((await claims().list({ namespace: 'default' })).items.map((c) => c.metadata.name).sort()).toEqual(['data-web-0', 'data-web-1', 'data-web-2']);
    await kubectl('delete', 'pvc', 'data-web-0', 'data-web-1', 'data-web-2');
    await waitFor(async () => (await volumes().list()).items.length === 0 || undefined, { ...WAIT, what: 'the Delete volumes deleted' });
    await waitFor(async () => (await dockerVolumes()).length === 0 || undefined, { ...WAIT, what: 'the Docker volumes removed by their nodes' });
  }, 300_000);

  it('keeps the data of a Retain class: the volume is Released and its Docker volume stays after the claim is gone', async () => {
    const manifest = join(cluster.dataDir, 'retain.yaml');
    writeFileSync(
      manifest,
      `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: keep}
provisioner: skiff.dev/docker-volume
reclaimPolicy: Retain
volumeBindingMode: WaitForFirstConsumer
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: kept}
spec:
  storageClassName: keep
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 100Mi}}
---
apiVersion: v1
kind: Pod
metadata: {name: writer}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: busybox:1.36
    command: [sh, -c, 'echo kept-data > /data/file; trap "exit 0" TERM; sleep 3600 & wait']
    volumeMounts: [{name: d, mountPath: /data}]
  volumes:
  - name: d
    persistentVolumeClaim: {claimName: kept}
`,
    );
    await kubectl('apply', '-f', manifest);
    await readyPod('writer');
    const pvName = (await claims().get('kept', { namespace: 'default' })).spec.volumeName!;
    await kubectl('delete', 'pod', 'writer');
    await kubectl('delete', 'pvc', 'kept');
    await waitFor(async () => ((await volumes().get(pvName)).status?.phase === 'Released' ? true : undefined), { ...WAIT, what: `${pvName} Released` });
    expect(await kubectl('get', 'pv', pvName)).toMatch(new RegExp(`${pvName}\\s+100Mi\\s+RWO\\s+Retain\\s+Released\\s+default/kept\\s+keep`));
    const [held] = await dockerVolumes();
    expect(held).toMatch(new RegExp(`^skiff-${pvName} ${pvName} `));
    const content = await docker(['run', '--rm', '-v', `skiff-${pvName}:/data:ro`, 'busybox:1.36', 'cat', '/data/file']);
    expect(content.trim()).toBe('kept-data');
  }, 180_000);
});
