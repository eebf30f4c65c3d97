/**
 * @module Docker clusters for e2e scenarios: a scheduler, a controller-manager and `--runtime docker` node agents
 * against a Cluster's api-server, started and torn down the one way those scenarios share.
 */
import { waitFor } from '@skiff/testing';
import type { Cluster } from './cluster.js';
import { dockerUp, removeNode } from './docker.js';
import { built } from './toy-cluster.js';

/** CONTROL_PLANE are the apps every Docker scenario runs. */
const CONTROL_PLANE = ['api-server', 'scheduler', 'controller-manager', 'node-agent'];

/**
 * dockerClusterAvailable says whether a scenario can run: the engine answers and the apps are built (the control
 * plane, plus `extraApps`). With SKIFF_REQUIRE_DOCKER=1, as in CI, anything missing fails the run instead.
 */
export function dockerClusterAvailable(extraApps: string[] = []): boolean {
  const missing = [...CONTROL_PLANE, ...extraApps].filter((app) => !built(app));
  if (missing.length && process.env['SKIFF_REQUIRE_DOCKER'] === '1') throw new Error(`SKIFF_REQUIRE_DOCKER=1 but ${missing.join(', ')} not built`);
  return dockerUp() && missing.length === 0;
}

export interface DockerClusterOptions {
  /** Added to the controller-manager's flags. */
  controllerManagerArgs?: string[];
  /** Added to every node agent's flags. */
  agentArgs?: string[];
  /** How long the nodes may take to be Ready; 120 s unless said otherwise. */
  timeoutMs?: number;
}

/**
 * startDockerCluster runs a scheduler, a controller-manager and one Docker node agent per name (each a component
 * of that name) against the cluster's running api-server, and waits until every node is Ready.
 */
export async function startDockerCluster(cluster: Cluster, nodes: string[], opts: DockerClusterOptions = {}): Promise<void> {
  cluster.start('scheduler', 'scheduler', ['--leader-elect=false', '--listen', '127.0.0.1:0']);
  cluster.start('controller-manager', 'controller-manager', ['--leader-elect=false', '--listen', '127.0.0.1:0', ...(opts.controllerManagerArgs ?? [])]);
  for (const node of nodes) {
    cluster.start(node, 'node-agent', ['--runtime', 'docker', '--node-name', node, '--listen', '127.0.0.1:0', '--node-status-update-frequency', '1s', ...(opts.agentArgs ?? [])]);
  }
  const ready = async () => (await cluster.client.nodes.list()).items.filter((n) => nodes.includes(n.metadata.name ?? '') && n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length === nodes.length;
  await waitFor(ready, { what: `${nodes.length} Ready Docker nodes`, timeoutMs: opts.timeoutMs ?? 120_000, intervalMs: 500 });
}

/** stopDockerCluster stops the cluster's processes and removes the containers and volumes its nodes left. */
export async function stopDockerCluster(cluster: Cluster, nodes: string[]): Promise<void> {
  await cluster.stop();
  for (const node of nodes) await removeNode(node);
}
