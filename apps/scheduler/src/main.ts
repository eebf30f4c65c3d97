/**
 * @module The scheduler process: flags, logger, client, health/metrics endpoint, leader election, signals.
 */
import { optionsOrExit } from '@skiff/api';
import { createClient, loadKubeconfig } from '@skiff/client';
import { createHealthServer, createLogger, realClock } from '@skiff/controller-kit';
import type { Level } from 'pino';
import { parseOptions, USAGE } from './options.js';
import { SchedulerMetrics } from './scheduler-metrics.js';
import { startScheduler } from './start-scheduler.js';

const opts = optionsOrExit('scheduler', USAGE, () => parseOptions(process.argv.slice(2), process.env));

const logger = createLogger({ name: 'scheduler', level: opts.logLevel as Level });
const { namespace: _, ...connection } = optionsOrExit('scheduler', USAGE, () => (opts.kubeconfig ? loadKubeconfig(opts.kubeconfig) : { server: opts.server }));
const client = createClient({ ...connection, userAgent: `skiff-scheduler/0.1 (${opts.identity})`, logger });
const metrics = new SchedulerMetrics();
const running = startScheduler({
  client,
  clock: realClock,
  logger,
  schedulerName: opts.schedulerName,
  metrics,
  scoringStrategy: opts.scoringStrategy,
  percentageOfNodesToScore: opts.percentageOfNodesToScore,
  initialBackoffMs: opts.initialBackoffMs,
  maxBackoffMs: opts.maxBackoffMs,
  ...(opts.leaderElect
    ? {
        leaderElection: {
          namespace: opts.leaseNamespace,
          name: opts.leaseName,
          identity: opts.identity,
          leaseDurationMs: opts.leaseDurationMs,
          renewDeadlineMs: opts.renewDeadlineMs,
          retryPeriodMs: opts.retryPeriodMs,
        },
      }
    : {}),
  onLeadershipLost: () => process.exit(1),
});

const server = createHealthServer({
  metrics: metrics.registry,
  live: [{ name: 'scheduling-loop', check: () => running.healthy() }],
  ready: [{ name: 'informer-sync', check: () => running.synced() }],
  details: () => ({ leader: String(running.isLeader()), identity: opts.identity }),
});
server.listen(opts.port, opts.host, () => {
  logger.info({ host: opts.host, port: opts.port, server: connection.server, schedulerName: opts.schedulerName, leaderElect: opts.leaderElect, identity: opts.identity }, 'scheduler listening');
});
server.on('error', (err) => {
  logger.fatal({ err }, 'cannot listen');
  process.exit(1);
});

let stopping = false;
function stop(signal: string): void {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  setTimeout(() => process.exit(0), 10_000).unref();
  void running
    .stop()
    .then(() => client.close())
    .finally(() => {
      server.close();
      process.exit(0);
    });
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
