import { flagUsage, parseBool, parseDuration, parseFlags, parseListenAddress, type FlagSpec } from '@skiff/api';

/** CONTROLLER_NAMES are the controllers `--controllers` can name, with kube-controller-manager's aliases. */
export const CONTROLLER_NAMES = ['replicaset', 'deployment', 'nodelifecycle', 'garbagecollector', 'namespace', 'podgc', 'serviceaccount', 'job', 'cronjob', 'endpoint', 'serviceproxy', 'root-ca-cert-publisher', 'tokencleaner', 'clusterrole-aggregation', 'disruption', 'daemonset', 'statefulset', 'csrapproving', 'csrsigning', 'persistentvolume-binder', 'pvc-protection', 'pv-protection', 'horizontalpodautoscaling'] as const;
export type ControllerName = (typeof CONTROLLER_NAMES)[number];

const ALIASES: Record<string, ControllerName> = {
  'replicaset-controller': 'replicaset',
  'deployment-controller': 'deployment',
  'node-lifecycle-controller': 'nodelifecycle',
  'taint-eviction-controller': 'nodelifecycle',
  'garbage-collector-controller': 'garbagecollector',
  'namespace-controller': 'namespace',
  'pod-garbage-collector-controller': 'podgc',
  // One controller writes both Endpoints and EndpointSlices here; kube runs them as two.
  'endpoints-controller': 'endpoint',
  'endpointslice-controller': 'endpoint',
  endpointslice: 'endpoint',
  'serviceaccount-controller': 'serviceaccount',
  'job-controller': 'job',
  'ttl-after-finished-controller': 'job',
  'cronjob-controller': 'cronjob',
  'root-ca-certificate-publisher-controller': 'root-ca-cert-publisher',
  'token-cleaner-controller': 'tokencleaner',
  'clusterrole-aggregation-controller': 'clusterrole-aggregation',
  'disruption-controller': 'disruption',
  'daemonset-controller': 'daemonset',
  'statefulset-controller': 'statefulset',
  'certificatesigningrequest-approving-controller': 'csrapproving',
  'certificatesigningrequest-signing-controller': 'csrsigning',
  'persistentvolume-binder-controller': 'persistentvolume-binder',
  'persistentvolumeclaim-protection-controller': 'pvc-protection',
  'persistentvolume-protection-controller': 'pv-protection',
  'horizontal-pod-autoscaler-controller': 'horizontalpodautoscaling',
};

/** Options are the controller-manager's settings, named after kube-controller-manager's flags. */
export interface Options {
  server: string;
  /** --kubeconfig: where and as whom to reach the api-server; "" uses --server (the insecure port). */
  kubeconfig: string;
  listen: string;
  leaderElect: boolean;
  leaderElectLeaseDurationMs: number;
  leaderElectRenewDeadlineMs: number;
  leaderElectRetryPeriodMs: number;
  leaderElectResourceNamespace: string;
  leaderElectResourceName: string;
  nodeMonitorPeriodMs: number;
  nodeMonitorGracePeriodMs: number;
  nodeStartupGracePeriodMs: number;
  nodeEvictionRate: number;
  unhealthyZoneThreshold: number;
  concurrentReplicaSetSyncs: number;
  concurrentDeploymentSyncs: number;
  concurrentGcSyncs: number;
  concurrentNamespaceSyncs: number;
  concurrentJobSyncs: number;
  concurrentCronJobSyncs: number;
  concurrentDaemonSetSyncs: number;
  concurrentStatefulSetSyncs: number;
  terminatedPodGcThreshold: number;
  podGcPeriodMs: number;
  /** --horizontal-pod-autoscaler-sync-period: how often each HPA is reconciled. */
  horizontalPodAutoscalerSyncPeriodMs: number;
  /** --horizontal-pod-autoscaler-downscale-stabilization: the scale-down window of HPAs whose behavior sets none. */
  horizontalPodAutoscalerDownscaleStabilizationMs: number;
  /** --horizontal-pod-autoscaler-tolerance: the usage-to-target ratio distance from 1 that changes nothing. */
  horizontalPodAutoscalerTolerance: number;
  /** --horizontal-pod-autoscaler-cpu-initialization-period: how long after a pod starts its CPU needs a ready window. */
  horizontalPodAutoscalerCpuInitializationPeriodMs: number;
  /** --horizontal-pod-autoscaler-initial-readiness-delay: how long after start a readiness flip counts as never ready. */
  horizontalPodAutoscalerInitialReadinessDelayMs: number;
  controllers: ControllerName[];
  /** The service data path (docs/services.md); the serviceproxy controller deploys it only when an image is set. */
  serviceClusterIpRange: string;
  serviceProxyImage: string;
  serviceProxyServer: string;
  serviceProxyHostPath: string;
  /** --root-ca-file: the CA bundle the root-ca-cert-publisher puts in every namespace's kube-root-ca.crt. */
  rootCaFile: string;
  logLevel: string;
  /** --cluster-signing-cert-file and --cluster-signing-key-file: the CA csrsigning signs client CSRs with. */
  clusterSigningCertFile: string;
  clusterSigningKeyFile: string;
  /** --cluster-signing-duration: the longest a signed certificate lasts. */
  clusterSigningDurationMs: number;
}

/** DEFAULT_OPTIONS are kube-controller-manager's defaults where it has the flag. */
export const DEFAULT_OPTIONS: Options = {
  server: 'http://127.0.0.1:8080',
  kubeconfig: '',
  listen: '127.0.0.1:10257',
  leaderElect: true,
  leaderElectLeaseDurationMs: 15_000,
  leaderElectRenewDeadlineMs: 10_000,
  leaderElectRetryPeriodMs: 2_000,
  leaderElectResourceNamespace: 'kube-system',
  leaderElectResourceName: 'kube-controller-manager',
  nodeMonitorPeriodMs: 5_000,
  nodeMonitorGracePeriodMs: 40_000,
  nodeStartupGracePeriodMs: 60_000,
  nodeEvictionRate: 0.1,
  unhealthyZoneThreshold: 0.55,
  concurrentReplicaSetSyncs: 5,
  concurrentDeploymentSyncs: 5,
  concurrentGcSyncs: 20,
  concurrentNamespaceSyncs: 10,
  concurrentJobSyncs: 5,
  concurrentCronJobSyncs: 5,
  concurrentDaemonSetSyncs: 2,
  concurrentStatefulSetSyncs: 5,
  terminatedPodGcThreshold: 12_500,
  podGcPeriodMs: 20_000,
  horizontalPodAutoscalerSyncPeriodMs: 15_000,
  horizontalPodAutoscalerDownscaleStabilizationMs: 300_000,
  horizontalPodAutoscalerTolerance: 0.1,
  horizontalPodAutoscalerCpuInitializationPeriodMs: 300_000,
  horizontalPodAutoscalerInitialReadinessDelayMs: 30_000,
  controllers: [...CONTROLLER_NAMES],
  serviceClusterIpRange: '10.244.128.0/17',
  serviceProxyImage: '',
  serviceProxyServer: '',
  serviceProxyHostPath: '',
  rootCaFile: '',
  logLevel: 'info',
  clusterSigningCertFile: '',
  clusterSigningKeyFile: '',
  clusterSigningDurationMs: 365 * 24 * 3600_000,
};

type Parser = (opts: Options, value: string) => void;

const int = (k: keyof Options): Parser => (o, v) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${flagName(k)} wants a non-negative integer, got ${JSON.stringify(v)}`);
  (o as unknown as Record<string, unknown>)[k] = n;
};
const num = (k: keyof Options): Parser => (o, v) => {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${flagName(k)} wants a non-negative number, got ${JSON.stringify(v)}`);
  (o as unknown as Record<string, unknown>)[k] = n;
};
const dur = (k: keyof Options): Parser => (o, v) => void ((o as unknown as Record<string, unknown>)[k] = parseDuration(v));
const str = (k: keyof Options): Parser => (o, v) => void ((o as unknown as Record<string, unknown>)[k] = v);
const bool = (k: keyof Options): Parser => (o, v) => void ((o as unknown as Record<string, unknown>)[k] = parseBool(flagName(k), v));
/** listen is checked here, so a bad --listen stops the process with usage instead of failing to bind. */
const listen: Parser = (o, v) => {
  parseListenAddress(v);
  o.listen = v;
};

function flagName(k: string): string {
  return k.replace(/Ms$/, '').replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

const FLAGS: Record<string, Parser> = {
  server: str('server'),
  master: str('server'),
  kubeconfig: str('kubeconfig'),
  listen,
  'leader-elect': bool('leaderElect'),
  'leader-elect-lease-duration': dur('leaderElectLeaseDurationMs'),
  'leader-elect-renew-deadline': dur('leaderElectRenewDeadlineMs'),
  'leader-elect-retry-period': dur('leaderElectRetryPeriodMs'),
  'leader-elect-resource-namespace': str('leaderElectResourceNamespace'),
  'leader-elect-resource-name': str('leaderElectResourceName'),
  'node-monitor-period': dur('nodeMonitorPeriodMs'),
  'node-monitor-grace-period': dur('nodeMonitorGracePeriodMs'),
  'node-startup-grace-period': dur('nodeStartupGracePeriodMs'),
  'node-eviction-rate': num('nodeEvictionRate'),
  'unhealthy-zone-threshold': num('unhealthyZoneThreshold'),
  'concurrent-replicaset-syncs': int('concurrentReplicaSetSyncs'),
  'concurrent-deployment-syncs': int('concurrentDeploymentSyncs'),
  'concurrent-gc-syncs': int('concurrentGcSyncs'),
  'concurrent-namespace-syncs': int('concurrentNamespaceSyncs'),
  'concurrent-job-syncs': int('concurrentJobSyncs'),
  'concurrent-cron-job-syncs': int('concurrentCronJobSyncs'),
  'concurrent-daemonset-syncs': int('concurrentDaemonSetSyncs'),
  'concurrent-statefulset-syncs': int('concurrentStatefulSetSyncs'),
  'terminated-pod-gc-threshold': int('terminatedPodGcThreshold'),
  'pod-gc-period': dur('podGcPeriodMs'),
  'horizontal-pod-autoscaler-sync-period': dur('horizontalPodAutoscalerSyncPeriodMs'),
  'horizontal-pod-autoscaler-downscale-stabilization': dur('horizontalPodAutoscalerDownscaleStabilizationMs'),
  'horizontal-pod-autoscaler-tolerance': num('horizontalPodAutoscalerTolerance'),
  'horizontal-pod-autoscaler-cpu-initialization-period': dur('horizontalPodAutoscalerCpuInitializationPeriodMs'),
  'horizontal-pod-autoscaler-initial-readiness-delay': dur('horizontalPodAutoscalerInitialReadinessDelayMs'),
  'service-cluster-ip-range': str('serviceClusterIpRange'),
  'service-proxy-image': str('serviceProxyImage'),
  'service-proxy-server': str('serviceProxyServer'),
  'service-proxy-host-path': str('serviceProxyHostPath'),
  'root-ca-file': str('rootCaFile'),
  'log-level': str('logLevel'),
  'cluster-signing-cert-file': str('clusterSigningCertFile'),
  'cluster-signing-key-file': str('clusterSigningKeyFile'),
  'cluster-signing-duration': dur('clusterSigningDurationMs'),
  controllers: (o, v) => void (o.controllers = parseControllers(v)),
};

const BOOLEAN_FLAGS = new Set(['leader-elect']);

/**
 * parseControllers reads `--controllers`: a comma list where `*` means all, `name` enables one and `-name` disables
 * one, as kube-controller-manager accepts (e.g. `*,-podgc`). Names may be kube's long forms.
 */
export function parseControllers(value: string): ControllerName[] {
  const enabled = new Set<ControllerName>();
  const disabled = new Set<ControllerName>();
  for (const raw of value.split(',').map((s) => s.trim()).filter(Boolean)) {
    if (raw === '*') {
      for (const n of CONTROLLER_NAMES) enabled.add(n);
      continue;
    }
    const off = raw.startsWith('-');
    const name = off ? raw.slice(1) : raw;
    const canonical = (CONTROLLER_NAMES as readonly string[]).includes(name) ? (name as ControllerName) : ALIASES[name];
    if (!canonical) throw new Error(`--controllers: unknown controller ${JSON.stringify(name)}; known: ${CONTROLLER_NAMES.join(', ')}`);
    (off ? disabled : enabled).add(canonical);
  }
  return CONTROLLER_NAMES.filter((n) => enabled.has(n) && !disabled.has(n));
}

/** envName is the environment variable of a flag: --node-monitor-period is SKIFF_NODE_MONITOR_PERIOD. */
export const envName = (flag: string): string => `SKIFF_${flag.toUpperCase().replace(/-/g, '_')}`;

/** SPECS are the flags for the shared parser; --master (kube's old name of --server) has no variable of its own. */
const SPECS: Record<string, FlagSpec> = Object.fromEntries(
  Object.keys(FLAGS).map((f) => [f, { ...(f === 'master' ? {} : { env: envName(f) }), ...(BOOLEAN_FLAGS.has(f) ? { boolean: true } : {}) }]),
);

/** USAGE lists every flag with its environment variable, for --help. */
export const USAGE = flagUsage('node apps/controller-manager/dist/main.js', Object.fromEntries(Object.entries(SPECS).filter(([f]) => f !== 'master')));

/**
 * parseOptions reads the flags into Options over the defaults; a flag not given falls back to its SKIFF_*
 * environment variable (the toy cluster's compose file sets those), where an empty value means unset.
 */
export function parseOptions(argv: readonly string[], env: Record<string, string | undefined> = {}): Options | 'help' {
  const set = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const flags = parseFlags(SPECS, argv, set);
  if (flags === 'help') return 'help';
  const opts: Options = { ...DEFAULT_OPTIONS, controllers: [...DEFAULT_OPTIONS.controllers] };
  // --master last: it has no variable, so when set it was given on the command line and beats SKIFF_SERVER.
  for (const [flag, parser] of Object.entries(FLAGS).sort(([a], [b]) => Number(a === 'master') - Number(b === 'master'))) {
    if (flags.isSet(flag)) parser(opts, flags.get(flag));
  }
  return opts;
}
