import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '@skiff/api';
import type { Clientset } from '@skiff/client';
import type { DockerClient } from './docker-client.js';
import { DockerRuntime } from './docker-runtime.js';
import { dockerAvailable, removeNodeContainers } from './docker-test-env.js';
import { afterRuntimeCalls, podOn, startDockerAgent, DOCKER_WAIT, DOCKER_TEST_TIMEOUT, type DockerAgent } from '../../__tests__/docker-agent.js';
import { waitFor } from '@skiff/testing';

const available = await dockerAvailable();
const suffix = Math.random().toString(36).slice(2, 8);
const NODE = `dt-${suffix}`;
const OTHER = `dt-other-${suffix}`;

let fixture: DockerAgent;
let client: Clientset;
let docker: DockerClient;

const getPod = (name: string): Promise<Pod> => client.pods.get(name, { namespace: 'default' });

const pod = (name: string, spec: Partial<Pod['spec']>): Pod => podOn(NODE, name, spec);

describe.skipIf(!available)('DockerRuntime with a real engine', { timeout: DOCKER_TEST_TIMEOUT }, () => {
  beforeAll(async () => {
    fixture = await startDockerAgent(NODE);
    ({ client, docker } = fixture);
  });

  afterAll(async () => {
    await removeNodeContainers(OTHER);
    await fixture?.stop();
  });

  it('registers with the Docker version', async () => {
    const node = await client.nodes.get(NODE);
    expect(node.status?.nodeInfo?.containerRuntimeVersion).toMatch(/^docker:\/\//);
    expect(node.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('runs two containers that reach each other on localhost, with env and fieldRefs, and serves logs', async () => {
    await client.pods.create(
      pod('duo', {
        containers: [
          { name: 'web', image: 'busybox:1.36', command: ['sh', '-c', 'echo hello from $(POD) > /tmp/index.html; echo started; httpd -f -p 8080 -h /tmp'], env: [{ name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] },
          {
            name: 'client',
            image: 'busybox:1.36',
            command: ['sh', '-c', 'for i in 1 2 3 4 5 6 7 8 9 10; do wget -qO- http://127.0.0.1:8080/index.html && break; sleep 0.5; done; echo ns=$NS node=$NODE ip=$IP; for i in 1 2 3; do echo line$i; done; sleep 3600'],
            env: [
              { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
              { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
              { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
            ],
          },
        ],
      }),
    );
    const p = await waitFor(async () => {
      const p = await getPod('duo');
      return p.status?.phase === 'Running' && p.status.containerStatuses?.every((c) => c.ready) ? p : undefined;
    }, DOCKER_WAIT);
    expect(p.status?.podIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    const log = await waitFor(async () => {
      const text = await client.pods.log('duo', { namespace: 'default', container: 'client' });
      return text.includes('line3') ? text : undefined;
    }, DOCKER_WAIT);
    expect(log).toContain('hello from duo');
    expect(log).toContain(`ns=default node=${NODE} ip=${p.status?.podIP}`);
    expect(await client.pods.log('duo', { namespace: 'default', container: 'client', tailLines: 1 })).toBe('line3\n');
    const stream = await client.pods.streamLog('duo', { namespace: 'default', container: 'client', follow: true });
    const first = await new Promise<string>((resolve) => stream.once('data', (d: Buffer) => resolve(d.toString())));
    expect(first.length).toBeGreaterThan(0);
    stream.on('error', () => undefined);
    stream.destroy();
  });

  it('reports exit codes: Never stays Failed, OnFailure restarts', async () => {
    await client.pods.create(pod('fail-never', { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36', command: ['sh', '-c', 'exit 3'] }] }));
    await client.pods.create(pod('ok-never', { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36', command: ['true'] }] }));
    await client.pods.create(pod('fail-onfailure', { restartPolicy: 'OnFailure', containers: [{ name: 'c', image: 'busybox:1.36', command: ['sh', '-c', 'exit 1'] }] }));
    const failed = await waitFor(async () => ((await getPod('fail-never')).status?.phase === 'Failed' ? getPod('fail-never') : undefined), DOCKER_WAIT);
    expect(failed.status?.containerStatuses?.[0]?.state?.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    await waitFor(async () => (await getPod('ok-never')).status?.phase === 'Succeeded', DOCKER_WAIT);
    const restarted = await waitFor(async () => {
      const p = await getPod('fail-onfailure');
      return (p.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1 ? p : undefined;
    }, DOCKER_WAIT);
    expect(restarted.status?.phase).toBe('Running');
  });

  it('shows OOMKilled under a small memory limit', async () => {
    await client.pods.create(
      pod('oom', { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36', command: ['sh', '-c', 'x=a; while true; do x="$x$x"; done'], resources: { limits: { memory: '8Mi' } } }] }),
    );
    // dockerd may report the exit before the OOM event: the reason must get to OOMKilled, not stay Error.
    const p = await waitFor(async () => {
      const got = await getPod('oom');
      return got.status?.phase === 'Failed' && got.status.containerStatuses?.[0]?.state?.terminated?.reason === 'OOMKilled' ? got : undefined;
    }, DOCKER_WAIT);
    expect(p.status?.containerStatuses?.[0]?.state?.terminated?.exitCode).toBe(137);
  });

  it('shows an image that cannot be pulled, and a bad command', async () => {
    await client.pods.create(pod('nopull', { containers: [{ name: 'c', image: 'registry.invalid/nothing:1' }] }));
    await client.pods.create(pod('never', { containers: [{ name: 'c', image: 'nothing-here:1', imagePullPolicy: 'Never' }] }));
    await client.pods.create(pod('badcmd', { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36', command: ['/no/such/binary'] }] }));
    await waitFor(async () => (await getPod('never')).status?.containerStatuses?.[0]?.state?.waiting?.reason === 'ErrImageNeverPull', DOCKER_WAIT);
    await waitFor(async () => {
      const s = (await getPod('badcmd')).status?.containerStatuses?.[0]?.state;
      return s?.terminated !== undefined || s?.waiting?.reason === 'RunContainerError';
    }, DOCKER_WAIT);
    // A pull from an unreachable registry can take a while to fail.
    await waitFor(async () => ['ErrImagePull', 'ImagePullBackOff'].includes((await getPod('nopull')).status?.containerStatuses?.[0]?.state?.waiting?.reason ?? ''), { ...DOCKER_WAIT, timeoutMs: 110_000 });
  }, 120_000);

  it('restarts a container whose liveness probe fails', async () => {
    await client.pods.create(
      pod('live', { containers: [{ name: 'c', image: 'busybox:1.36', command: ['sleep', '3600'], livenessProbe: { exec: { command: ['false'] }, periodSeconds: 1, failureThreshold: 1 } }] }),
    );
    await waitFor(async () => ((await getPod('live')).status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, DOCKER_WAIT);
  });

  it('deletes gracefully: SIGTERM, grace period, then the pod is gone', async () => {
    await client.pods.create(pod('graceful', { terminationGracePeriodSeconds: 2, containers: [{ name: 'c', image: 'busybox:1.36', command: ['sh', '-c', 'trap "" TERM; sleep 3600 & wait; sleep 3600'] }] }));
    await waitFor(async () => (await getPod('graceful')).status?.phase === 'Running', DOCKER_WAIT);
    const t0 = Date.now();
    await client.pods.delete('graceful', { namespace: 'default' });
    await waitFor(async () => {
      try {
        await getPod('graceful');
        return false;
      } catch {
        return true;
      }
    }, DOCKER_WAIT);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1900);
  });

  it('never touches containers of another node on the same engine', async () => {
    const other = new DockerRuntime({ docker, nodeName: OTHER });
    const sb = await other.createSandbox({ pod: { uid: 'other-uid', namespace: 'default', name: 'x' }, hostname: 'x', ports: [], volumes: [] });
    // Give this node's agent a few relists in which it could (wrongly) adopt or remove the other node's sandbox.
    await afterRuntimeCalls(fixture.runtime, 'list', 3);
    const list = await other.list();
    expect(list.map((c) => c.id)).toContain(sb.id);
    expect((await new DockerRuntime({ docker, nodeName: NODE }).list()).some((c) => c.id === sb.id)).toBe(false);
  });
});
