import { RESOURCES, type CronJob, type DaemonSet, type Job, type PodDisruptionBudget, type StatefulSet } from '@skiff/api';
import { setMaxListeners } from 'node:events';
import { childAbortController, SharedInformerFactory, realClock, silentLogger, type Clock, type Logger } from '@skiff/controller-kit';
import type { Clientset } from '@skiff/client';
import { CONTROLLER_TABLE } from './controller-table.js';
import { createInformers } from './informers.js';
import type { ControllerName, Options } from './options.js';
import { ClientEventRecorder, clientEventSink } from '@skiff/controller-kit';

/** ControllerManagerDeps are what runControllerManager needs besides its options. */
export interface ControllerManagerDeps {
  client: Clientset;
  options: Pick<Options, 'controllers' | 'concurrentReplicaSetSyncs' | 'concurrentDeploymentSyncs'> & Partial<Options>;
  logger?: Logger;
  clock?: Clock;
  /** The root CA bundle (--root-ca-file's content) for kube-root-ca.crt. */
  rootCA?: string;
}

/**
 * runControllerManager builds the shared informers, starts every enabled controller on them and runs until the
 * signal aborts (leadership lost or shutdown). Nothing is kept across runs: a restart relists and converges.
 */
export async function runControllerManager(deps: ControllerManagerDeps, signal: AbortSignal): Promise<void> {
  const clock = deps.clock ?? realClock;
  const logger = deps.logger ?? silentLogger;
  const factory = new SharedInformerFactory({ clock, logger });
  // Kinds without a typed accessor on the Clientset: the generic resource client serves them.
  const c = {
    ...deps.client,
    jobs: deps.client.resource<Job>(RESOURCES.jobs),
    cronjobs: deps.client.resource<CronJob>(RESOURCES.cronjobs),
    poddisruptionbudgets: deps.client.resource<PodDisruptionBudget>(RESOURCES.poddisruptionbudgets),
    daemonsets: deps.client.resource<DaemonSet>(RESOURCES.daemonsets),
    statefulsets: deps.client.resource<StatefulSet>(RESOURCES.statefulsets),
  };
  const informers = createInformers(factory, (info) => deps.client.resource(info));
  const recorder = new ClientEventRecorder({ sink: clientEventSink(c.events), component: 'controller-manager', clock, logger });
  const raw = <R>(method: 'GET', path: string): Promise<R> => deps.client.raw<R>(method, path);
  const ctx = { informers, client: c, recorder, clock, logger, options: deps.options, raw, ...(deps.rootCA ? { rootCA: deps.rootCA } : {}) };
  const enabled = new Set<ControllerName>(deps.options.controllers);
  // Built before the informers start, so every handler sees the initial list.
  const controllers = [...enabled].flatMap((name) => CONTROLLER_TABLE[name](ctx));
  // Each controller and the informer factory hang one listener on this signal (their own waits hang on children):
  // one per component is the design, however many controllers the table grows to, not the leak Node warns about.
  const stop = childAbortController(signal);
  setMaxListeners(Math.max(10, controllers.length + 1), stop.signal);
  const runs = controllers.map((ctl) => ctl.run(stop.signal));
  factory.start(stop.signal);
  logger.info({ controllers: [...enabled] }, 'controllers started');
  await Promise.all(runs);
  await factory.stopped();
  stop.detach();
}
