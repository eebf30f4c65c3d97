import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNotFound, type Pod } from '@skiff/api';
import type { Clientset } from '@skiff/client';
import type { ContainerConfig } from '../container-runtime.js';
import type { DockerClient } from './docker-client.js';
import { DockerRuntime } from './docker-runtime.js';
import { dockerAvailable, removeNodeContainers, sleepForever } from './docker-test-env.js';
import { LABELS } from '../labels.js';
import { podOn, startDockerAgent, DOCKER_WAIT, DOCKER_TEST_TIMEOUT, type DockerAgent } from '../../__tests__/docker-agent.js';
import { waitFor } from '@skiff/testing';

const available = await dockerAvailable();
const suffix = Math.random().toString(36).slice(2, 8);
const NODE = `dstart-${suffix}`;
const RT_NODE = `dstart-rt-${suffix}`;
const CONTAINERS = 40;

let fixture: DockerAgent;
let client: Clientset;
let docker: DockerClient;

const runningCount = (p: Pod): number => (p.status?.containerStatuses ?? []).filter((c) => c.state?.running).length;

async function containerIdsOfPod(uid: string, node = NODE): Promise<string[]> {
  const filters = encodeURIComponent(JSON.stringify({ label: [`${LABELS.node}=${node}`, `${LABELS.podUid}=${uid}`, `${LABELS.kind}=container`] }));
  return (await docker.json<Array<{ Id: string }>>({ method: 'GET', path: `/containers/json?all=1&filters=${filters}` })).map((c) => c.Id);
}

describe.skipIf(!available)('a pod of many containers on a real Docker engine', { timeout: DOCKER_TEST_TIMEOUT }, () => {
  beforeAll(async () => {
    fixture = await startDockerAgent(NODE);
    ({ client, docker } = fixture);
  });

  afterAll(async () => {
    await removeNodeContainers(RT_NODE);
    await fixture?.stop();
  });

  it(`shows containers running while its ${CONTAINERS} containers start, and a DELETE meanwhile removes the pod and all of them`, async () => {
    const seen: Pod[] = [];
    const watch = client.pods.watch({ namespace: 'default', fieldSelector: 'metadata.name=big', transport: 'http' }, { onEvent: (e) => void (e.type === 'MODIFIED' && seen.push(e.object)) });
    try {
      const containers = Array.from({ length: CONTAINERS }, (_, i) => ({ name: `c${i}`, image: 'busybox:1.36', command: sleepForever }));
      const created = await client.pods.create(podOn(NODE, 'big', { terminationGracePeriodSeconds: 2, containers }));
      const uid = created.metadata.uid ?? '';

      // The first status with a running container must not wait for the last one to be up.
      const first = await waitFor(async () => seen.find((p) => runningCount(p) > 0), { ...DOCKER_WAIT, timeoutMs: 120_000 });
      expect(runningCount(first)).toBeLessThan(CONTAINERS);
      expect(first.status?.containerStatuses?.some((c) => c.state?.waiting?.reason === 'ContainerCreating')).toBe(true);

      await client.pods.delete('big', { namespace: 'default' });
      await waitFor(async () => {
        try {
          await client.pods.get('big', { namespace: 'default' });
          return false;
        } catch (err) {
          if (isNotFound(err)) return true;
          throw err;
        }
      }, { ...DOCKER_WAIT, timeoutMs: 120_000 });
      await waitFor(async () => (await containerIdsOfPod(uid)).length === 0, { ...DOCKER_WAIT, timeoutMs: 60_000 });
    } finally {
      watch.stop();
    }
  }, 300_000);

  it('leaves no container behind for a start whose signal aborted while its create or start was in flight', async () => {
    const runtime = new DockerRuntime({ docker, nodeName: RT_NODE });
    const pod = { uid: `rt-${suffix}`, namespace: 'default', name: 'aborted' };
    const sandbox = await runtime.createSandbox({ pod, hostname: 'aborted', ports: [], volumes: [] });
    const ac = new AbortController();
    const config = (i: number): ContainerConfig => ({ pod, kind: 'container', name: `c${i}`, restartCount: 0, image: 'busybox:1.36', command: sleepForever, env: [], mounts: [] });
    const calls = Array.from({ length: 8 }, (_, i) => runtime.startContainer(sandbox.id, config(i), ac.signal));
    // Abort as soon as one start is through: the others are still somewhere between create and start.
    await Promise.race(calls);
    ac.abort(new Error('pod deleted'));
    const results = await Promise.allSettled(calls);
    const started = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    for (const r of results) if (r.status === 'rejected') expect((r.reason as Error).message).toBe('pod deleted');
    expect(started.length).toBeGreaterThan(0);
    expect(started.length).toBeLessThan(calls.length);
    expect((await containerIdsOfPod(pod.uid, RT_NODE)).sort()).toEqual(started.sort());
  }, 120_000);
});
