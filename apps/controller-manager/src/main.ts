import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { DEFAULT_METRICS_OPTIONS, optionsOrExit, parseListenAddress } from '@skiff/api';
import { createClient, loadKubeconfig } from '@skiff/client';
import { LeaderElector, createHealthServer, createLogger } from '@skiff/controller-kit';
import type { Level } from 'pino';
import { runControllerManager } from './controller-manager.js';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { parseOptions, USAGE, type Options } from './options.js';

const options: Options = optionsOrExit('controller-manager', USAGE, () => parseOptions(process.argv.slice(2), process.env));

const logger = createLogger({ name: 'controller-manager', level: options.logLevel as Level });
const { namespace: _, ...connection } = optionsOrExit('controller-manager', USAGE, () => (options.kubeconfig ? loadKubeconfig(options.kubeconfig) : { server: options.server }));
const client = createClient({ ...connection, userAgent: 'skiff-controller-manager/0.1', logger: logger.child({ component: 'client' }) });
const shutdown = new AbortController();
let leading = !options.leaderElect;

let rootCA: string | undefined;
try {
  rootCA = options.rootCaFile ? readFileSync(options.rootCaFile, 'utf8') : undefined;
} catch (err) {
  process.stderr.write(`controller-manager: --root-ca-file: ${(err as Error).message}\n`);
  process.exit(1);
}

const { host, port } = parseListenAddress(options.listen);
const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'skiff_controller_manager_', ...DEFAULT_METRICS_OPTIONS });
// Ready while leading (or elections are off): a standby has nothing to serve.
const health = createHealthServer({
  live: [{ name: 'ping', check: () => true }],
  ready: [{ name: 'leader', check: () => leading }],
  metrics: registry,
});
health.listen(port, host, () => logger.info({ listen: options.listen, server: connection.server }, 'controller-manager listening'));
health.on('error', (err) => logger.error({ err }, 'health server failed'));

async function lead(signal: AbortSignal): Promise<void> {
  leading = true;
  try {
    await runControllerManager({ client, options, logger, ...(rootCA ? { rootCA } : {}) }, signal);
  } finally {
    leading = false;
  }
}

async function main(): Promise<void> {
  if (!options.leaderElect) {
    await lead(shutdown.signal);
    return;
  }
  const identity = `${hostname()}_${randomBytes(4).toString('hex')}`;
  const elector = new LeaderElector({
    lock: { namespace: options.leaderElectResourceNamespace, name: options.leaderElectResourceName, identity },
    client: client.leases,
    leaseDurationMs: options.leaderElectLeaseDurationMs,
    renewDeadlineMs: options.leaderElectRenewDeadlineMs,
    retryPeriodMs: options.leaderElectRetryPeriodMs,
    logger,
    onStartedLeading: (signal) => lead(signal),
    onStoppedLeading: () => {
      if (!shutdown.signal.aborted) {
        // Like kube-controller-manager: a process that lost its lease exits and is restarted clean.
        logger.fatal({}, 'leader election lost');
        process.exit(1);
      }
    },
  });
  await elector.run(shutdown.signal);
}

function stop(sig: string): void {
  logger.info({ signal: sig }, 'shutting down');
  shutdown.abort();
  setTimeout(() => process.exit(0), 5_000).unref();
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));

main()
  .then(async () => {
    await client.close();
    health.close();
    process.exit(0);
  })
  .catch((err: unknown) => {
    logger.fatal({ err }, 'controller-manager failed');
    process.exit(1);
  });
