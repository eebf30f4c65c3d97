/**
 * @module main: the node-agent process. Reads flags and environment, opens the Docker socket and the log port,
 * installs signal handlers; everything else is built by injection.
 */
import { createServer } from 'node:http';
import { arch, hostname, networkInterfaces, platform } from 'node:os';
import type { AddressInfo } from 'node:net';
import { advertiseAddress, DEFAULT_METRICS_OPTIONS, optionsOrExit } from '@skiff/api';
import { Registry, collectDefaultMetrics, Gauge } from 'prom-client';
import { createClient, loadKubeconfig } from '@skiff/client';
import { createLogger, realClock } from '@skiff/controller-kit';
import { AgentProcess, type AgentNode } from './agent-process.js';
import { registerAgentMetrics } from './agent-metrics.js';
import { parseAgentConfig, USAGE } from './agent-config.js';
import { createLogServer } from './log-server.js';
import { createPortForwardServer, sandboxTarget } from './streaming/port-forward.js';
import { createProber } from './probes/prober.js';
import { DockerClient } from './runtime/docker/docker-client.js';
import { DockerRuntime } from './runtime/docker/docker-runtime.js';
import { SimulatedRuntime } from './runtime/simulated/simulated-runtime.js';
import { createStreamServer } from './streaming/stream-server.js';

const GOARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386' };

async function main(): Promise<void> {
  const config = optionsOrExit('node-agent', USAGE, () => parseAgentConfig(process.argv.slice(2), process.env));
  const logger = createLogger({ name: 'node-agent', level: config.logLevel as 'info' });
  const { namespace: _, ...connection } = optionsOrExit('node-agent', USAGE, () => (config.kubeconfig ? loadKubeconfig(config.kubeconfig) : { server: config.server }));
  const client = createClient({ ...connection, userAgent: `skiff-node-agent/${config.nodeName}`, logger });
  const clock = realClock;
  let docker: DockerClient | undefined;
  const nodes: AgentNode[] = [];
  if (config.simulatedNodes > 0 || config.runtime === 'simulated') {
    const n = Math.max(1, config.simulatedNodes);
    for (let i = 0; i < n; i++) {
      nodes.push({
        name: config.simulatedNodes > 0 ? `${config.nodeName}-${i}` : config.nodeName,
        runtime: new SimulatedRuntime({ clock, startDelayMs: config.simulatedStartDelayMs, nodeIndex: i, ...(config.simulatedExit ? { exit: config.simulatedExit } : {}) }),
      });
    }
  } else {
    docker = new DockerClient({ socketPath: config.dockerSocket });
    nodes.push({
      name: config.nodeName,
      runtime: new DockerRuntime({ docker, nodeName: config.nodeName, podInfraImage: config.podInfraImage, ...(config.podNetwork ? { podNetwork: config.podNetwork } : {}) }),
    });
  }

  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics, ...DEFAULT_METRICS_OPTIONS });
  let agent: AgentProcess | undefined;
  const app = createLogServer({ findPod: (ns, name) => agent?.findPod(ns, name), readyz: () => agent?.readiness() ?? [{ name: 'informer-sync', ok: false, message: 'starting' }], summary: (node) => agent?.summary(node), metrics, logger });
  const server = createServer(app);
  const portForward = createPortForwardServer({
    resolve: (ns, name) => {
      const found = agent?.findPod(ns, name);
      if (!found) return { code: 404, message: `pod ${ns}/${name} is not on this node` };
      return sandboxTarget(found.pod, found.runner.pleg.containersOf(found.pod.metadata.uid ?? ''));
    },
    clock,
    logger,
    metrics,
  });
  const streams = createStreamServer({ findPod: (ns, name) => agent?.findPod(ns, name), logger, metrics });
  // exec and attach first; the port-forward handler answers every other path (404 for unknown ones).
  server.on('upgrade', (req, socket, head) => streams.handleUpgrade(req, socket, head) || portForward.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listenPort, config.listenHost, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const hostIP = advertiseAddress({ listenHost: config.listenHost, nodeIP: config.nodeIP, interfaces: networkInterfaces() });
  agent = new AgentProcess({
    client,
    nodes,
    hostIP,
    hostname: hostname(),
    port,
    labels: config.nodeLabels,
    taints: config.taints,
    capacity: config.capacity,
    os: platform(),
    arch: GOARCH[arch()] ?? arch(),
    version: 'v1.32.0-skiff',
    leaseDurationSeconds: config.leaseDurationSeconds,
    statusUpdateMs: config.statusUpdateMs,
    housekeepingIntervalMs: config.housekeepingIntervalMs,
    allowPrivileged: config.allowPrivileged,
    ...(config.clusterDNS.length ? { clusterDNS: { servers: config.clusterDNS, domain: config.clusterDomain } } : {}),
    volumeDirs: { rootDir: config.rootDir, tmpfsDir: config.tmpfsDir },
    clock,
    logger,
    ...(config.runtime === 'docker' && config.simulatedNodes === 0 ? { prober: (runtime, onChange, events) => createProber({ runtime, clock, logger, onChange, events }) } : {}),
  });
  const running = agent;
  registerAgentMetrics(metrics, function* () {
    for (const e of running.nodes.values()) yield e.runner;
  });
  logger.info({ nodes: nodes.length, runtime: config.runtime, listen: `${config.listenHost}:${port}`, internalIP: hostIP }, 'node agent starting');

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await running.stop(true);
    portForward.close();
    streams.close();
    server.closeAllConnections();
    server.close();
    await client.close();
    await docker?.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // start retries node registration itself; anything else it throws is a bug: exit and let the supervisor restart.
  await running.start();
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
