import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Event as CoreEvent, Pod, WatchEvent } from '@skiff/api';
import type { Clientset } from '@skiff/client';
import type { DockerClient } from './docker-client.js';
import { DockerRuntime } from './docker-runtime.js';
import { dockerAvailable, sleepForever } from './docker-test-env.js';
import { runningPod, afterRuntimeCalls, podOn, startDockerAgent, DOCKER_WAIT, DOCKER_TEST_TIMEOUT, type DockerAgent } from '../../__tests__/docker-agent.js';
import { freePort, waitFor } from '@skiff/testing';

const available = await dockerAvailable();
const NODE = `df-${Math.random().toString(36).slice(2, 8)}`;

let fixture: DockerAgent;
let client: Clientset;
let docker: DockerClient;

const getPod = (name: string): Promise<Pod> => client.pods.get(name, { namespace: 'default' });

const pod = (name: string, spec: Partial<Pod['spec']>): Pod => podOn(NODE, name, spec);

const running = (name: string): Promise<Pod> => runningPod(client, name);

function condition(p: Pod, type: string): string | undefined {
  return p.status?.conditions?.find((c) => c.type === type)?.status;
}

async function inspect(containerID: string | undefined): Promise<{ HostConfig: Record<string, unknown>; Config: { User: string } }> {
  return docker.json({ method: 'GET', path: `/containers/${(containerID ?? '').replace('docker://', '')}/json` });
}

async function events(name: string): Promise<CoreEvent[]> {
  return (await client.events.list({ namespace: 'default' })).items.filter((e) => e.involvedObject.name === name);
}

async function logOf(name: string, container: string, text: string): Promise<string> {
  return waitFor(async () => {
    const log = await client.pods.log(name, { namespace: 'default', container });
    return log.includes(text) ? log : undefined;
  }, DOCKER_WAIT);
}


describe.skipIf(!available)('pod features on a real Docker engine', { timeout: DOCKER_TEST_TIMEOUT }, () => {
  beforeAll(async () => {
    fixture = await startDockerAgent(NODE);
    ({ client, docker } = fixture);
  });

  afterAll(async () => {
    await fixture?.stop();
  });

  it('publishes a hostPort on the sandbox, reachable on 127.0.0.1', async () => {
    const hostPort = await freePort();
    await client.pods.create(
      pod('hostport', {
        containers: [{ name: 'web', image: 'busybox:1.36', command: ['sh', '-c', 'echo hello-hostport > /tmp/index.html; httpd -f -p 8080 -h /tmp'], ports: [{ containerPort: 8080, hostPort, hostIP: '127.0.0.1' }] }],
      }),
    );
    await running('hostport');
    const body = await waitFor(async () => {
      const res = await fetch(`http://127.0.0.1:${hostPort}/index.html`);
      return res.ok ? res.text() : undefined;
    }, DOCKER_WAIT);
    expect(body).toBe('hello-hostport\n');
  });

  it('shares an emptyDir between two containers', async () => {
    await client.pods.create(
      pod('shared', {
        volumes: [{ name: 'data', emptyDir: {} }],
        containers: [
          { name: 'writer', image: 'busybox:1.36', command: ['sh', '-c', 'echo written-by-writer > /out/f; trap "exit 0" TERM; sleep 3600 & wait'], volumeMounts: [{ name: 'data', mountPath: '/out' }] },
          // grep, not cat: the writer's `>` creates the file before echo writes it, and a cat in between reads it empty.
          { name: 'reader', image: 'busybox:1.36', command: ['sh', '-c', 'until grep written-by-writer /in/f; do sleep 0.2; done; trap "exit 0" TERM; sleep 3600 & wait'], volumeMounts: [{ name: 'data', mountPath: '/in', readOnly: true }] },
        ],
      }),
    );
    await running('shared');
    expect(await logOf('shared', 'reader', 'written-by-writer')).toContain('written-by-writer');
  });

  it('applies runAsUser, readOnlyRootFilesystem and capabilities', async () => {
    await client.pods.create(
      pod('secure', {
        containers: [
          {
            name: 'c',
            image: 'busybox:1.36',
            command: ['sh', '-c', 'echo uid=$(id -u); touch /probe-file 2>/dev/null && echo rootfs=writable || echo rootfs=readonly; trap "exit 0" TERM; sleep 3600 & wait'],
            securityContext: { runAsUser: 1000, runAsGroup: 3000, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE'] } },
          },
        ],
      }),
    );
    const p = await running('secure');
    const log = await logOf('secure', 'c', 'rootfs=');
    expect(log).toContain('uid=1000');
    expect(log).toContain('rootfs=readonly');
    const i = await inspect(p.status?.containerStatuses?.[0]?.containerID);
    expect(i.Config.User).toBe('1000:3000');
    expect(i.HostConfig).toMatchObject({ ReadonlyRootfs: true, CapDrop: ['ALL'], CapAdd: ['NET_BIND_SERVICE'] });
  });

  it('refuses privileged containers and hostPath volumes without --allow-privileged, with a status and an Event', async () => {
    await client.pods.create(pod('priv', { containers: [{ name: 'c', image: 'busybox:1.36', command: sleepForever, securityContext: { privileged: true } }] }));
    await client.pods.create(
      pod('hostpath', { volumes: [{ name: 'h', hostPath: { path: '/etc' } }], containers: [{ name: 'c', image: 'busybox:1.36', command: sleepForever, volumeMounts: [{ name: 'h', mountPath: '/host' }] }] }),
    );
    for (const [name, text] of [['priv', 'privileged'], ['hostpath', 'hostPath']] as const) {
      const waiting = await waitFor(async () => {
        const w = (await getPod(name)).status?.containerStatuses?.[0]?.state?.waiting;
        return w?.reason === 'CreateContainerConfigError' ? w : undefined;
      }, DOCKER_WAIT);
      expect(waiting.message).toContain(text);
      expect(waiting.message).toContain('--allow-privileged');
      const ev = await waitFor(async () => (await events(name)).find((e) => e.reason === 'Failed' && e.type === 'Warning'), DOCKER_WAIT);
      expect(ev.message).toContain('--allow-privileged');
    }
    // Nothing but the sandbox was created for them.
    const listed = await new DockerRuntime({ docker, nodeName: NODE }).list();
    for (const name of ['priv', 'hostpath']) expect(listed.filter((c) => c.pod.name === name && c.kind !== 'sandbox')).toEqual([]);
  });

  it('maps CPU and memory limits and requests to Docker', async () => {
    await client.pods.create(
      pod('limits', { containers: [{ name: 'c', image: 'busybox:1.36', command: sleepForever, resources: { limits: { cpu: '250m', memory: '64Mi' }, requests: { cpu: '100m', memory: '32Mi' } } }] }),
    );
    const p = await running('limits');
    const i = await inspect(p.status?.containerStatuses?.[0]?.containerID);
    expect(i.HostConfig).toMatchObject({ Memory: 64 * 1024 * 1024, MemorySwap: 64 * 1024 * 1024, CpuPeriod: 100_000, CpuQuota: 25_000, CpuShares: 102 });
  });

  it('flips Ready and ContainersReady with a readiness probe', async () => {
    await client.pods.create(
      pod('ready-flip', {
        containers: [
          {
            name: 'c',
            image: 'busybox:1.36',
            command: ['sh', '-c', 'sleep 2; touch /tmp/ready; sleep 4; rm /tmp/ready; trap "exit 0" TERM; sleep 3600 & wait'],
            readinessProbe: { exec: { command: ['test', '-f', '/tmp/ready'] }, periodSeconds: 1, failureThreshold: 1 },
          },
        ],
      }),
    );
    const first = await running('ready-flip');
    expect(condition(first, 'Ready')).toBe('False');
    const ready = await waitFor(async () => {
      const p = await getPod('ready-flip');
      return condition(p, 'Ready') === 'True' ? p : undefined;
    }, DOCKER_WAIT);
    expect(condition(ready, 'ContainersReady')).toBe('True');
    expect(ready.status?.containerStatuses?.[0]?.ready).toBe(true);
    const notReady = await waitFor(async () => {
      const p = await getPod('ready-flip');
      return condition(p, 'Ready') === 'False' ? p : undefined;
    }, DOCKER_WAIT);
    expect(condition(notReady, 'ContainersReady')).toBe('False');
    expect(notReady.status?.containerStatuses?.[0]).toMatchObject({ ready: false, restartCount: 0 });
  });

  it('holds liveness back until the startup probe succeeds, and reports started only then', async () => {
    await client.pods.create(
      pod('slow-start', {
        containers: [
          {
            name: 'c',
            image: 'busybox:1.36',
            command: ['sh', '-c', 'sleep 4; touch /tmp/up; trap "exit 0" TERM; sleep 3600 & wait'],
            startupProbe: { exec: { command: ['test', '-f', '/tmp/up'] }, periodSeconds: 1, failureThreshold: 30 },
            // Would kill the container at once if it ran before the startup probe succeeded.
            livenessProbe: { exec: { command: ['test', '-f', '/tmp/up'] }, periodSeconds: 1, failureThreshold: 1 },
          },
        ],
      }),
    );
    const early = await running('slow-start');
    expect(early.status?.containerStatuses?.[0]).toMatchObject({ started: false, ready: false });
    const started = await waitFor(async () => {
      const p = await getPod('slow-start');
      return p.status?.containerStatuses?.[0]?.started ? p : undefined;
    }, DOCKER_WAIT);
    expect(started.status?.containerStatuses?.[0]).toMatchObject({ ready: true, restartCount: 0 });
    expect(condition(started, 'Ready')).toBe('True');
    // Liveness runs from now on: after two more exec probes the container still has not been restarted.
    await afterRuntimeCalls(fixture.runtime, 'exec', 2);
    expect((await getPod('slow-start')).status?.containerStatuses?.[0]?.restartCount).toBe(0);
  });

  it('probes over httpGet and tcpSocket: a healthy port keeps the container, a closed one restarts it', async () => {
    await client.pods.create(
      pod('net-probes', {
        containers: [
          {
            name: 'web',
            image: 'busybox:1.36',
            command: ['sh', '-c', 'mkdir -p /www; echo ok > /www/healthz; httpd -f -p 8080 -h /www'],
            ports: [{ name: 'http', containerPort: 8080 }],
            readinessProbe: { httpGet: { path: '/healthz', port: 'http' }, periodSeconds: 1 },
            livenessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1, failureThreshold: 2 },
          },
          {
            name: 'closed',
            image: 'busybox:1.36',
            command: sleepForever,
            readinessProbe: { httpGet: { path: '/', port: 9999 }, periodSeconds: 1 },
            livenessProbe: { tcpSocket: { port: 9998 }, periodSeconds: 1, failureThreshold: 2 },
          },
        ],
      }),
    );
    const p = await waitFor(async () => {
      const p = await getPod('net-probes');
      const closed = p.status?.containerStatuses?.find((c) => c.name === 'closed');
      return (closed?.restartCount ?? 0) >= 1 ? p : undefined;
    }, { ...DOCKER_WAIT, timeoutMs: 40_000 });
    const web = p.status?.containerStatuses?.find((c) => c.name === 'web');
    expect(web).toMatchObject({ ready: true, restartCount: 0 });
    expect(p.status?.containerStatuses?.find((c) => c.name === 'closed')?.ready).toBe(false);
    expect(condition(p, 'Ready')).toBe('False');
    expect((await events('net-probes')).some((e) => e.reason === 'Killing' && e.message?.includes('liveness'))).toBe(true);
  });

  it('records Pulled, Created and Started, then Killing and a terminal status before the final delete', async () => {
    await client.pods.create(pod('lifecycle', { terminationGracePeriodSeconds: 5, containers: [{ name: 'c', image: 'busybox:1.36', command: sleepForever }] }));
    await running('lifecycle');
    const reasons = await waitFor(async () => {
      const r = (await events('lifecycle')).map((e) => e.reason);
      return ['Pulled', 'Created', 'Started'].every((x) => r.includes(x)) ? r : undefined;
    }, DOCKER_WAIT);
    expect(reasons.indexOf('Pulled')).toBeLessThan(reasons.indexOf('Started'));
    const seen: Array<WatchEvent<Pod>> = [];
    const current = await getPod('lifecycle');
    const watch = client.pods.watch(
      { namespace: 'default', fieldSelector: 'metadata.name=lifecycle', resourceVersion: current.metadata.resourceVersion ?? '0', transport: 'http' },
      { onEvent: (e) => void seen.push(e) },
    );
    try {
      await client.pods.delete('lifecycle', { namespace: 'default' });
      await waitFor(async () => seen.some((e) => e.type === 'DELETED'), DOCKER_WAIT);
    } finally {
      watch.stop();
    }
    const beforeDelete = seen.filter((e) => e.type === 'MODIFIED').at(-1)?.object;
    expect(beforeDelete?.status?.phase).toBe('Succeeded');
    expect(beforeDelete?.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(condition(beforeDelete!, 'Ready')).toBe('False');
    const killing = await waitFor(async () => (await events('lifecycle')).find((e) => e.reason === 'Killing'), DOCKER_WAIT);
    expect(killing.message).toBe('Stopping container c');
    expect(killing.involvedObject.fieldPath).toBe('spec.containers{c}');
  });
});
