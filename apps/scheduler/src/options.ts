/**
 * @module The scheduler's flags (kube-scheduler names where they exist) and environment variables.
 */
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { flagUsage, parseBool, parseDuration, parseFlags, parseListenAddress, type FlagSpecs } from '@skiff/api';
import type { ScoringStrategy } from './plugins/node-resources-fit/node-resources-fit.js';

/** Options are the parsed settings; only main.ts calls parseOptions. */
export interface Options {
  server: string;
  /** --kubeconfig: where and as whom to reach the api-server; "" uses --server (the insecure port). */
  kubeconfig: string;
  schedulerName: string;
  leaderElect: boolean;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  leaseNamespace: string;
  leaseName: string;
  identity: string;
  host: string;
  port: number;
  scoringStrategy: ScoringStrategy;
  percentageOfNodesToScore: number;
  initialBackoffMs: number;
  maxBackoffMs: number;
  logLevel: string;
}

const FLAGS = {
  server: { env: 'SKIFF_SERVER', default: 'http://127.0.0.1:8080', help: 'api-server URL' },
  kubeconfig: { env: 'SKIFF_KUBECONFIG', default: '', help: 'kubeconfig file (server, CA, client certificate); when set, --server is not used' },
  'scheduler-name': { env: 'SKIFF_SCHEDULER_NAME', default: 'default-scheduler', help: 'schedule pods whose spec.schedulerName is this' },
  'leader-elect': { env: 'SKIFF_LEADER_ELECT', default: 'true', help: 'hold a Lease so only one replica schedules', boolean: true },
  'leader-elect-lease-duration': { env: 'SKIFF_LEADER_ELECT_LEASE_DURATION', default: '15s', help: '' },
  'leader-elect-renew-deadline': { env: 'SKIFF_LEADER_ELECT_RENEW_DEADLINE', default: '10s', help: '' },
  'leader-elect-retry-period': { env: 'SKIFF_LEADER_ELECT_RETRY_PERIOD', default: '2s', help: '' },
  'leader-elect-resource-namespace': { env: 'SKIFF_LEADER_ELECT_RESOURCE_NAMESPACE', default: 'kube-system', help: '' },
  'leader-elect-resource-name': { env: 'SKIFF_LEADER_ELECT_RESOURCE_NAME', default: 'kube-scheduler', help: '' },
  'leader-elect-identity': { env: 'SKIFF_LEADER_ELECT_IDENTITY', default: '', help: 'default: hostname_<random>' },
  listen: { env: 'SKIFF_LISTEN', default: '0.0.0.0:10259', help: '/healthz, /readyz and /metrics (kube: --bind-address/--secure-port)' },
  'scoring-strategy': { env: 'SKIFF_SCORING_STRATEGY', default: 'LeastAllocated', help: 'LeastAllocated or MostAllocated' },
  'percentage-of-nodes-to-score': { env: 'SKIFF_PERCENTAGE_OF_NODES_TO_SCORE', default: '0', help: '0 = adaptive, as kube' },
  'pod-initial-backoff': { env: 'SKIFF_POD_INITIAL_BACKOFF', default: '1s', help: '' },
  'pod-max-backoff': { env: 'SKIFF_POD_MAX_BACKOFF', default: '10s', help: '' },
  'log-level': { env: 'SKIFF_LOG_LEVEL', default: 'info', help: '' },
} as const satisfies FlagSpecs;

/** USAGE lists every flag with its environment variable and default, for --help. */
export const USAGE = flagUsage('node apps/scheduler/dist/main.js', FLAGS);

/** parseOptions reads flags, then environment variables, then defaults; a bare `--leader-elect` means true. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options | 'help' {
  const flags = parseFlags(FLAGS, argv, env);
  if (flags === 'help') return 'help';
  const get = flags.get;
  const { host, port } = parseListenAddress(get('listen'));
  const strategy = get('scoring-strategy');
  if (strategy !== 'LeastAllocated' && strategy !== 'MostAllocated') throw new Error(`--scoring-strategy must be LeastAllocated or MostAllocated, got "${strategy}"`);
  const pct = Number(get('percentage-of-nodes-to-score'));
  if (!Number.isFinite(pct) || pct < 0 || pct > 100) throw new Error('--percentage-of-nodes-to-score must be between 0 and 100');
  const opts: Options = {
    server: get('server'),
    kubeconfig: get('kubeconfig'),
    schedulerName: get('scheduler-name'),
    leaderElect: parseBool('leader-elect', get('leader-elect')),
    leaseDurationMs: parseDuration(get('leader-elect-lease-duration')),
    renewDeadlineMs: parseDuration(get('leader-elect-renew-deadline')),
    retryPeriodMs: parseDuration(get('leader-elect-retry-period')),
    leaseNamespace: get('leader-elect-resource-namespace'),
    leaseName: get('leader-elect-resource-name'),
    identity: get('leader-elect-identity') || `${hostname()}_${randomBytes(4).toString('hex')}`,
    host,
    port,
    scoringStrategy: strategy,
    percentageOfNodesToScore: pct,
    initialBackoffMs: parseDuration(get('pod-initial-backoff')),
    maxBackoffMs: parseDuration(get('pod-max-backoff')),
    logLevel: get('log-level'),
  };
  if (opts.leaderElect && !(opts.leaseDurationMs > opts.renewDeadlineMs && opts.renewDeadlineMs > opts.retryPeriodMs)) {
    throw new Error('leader election needs lease duration > renew deadline > retry period');
  }
  return opts;
}
