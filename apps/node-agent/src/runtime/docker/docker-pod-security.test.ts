import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '@skiff/api';
import type { Clientset } from '@skiff/client';
import { waitFor } from '@skiff/testing';
import type { DockerClient } from './docker-client.js';
import { dockerAvailable } from './docker-test-env.js';
import { afterRuntimeCalls, DOCKER_WAIT, podOn, runningPod, startDockerAgent, type DockerAgent } from '../../__tests__/docker-agent.js';

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

describe.skipIf(!available)('pod security context on a real Docker engine (kubelet enforcement)', () => {
  beforeAll(async () => {
    fixture = await startDockerAgent(NODE, { allowPrivileged: true });
    ({ client, docker } = fixture);
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

  it('never mounts the Docker socket, even through a path that resolves to it', async () => {
    symlinkSync('/var/run', join(linkDir, 'run-link'));
    for (const [name, path] of [
      ['sock', '/var/run/docker.sock'],
      ['sock-link', join(linkDir, 'run-link')],
    ] as const) {
      await client.pods.create(pod(name, { volumes: [{ name: 'h', hostPath: { path } }], containers: [{ name: 'c', image: 'busybox:1.36', command: report, volumeMounts: [{ name: 'h', mountPath: '/host' }] }] }));
      expect(await configError(name)).toContain("would expose the container engine's socket, which no pod may mount");
    }
  });
});
