/**
 * @module parseAgentConfig: the node agent's flags and environment variables (main.ts passes them in).
 */
import { parseDuration, type Taint, type TaintEffect } from '@skiff/api';

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
  podNetwork: string | undefined;
  podInfraImage: string;
  listenHost: string;
  listenPort: number;
  nodeIP: string | undefined;
  allowPrivileged: boolean;
  simulatedNodes: number;
  simulatedStartDelayMs: number;
  simulatedExit: { afterMs: number; exitCode: number } | undefined;
  logLevel: string;
}

/** FLAGS maps each flag to its environment variable; the flag wins. */
export const FLAGS = {
  server: 'SKIFF_SERVER',
  'node-name': 'SKIFF_NODE_NAME',
  runtime: 'SKIFF_RUNTIME',
  'docker-socket': 'SKIFF_DOCKER_SOCKET',
  capacity: 'SKIFF_CAPACITY',
  'node-labels': 'SKIFF_NODE_LABELS',
  'register-with-taints': 'SKIFF_REGISTER_WITH_TAINTS',
  'node-lease-duration-seconds': 'SKIFF_NODE_LEASE_DURATION_SECONDS',
  'node-status-update-frequency': 'SKIFF_NODE_STATUS_UPDATE_FREQUENCY',
  'pod-network': 'SKIFF_POD_NETWORK',
  'pod-infra-container-image': 'SKIFF_POD_INFRA_CONTAINER_IMAGE',
  listen: 'SKIFF_LISTEN',
  'node-ip': 'SKIFF_NODE_IP',
  'allow-privileged': 'SKIFF_ALLOW_PRIVILEGED',
  'simulated-nodes': 'SKIFF_SIMULATED_NODES',
  'simulated-start-delay': 'SKIFF_SIMULATED_START_DELAY',
  'simulated-exit': 'SKIFF_SIMULATED_EXIT',
  'log-level': 'SKIFF_LOG_LEVEL',
} as const;

type FlagName = keyof typeof FLAGS;

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

/** parseAgentConfig reads `--flag value` / `--flag=value` arguments, falling back to environment variables. */
export function parseAgentConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): AgentConfig {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument "${a}"`);
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    if (!(name in FLAGS)) throw new Error(`unknown flag --${name}`);
    let value: string;
    if (eq > 0) value = a.slice(eq + 1);
    else if (name === 'allow-privileged' && (argv[i + 1] === undefined || argv[i + 1]!.startsWith('--'))) value = 'true';
    else value = argv[++i] ?? '';
    flags.set(name, value);
  }
  const get = (name: FlagName): string | undefined => flags.get(name) ?? env[FLAGS[name]] ?? undefined;
  const nodeName = get('node-name') ?? env['HOSTNAME'] ?? '';
  if (!nodeName) throw new Error('--node-name is required');
  const runtime = get('runtime') ?? 'docker';
  if (runtime !== 'docker' && runtime !== 'simulated') throw new Error(`--runtime must be docker or simulated, not ${runtime}`);
  const listen = get('listen') ?? '0.0.0.0:10250';
  const colon = listen.lastIndexOf(':');
  const exit = get('simulated-exit');
  let simulatedExit: AgentConfig['simulatedExit'];
  if (exit) {
    const kv = pairs(exit);
    simulatedExit = { afterMs: parseDuration(kv['after'] ?? '10s'), exitCode: Number(kv['code'] ?? 0) };
  }
  return {
    server: get('server') ?? 'http://127.0.0.1:8080',
    nodeName,
    runtime,
    dockerSocket: get('docker-socket') ?? '/var/run/docker.sock',
    capacity: pairs(get('capacity') ?? ''),
    nodeLabels: pairs(get('node-labels') ?? ''),
    taints: parseTaints(get('register-with-taints') ?? ''),
    leaseDurationSeconds: Number(get('node-lease-duration-seconds') ?? 40),
    statusUpdateMs: parseDuration(get('node-status-update-frequency') ?? '10s'),
    podNetwork: get('pod-network') || undefined,
    podInfraImage: get('pod-infra-container-image') ?? 'registry.k8s.io/pause:3.10',
    listenHost: colon > 0 ? listen.slice(0, colon) : '0.0.0.0',
    listenPort: Number(colon >= 0 ? listen.slice(colon + 1) : listen),
    nodeIP: get('node-ip') || undefined,
    allowPrivileged: (get('allow-privileged') ?? 'false') === 'true',
    simulatedNodes: Number(get('simulated-nodes') ?? 0),
    simulatedStartDelayMs: parseDuration(get('simulated-start-delay') ?? '1s'),
    simulatedExit,
    logLevel: get('log-level') ?? 'info',
  };
}
