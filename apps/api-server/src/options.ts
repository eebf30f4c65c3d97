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
import { DEFAULT_SERVICE_ACCOUNT_ISSUER } from './auth/service-account-tokens.js';
import { AUTHORIZATION_MODES, parseAuthorizationModes, type AuthorizationMode } from './auth/authorization-modes.js';

export interface Options {
  /**
   * The insecure port (--listen): unauthenticated, every request system:masters, so loopback only and off unless
   * asked for. Undefined when off.
   */
  insecure?: { host: string; port: number };
  /** --bind-address and --secure-port: HTTPS with authentication and authorization. Port 0 takes a free port. */
  bindAddress: string;
  securePort: number;
  /** --tls-cert-file and --tls-private-key-file: the serving certificate; "" makes one from the cluster CA. */
  tlsCertFile: string;
  tlsPrivateKeyFile: string;
  /** --tls-sans: more names and addresses for the generated serving certificate (the Compose service name). */
  tlsSans: string[];
  /** --kubeconfig-server: the server URL in the kubeconfigs this api-server writes; "" is https://127.0.0.1:PORT. */
  kubeconfigServer: string;
  /** --client-ca-file: the CA client certificates must chain to; "" is the cluster CA (pki/ca.crt). */
  clientCAFile: string;
  /** --token-auth-file: static bearer tokens (kube's CSV format); "" for none. */
  tokenAuthFile: string;
  anonymousAuth: boolean;
  /** --authorization-mode, in order (Node, RBAC, AlwaysAllow, AlwaysDeny). */
  authorizationModes: AuthorizationMode[];
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
  /** --admission-control-config-file: kube's AdmissionConfiguration (PodSecurity defaults and exemptions); "" for the defaults. */
  admissionControlConfigFile: string;
  /** --service-account-signing-key-file: signs ServiceAccount tokens; "" means <data-dir>/pki/sa.key, made if absent. */
  serviceAccountSigningKeyFile: string;
  /** --service-account-key-file: more keys tokens may be verified with (the signing key's own always verifies). */
  serviceAccountKeyFiles: string[];
  /** --service-account-issuer: the first names new tokens; all are accepted. */
  serviceAccountIssuers: string[];
  /** --api-audiences: audiences a token must name to authenticate here; [] means the issuers. */
  apiAudiences: string[];
  /** --audit-log-path: JSON lines of audit events; "" is off. */
  auditLogPath: string;
  logLevel: string;
  /** --kubelet-client-certificate/--kubelet-client-key: "" means <data-dir>/pki/apiserver-kubelet-client.crt|.key. */
  kubeletClientCertificate: string;
  kubeletClientKey: string;
  /** --kubelet-certificate-authority: verify agents' serving certificates against this CA ("" does not verify). */
  kubeletCertificateAuthority: string;
  /** --kubelet-allow-loopback: proxy to agents on loopback and link-local addresses (one-machine clusters). */
  kubeletAllowLoopback: boolean;
  /** --kubelet-https: dial node agents over HTTPS with the kubelet client certificate; false for plain-HTTP agents. */
  kubeletHttps: boolean;
}

const FLAGS = {
  listen: { env: 'SKIFF_LISTEN', default: '', help: 'insecure port HOST:PORT, loopback only, off by default' },
  'bind-address': { env: 'SKIFF_BIND_ADDRESS', default: '0.0.0.0' },
  'secure-port': { env: 'SKIFF_SECURE_PORT', default: '6443', help: '0 takes a free port' },
  'tls-cert-file': { env: 'SKIFF_TLS_CERT_FILE', default: '', help: 'default DATA_DIR/pki/apiserver.crt, made on first start' },
  'tls-private-key-file': { env: 'SKIFF_TLS_PRIVATE_KEY_FILE', default: '' },
  'tls-sans': { env: 'SKIFF_TLS_SANS', default: '', help: 'comma-separated extra names and IPs of the made serving certificate' },
  'kubeconfig-server': { env: 'SKIFF_KUBECONFIG_SERVER', default: '', help: 'server URL in the written kubeconfigs, default https://127.0.0.1:SECURE_PORT' },
  'client-ca-file': { env: 'SKIFF_CLIENT_CA_FILE', default: '', help: 'default DATA_DIR/pki/ca.crt' },
  'token-auth-file': { env: 'SKIFF_TOKEN_AUTH_FILE', default: '' },
  'anonymous-auth': { env: 'SKIFF_ANONYMOUS_AUTH', default: 'true', boolean: true },
  'authorization-mode': { env: 'SKIFF_AUTHORIZATION_MODE', default: 'Node,RBAC', help: `comma-separated, of ${AUTHORIZATION_MODES.join(', ')}; system:masters is always allowed first` },
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
  'admission-control-config-file': { env: 'SKIFF_ADMISSION_CONTROL_CONFIG_FILE', default: '' },
  'service-account-signing-key-file': { env: 'SKIFF_SERVICE_ACCOUNT_SIGNING_KEY_FILE', default: '', help: 'PEM private key that signs ServiceAccount tokens; default <data-dir>/pki/sa.key, created on first start' },
  'service-account-key-file': { env: 'SKIFF_SERVICE_ACCOUNT_KEY_FILE', default: '', help: 'comma-separated PEM files of further keys that verify ServiceAccount tokens' },
  'service-account-issuer': { env: 'SKIFF_SERVICE_ACCOUNT_ISSUER', default: DEFAULT_SERVICE_ACCOUNT_ISSUER, help: 'comma-separated; the first is the iss of new tokens' },
  'api-audiences': { env: 'SKIFF_API_AUDIENCES', default: '', help: 'comma-separated; default: the issuers' },
  'audit-log-path': { env: 'SKIFF_AUDIT_LOG_PATH', default: '', help: 'append audit events (audit.k8s.io/v1, level Metadata) as JSON lines' },
  'log-level': { env: 'SKIFF_LOG_LEVEL', default: 'info' },
  'kubelet-client-certificate': { env: 'SKIFF_KUBELET_CLIENT_CERTIFICATE', default: '' },
  'kubelet-client-key': { env: 'SKIFF_KUBELET_CLIENT_KEY', default: '' },
  'kubelet-certificate-authority': { env: 'SKIFF_KUBELET_CERTIFICATE_AUTHORITY', default: '' },
  'kubelet-allow-loopback': { env: 'SKIFF_KUBELET_ALLOW_LOOPBACK', default: 'false', boolean: true },
  'kubelet-https': { env: 'SKIFF_KUBELET_HTTPS', default: 'true', boolean: true, help: 'false dials node agents over plain HTTP (agents without a cluster CA: tests on the insecure port)' },
} as const satisfies FlagSpecs;

/** USAGE lists every flag with its variable and default, for --help. */
export const USAGE = flagUsage('node apps/api-server/dist/main.js', FLAGS);

/** parseOptions reads flags, then environment variables, then defaults; it throws on bad values. A bare boolean flag means true. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options | 'help' {
  const flags = parseFlags(FLAGS, argv, env);
  if (flags === 'help') return 'help';
  const get = flags.get;
  const listen = get('listen');
  const insecure = listen ? parseListenAddress(listen) : undefined;
  if (insecure && !isLoopback(insecure.host)) {
    throw new Error(
      `--listen ${listen}: the insecure port serves every request as system:masters without authentication, so it listens only on a loopback address (127.0.0.1, ::1, localhost); serve other addresses with --bind-address and --secure-port`,
    );
  }
  const tlsCertFile = get('tls-cert-file');
  const tlsPrivateKeyFile = get('tls-private-key-file');
  if (!tlsCertFile !== !tlsPrivateKeyFile) throw new Error('--tls-cert-file and --tls-private-key-file go together: give both or neither');
  const storage = get('storage');
  if (storage !== 'sqlite' && storage !== 'memory') throw new Error(`--storage must be sqlite or memory, got "${storage}"`);
  const sync = get('sqlite-synchronous').toUpperCase();
  if (sync !== 'FULL' && sync !== 'NORMAL') throw new Error(`--sqlite-synchronous must be FULL or NORMAL, got "${sync}"`);
  const revisions = Number(get('history-revisions'));
  if (!Number.isInteger(revisions) || revisions < 1) throw new Error('--history-revisions must be a positive integer');
  return {
    ...(insecure ? { insecure } : {}),
    bindAddress: get('bind-address'),
    securePort: port(get('secure-port'), 'secure-port'),
    tlsCertFile,
    tlsPrivateKeyFile,
    tlsSans: list(get('tls-sans')),
    kubeconfigServer: kubeconfigServer(get('kubeconfig-server')),
    clientCAFile: get('client-ca-file'),
    tokenAuthFile: get('token-auth-file'),
    anonymousAuth: parseBool('anonymous-auth', get('anonymous-auth')),
    authorizationModes: parseAuthorizationModes(get('authorization-mode')),
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
    admissionControlConfigFile: get('admission-control-config-file'),
    serviceAccountSigningKeyFile: get('service-account-signing-key-file'),
    serviceAccountKeyFiles: commaList(get('service-account-key-file')),
    serviceAccountIssuers: requireList(commaList(get('service-account-issuer')), 'service-account-issuer'),
    apiAudiences: commaList(get('api-audiences')),
    auditLogPath: get('audit-log-path'),
    logLevel: get('log-level'),
    kubeletClientCertificate: get('kubelet-client-certificate'),
    kubeletClientKey: get('kubelet-client-key'),
    kubeletCertificateAuthority: get('kubelet-certificate-authority'),
    kubeletAllowLoopback: parseBool('kubelet-allow-loopback', get('kubelet-allow-loopback')),
    kubeletHttps: parseBool('kubelet-https', get('kubelet-https')),
  };
}

const list = (text: string): string[] => text.split(',').map((s) => s.trim()).filter(Boolean);

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function port(text: string, flag: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw new Error(`--${flag} must be a port number 0-65535, got "${text}"`);
  return n;
}

function kubeconfigServer(text: string): string {
  if (!text) return '';
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`--kubeconfig-server must be an https:// URL, got "${text}"`);
  }
  if (url.protocol !== 'https:' || url.pathname !== '/' || url.search) throw new Error(`--kubeconfig-server must be an https:// URL without a path, got "${text}"`);
  return url.origin;
}

function parseAdvertiseAddress(text: string): string {
  if (text && ipv4ToNumber(text) === undefined) throw new Error(`--advertise-address must be an IPv4 address, got "${text}"`);
  return text;
}

const commaList = (text: string): string[] => text.split(',').map((s) => s.trim()).filter(Boolean);

function requireList(list: string[], flag: string): string[] {
  if (list.length === 0) throw new Error(`--${flag} must not be empty`);
  return list;
}

function nonNegativeInt(text: string, flag: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${flag} must be a non-negative integer, got "${text}"`);
  return n;
}
