/**
 * @module The dashboard's flags and environment variables. Only main.ts calls parseOptions.
 */
import { flagUsage, parseDuration, parseFlags, parseListenAddress, type FlagSpecs } from '@skiff/api';

export interface Options {
  kubeconfig: string;
  server: string;
  certificateAuthority: string;
  listen: { host: string; port: number };
  /** The controller-manager's --node-monitor-grace-period, for the UI's countdown to NotReady. */
  nodeMonitorGracePeriodSeconds: number;
  logLevel: string;
}

const FLAGS = {
  kubeconfig: { env: 'SKIFF_KUBECONFIG', default: '', help: "kubeconfig naming the api-server and its CA (its credentials are not used: each browser signs in with its own token)" },
  server: { env: 'SKIFF_SERVER', default: 'https://127.0.0.1:6443', help: 'api-server URL when no --kubeconfig is given' },
  'certificate-authority': { env: 'SKIFF_CERTIFICATE_AUTHORITY', default: '', help: "CA file for --server's certificate" },
  listen: { env: 'SKIFF_DASHBOARD_LISTEN', default: '127.0.0.1:8090', help: 'HOST:PORT the dashboard serves plain HTTP on (loopback by default: the session cookie is not sent over TLS)' },
  'node-monitor-grace-period': { env: 'SKIFF_NODE_MONITOR_GRACE_PERIOD', default: '40s', help: "the controller-manager's value, shown as the countdown to NotReady when a node stops heartbeating" },
  'log-level': { env: 'SKIFF_LOG_LEVEL', default: 'info', help: '' },
} as const satisfies FlagSpecs;

export const USAGE = flagUsage('node apps/dashboard/dist/main.js', FLAGS);

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options | 'help' {
  const flags = parseFlags(FLAGS, argv, env);
  if (flags === 'help') return 'help';
  const get = flags.get;
  return {
    kubeconfig: get('kubeconfig'),
    server: get('server'),
    certificateAuthority: get('certificate-authority'),
    listen: parseListenAddress(get('listen')),
    nodeMonitorGracePeriodSeconds: parseDuration(get('node-monitor-grace-period')) / 1000,
    logLevel: get('log-level'),
  };
}
