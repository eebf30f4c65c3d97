/**
 * subPath on a persistentVolumeClaim volume over real processes, kubectl 1.32 and a real Docker engine (API 1.41
 * here: no VolumeOptions.Subpath, so the node agent binds a checked directory of the volume's Mountpoint): a pod
 * writing into subPath `a` of a claim, another pod mounting the claim's root reading `a/file`, and a subPath that
 * a container turned into a symlink out of the volume refused with CreateContainerConfigError.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '@skiff/api';
import { waitFor } from '@skiff/testing';
import { Cluster } from './cluster.js';
import { dockerClusterAvailable, startDockerCluster, stopDockerCluster } from './docker-cluster.js';
import { run } from './toy-cluster.js';

const available = dockerClusterAvailable();
const NODE = `e2e-subpath-${Math.random().toString(36).slice(2, 8)}`;
const cluster = new Cluster({ secure: true });
let kc = '';
const kubectl = (...args: string[]) => run('kubectl', ['--kubeconfig', kc, ...args], { timeoutMs: 60_000 });
const WAIT = { timeoutMs: 120_000, intervalMs: 500 };
const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;

/** pod runs `script` in busybox with claim `shared` mounted at `mount` (optionally its subPath), POD_NAME in its env. */
const pod = (name: string, script: string, mount: string) => `apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: busybox:1.36
    command: [sh, -c, '${script}; trap "exit 0" TERM; sleep 3600 & wait']
    volumeMounts: [${mount}]
    env: [{name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
  volumes:
  - {name: d, persistentVolumeClaim: {claimName: shared}}
`;

async function apply(name: string, yaml: string): Promise<void> {
  const file = join(cluster.dataDir, `${name}.yaml`);
  writeFileSync(file, yaml);
  await kubectl('apply', '-f', file);
}

async function readyPod(name: string): Promise<Pod> {
  return waitFor(async () => {
    const p = await cluster.client.pods.get(name, { namespace: 'default' }).catch(() => undefined);
    return p && isReady(p) ? p : undefined;
  }, { ...WAIT, what: `${name} Ready` });
}

/** configError waits for the pod's container to be refused with CreateContainerConfigError and returns that state. */
async function configError(name: string): Promise<{ reason?: string; message?: string }> {
  return waitFor(async () => {
    const p = await cluster.client.pods.get(name, { namespace: 'default' }).catch(() => undefined);
    const waiting = p?.status?.containerStatuses?.[0]?.state?.waiting;
    return waiting?.reason === 'CreateContainerConfigError' ? waiting : undefined;
  }, { ...WAIT, what: `${name} refused with CreateContainerConfigError` });
}

async function logs(name: string): Promise<string> {
  return waitFor(async () => (await kubectl('logs', name).catch(() => '')).trim() || undefined, { ...WAIT, what: `kubectl logs ${name}` });
}

describe.skipIf(!available)('subPath of a persistentVolumeClaim volume (kubectl, real Docker)', () => {
  beforeAll(async () => {
    await cluster.startApiServer();
    kc = cluster.kubeconfig();
    await startDockerCluster(cluster, [NODE]);
  }, 180_000);

  afterAll(async () => {
    await stopDockerCluster(cluster, [NODE]);
  }, 60_000);

  it('mounts subPath a of a claim where another pod, mounting the claim root, reads a/file; refuses a subPath symlinked out of the volume', async () => {
    await apply('claim', 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: shared}\nspec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 100Mi}}}\n');
    await apply('writer', pod('writer', 'echo written-in-a > /out/file; echo $(ls -a /out)', '{name: d, mountPath: /out, subPath: a}'));
    await readyPod('writer');
    expect(await logs('writer')).toBe('. .. file');

    // The claim's root: `a` holds the writer's file; the reader also plants a symlink leading out of the volume.
    await apply('reader', pod('reader', 'cat /data/a/file; ln -s / /data/escape', '{name: d, mountPath: /data}'));
    await readyPod('reader');
    expect(await logs('reader')).toBe('written-in-a');

    await apply('escaper', pod('escaper', 'ls /host', '{name: d, mountPath: /host, subPath: escape/etc}'));
    const refused = await configError('escaper');
    expect(refused.message).toContain('subPath escape/etc leaves the volume: escape resolves outside it');
  }, 240_000);

  it('mounts a subPathExpr expanded from the container env ($(POD_NAME)), refuses a missing variable, and 422s subPath with subPathExpr', async () => {
    await apply('claim', 'apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: shared}\nspec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 100Mi}}}\n');
    await apply('expr-writer', pod('expr-writer', 'echo written-by-$POD_NAME > /out/file', '{name: d, mountPath: /out, subPathExpr: "$(POD_NAME)"}'));
    await readyPod('expr-writer');
    await apply('expr-reader', pod('expr-reader', 'cat /data/expr-writer/file', '{name: d, mountPath: /data}'));
    await readyPod('expr-reader');
    expect(await logs('expr-reader')).toBe('written-by-expr-writer');

    await apply('expr-missing', pod('expr-missing', 'true', '{name: d, mountPath: /out, subPathExpr: "$(NOT_SET)/x"}'));
    expect((await configError('expr-missing')).message).toContain('missing value for NOT_SET');

    const both = await apply('expr-both', pod('expr-both', 'true', '{name: d, mountPath: /out, subPath: a, subPathExpr: "$(POD_NAME)"}')).then(() => '', (err: Error) => err.message);
    expect(both).toContain('spec.containers[0].volumeMounts[0].subPathExpr: Invalid value: "$(POD_NAME)": subPathExpr and subPath are mutually exclusive');
  }, 240_000);
});
