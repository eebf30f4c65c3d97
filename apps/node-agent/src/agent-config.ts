/**
 * @module parseAgentConfig: the node agent's flags and environment variables (main.ts passes them in).
 */
import { flagUsage, ipv4ToNumber, parseBool, parseDuration, parseFlags, parseListenAddress, type FlagSpecs, type Taint, type TaintEffect } from '@skiff/api';
import { podNetworkPlan } from './runtime/docker/pod-network.js';

/** AgentConfig is every setting of the node agent, with defaults applied. */
export interface AgentConfig {
  server: string;
  nodeName: string;
  runtime: 'docker' | 'simulated';
  dockerSocket: string;
  capacity: Record<string, string>;
  nodeLabels: Record<string, string>;
  taints: Taint[];
  leaseDurationSeconds: number;
  statusUpdateMs: number;
  /** --housekeeping-interval: time between two samples of the containers' CPU and memory. */
  housekeepingIntervalMs: number;
  /**
   * --evented-pleg-relist-period: how often the PLEG relists Docker while the engine's event stream is open and
   * reports nothing (kubelet's evented PLEG fixes it at 5 minutes; tests that wait for "relisted and found nothing
   * new" shorten it).
   */
  eventedRelistPeriodMs: number;
  /** --container-stats: where CPU and memory are read, cgroupfs (the cgroup files, falling back to the runtime) or runtime. */
  containerStats: 'cgroupfs' | 'runtime';
  /** --cgroupfs-root: mount point of the host's cgroup filesystem, for --container-stats=cgroupfs. */
  cgroupfsRoot: string;
  podNetwork: string | undefined;
  /** --pod-subnet: the subnet a missing pod network is created with (docs/services.md); undefined: the default plan. */
  podSubnet: string | undefined;
  podInfraImage: string;
  listenHost: string;
  listenPort: number;
  /** --healthz-bind-address / --healthz-port: plain-HTTP /healthz and /readyz only (kubelet's 10248); port 0 is off. */
  healthzHost: string;
  healthzPort: number;
  nodeIP: string | undefined;
  allowPrivileged: boolean;
  /** --cluster-dns: the DNS servers ClusterFirst pods use; empty leaves pods on Docker's resolver. */
  clusterDNS: string[];
  clusterDomain: string;
  rootDir: string;
  tmpfsDir: string;
  simulatedNodes: number;
  simulatedStartDelayMs: number;
  simulatedExit: { afterMs: number; exitCode: number } | undefined;
  logLevel: string;
  /** --kubeconfig: the agent's identity; written by TLS bootstrap when --bootstrap-kubeconfig is given. */
  kubeconfig: string;
  /** --bootstrap-kubeconfig: the cluster CA and a bootstrap token to get a client certificate with. */
  bootstrapKubeconfig: string;
  /** --cert-dir: the client key and certificate, and the self-signed serving pair. */
  certDir: string;
  /** --client-ca-file: the CA of client certificates the HTTPS port accepts ("" = the kubeconfig's CA). */
  clientCaFile: string;
  tlsCertFile: string;
  tlsPrivateKeyFile: string;
}

/** FLAGS lists each flag with its environment variable (the flag wins) and its default, for parsing and --help. */
export const FLAGS = {
  server: { env: 'SKIFF_SERVER', default: 'http://127.0.0.1:8080', help: 'api-server URL' },
  'node-name': { env: 'SKIFF_NODE_NAME', default: '$HOSTNAME', help: 'name of the Node to register' },
  runtime: { env: 'SKIFF_RUNTIME', default: 'docker', help: 'docker or simulated' },
  'docker-socket': { env: 'SKIFF_DOCKER_SOCKET', default: '/var/run/docker.sock', help: '' },
  capacity: { env: 'SKIFF_CAPACITY', default: '', help: 'cpu=4,memory=8Gi,pods=110; missing entries come from the runtime' },
  'node-labels': { env: 'SKIFF_NODE_LABELS', default: '', help: 'key=value,...' },
  'register-with-taints': { env: 'SKIFF_REGISTER_WITH_TAINTS', default: '', help: 'key=value:Effect,...' },
  'node-lease-duration-seconds': { env: 'SKIFF_NODE_LEASE_DURATION_SECONDS', default: '40', help: 'the Lease is renewed every quarter of it' },
  'node-status-update-frequency': { env: 'SKIFF_NODE_STATUS_UPDATE_FREQUENCY', default: '10s', help: '' },
  'housekeeping-interval': { env: 'SKIFF_HOUSEKEEPING_INTERVAL', default: '10s', help: 'time between samples of container CPU and memory (kubectl top)' },
  'evented-pleg-relist-period': { env: 'SKIFF_EVENTED_PLEG_RELIST_PERIOD', default: '5m', help: "on Docker the agent relists on the engine's container events, and every this long otherwise" },
  'container-stats': { env: 'SKIFF_CONTAINER_STATS', default: 'cgroupfs', help: "cgroupfs reads containers' CPU and memory from their cgroup files as cAdvisor does (the runtime's stats API for those it cannot see); runtime always asks Docker" },
  'cgroupfs-root': { env: 'SKIFF_CGROUPFS_ROOT', default: '/sys/fs/cgroup', help: "where the host's cgroup filesystem is mounted (an agent in a container: mount it read-only and point here)" },
  'pod-network': { env: 'SKIFF_POD_NETWORK', default: 'skiff-local', help: "Docker network of the pods, created if missing; \"\" for Docker's default bridge" },
  'pod-subnet': { env: 'SKIFF_POD_SUBNET', default: '', help: "subnet a missing --pod-network is created with: pods from its lower half, Services (the api-server's --service-cluster-ip-range) from its upper half; \"\" is 10.244.0.0/16, or Docker's choice if that overlaps another network" },
  'pod-infra-container-image': { env: 'SKIFF_POD_INFRA_CONTAINER_IMAGE', default: 'registry.k8s.io/pause:3.10', help: '' },
  listen: { env: 'SKIFF_LISTEN', default: '0.0.0.0:10250', help: 'logs, /healthz, /readyz, /metrics' },
  'healthz-bind-address': { env: 'SKIFF_HEALTHZ_BIND_ADDRESS', default: '127.0.0.1' },
  'healthz-port': { env: 'SKIFF_HEALTHZ_PORT', default: '0', help: "plain-HTTP /healthz and /readyz for container healthchecks (kubelet's is 10248); 0 is off, since agents often share a host" },
  'node-ip': { env: 'SKIFF_NODE_IP', default: '', help: 'InternalIP to advertise; default the --listen address, or the first non-loopback IPv4 for 0.0.0.0' },
  'allow-privileged': { env: 'SKIFF_ALLOW_PRIVILEGED', default: 'false', help: '', boolean: true },
  'cluster-dns': { env: 'SKIFF_CLUSTER_DNS', default: '', help: "comma-separated DNS server IPs of ClusterFirst pods (the kube-dns Service's ClusterIP)" },
  'cluster-domain': { env: 'SKIFF_CLUSTER_DOMAIN', default: 'cluster.local', help: 'DNS domain of the cluster; pods search <ns>.svc.DOMAIN, svc.DOMAIN, DOMAIN' },
  'root-dir': { env: 'SKIFF_ROOT_DIR', default: '/var/lib/skiff-agent', help: 'configMap and downwardAPI volume files; the same path for the agent and Docker' },
  'tmpfs-dir': { env: 'SKIFF_TMPFS_DIR', default: '/dev/shm/skiff-agent', help: 'secret and projected volume files, on a tmpfs; the same path for the agent and Docker' },
  'simulated-nodes': { env: 'SKIFF_SIMULATED_NODES', default: '0', help: 'run N simulated nodes NAME-0..NAME-N-1' },
  'simulated-start-delay': { env: 'SKIFF_SIMULATED_START_DELAY', default: '1s', help: '' },
  'simulated-exit': { env: 'SKIFF_SIMULATED_EXIT', default: '', help: 'after=10s,code=0: simulated containers exit' },
  'log-level': { env: 'SKIFF_LOG_LEVEL', default: 'info', help: '' },
  kubeconfig: { env: 'SKIFF_KUBECONFIG', default: '', help: 'kubeconfig of the agent (written by TLS bootstrap); "" talks to --server unauthenticated' },
  'bootstrap-kubeconfig': { env: 'SKIFF_BOOTSTRAP_KUBECONFIG', default: '', help: 'kubeconfig with the cluster CA and a bootstrap token, used to get a client certificate' },
  'cert-dir': { env: 'SKIFF_CERT_DIR', default: '', help: 'client and serving certificates; default <root-dir>/pki' },
  'client-ca-file': { env: 'SKIFF_CLIENT_CA_FILE', default: '', help: "CA of the api-server's client certificate; default the kubeconfig's CA. Without either the port is plain HTTP" },
  'tls-cert-file': { env: 'SKIFF_TLS_CERT_FILE', default: '', help: 'serving certificate; default self-signed in --cert-dir' },
  'tls-private-key-file': { env: 'SKIFF_TLS_PRIVATE_KEY_FILE', default: '', help: '' },
} as const satisfies FlagSpecs;

/** USAGE lists every flag with its environment variable and default, for --help. */
export const USAGE = flagUsage('node apps/node-agent/dist/main.js', FLAGS);

function pairs(text: string, sep = '='): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const i = part.indexOf(sep);
    if (i <= 0) throw new Error(`expected key${sep}value, got "${part}"`);
    out[part.slice(0, i)] = part.slice(i + 1);
  }
  return out;
}

/** parseTaints reads `key=value:Effect,key:Effect`. */
export function parseTaints(text: string): Taint[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((t) => {
      const m = /^([^=:]+)(?:=([^:]*))?:(NoSchedule|PreferNoSchedule|NoExecute)$/.exec(t);
      if (!m) throw new Error(`invalid taint "${t}": use key=value:Effect`);
      return { key: m[1]!, ...(m[2] ? { value: m[2] } : {}), effect: m[3] as TaintEffect };
    });
}

/** parseClusterDNS reads --cluster-dns: IPv4 addresses only, since Docker takes nameservers by address. */
export function parseClusterDNS(text: string): string[] {
  const servers = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of servers) if (ipv4ToNumber(s) === undefined) throw new Error(`--cluster-dns: "${s}" is not an IPv4 address`);
  return servers;
}

/** parseClusterDomain reads --cluster-domain: a DNS-1123 subdomain, such as cluster.local. */
export function parseClusterDomain(text: string): string {
  const domain = text.trim().replace(/\.$/, '');
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(domain)) throw new Error(`--cluster-domain: "${text}" is not a DNS domain`);
  return domain;
}

/**
 * parseAgentConfig reads `--flag value` / `--flag=value` arguments, falling back to environment variables; it
 * returns 'help' for --help / -h.
 */
export function parseAgentConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): AgentConfig | 'help' {
  const flags = parseFlags(FLAGS, argv, env);
  if (flags === 'help') return 'help';
  const get = (name: keyof typeof FLAGS): string | undefined => (flags.isSet(name) ? flags.get(name) : undefined);
  // Defaults come from FLAGS, so --help cannot drift from what is parsed.
  const value = flags.get;
  const nodeName = get('node-name') ?? env['HOSTNAME'] ?? '';
  if (!nodeName) throw new Error('--node-name is required');
  const runtime = value('runtime');
  if (runtime !== 'docker' && runtime !== 'simulated') throw new Error(`--runtime must be docker or simulated, not ${runtime}`);
  const { host: listenHost, port: listenPort } = parseListenAddress(value('listen'));
  const healthz = parseListenAddress(`${value('healthz-bind-address')}:${value('healthz-port')}`);
  const containerStats = value('container-stats');
  if (containerStats !== 'cgroupfs' && containerStats !== 'runtime') throw new Error(`--container-stats must be cgroupfs or runtime, not ${containerStats}`);
  const exit = get('simulated-exit');
  let simulatedExit: AgentConfig['simulatedExit'];
  if (exit) {
    const kv = pairs(exit);
    simulatedExit = { afterMs: parseDuration(kv['after'] ?? '10s'), exitCode: Number(kv['code'] ?? 0) };
  }
  return {
    server: value('server'),
    nodeName,
    runtime,
    dockerSocket: value('docker-socket'),
    capacity: pairs(value('capacity')),
    nodeLabels: pairs(value('node-labels')),
    taints: parseTaints(value('register-with-taints')),
    leaseDurationSeconds: Number(value('node-lease-duration-seconds')),
    statusUpdateMs: parseDuration(value('node-status-update-frequency')),
    housekeepingIntervalMs: parseDuration(value('housekeeping-interval')),
    eventedRelistPeriodMs: parseDuration(value('evented-pleg-relist-period')),
    containerStats,
    cgroupfsRoot: value('cgroupfs-root'),
    // npm start's network by default, so an agent started beside it reaches its pods; "" is Docker's bridge.
    podNetwork: value('pod-network') || undefined,
    podSubnet: value('pod-subnet') ? podNetworkPlan(value('pod-subnet')).subnet : undefined,
    podInfraImage: value('pod-infra-container-image'),
    listenHost,
    listenPort,
    healthzHost: healthz.host,
    healthzPort: healthz.port,
    nodeIP: get('node-ip') || undefined,
    allowPrivileged: parseBool('allow-privileged', value('allow-privileged')),
    clusterDNS: parseClusterDNS(value('cluster-dns')),
    clusterDomain: parseClusterDomain(value('cluster-domain')),
    rootDir: value('root-dir'),
    tmpfsDir: value('tmpfs-dir'),
    simulatedNodes: Number(value('simulated-nodes')),
    simulatedStartDelayMs: parseDuration(value('simulated-start-delay')),
    simulatedExit,
    logLevel: value('log-level'),
    kubeconfig: value('kubeconfig'),
    bootstrapKubeconfig: value('bootstrap-kubeconfig'),
    certDir: value('cert-dir') || `${value('root-dir')}/pki`,
    clientCaFile: value('client-ca-file'),
    tlsCertFile: value('tls-cert-file'),
    tlsPrivateKeyFile: value('tls-private-key-file'),
  };
}
