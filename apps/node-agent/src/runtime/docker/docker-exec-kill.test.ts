import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@skiff/testing';
import { DockerClient } from './docker-client.js';
import { DockerRuntime } from './docker-runtime.js';
import { DOCKER_SOCKET, dockerAvailable, removeNodeContainers, sleepForever } from './docker-test-env.js';

// An agent in its own container (docker-compose.yml) sees none of the engine's PIDs: /proc finds no exec process.
// These runtimes are given a killTree that finds nothing, as such an agent's does, and must still end the execs.

const available = await dockerAvailable();
const suffix = Math.random().toString(36).slice(2, 8);
const NODE = `dk-execkill-${suffix}`;

describe.skipIf(!available)('an abandoned exec, for an agent that cannot see the engine PID namespace (real Docker)', () => {
  const docker = new DockerClient({ socketPath: DOCKER_SOCKET });
  const runtime = new DockerRuntime({ docker, nodeName: NODE, killTree: async () => 0 });
  const ref = { uid: `uid-${suffix}`, namespace: 'default', name: 'victim' };
  let containerId = '';

  /** runningExecs lists the container's execs the engine still reports running. */
  async function runningExecs(): Promise<string[]> {
    const info = await docker.json<{ ExecIDs: string[] | null }>({ method: 'GET', path: `/containers/${containerId}/json` });
    const running: string[] = [];
    for (const id of info.ExecIDs ?? []) if ((await docker.json<{ Running: boolean }>({ method: 'GET', path: `/exec/${id}/json` })).Running) running.push(id);
    return running;
  }

  beforeAll(async () => {
    const sb = await runtime.createSandbox({ pod: ref, hostname: 'victim', ports: [], volumes: [] });
    containerId = await runtime.startContainer(sb.id, { pod: ref, kind: 'container', name: 'c', restartCount: 0, image: 'busybox:1.36', command: sleepForever, env: [], mounts: [] });
  }, 60_000);
  afterAll(async () => {
    await removeNodeContainers(NODE);
    await docker.close();
  });

  it('close() kills the exec and what it started, through a kill run inside the container', async () => {
    const s = await runtime.execStream(containerId, ['sh', '-c', 'sleep 1001 & sleep 1002'], { stdin: false, stdout: true, stderr: true, tty: false });
    await waitFor(async () => ((await runningExecs()).length === 1 ? true : undefined), { what: 'the exec running', timeoutMs: 20_000 });
    await s.close();
    await waitFor(async () => ((await runningExecs()).length === 0 ? true : undefined), { what: 'no exec running after close', timeoutMs: 20_000 });
    // The background sleep carried the session marker too: it is gone with its shell, while PID 1 still runs.
    const ps = await runtime.exec(containerId, ['ps', '-o', 'pid,args'], 10_000);
    expect(ps.output).not.toMatch(/sleep 100[12]/);
    expect(ps.output).toMatch(/sleep 3600/);
  }, 60_000);

  it('reapExecs (a new agent after a crash) kills the execs of earlier sessions and reports how many', async () => {
    const s = await runtime.execStream(containerId, ['sleep', '1003'], { stdin: false, stdout: true, stderr: true, tty: false });
    await waitFor(async () => ((await runningExecs()).length === 1 ? true : undefined), { what: 'the exec running', timeoutMs: 20_000 });
    s.stdout.destroy(); // the client is gone without a close, as when the old agent process died
    const fresh = new DockerRuntime({ docker, nodeName: NODE, killTree: async () => 0 });
    expect(await fresh.reapExecs()).toBe(1);
    await waitFor(async () => ((await runningExecs()).length === 0 ? true : undefined), { what: 'no exec running after the reap', timeoutMs: 20_000 });
  }, 60_000);

  it('close() at once after the start, before the engine has started the process, still kills it', async () => {
    // The engine says an exec is Running from its start request on, while its Pid is still 0: a client that leaves
    // at once (kubectl exec interrupted, or any close on a busy engine) must not leave the process to start unseen.
    const s = await runtime.execStream(containerId, ['sleep', '1004'], { stdin: false, stdout: true, stderr: true, tty: false });
    await s.close();
    await waitFor(async () => ((await runningExecs()).length === 0 ? true : undefined), { what: 'no exec running after an immediate close', timeoutMs: 20_000 });
    expect((await runtime.exec(containerId, ['ps', '-o', 'pid,args'], 10_000)).output).not.toMatch(/sleep 1004/);
  }, 60_000);
});
