import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Event as CoreEvent, Pod } from '@skiff/api';
import { createClient, type Clientset } from '@skiff/client';
import { startServer, type RunningServer } from '@skiff/api-server/testing';
import { agentEndpoint, spawnAgent, type SpawnedAgent } from '../../__tests__/spawned-agent.js';
import { podOn, startDockerAgent, DOCKER_WAIT, DOCKER_TEST_TIMEOUT, type DockerAgent } from '../../__tests__/docker-agent.js';
import { DOCKER_SOCKET, dockerAvailable, removeNodeContainers, sleepForever } from './docker-test-env.js';
import { waitFor } from '@skiff/testing';

// No error of one pod's stream (exec probe, logs) may reach the process: these run pods whose streams are cut.

const available = await dockerAvailable();
const suffix = Math.random().toString(36).slice(2, 8);

async function events(client: Clientset, name: string): Promise<CoreEvent[]> {
  return (await client.events.list({ namespace: 'default' })).items.filter((e) => e.involvedObject.name === name);
}

describe.skipIf(!available)('an exec probe that outlives its timeoutSeconds (built agent process, real Docker)', { timeout: DOCKER_TEST_TIMEOUT }, () => {
  const node = `se-exec-${suffix}`;
  let server: RunningServer;
  let client: Clientset;
  let agent: SpawnedAgent;

  beforeAll(async () => {
    server = await startServer();
    client = createClient({ server: server.url });
    agent = spawnAgent(['--server', server.url, '--node-name', node, '--listen', '127.0.0.1:0', '--docker-socket', DOCKER_SOCKET, '--pod-network=', '--log-level', 'warn']);
    await agentEndpoint(client, node, agent);
  });
  afterAll(async () => {
    await agent?.stop();
    await removeNodeContainers(node);
    await client?.close();
    await server?.close();
  });

  it('fails the probe with a timeout, keeps the pod Ready=False, and the agent keeps running', { timeout: 120_000 }, async () => {
    const pod: Pod = podOn(node, 'slow-probe', {
      containers: [
        {
          name: 'c',
          image: 'busybox:1.36',
          command: sleepForever,
          readinessProbe: { exec: { command: ['sleep', '5'] }, timeoutSeconds: 1, periodSeconds: 1, failureThreshold: 1 },
        },
      ],
    });
    await client.pods.create(pod);
    // Three timed-out attempts: each aborted an exec stream mid-flight. The agent exiting meanwhile fails at once.
    const timedOut = await Promise.race([
      waitFor(async () => {
        const ev = (await events(client, 'slow-probe')).find((e) => e.reason === 'Unhealthy');
        return ev && (ev.count ?? 1) >= 3 ? ev : undefined;
      }, { ...DOCKER_WAIT, timeoutMs: 60_000 }),
      agent.exited.then((code) => Promise.reject(new Error(`node agent exited with ${code}: ${agent.output()}`))),
    ]);
    expect(timedOut).toMatchObject({ type: 'Warning', message: 'Readiness probe failed: command "sleep 5" timed out' });
    expect(agent.child.exitCode).toBeNull();
    const p = await client.pods.get('slow-probe', { namespace: 'default' });
    expect(p.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
    expect(p.status?.containerStatuses?.[0]).toMatchObject({ ready: false, state: { running: {} } });
    // The agent still does its work: a delete is carried out.
    await client.pods.delete('slow-probe', { namespace: 'default' });
    await waitFor(async () => !(await client.pods.list({ namespace: 'default' })).items.some((x) => x.metadata.name === 'slow-probe'), { ...DOCKER_WAIT, timeoutMs: 30_000 });
    expect(agent.child.exitCode).toBeNull();
  });
});

describe.skipIf(!available)('streams of an in-process agent are closed (real Docker)', { timeout: DOCKER_TEST_TIMEOUT }, () => {
  const node = `se-log-${suffix}`;
  let fixture: DockerAgent;

  beforeAll(async () => {
    fixture = await startDockerAgent(node);
  });
  afterEach(async () => {
    for (const name of ['ticker', 'exec-target']) await fixture.client.pods.delete(name, { namespace: 'default', gracePeriodSeconds: 0 }).catch(() => undefined);
  });
  afterAll(async () => {
    await fixture?.stop();
    await removeNodeContainers(node);
  });

  it("closes the agent's Docker log stream when the client leaves mid-follow", async () => {
    const { client, docker } = fixture;
    await client.pods.create(podOn(node, 'ticker', { containers: [{ name: 'c', image: 'busybox:1.36', command: ['sh', '-c', 'while true; do echo tick; sleep 1; done'] }] }));
    await waitFor(async () => (await client.pods.get('ticker', { namespace: 'default' })).status?.containerStatuses?.[0]?.state?.running, DOCKER_WAIT);
    const ac = new AbortController();
    const res = await fetch(`${fixture.api.url}/api/v1/namespaces/default/pods/ticker/log?follow=true`, { signal: ac.signal });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    let text = '';
    while (!text.includes('tick')) text += Buffer.from((await reader.read()).value!).toString();
    expect(docker.running).toBeGreaterThan(0);
    ac.abort();
    // With the follow gone nothing of the agent streams from Docker any more (relists come and go in between).
    await waitFor(async () => docker.running === 0, { ...DOCKER_WAIT, timeoutMs: 15_000 });
    // And the agent still serves logs.
    expect(await client.pods.log('ticker', { namespace: 'default' })).toContain('tick');
  });

  it('aborts an exec stream at its timeout, with a ProbeTimeout error and nothing left streaming', async () => {
    const { client, docker, agent } = fixture;
    await client.pods.create(podOn(node, 'exec-target', { containers: [{ name: 'c', image: 'busybox:1.36', command: sleepForever }] }));
    const p = await waitFor(async () => {
      const x = await client.pods.get('exec-target', { namespace: 'default' });
      return x.status?.containerStatuses?.[0]?.state?.running ? x : undefined;
    }, DOCKER_WAIT);
    const id = (p.status?.containerStatuses?.[0]?.containerID ?? '').replace('docker://', '');
    const runtime = agent.nodes.get(node)!.runner.runtime;
    // An hour-long command: a stream left open after the timeout would stay in flight for the rest of the test.
    await expect(runtime.exec(id, ['sleep', '3600'], 500)).rejects.toMatchObject({ reason: 'ProbeTimeout', message: 'command "sleep 3600" timed out' });
    await waitFor(async () => docker.running === 0, { ...DOCKER_WAIT, timeoutMs: 15_000 });
    // A quick command on the same container still works.
    expect(await runtime.exec(id, ['echo', 'hi'], 5000)).toEqual({ exitCode: 0, output: 'hi\n' });
  });
});
