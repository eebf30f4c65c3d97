/**
 * @module startScheduler: informers, leader election and the scheduling loop, wired together.
 */
import type { Clientset } from '@skiff/client';
import { LeaderElector, SharedInformerFactory, type Clock, type Logger } from '@skiff/controller-kit';
import { connectInformers, schedulerInformers } from './connect-informers.js';
import { Framework } from './framework/framework.js';
import { defaultPlugins } from './plugins/default-registry.js';
import type { ScoringStrategy } from './plugins/node-resources-fit/node-resources-fit.js';
import { Scheduler } from './scheduler.js';
import type { SchedulerMetrics } from './scheduler-metrics.js';
import { createApiWriter } from './scheduler-writer.js';
import { connectVolumeBinding, newVolumeBinding, volumeInformers } from './plugins/volume-binding/volume-binding-informers.js';

/** LeaderElectionOptions mirrors kube-scheduler's --leader-elect-* flags. */
export interface LeaderElectionOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  /** Hand the lease back on a clean stop. Default true. */
  releaseOnCancel?: boolean;
}

/** StartSchedulerOptions are a scheduler process's dependencies and settings. */
export interface StartSchedulerOptions {
  client: Clientset;
  clock: Clock;
  logger: Logger;
  schedulerName: string;
  /** Absent: schedule without leader election. */
  leaderElection?: LeaderElectionOptions;
  metrics?: SchedulerMetrics;
  scoringStrategy?: ScoringStrategy;
  percentageOfNodesToScore?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Called when leadership is lost; kube-scheduler exits then, and main.ts does too. */
  onLeadershipLost?: () => void;
}

/** RunningScheduler is a started scheduler: probes for /healthz and /readyz, and a way to stop it. */
export interface RunningScheduler {
  isLeader(): boolean;
  synced(): boolean;
  /**
   * healthy is false once the scheduling loop ended without stop() (it failed, or lost the lease and, like
   * client-go, will not contend again): such a process schedules nothing and must be restarted.
   */
  healthy(): boolean;
  /** The scheduler while leading (or always, without leader election). */
  current(): Scheduler | undefined;
  /** stop ends scheduling and informers (releasing the lease) and resolves when everything has stopped. */
  stop(): Promise<void>;
  /** done settles when the scheduler stops, by stop() or by losing the lease. */
  done: Promise<void>;
}

/**
 * startScheduler starts the informers at once (so a standby replica keeps a warm cache), then, once caches are
 * synced and, with leader election, once it holds the Lease, connects a fresh Scheduler to them and runs it until
 * leadership ends. Like client-go, it does not contend again after losing the lease.
 */
export function startScheduler(opts: StartSchedulerOptions): RunningScheduler {
  const abort = new AbortController();
  const signal = abort.signal;
  const log = opts.logger;
  const factory = new SharedInformerFactory({ clock: opts.clock, logger: log });
  const informers = schedulerInformers(factory, { pods: opts.client.pods, nodes: opts.client.nodes });
  const storage = volumeInformers(factory, opts.client);
  let synced = false;
  let leading = false;
  let current: Scheduler | undefined;

  const lead = async (leadSignal: AbortSignal): Promise<void> => {
    const volumeBinding = newVolumeBinding(storage, opts.client, opts.clock);
    const scheduler = new Scheduler({
      writer: createApiWriter(opts.client),
      preBind: (pod, node) => volumeBinding.preBind(pod, node),
      framework: new Framework({
        ...defaultPlugins({ volumeBinding, ...(opts.scoringStrategy ? { scoringStrategy: opts.scoringStrategy } : {}) }),
        ...(opts.percentageOfNodesToScore !== undefined ? { percentageOfNodesToScore: opts.percentageOfNodesToScore } : {}),
      }),
      clock: opts.clock,
      logger: log,
      schedulerName: opts.schedulerName,
      ...(opts.metrics ? { metrics: opts.metrics } : {}),
      ...(opts.leaderElection ? { instance: opts.leaderElection.identity } : {}),
      ...(opts.initialBackoffMs !== undefined ? { initialBackoffMs: opts.initialBackoffMs } : {}),
      ...(opts.maxBackoffMs !== undefined ? { maxBackoffMs: opts.maxBackoffMs } : {}),
    });
    current = scheduler;
    const registrations = [...connectInformers(informers, scheduler), ...connectVolumeBinding(storage, volumeBinding, () => scheduler.queue.moveAllToActiveOrBackoff('StorageChange'))];
    const onAbort = (): void => scheduler.close();
    leadSignal.addEventListener('abort', onAbort, { once: true });
    try {
      await scheduler.run(leadSignal);
    } finally {
      for (const r of registrations) r.remove();
      leadSignal.removeEventListener('abort', onAbort);
      current = undefined;
    }
  };

  const main = async (): Promise<void> => {
    factory.start(signal);
    if (!(await factory.waitForCacheSync(signal))) return;
    synced = true;
    log.info({}, 'caches synced');
    const le = opts.leaderElection;
    if (!le) {
      leading = true;
      await lead(signal);
      leading = false;
      return;
    }
    let lost = false;
    const elector = new LeaderElector({
      lock: { namespace: le.namespace, name: le.name, identity: le.identity },
      client: {
        get: (name, o) => opts.client.leases.get(name, o),
        create: (lease) => opts.client.leases.create(lease, { namespace: lease.metadata.namespace ?? le.namespace }),
        update: (lease) => opts.client.leases.update(lease, { namespace: lease.metadata.namespace ?? le.namespace }),
      },
      leaseDurationMs: le.leaseDurationMs,
      renewDeadlineMs: le.renewDeadlineMs,
      retryPeriodMs: le.retryPeriodMs,
      releaseOnCancel: le.releaseOnCancel ?? true,
      clock: opts.clock,
      logger: log,
      onStartedLeading: async (leadSignal) => {
        leading = true;
        await lead(leadSignal);
      },
      onStoppedLeading: () => {
        leading = false;
        if (!signal.aborted) lost = true;
      },
    });
    await elector.run(signal);
    if (lost) {
      log.error({ identity: le.identity }, 'leader election lost');
      opts.onLeadershipLost?.();
    }
  };

  let ended = false;
  const done = main()
    .catch((err: unknown) => log.error({ err }, 'scheduler failed'))
    .finally(() => (ended = true));
  return {
    isLeader: () => leading,
    synced: () => synced,
    healthy: () => !ended || signal.aborted,
    current: () => current,
    async stop() {
      abort.abort();
      await done;
      await factory.stopped();
    },
    done: done.then(() => undefined),
  };
}
