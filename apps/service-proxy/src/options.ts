/**
 * @module The service proxy's flags and environment variables. Only main.ts calls parseOptions.
 */
import { flagUsage, parseDuration, parseFlags, parseListenAddress, type FlagSpecs } from '@skiff/api';
import { parseUdpRelays, type UdpRelayRoute } from './proxy/udp-relay.js';

export interface Options {
  server: string;
  /** --kubeconfig: where and as whom to reach the api-server; "" uses --server. */
  kubeconfig: string;
  clusterDomain: string;
  dns: { host: string; port: number };
  upstreamDNS: { host: string; port: number };
  clusterIPsFile: string;
  udpTimeoutMs: number;
  /** --udp-relay: NodePort relay mode, each node port's datagrams to a ClusterIP:port; empty runs the proxy. */
  udpRelays: UdpRelayRoute[];
  logLevel: string;
}

const FLAGS = {
  server: { env: 'SKIFF_SERVER', default: 'http://127.0.0.1:8080', help: 'api-server URL (not a ClusterIP: this process implements them)' },
  kubeconfig: { env: 'SKIFF_KUBECONFIG', default: '', help: 'kubeconfig file (server, CA, client certificate); when set, --server is not used' },
  'cluster-domain': { env: 'SKIFF_CLUSTER_DOMAIN', default: 'cluster.local', help: 'DNS domain served: <svc>.<ns>.svc.DOMAIN' },
  'dns-listen': { env: 'SKIFF_DNS_LISTEN', default: '0.0.0.0:53', help: 'address of the cluster DNS (UDP, and TCP on the same port)' },
  'upstream-dns': { env: 'SKIFF_UPSTREAM_DNS', default: '127.0.0.11:53', help: "where other names go (Docker's embedded resolver)" },
  'cluster-ips-file': { env: 'SKIFF_CLUSTER_IPS_FILE', default: '', help: 'write the ClusterIPs to hold here, one a line, for the NET_ADMIN sidecar' },
  'udp-timeout': { env: 'SKIFF_UDP_TIMEOUT', default: '30s', help: "how long an idle UDP flow to a Service's endpoint is kept (kube-proxy's flag)" },
  'udp-relay': { env: 'SKIFF_UDP_RELAY', default: '', help: 'NODEPORT=CLUSTERIP:PORT,...: run only as the UDP side of a NodePort relay pod' },
  'log-level': { env: 'SKIFF_LOG_LEVEL', default: 'info', help: '' },
} as const satisfies FlagSpecs;

export const USAGE = flagUsage('node apps/service-proxy/dist/main.js', FLAGS);

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options | 'help' {
  const flags = parseFlags(FLAGS, argv, env);
  if (flags === 'help') return 'help';
  const get = flags.get;
  return {
    server: get('server'),
    kubeconfig: get('kubeconfig'),
    clusterDomain: get('cluster-domain').replace(/\.$/, ''),
    dns: parseListenAddress(get('dns-listen')),
    upstreamDNS: parseListenAddress(get('upstream-dns')),
    clusterIPsFile: get('cluster-ips-file'),
    udpTimeoutMs: udpTimeout(get('udp-timeout')),
    udpRelays: parseUdpRelays(get('udp-relay')),
    logLevel: get('log-level'),
  };
}

/** udpTimeout reads --udp-timeout; like kube-proxy's, it must be greater than 0. */
function udpTimeout(text: string): number {
  const ms = parseDuration(text);
  if (ms <= 0) throw new Error(`--udp-timeout: must be greater than 0, got "${text}"`);
  return ms;
}
