import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Node, Pod } from '@skiff/api';
import { createClient, type Clientset } from '@skiff/client';
import { startServer, type RunningServer } from '@skiff/api-server/testing';
import { AgentProcess } from '../../agent-process.js';
import { DockerClient } from './docker-client.js';
import { DockerRuntime } from './docker-runtime.js';
import { dockerAvailable, removeNodeContainers, sleepForever } from './docker-test-env.js';
import { runningPod, afterRuntimeCalls, agentOptions, podOn, startDockerAgent, DOCKER_WAIT, DOCKER_TEST_TIMEOUT, type DockerAgent } from '../../__tests__/docker-agent.js';
import { waitFor } from '@skiff/testing';

const available = await dockerAvailable();
const suffix = Math.random().toString(36).slice(2, 8);
const NODE = `dg-${suffix}`;
const NET_NODE = `dg-net-${suffix}`;
const NETWORK = `skiff-test-${suffix}`;

let fixture: DockerAgent;
let client: Clientset;
let docker: DockerClient;

const getPod = (name: string): Promise<Pod> => client.pods.get(name, { namespace: 'default' });
const dockerId = (containerID: string | undefined): string => (containerID ?? '').replace('docker://', '');

const pod = (name: string, spec: Partial<Pod['spec']>): Pod => podOn(NODE, name, spec);

const running = (name: string): Promise<Pod> => runningPod(client, name);

async function logOf(name: string, container: string, text: string): Promise<string> {
  return waitFor(async () => {
    const log = await client.pods.log(name, { namespace: 'default', container });
    return log.includes(text) ? log : undefined;
  }, DOCKER_WAIT);
}

describe.skipIf(!available)('pod lifecycle gaps on a real Docker engine', { timeout: DOCKER_TEST_TIMEOUT }, () => {
  beforeAll(async () => {
    fixture = await startDockerAgent(NODE);
    ({ client, docker } = fixture);
  });

  afterAll(async () => {
    await removeNodeContainers(NET_NODE);
    await docker?.json({ method: 'DELETE', path: `/networks/${NETWORK}` }).catch(() => undefined);
    await fixture?.stop();
  });

  describe('a container killed behind Skiff\'s back', () => {
    it('is restarted under restartPolicy Always', async () => {
      await client.pods.create(pod('killed-always', { restartPolicy: 'Always', containers: [{ name: 'c', image: 'busybox:1.36', command: sleepForever }] }));
      const p = await running('killed-always');
      const id = dockerId(p.status?.containerStatuses?.[0]?.containerID);
      await docker.json({ method: 'POST', path: `/containers/${id}/kill?signal=KILL` });
      const after = await waitFor(async () => {
        const q = await getPod('killed-always');
        const s = q.status?.containerStatuses?.[0];
        return s?.restartCount === 1 && s.state?.running ? q : undefined;
      }, DOCKER_WAIT);
      const s = after.status!.containerStatuses![0]!;
      expect(s.lastState?.terminated).toMatchObject({ exitCode: 137 });
      expect(s.lastState?.terminated?.containerID).toBe(`docker://${id}`);
      expect(dockerId(s.containerID)).not.toBe(id);
      expect(after.status?.phase).toBe('Running');
    });

    it('is not restarted under restartPolicy Never: Failed for a non-zero exit', async () => {
      await client.pods.create(pod('killed-never', { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36', command: sleepForever }] }));
      const p = await running('killed-never');
      const id = dockerId(p.status?.containerStatuses?.[0]?.containerID);
      await docker.json({ method: 'POST', path: `/containers/${id}/kill?signal=KILL` });
      const after = await waitFor(async () => {
        const q = await getPod('killed-never');
        return q.status?.phase === 'Failed' ? q : undefined;
      }, DOCKER_WAIT);
      const s = after.status!.containerStatuses![0]!;
      expect(s.restartCount).toBe(0);
      expect(s.state?.terminated).toMatchObject({ exitCode: 137 });
      // And it stays so through the agent's next sync loops.
      await afterRuntimeCalls(fixture.runtime, 'list', 5);
      const later = await getPod('killed-never');
      expect(later.status?.phase).toBe('Failed');
      expect(later.status?.containerStatuses?.[0]?.restartCount).toBe(0);
      expect(later.status?.containerStatuses?.[0]?.state?.terminated).toBeDefined();
    });

    it('is not restarted under restartPolicy Never: Succeeded for exit code 0', async () => {
      await client.pods.create(pod('killed-never-ok', { restartPolicy: 'Never', containers: [{ name: 'c', image: 'busybox:1.36', command: sleepForever }] }));
      const p = await running('killed-never-ok');
      const id = dockerId(p.status?.containerStatuses?.[0]?.containerID);
      // SIGTERM reaches the trap, which exits 0.
      await docker.json({ method: 'POST', path: `/containers/${id}/kill?signal=TERM` });
      const after = await waitFor(async () => {
        const q = await getPod('killed-never-ok');
        return q.status?.phase === 'Succeeded' ? q : undefined;
      }, DOCKER_WAIT);
      expect(after.status?.containerStatuses?.[0]).toMatchObject({ restartCount: 0, state: { terminated: { exitCode: 0 } } });
    });
  });

  describe('process environment and init containers', () => {
    it('runs in workingDir with env values and the pod IP from a fieldRef', async () => {
      await client.pods.create(
        pod('env-wd', {
          containers: [
            {
              name: 'c',
              image: 'busybox:1.36',
              workingDir: '/tmp',
              command: ['sh', '-c', 'echo "pwd=$(pwd)"; echo "foo=$FOO"; echo "ip=$MY_IP"; echo done-env; trap "exit 0" TERM; sleep 3600 & wait'],
              env: [
                { name: 'FOO', value: 'bar baz' },
                { name: 'MY_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
              ],
            },
          ],
        }),
      );
      const p = await running('env-wd');
      const log = await logOf('env-wd', 'c', 'done-env');
      expect(log).toContain('pwd=/tmp\n');
      expect(log).toContain('foo=bar baz\n');
      expect(p.status?.podIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      expect(log).toContain(`ip=${p.status?.podIP}\n`);
    });

    it('runs init containers in order to completion before the app container', async () => {
      await client.pods.create(
        pod('inits', {
          volumes: [{ name: 'work', emptyDir: {} }],
          initContainers: [
            { name: 'first', image: 'busybox:1.36', command: ['sh', '-c', 'sleep 1; echo first >> /work/order'], volumeMounts: [{ name: 'work', mountPath: '/work' }] },
            { name: 'second', image: 'busybox:1.36', command: ['sh', '-c', 'echo second >> /work/order'], volumeMounts: [{ name: 'work', mountPath: '/work' }] },
          ],
          containers: [
            { name: 'app', image: 'busybox:1.36', command: ['sh', '-c', 'echo app >> /work/order; cat /work/order; trap "exit 0" TERM; sleep 3600 & wait'], volumeMounts: [{ name: 'work', mountPath: '/work' }] },
          ],
        }),
      );
      const p = await running('inits');
      expect(await logOf('inits', 'app', 'app')).toBe('first\nsecond\napp\n');
      const inits = p.status?.initContainerStatuses ?? [];
      expect(inits.map((s) => s.name)).toEqual(['first', 'second']);
      for (const s of inits) expect(s.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
      const [first, second] = inits.map((s) => s.state!.terminated!);
      expect(Date.parse(first!.finishedAt!)).toBeLessThanOrEqual(Date.parse(second!.startedAt!));
      const appStarted = p.status?.containerStatuses?.[0]?.state?.running?.startedAt;
      expect(Date.parse(second!.finishedAt!)).toBeLessThanOrEqual(Date.parse(appStarted!));
      expect(p.status?.conditions?.find((c) => c.type === 'Initialized')?.status).toBe('True');
    });
  });

  describe('--pod-network', () => {
    it('creates a missing network (labelled managed) and joins sandboxes to it, and reuses it', async () => {
      const missing = await docker.json({ method: 'GET', path: `/networks/${NETWORK}` }).then(
        () => false,
        () => true,
      );
      expect(missing).toBe(true);
      const rt = new DockerRuntime({ docker, nodeName: NET_NODE, podNetwork: NETWORK });
      const ref = { namespace: 'default', name: 'net-pod', uid: `uid-${suffix}` };
      const sb = await rt.createSandbox({ pod: ref, hostname: 'net-pod', ports: [], volumes: [] });
      const net = await docker.json<{ Name: string; Driver: string; Labels: Record<string, string> }>({ method: 'GET', path: `/networks/${NETWORK}` });
      expect(net).toMatchObject({ Name: NETWORK, Driver: 'bridge', Labels: { 'skiff.dev/managed': 'true' } });
      const i = await docker.json<{ NetworkSettings: { Networks: Record<string, { IPAddress: string }> } }>({ method: 'GET', path: `/containers/${sb.id}/json` });
      expect(Object.keys(i.NetworkSettings.Networks)).toEqual([NETWORK]);
      expect(sb.ip).toBe(i.NetworkSettings.Networks[NETWORK]!.IPAddress);
      expect(sb.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      // A second runtime (another agent start) finds the network and uses it as is.
      const rt2 = new DockerRuntime({ docker, nodeName: NET_NODE, podNetwork: NETWORK });
      const sb2 = await rt2.createSandbox({ pod: { ...ref, name: 'net-pod-2', uid: `uid2-${suffix}` }, hostname: 'net-pod-2', ports: [], volumes: [] });
      expect(sb2.ip).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
      // Removing the pods never removes the network.
      await rt.removeContainer(sb.id);
      await rt2.removeContainer(sb2.id);
      await docker.json({ method: 'GET', path: `/networks/${NETWORK}` });
    });
  });
});

describe('an unreachable Docker socket', () => {
  let server: RunningServer;
  let c: Clientset;
  let d: DockerClient;
  let a: AgentProcess | undefined;

  beforeAll(async () => {
    server = await startServer();
    c = createClient({ server: server.url });
    d = new DockerClient({ socketPath: '/nonexistent.sock' });
  });
  afterAll(async () => {
    await a?.stop(false);
    await d?.close();
    await c?.close();
    await server?.close();
  });

  it('registers the node with Ready=False and a message naming the runtime and the socket', async () => {
    const name = `dg-down-${suffix}`;
    const runtime = new DockerRuntime({ docker: d, nodeName: name });
    a = new AgentProcess(agentOptions(c, name, { nodes: [{ name, runtime }], statusUpdateMs: 300 }));
    await a.start();
    const node = await waitFor(async () => {
      const n = await c.nodes.get(name);
      return n.status?.conditions?.some((x) => x.type === 'Ready') ? n : undefined;
    }, { ...DOCKER_WAIT, timeoutMs: 10_000 });
    const ready = (node as Node).status?.conditions?.find((x) => x.type === 'Ready');
    expect(ready).toMatchObject({ status: 'False', reason: 'KubeletNotReady' });
    expect(ready?.message).toContain('container runtime is down');
    expect(ready?.message).toContain('/nonexistent.sock');
    // It stays not ready through later status updates (and the failed relists that feed them).
    await afterRuntimeCalls(runtime, 'list', 3);
    const later = (await c.nodes.get(name)).status?.conditions?.find((x) => x.type === 'Ready');
    expect(later).toMatchObject({ status: 'False' });
    expect(later?.message).toContain('/nonexistent.sock');
  });
});
