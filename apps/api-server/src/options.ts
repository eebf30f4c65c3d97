/**
 * @module The api-server's flags and their environment variables. Only main.ts calls parseOptions.
 */
import {
  DEFAULT_SERVICE_CLUSTER_IP_RANGE,
  DEFAULT_SERVICE_NODE_PORT_RANGE,
  flagUsage,
  ipv4ToNumber,
  parseBool,
  parseDuration,
  parseFlags,
  parseListenAddress,
  parseNodePortRange,
  parseServiceIPRange,
  type FlagSpecs,
  type NodePortRange,
  type ServiceIPRange,
} from '@skiff/api';

export interface Options {
  host: string;
  port: number;
  dataDir: string;
  /** ':memory:'-style in-process store instead of SQLite (tests and benchmarks only). */
  storage: 'sqlite' | 'memory';
  synchronous: 'FULL' | 'NORMAL';
  /** Start on a database that holds less than its revision record vouches for (see SqliteStore.open). */
  acceptStoreRollback: boolean;
  eventTtlSeconds: number;
  compactionIntervalMs: number;
  historyWindowMs: number;
  historyRevisions: number;
  minRequestTimeoutSeconds: number;
  defaultNotReadyTolerationSeconds: number;
  defaultUnreachableTolerationSeconds: number;
  serviceClusterIPRange: ServiceIPRange;
  serviceNodePortRange: NodePortRange;
  /** --advertise-address: where pods reach this server (the `kubernetes` Service's endpoint); "" picks one. */
  advertiseAddress: string;
  logLevel: string;
  /** --kubelet-client-certificate/--kubelet-client-key: "" means <data-dir>/pki/apiserver-kubelet-client.crt|.key. */
  kubeletClientCertificate: string;
  kubeletClientKey: string;
  /** --kubelet-certificate-authority: verify agents' serving certificates against this CA ("" does not verify). */
  kubeletCertificateAuthority: string;
  /** --kubelet-allow-loopback: proxy to agents on loopback and link-local addresses (one-machine clusters). */
  kubeletAllowLoopback: boolean;
}

const FLAGS = {
  listen: { env: 'SKIFF_LISTEN', default: '127.0.0.1:8080' },
  'data-dir': { env: 'SKIFF_DATA_DIR', default: './data' },
  storage: { env: 'SKIFF_STORAGE', default: 'sqlite' },
  'sqlite-synchronous': { env: 'SKIFF_SQLITE_SYNCHRONOUS', default: 'FULL' },
  'accept-store-rollback': { env: 'SKIFF_ACCEPT_STORE_ROLLBACK', default: 'false', boolean: true },
  'event-ttl': { env: 'SKIFF_EVENT_TTL', default: '1h' },
  'compaction-interval': { env: 'SKIFF_COMPACTION_INTERVAL', default: '1m' },
  'history-window': { env: 'SKIFF_HISTORY_WINDOW', default: '5m' },
  'history-revisions': { env: 'SKIFF_HISTORY_REVISIONS', default: '10000' },
  'min-request-timeout': { env: 'SKIFF_MIN_REQUEST_TIMEOUT', default: '1800' },
  'default-not-ready-toleration-seconds': { env: 'SKIFF_DEFAULT_NOT_READY_TOLERATION_SECONDS', default: '300' },
  'default-unreachable-toleration-seconds': { env: 'SKIFF_DEFAULT_UNREACHABLE_TOLERATION_SECONDS', default: '300' },
  'service-cluster-ip-range': { env: 'SKIFF_SERVICE_CLUSTER_IP_RANGE', default: DEFAULT_SERVICE_CLUSTER_IP_RANGE },
  'service-node-port-range': { env: 'SKIFF_SERVICE_NODE_PORT_RANGE', default: DEFAULT_SERVICE_NODE_PORT_RANGE },
  'advertise-address': { env: 'SKIFF_ADVERTISE_ADDRESS', default: '' },
  'log-level': { env: 'SKIFF_LOG_LEVEL', default: 'info' },
  'kubelet-client-certificate': { env: 'SKIFF_KUBELET_CLIENT_CERTIFICATE', default: '' },
  'kubelet-client-key': { env: 'SKIFF_KUBELET_CLIENT_KEY', default: '' },
  'kubelet-certificate-authority': { env: 'SKIFF_KUBELET_CERTIFICATE_AUTHORITY', default: '' },
  'kubelet-allow-loopback': { env: 'SKIFF_KUBELET_ALLOW_LOOPBACK', default: 'false', boolean: true },
} as const satisfies FlagSpecs;

/** USAGE lists every flag with its variable and default, for --help. */
export const USAGE = flagUsage('node apps/api-server/dist/main.js', FLAGS);

/** parseOptions reads flags, then environment variables, then defaults; it throws on bad values. A bare boolean flag means true. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options | 'help' {
  const flags = parseFlags(FLAGS, argv, env);
  if (flags === 'help') return 'help';
  const get = flags.get;
  const { host, port } = parseListenAddress(get('listen'));
  const storage = get('storage');
  if (storage !== 'sqlite' && storage !== 'memory') throw new Error(`--storage must be sqlite or memory, got "${storage}"`);
  const sync = get('sqlite-synchronous').toUpperCase();
  if (sync !== 'FULL' && sync !== 'NORMAL') throw new Error(`--sqlite-synchronous must be FULL or NORMAL, got "${sync}"`);
  const revisions = Number(get('history-revisions'));
  if (!Number.isInteger(revisions) || revisions < 1) throw new Error('--history-revisions must be a positive integer');
  return {
    host,
    port,
    dataDir: get('data-dir'),
    storage,
    synchronous: sync,
    acceptStoreRollback: parseBool('accept-store-rollback', get('accept-store-rollback')),
    eventTtlSeconds: parseDuration(get('event-ttl')) / 1000,
    compactionIntervalMs: parseDuration(get('compaction-interval')),
    historyWindowMs: parseDuration(get('history-window')),
    historyRevisions: revisions,
    minRequestTimeoutSeconds: parseDuration(get('min-request-timeout')) / 1000,
    defaultNotReadyTolerationSeconds: nonNegativeInt(get('default-not-ready-toleration-seconds'), 'default-not-ready-toleration-seconds'),
    defaultUnreachableTolerationSeconds: nonNegativeInt(get('default-unreachable-toleration-seconds'), 'default-unreachable-toleration-seconds'),
    serviceClusterIPRange: parseServiceIPRange(get('service-cluster-ip-range')),
    serviceNodePortRange: parseNodePortRange(get('service-node-port-range')),
    advertiseAddress: parseAdvertiseAddress(get('advertise-address')),
    logLevel: get('log-level'),
    kubeletClientCertificate: get('kubelet-client-certificate'),
    kubeletClientKey: get('kubelet-client-key'),
    kubeletCertificateAuthority: get('kubelet-certificate-authority'),
    kubeletAllowLoopback: parseBool('kubelet-allow-loopback', get('kubelet-allow-loopback')),
  };
}

function parseAdvertiseAddress(text: string): string {
  if (text && ipv4ToNumber(text) === undefined) throw new Error(`--advertise-address must be an IPv4 address, got "${text}"`);
  return text;
}

function nonNegativeInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${flag} must be a non-negative integer, got "${text}"`);
  return n;
}
