/**
 * Evented PLEG on a real Docker engine: an idle agent does not list the engine's containers every relist period
 * (it follows the engine's container events and relists every 5 minutes, as kubelet's evented PLEG), yet a
 * container killed behind its back is seen at once, through its `die` event.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Pod } from '@skiff/api';
import { waitFor } from '@skiff/testing';
import { DOCKER_WAIT, DOCKER_TEST_TIMEOUT, podOn, runningPod, startDockerAgent, type DockerAgent } from '../../__tests__/docker-agent.js';
import { dockerAvailable, sleepForever } from './docker-test-env.js';

const available = await dockerAvailable();
const NODE = `dep-${Math.random().toString(36).slice(2, 8)}`;
let fixture: DockerAgent;

describe.skipIf(!available)('evented PLEG on a real Docker engine', { timeout: DOCKER_TEST_TIMEOUT }, () => {
  beforeAll(async () => {
    // The generic period of the test options (300 ms) while the stream is down or just after an event; with the
    // stream open and quiet, a relist only every 10 minutes, so any relist below comes from an event.
    fixture = await startDockerAgent(NODE, { eventedRelistPeriodMs: 600_000 });
  });
  afterAll(async () => {
    await fixture?.stop();
  });

  it('lists nothing while nothing changes, and restarts a container killed behind its back', async () => {
    const { client, docker, runtime } = fixture;
    await client.pods.create(podOn(NODE, 'evented', { restartPolicy: 'Always', containers: [{ name: 'c', image: 'busybox:1.36', command: sleepForever }] }));
    const p = await runningPod(client, 'evented');
    const id = (p.status?.containerStatuses?.[0]?.containerID ?? '').replace('docker://', '');

    // Once the start's events have had their relists, the agent stops listing: a 3 s stretch without a list call
    // comes (generic relisting every 300 ms never has one).
    const lists = vi.spyOn(runtime, 'list');
    try {
      let seen = -1;
      let since = performance.now();
      await waitFor(() => {
        if (lists.mock.calls.length !== seen) {
          seen = lists.mock.calls.length;
          since = performance.now();
        }
        return performance.now() - since >= 3000;
      }, { ...DOCKER_WAIT, what: 'a 3 s stretch without a relist' });
    } finally {
      lists.mockRestore();
    }

    await docker.json({ method: 'POST', path: `/containers/${id}/kill?signal=KILL` });
    const after: Pod = await waitFor(async () => {
      const q = await client.pods.get('evented', { namespace: 'default' });
      const s = q.status?.containerStatuses?.[0];
      return s?.restartCount === 1 && s.state?.running ? q : undefined;
    }, { ...DOCKER_WAIT, what: 'the killed container restarted' });
    expect(after.status?.containerStatuses?.[0]?.lastState?.terminated).toMatchObject({ exitCode: 137 });
  }, 90_000);
});
