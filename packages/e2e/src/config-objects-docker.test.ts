/**
 * Issue 11's "Show it" over real processes, kubectl 1.32 and a real Docker engine: configuration from ConfigMaps
 * and Secrets reaches a pod as a file and an env var (kubectl logs), a ConfigMap edit reaches the running container,
 * a pod waiting for a Secret starts when it is created, the projected token file exists, and every namespace has its
 * default ServiceAccount.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@skiff/testing';
import { Cluster } from './cluster.js';
import { dockerClusterAvailable, startDockerCluster, stopDockerCluster } from './docker-cluster.js';
import { run, writeKubeconfig } from './toy-cluster.js';

const available = dockerClusterAvailable();
const NODE = `e2e-cfg-${Math.random().toString(36).slice(2, 8)}`;
const cluster = new Cluster();
let kc = '';

const kubectl = (...args: string[]) => run('kubectl', ['--kubeconfig', kc, ...args], { timeoutMs: 30_000 });
const WAIT = { timeoutMs: 60_000, intervalMs: 300 };

async function logHas(pod: string, text: string): Promise<string> {
  return waitFor(async () => {
    const log = await kubectl('logs', pod).catch(() => '');
    return log.includes(text) ? log : undefined;
  }, { ...WAIT, what: `"${text}" in kubectl logs ${pod}` });
}

describe.skipIf(!available)('ConfigMaps, Secrets and ServiceAccounts end to end (kubectl, real Docker)', () => {
  beforeAll(async () => {
    await cluster.startApiServer();
    kc = writeKubeconfig(cluster.dataDir, cluster.server);
    // The Cluster gives the agent its own --root-dir and a --tmpfs-dir on /dev/shm (Secret volumes want a tmpfs).
    await startDockerCluster(cluster, [NODE], { controllerManagerArgs: ['--controllers', 'serviceaccount'] });
  }, 150_000);

  afterAll(async () => {
    await stopDockerCluster(cluster, [NODE]);
  }, 60_000);

  it('configures a pod from a ConfigMap file and a Secret env var, follows a ConfigMap edit, and starts a pod once its Secret exists', async () => {
    await waitFor(() => kubectl('get', 'serviceaccount', 'default', '-o', 'name').catch(() => undefined), { ...WAIT, what: 'default ServiceAccount' });
    expect((await kubectl('create', 'configmap', 'app', '--from-literal=greeting=hello-v1')).trim()).toBe('configmap/app created');
    expect((await kubectl('create', 'secret', 'generic', 'creds', '--from-literal=password=s3cr3t')).trim()).toBe('secret/creds created');
    const manifest = join(cluster.dataDir, 'pods.yaml');
    writeFileSync(
      manifest,
      `apiVersion: v1
kind: Pod
metadata: {name: reader}
spec:
  nodeName: ${NODE}
  terminationGracePeriodSeconds: 1
  volumes:
  - {name: cfg, configMap: {name: app}}
  - name: token
    projected: {sources: [{serviceAccountToken: {path: token}}]}
  containers:
  - name: c
    image: busybox:1.36
    env: [{name: PASSWORD, valueFrom: {secretKeyRef: {name: creds, key: password}}}]
    volumeMounts: [{name: cfg, mountPath: /etc/cfg}, {name: token, mountPath: /var/run/secrets/tokens}]
    command: [sh, -c, 'echo "password=$PASSWORD"; test -f /var/run/secrets/tokens/token && echo token-file; trap "exit 0" TERM; while true; do echo "greeting=$(cat /etc/cfg/greeting)"; sleep 0.5; done']
---
apiVersion: v1
kind: Pod
metadata: {name: waiter}
spec:
  nodeName: ${NODE}
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: busybox:1.36
    env: [{name: KEY, valueFrom: {secretKeyRef: {name: later, key: key}}}]
    command: [sh, -c, 'echo "key=$KEY"; trap "exit 0" TERM; sleep 3600 & wait']
`,
    );
    expect(await kubectl('apply', '-f', manifest)).toContain('pod/reader created');
    const log = await logHas('reader', 'greeting=hello-v1');
    expect(log).toContain('password=s3cr3t');
    expect(log).toContain('token-file');

    await kubectl('patch', 'configmap', 'app', '-p', '{"data":{"greeting":"hello-v2"}}');
    await logHas('reader', 'greeting=hello-v2');

    const reason = await waitFor(async () => {
      const r = await kubectl('get', 'pod', 'waiter', '-o', 'jsonpath={.status.containerStatuses[0].state.waiting.reason}');
      return r === 'CreateContainerConfigError' ? r : undefined;
    }, { ...WAIT, what: 'waiter in CreateContainerConfigError' });
    expect(reason).toBe('CreateContainerConfigError');
    expect(await kubectl('describe', 'pod', 'waiter')).toContain('secret "later" not found');
    await kubectl('create', 'secret', 'generic', 'later', '--from-literal=key=arrived');
    await logHas('waiter', 'key=arrived');
  }, 180_000);
});
