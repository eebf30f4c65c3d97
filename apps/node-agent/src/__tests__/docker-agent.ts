/**
 * @module Shared setup of the Docker integration tests: an in-process api-server, an AgentProcess over a real
 * DockerRuntime with its log server, and the polling helpers every such test uses.
 */
import { createServer, type Server } from 'node:http';
import { vi } from 'vitest';
import { waitFor } from '@skiff/testing';
import type { AddressInfo } from 'node:net';
import type { Pod } from '@skiff/api';
import { createClient, type Clientset } from '@skiff/client';
import { realClock, silentLogger } from '@skiff/controller-kit';
import { Registry } from 'prom-client';
import { startServer, testServiceAccountTokens, type RunningServer } from '@skiff/api-server/testing';
import { AgentProcess, type AgentProcessOptions } from '../agent-process.js';
import { agentOptions } from './agent-options.js';
import { createLogServer } from '../log-server.js';
import { createProber } from '../probes/prober.js';
import { DockerClient } from '../runtime/docker/docker-client.js';
import { DockerRuntime } from '../runtime/docker/docker-runtime.js';
import { DOCKER_SOCKET, removeNodeContainers } from '../runtime/docker/docker-test-env.js';

export { agentOptions };

/** DOCKER_WAIT is how Docker tests wait: containers take seconds to start, and a 200 ms poll spares the shared engine. */
export const DOCKER_WAIT = { timeoutMs: 30_000, intervalMs: 200 } as const;

/**
 * DOCKER_TEST_TIMEOUT is the per-test limit of the Docker suites: above DOCKER_WAIT and the Docker client's own 30 s
 * request timeout, so a call the shared engine sits on (a compose build elsewhere in CI) fails and is retried by the
 * agent, and a test that still does not get there fails with waitFor's message (what it saw last) instead of
 * vitest's bare "timed out".
 */
export const DOCKER_TEST_TIMEOUT = 90_000;

/**
 * afterRuntimeCalls resolves once the agent has called `method` on `runtime` `n` more times: `list` counts sync
 * loops (relists), `exec` counts exec probes. It is the barrier for "and it stays so" checks, where a fixed sleep
 * would be too short on a loaded machine.
 */
export async function afterRuntimeCalls(runtime: DockerRuntime, method: 'list' | 'exec', n: number): Promise<void> {
  const calls = vi.spyOn(runtime, method);
  try {
    await waitFor(() => calls.mock.calls.length >= n, { ...DOCKER_WAIT, what: `${n} runtime ${method} calls` });
  } finally {
    calls.mockRestore();
  }
}

/** podOn builds a pod already bound to `node` with a short grace period. */
export function podOn(node: string, name: string, spec: Partial<Pod['spec']>): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: node, terminationGracePeriodSeconds: 2, containers: [], ...spec } };
}

/** runningPod waits until the pod is Running with every container running, and returns it. */
export async function runningPod(client: Clientset, name: string): Promise<Pod> {
  return waitFor(async () => {
    const p = await client.pods.get(name, { namespace: 'default' });
    if (p.status?.phase === 'Running' && p.status.containerStatuses?.every((c) => c.state?.running)) return p;
    // Thrown, so a timeout names what the pod looked like last.
    const containers = (p.status?.containerStatuses ?? []).map((c) => `${c.name}=${Object.keys(c.state ?? {})[0] ?? '?'}${c.state?.waiting?.reason ? `(${c.state.waiting.reason})` : ''}`);
    throw new Error(`phase ${p.status?.phase ?? 'none'}, containers [${containers.join(' ')}]`);
  }, { ...DOCKER_WAIT, what: `pod ${name} running` });
}

export interface DockerAgent {
  api: RunningServer;
  client: Clientset;
  docker: DockerClient;
  agent: AgentProcess;
  /** The agent's runtime: count its relists or probes with afterRuntimeCalls. */
  runtime: DockerRuntime;
  /** stop ends the agent, removes the node's containers and closes everything. */
  stop(): Promise<void>;
}

/**
 * startDockerAgent runs an api-server (with `server`'s options: admission plugins, say) and an AgentProcess for
 * `node` on the real engine, with probes and a log server.
 */
export async function startDockerAgent(node: string, over: Partial<AgentProcessOptions> = {}, server: Parameters<typeof startServer>[0] = {}): Promise<DockerAgent> {
  // Issues tokens, as a real api-server does: serviceAccountToken volumes are fetched through TokenRequest.
  const api = await startServer({ serviceAccountTokens: testServiceAccountTokens(), ...server });
  const client = createClient({ server: api.url });
  const docker = new DockerClient({ socketPath: DOCKER_SOCKET });
  const runtime = new DockerRuntime({ docker, nodeName: node });
  let agent: AgentProcess | undefined;
  const logHttp: Server = createServer(createLogServer({ findPod: (ns, n) => agent?.findPod(ns, n), readyz: () => agent?.readiness() ?? [], metrics: new Registry(), logger: silentLogger }));
  await new Promise<void>((r) => logHttp.listen(0, '127.0.0.1', r));
  agent = new AgentProcess(
    agentOptions(client, node, {
      nodes: [{ name: node, runtime }],
      port: (logHttp.address() as AddressInfo).port,
      prober: (rt, onChange, events) => createProber({ runtime: rt, clock: realClock, logger: silentLogger, onChange, events }),
      ...over,
    }),
  );
  await agent.start();
  const started = agent;
  return {
    api,
    client,
    docker,
    agent: started,
    runtime,
    async stop() {
      await started.stop(false);
      logHttp.closeAllConnections();
      logHttp.close();
      await removeNodeContainers(node);
      await docker.close();
      await client.close();
      await api.close();
    },
  };
}
