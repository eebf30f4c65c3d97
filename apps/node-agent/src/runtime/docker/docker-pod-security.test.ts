import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '@skiff/api';
import type { Clientset } from '@skiff/client';
import { waitFor } from '@skiff/testing';
import type { DockerClient } from './docker-client.js';
import { dockerAvailable } from './docker-test-env.js';
import { nodeSupportAdmission, podSecurityAdmission } from '@skiff/api-server/testing';
import { afterRuntimeCalls, DOCKER_WAIT, DOCKER_TEST_TIMEOUT, podOn, runningPod, startDockerAgent, type DockerAgent } from '../../__tests__/docker-agent.js';

const available = await dockerAvailable();
const NODE = `dps-${Math.random().toString(36).slice(2, 8)}`;
/** Prints what the kernel says about the process, then waits for SIGTERM. */
const report = ['sh', '-c', 'echo uid=$(id -u) groups=$(id -G); grep -E "^(NoNewPrivs|Seccomp):" /proc/self/status; echo done; trap "exit 0" TERM; sleep 3600 & wait'];

let fixture: DockerAgent;
let client: Clientset;
let docker: DockerClient;
let linkDir: string;

const pod = (name: string, spec: Partial<Pod['spec']>): Pod => podOn(NODE, name, spec);

async function inspect(containerID: string | undefined): Promise<{ HostConfig: { SecurityOpt?: string[] | null; CapDrop?: string[] | null; GroupAdd?: string[] | null } }> {
  return docker.json({ method: 'GET', path: `/containers/${(containerID ?? '').replace('docker://', '')}/json` });
}

async function logOf(name: string): Promise<string> {
  return waitFor(async () => {
    const log = await client.pods.log(name, { namespace: 'default', container: 'c' });
    return log.includes('done') ? log : undefined;
  }, DOCKER_WAIT);
}

/** podContainers lists the Docker containers the agent made for a pod, the pause sandbox aside. */
async function podContainers(name: string): Promise<unknown[]> {
  return (await fixture.runtime.list()).filter((c) => c.pod.name === name && c.kind !== 'sandbox');
}

async function configError(name: string): Promise<string> {
  const waiting = await waitFor(async () => {
    const w = (await client.pods.get(name, { namespace: 'default' })).status?.containerStatuses?.[0]?.state?.waiting;
    return w?.reason === 'CreateContainerConfigError' ? w : undefined;
  }, { ...DOCKER_WAIT, what: `${name} in CreateContainerConfigError` });
  // Several syncs later still nothing was created.
  await afterRuntimeCalls(fixture.runtime, 'list', 3);
  expect(await podContainers(name)).toEqual([]);
  return waiting.message ?? '';
}

describe.skipIf(!available)('pod security context on a real Docker engine (kubelet enforcement)', { timeout: DOCKER_TEST_TIMEOUT }, () => {
  beforeAll(async () => {
    // The api-server as main.ts runs it: Pod Security (baseline by default) and NodeSupport admission. Namespace
    // "default" is labelled privileged so the node's own enforcement can be seen; "locked" keeps the default.
    fixture = await startDockerAgent(NODE, { allowPrivileged: true }, { admission: [podSecurityAdmission(), nodeSupportAdmission()] });
    ({ client, docker } = fixture);
    const labels = { 'pod-security.kubernetes.io/enforce': 'privileged' };
    expect((await fetch(`${fixture.api.url}/api/v1/namespaces/default`, { method: 'PATCH', headers: { 'Content-Type': 'application/merge-patch+json' }, body: JSON.stringify({ metadata: { labels } }) })).status).toBe(200);
    expect((await fetch(`${fixture.api.url}/api/v1/namespaces`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ metadata: { name: 'locked' } }) })).status).toBe(201);
    linkDir = mkdtempSync(join(tmpdir(), 'skiff-psa-'));
  });
  afterAll(async () => {
    await fixture?.stop();
    if (linkDir) rmSync(linkDir, { recursive: true, force: true });
  });

  it('allowPrivilegeEscalation: false sets no-new-privileges and drop ALL shows in CapDrop', async () => {
    await client.pods.create(pod('nnp', { containers: [{ name: 'c', image: 'busybox:1.36', command: report, securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } }] }));
    const p = await runningPod(client, 'nnp');
    const i = await inspect(p.status?.containerStatuses?.[0]?.containerID);
    expect(i.HostConfig.SecurityOpt).toContain('no-new-privileges:true');
    expect(i.HostConfig.CapDrop).toEqual(['ALL']);
    expect(await logOf('nnp')).toMatch(/^NoNewPrivs:\s+1$/m);
  });

  it('runAsUser 1000 runs as uid 1000 with fsGroup and supplementalGroups; seccomp stays on by default', async () => {
    await client.pods.create(
      pod('uid', { securityContext: { fsGroup: 2000, supplementalGroups: [3000] }, containers: [{ name: 'c', image: 'busybox:1.36', command: report, securityContext: { runAsUser: 1000, runAsNonRoot: true } }] }),
    );
    const log = await logOf('uid');
    expect(log).toMatch(/^uid=1000 groups=0 2000 3000$/m);
    expect(log).toMatch(/^Seccomp:\s+2$/m);
    expect(log).toMatch(/^NoNewPrivs:\s+0$/m);
  });

  it('seccompProfile Unconfined turns the engine profile off', async () => {
    await client.pods.create(pod('unconfined', { securityContext: { seccompProfile: { type: 'Unconfined' } }, containers: [{ name: 'c', image: 'busybox:1.36', command: report }] }));
    const p = await runningPod(client, 'unconfined');
    expect((await inspect(p.status?.containerStatuses?.[0]?.containerID)).HostConfig.SecurityOpt).toContain('seccomp=unconfined');
    expect(await logOf('unconfined')).toMatch(/^Seccomp:\s+0$/m);
  });

  it('runAsNonRoot with busybox (root) gets CreateContainerConfigError and never starts a container', async () => {
    await client.pods.create(pod('nonroot', { securityContext: { runAsNonRoot: true }, containers: [{ name: 'c', image: 'busybox:1.36', command: report }] }));
    const message = await configError('nonroot');
    expect(message).toMatch(/^container has runAsNonRoot and image will run as root \(pod: "nonroot_default\([0-9a-f-]+\)", container: c\)$/);
    await client.pods.create(pod('root-uid', { containers: [{ name: 'c', image: 'busybox:1.36', command: report, securityContext: { runAsNonRoot: true, runAsUser: 0 } }] }));
    expect(await configError('root-uid')).toMatch(/^container's runAsUser breaks non-root policy/);
  });

  it('every escape is refused at the API with 403 and its reason, and never reaches docker inspect', async () => {
    const escapes: Array<[string, Partial<Pod['spec']>, Partial<Pod['spec']['containers'][0]>]> = [
      ['x-privileged', {}, { securityContext: { privileged: true } }],
      ['x-caps', {}, { securityContext: { capabilities: { add: ['SYS_ADMIN', 'NET_ADMIN', 'ALL'] } } }],
      ['x-hostns', { hostNetwork: true, hostPID: true, hostIPC: true }, {}],
      ['x-hostpath', { volumes: [{ name: 'h', hostPath: { path: '/var/run/docker.sock' } }] }, { volumeMounts: [{ name: 'h', mountPath: '/h' }] }],
      ['x-hostport', {}, { ports: [{ containerPort: 80, hostPort: 18081 }] }],
      ['x-procmount', {}, { securityContext: { procMount: 'Unmasked' } }],
      ['x-seccomp', { securityContext: { seccompProfile: { type: 'Unconfined' } } }, {}],
    ];
    for (const [name, spec, c] of escapes) {
      const body = pod(name, { ...spec, containers: [{ name: 'c', image: 'busybox:1.36', command: report, ...c }] });
      body.metadata.namespace = 'locked';
      const res = await fetch(`${fixture.api.url}/api/v1/namespaces/locked/pods`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { message: string }).message).toMatch(new RegExp(`^pods "${name}" is forbidden: violates PodSecurity "baseline:latest": `));
    }
    // A compliant pod in the same namespace runs, so the agent was there to start the others had they been stored.
    const ok = pod('x-ok', { containers: [{ name: 'c', image: 'busybox:1.36', command: report }] });
    ok.metadata.namespace = 'locked';
    await client.pods.create(ok, { namespace: 'locked' });
    await waitFor(async () => (await client.pods.get('x-ok', { namespace: 'locked' })).status?.phase === 'Running', DOCKER_WAIT);
    const mine = (await fixture.runtime.list()).filter((x) => x.pod.namespace === 'locked');
    expect(mine.map((x) => x.pod.name).every((n) => n === 'x-ok')).toBe(true);
    for (const x of mine) {
      const i = await docker.json<{ HostConfig: { Privileged: boolean; CapAdd: string[] | null; PidMode: string; IpcMode: string; NetworkMode: string; PortBindings: Record<string, unknown> | null; SecurityOpt: string[] | null } }>({ method: 'GET', path: `/containers/${x.id}/json` });
      expect(i.HostConfig.Privileged).toBe(false);
      expect(i.HostConfig.CapAdd ?? []).toEqual([]);
      expect([i.HostConfig.PidMode, i.HostConfig.IpcMode, i.HostConfig.NetworkMode]).not.toContain('host');
      expect(Object.keys(i.HostConfig.PortBindings ?? {})).toEqual([]);
      expect(i.HostConfig.SecurityOpt ?? []).not.toContain('seccomp=unconfined');
    }
  });

  it('never mounts the Docker socket through a path the api-server cannot see resolves to it', async () => {
    // The api-server judges paths as written; links on the node are the agent's to resolve.
    symlinkSync('/var/run', join(linkDir, 'run-link'));
    symlinkSync('/var/run/docker.sock', join(linkDir, 'engine.sock'));
    for (const [name, path] of [
      ['sock-dir-link', join(linkDir, 'run-link')],
      ['sock-file-link', join(linkDir, 'engine.sock')],
    ] as const) {
      await client.pods.create(pod(name, { volumes: [{ name: 'h', hostPath: { path } }], containers: [{ name: 'c', image: 'busybox:1.36', command: report, volumeMounts: [{ name: 'h', mountPath: '/host' }] }] }));
      expect(await configError(name)).toContain("would expose the container engine's socket, which no pod may mount");
    }
  });

  it('mounts only the subPath of an emptyDir or hostPath, never the whole volume, and never a link out of it', async () => {
    const host = join(linkDir, 'host');
    mkdirSync(join(host, 'inner'), { recursive: true });
    writeFileSync(join(host, 'inner', 'given'), 'x');
    writeFileSync(join(host, 'not-given'), 'x');
    const list = ['sh', '-c', 'echo hostpath: $(ls /h); echo sub >/sub/f; echo emptydir: $(ls /all) $(ls /all/a); echo done; trap "exit 0" TERM; sleep 3600 & wait'];
    await client.pods.create(pod('subpaths', {
      volumes: [{ name: 'h', hostPath: { path: host } }, { name: 'd', emptyDir: {} }],
      containers: [{ name: 'c', image: 'busybox:1.36', command: list, volumeMounts: [{ name: 'h', mountPath: '/h', subPath: 'inner' }, { name: 'd', mountPath: '/all' }, { name: 'd', mountPath: '/sub', subPath: 'a' }] }],
    }));
    await runningPod(client, 'subpaths');
    const log = await logOf('subpaths');
    expect(log).toContain('hostpath: given\n');
    expect(log).toContain('emptydir: a f\n');
    // A subPath that is a link to the engine's socket leaves the volume: refused, nothing created.
    symlinkSync('/var/run/docker.sock', join(host, 'sock'));
    await client.pods.create(pod('sock-sub-path', {
      volumes: [{ name: 'h', hostPath: { path: host } }],
      containers: [{ name: 'c', image: 'busybox:1.36', command: report, volumeMounts: [{ name: 'h', mountPath: '/s', subPath: 'sock' }] }],
    }));
    expect(await configError('sock-sub-path')).toContain('subPath sock leaves the volume');
  });

  it("mounts a PersistentVolume's Docker volume only if it is that volume's plain storage, never a bind of the socket or another's volume", async () => {
    const suffix = Math.random().toString(36).slice(2, 8);
    const labels = { 'skiff.dev/managed': 'true', 'skiff.dev/kind': 'persistent-volume', 'skiff.dev/persistent-volume': `pv-${suffix}`, 'skiff.dev/reclaim-policy': 'Retain' };
    const identity = ['skiff.dev/managed', 'skiff.dev/kind', 'skiff.dev/persistent-volume'];
    const names = { own: `dps-own-${suffix}`, sock: `dps-sock-${suffix}`, data: `dps-data-${suffix}` };
    // What a PersistentVolume's volumeHandle could name: a local volume binding the socket's directory, and another
    // component's volume (as Compose's api-server data, with the cluster CA key).
    await docker.json({ method: 'POST', path: '/volumes/create', body: { Name: names.sock, Driver: 'local', DriverOpts: { type: 'none', o: 'bind', device: '/var/run' } } });
    await docker.json({ method: 'POST', path: '/volumes/create', body: { Name: names.data, Labels: { 'com.docker.compose.volume': 'data' } } });
    try {
      await fixture.runtime.ensureVolume(names.own, labels, identity);
      // Again, with the reclaim policy changed since: the same volume.
      await fixture.runtime.ensureVolume(names.own, { ...labels, 'skiff.dev/reclaim-policy': 'Delete' }, identity);
      await expect(fixture.runtime.ensureVolume(names.sock, labels, identity)).rejects.toThrow(`Docker volume ${names.sock} is a local volume with options {"device":"/var/run","o":"bind","type":"none"}, not plain storage made by this agent: refusing to mount it`);
      await expect(fixture.runtime.ensureVolume(names.data, labels, identity)).rejects.toThrow(`Docker volume ${names.data} already exists and was not made for this volume (labels skiff.dev/managed, skiff.dev/kind, skiff.dev/persistent-volume differ): refusing to mount it`);
      await expect(fixture.runtime.ensureVolume(names.own, { ...labels, 'skiff.dev/persistent-volume': 'another-pv' }, identity)).rejects.toThrow('labels skiff.dev/persistent-volume differ');
    } finally {
      for (const n of Object.values(names)) await docker.json({ method: 'DELETE', path: `/volumes/${n}` }).catch(() => undefined);
    }
  });
});

