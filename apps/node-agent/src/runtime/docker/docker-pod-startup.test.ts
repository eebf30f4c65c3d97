import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNotFound, type Pod } from '@skiff/api';
import type { Clientset } from '@skiff/client';
import type { DockerClient } from './docker-client.js';
import { dockerAvailable } from './docker-test-env.js';
import { LABELS } from '../labels.js';
import { podOn, startDockerAgent, until, type DockerAgent } from '../../__tests__/docker-agent.js';

const available = await dockerAvailable();
const NODE = `dstart-${Math.random().toString(36).slice(2, 8)}`;
const CONTAINERS = 40;

let fixture: DockerAgent;
let client: Clientset;
let docker: DockerClient;

const sleepForever = ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'];
const runningCount = (p: Pod): number => (p.status?.containerStatuses ?? []).filter((c) => c.state?.running).length;

async function containersOfPod(uid: string): Promise<number> {
  const filters = encodeURIComponent(JSON.stringify({ label: [`${LABELS.node}=${NODE}`, `${LABELS.podUid}=${uid}`] }));
  return (await docker.json<unknown[]>({ method: 'GET', path: `/containers/json?all=1&filters=${filters}` })).length;
}

describe.skipIf(!available)('a pod of many containers on a real Docker engine', () => {
  beforeAll(async () => {
    fixture = await startDockerAgent(NODE);
    ({ client, docker } = fixture);
  });

  afterAll(async () => {
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
      const first = await until(async () => seen.find((p) => runningCount(p) > 0), 120_000);
      expect(runningCount(first)).toBeLessThan(CONTAINERS);
      expect(first.status?.containerStatuses?.some((c) => c.state?.waiting?.reason === 'ContainerCreating')).toBe(true);

      await client.pods.delete('big', { namespace: 'default' });
      await until(async () => {
        try {
          await client.pods.get('big', { namespace: 'default' });
          return false;
        } catch (err) {
          if (isNotFound(err)) return true;
          throw err;
        }
      }, 120_000);
      await until(async () => (await containersOfPod(uid)) === 0, 60_000);
    } finally {
      watch.stop();
    }
  }, 300_000);
});
