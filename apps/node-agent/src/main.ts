/**
 * @module main: the node-agent process. Reads flags and environment, opens the Docker socket and the log port,
 * installs signal handlers; everything else is built by injection.
 */
import { readFileSync } from 'node:fs';
import { arch, hostname, networkInterfaces, platform } from 'node:os';
import type { AddressInfo } from 'node:net';
import { advertiseAddress, DEFAULT_METRICS_OPTIONS, optionsOrExit, RESOURCES } from '@skiff/api';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { createServer } from 'node:http';
import { createClient, type ClientOptions } from '@skiff/client';
import { createAgentServer } from './certificate/create-agent-server.js';
import { servingCertificate } from './certificate/serving-certificate.js';
import { loadOrBootstrap } from './certificate/tls-bootstrap.js';
import { createLogger, realClock } from '@skiff/controller-kit';
import { AgentProcess, type AgentNode } from './agent-process.js';
import { registerAgentMetrics } from './agent-metrics.js';
import { parseAgentConfig, USAGE } from './agent-config.js';
import { createLogServer } from './log-server.js';
import { createPortForwardServer, sandboxTarget } from './streaming/port-forward.js';
import { createProber } from './probes/prober.js';
import { DockerClient } from './runtime/docker/docker-client.js';
import { DockerRuntime } from './runtime/docker/docker-runtime.js';
import { SimulatedRuntime, simulatedCpuMilli } from './runtime/simulated/simulated-runtime.js';
import { CgroupStats } from './stats/cgroup-stats.js';
import { createStreamServer } from './streaming/stream-server.js';

const GOARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386' };

async function main(): Promise<void> {
  const config = optionsOrExit('node-agent', USAGE, () => parseAgentConfig(process.argv.slice(2), process.env));
  const logger = createLogger({ name: 'node-agent', level: config.logLevel as 'info' });
  const clock = realClock;
  const userAgent = `skiff-node-agent/${config.nodeName}`;
  // With --kubeconfig the agent is system:node:NAME (TLS bootstrap first when it has no valid certificate).
  let connection: ClientOptions = { server: config.server };
  if (config.kubeconfig) {
    const { namespace: _ns, ...fromKubeconfig } = await loadOrBootstrap({
      nodeName: config.nodeName,
      kubeconfig: config.kubeconfig,
      ...(config.bootstrapKubeconfig ? { bootstrapKubeconfig: config.bootstrapKubeconfig } : {}),
      certDir: config.certDir,
      now: () => clock.now(),
      logger,
      csrClient: (opts) => {
        const c = createClient({ ...opts, userAgent, logger });
        return { client: c.resource(RESOURCES.certificatesigningrequests), close: () => c.close() };
      },
    });
    connection = fromKubeconfig;
  } else if (config.bootstrapKubeconfig) {
    throw new Error('--bootstrap-kubeconfig needs --kubeconfig: where to write the issued credentials');
  }
  const client = createClient({ ...connection, userAgent, logger });
  // kubelet's heartbeat client: Lease renewals and node status never queue behind the pods' writes.
  const heartbeatClient = createClient({ ...connection, userAgent, logger, connections: 4 });
  let docker: DockerClient | undefined;
  let statsDocker: DockerClient | undefined;
  const nodes: AgentNode[] = [];
  if (config.simulatedNodes > 0 || config.runtime === 'simulated') {
    const n = Math.max(1, config.simulatedNodes);
    for (let i = 0; i < n; i++) {
      const name = config.simulatedNodes > 0 ? `${config.nodeName}-${i}` : config.nodeName;
      nodes.push({
        name,
        runtime: new SimulatedRuntime({
          clock,
          startDelayMs: config.simulatedStartDelayMs,
          nodeIndex: i,
          ...(config.simulatedExit ? { exit: config.simulatedExit } : {}),
          // The pod as the agent last saw it, so patching the annotation changes the usage of running containers.
          // Looked up by uid on this node's own runner: every container is sampled each housekeeping interval,
          // and a scan of every pod of the process per sample was a tenth of a 5,000-pod agent's CPU.
          cpuMilliOf: (ref) => {
            const pod = agent?.nodes.get(name)?.runner.podByUid(ref.uid);
            return pod ? simulatedCpuMilli(pod) : undefined;
          },
        }),
      });
    }
  } else {
    docker = new DockerClient({ socketPath: config.dockerSocket });
    // As many connections as the sampler's concurrency: its stats calls wait for dockerd's next collection tick.
    statsDocker = new DockerClient({ socketPath: config.dockerSocket, connections: 16 });
    nodes.push({
      name: config.nodeName,
      runtime: new DockerRuntime({ docker, nodeName: config.nodeName, podInfraImage: config.podInfraImage, statsDocker, ...(config.podSubnet ? { podSubnet: config.podSubnet } : {}), ...(config.podNetwork ? { podNetwork: config.podNetwork } : {}) }),
      ...(config.containerStats === 'cgroupfs' ? { cgroups: new CgroupStats({ root: config.cgroupfsRoot, clock }) } : {}),
    });
  }

  const metrics = new Registry();
  collectDefaultMetrics({ register: metrics, ...DEFAULT_METRICS_OPTIONS });
  let agent: AgentProcess | undefined;
  const app = createLogServer({ findPod: (ns, name) => agent?.findPod(ns, name), readyz: () => agent?.readiness() ?? [{ name: 'informer-sync', ok: false, message: 'starting' }], summary: (node) => agent?.summary(node), metrics, logger });
  const hostIP = advertiseAddress({ listenHost: config.listenHost, nodeIP: config.nodeIP, interfaces: networkInterfaces() });
  // The port is HTTPS, open only to the api-server's client certificate, whenever there is a cluster CA to check it by.
  const clientCa = config.clientCaFile ? readFileSync(config.clientCaFile) : connection.tls?.ca;
  const serving = clientCa
    ? { ...(await servingCertificate({ certFile: config.tlsCertFile, keyFile: config.tlsPrivateKeyFile, certDir: config.certDir, hostname: hostname(), addresses: [hostIP], now: clock.now() })), clientCa }
    : undefined;
  const { server, onUpgrade, secure } = createAgentServer(app, serving);
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
  onUpgrade((req, socket, head) => streams.handleUpgrade(req, socket, head) || portForward.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listenPort, config.listenHost, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  // kubelet's healthz port: plain HTTP for container healthchecks (bash cannot speak TLS), health paths only.
  const healthz = config.healthzPort
    ? createServer((req, res) => {
        const path = (req.url ?? '').split('?')[0];
        if (req.method === 'GET' && (path === '/healthz' || path === '/readyz')) return app(req, res);
        res.statusCode = 404;
        res.end('404 page not found\n');
      })
    : undefined;
  if (healthz) {
    await new Promise<void>((resolve, reject) => {
      healthz.once('error', reject);
      healthz.listen(config.healthzPort, config.healthzHost, resolve);
    });
  }
  agent = new AgentProcess({
    client,
    heartbeatClient,
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
    eventedRelistPeriodMs: config.eventedRelistPeriodMs,
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
  logger.info({ nodes: nodes.length, runtime: config.runtime, listen: `${config.listenHost}:${port}`, https: secure, internalIP: hostIP }, 'node agent starting');

  let stopping = false;
  const shutdown = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    await running.stop(true);
    portForward.close();
    streams.close();
    server.closeAllConnections();
    healthz?.close();
    server.close();
    await client.close();
    await heartbeatClient.close();
    await docker?.close();
    await statsDocker?.close();
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
