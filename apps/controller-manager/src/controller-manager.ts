import { RESOURCES, type CronJob, type Job } from '@skiff/api';
import { SharedInformerFactory, realClock, silentLogger, type Clock, type Logger } from '@skiff/controller-kit';
import type { Clientset } from '@skiff/client';
import { CONTROLLER_TABLE } from './controller-table.js';
import { createInformers, type InformerSources } from './informers.js';
import type { ControllerName, Options } from './options.js';
import { ClientEventRecorder, clientEventSink } from '@skiff/controller-kit';

/** ControllerManagerDeps are what runControllerManager needs besides its options. */
export interface ControllerManagerDeps {
  client: Clientset;
  options: Pick<Options, 'controllers' | 'concurrentReplicaSetSyncs' | 'concurrentDeploymentSyncs'> & Partial<Options>;
  logger?: Logger;
  clock?: Clock;
}

/**
 * runControllerManager builds the shared informers, starts every enabled controller on them and runs until the
 * signal aborts (leadership lost or shutdown). Nothing is kept across runs: a restart relists and converges.
 */
export async function runControllerManager(deps: ControllerManagerDeps, signal: AbortSignal): Promise<void> {
  const clock = deps.clock ?? realClock;
  const logger = deps.logger ?? silentLogger;
  const factory = new SharedInformerFactory({ clock, logger });
  // batch/v1 has no typed accessor on the Clientset; the generic resource client serves both kinds.
  const c = { ...deps.client, jobs: deps.client.resource<Job>(RESOURCES.jobs), cronjobs: deps.client.resource<CronJob>(RESOURCES.cronjobs) };
  const sources: InformerSources = {
    pods: c.pods,
    replicasets: c.replicasets,
    deployments: c.deployments,
    nodes: c.nodes,
    namespaces: c.namespaces,
    leases: c.leases,
    services: c.services,
    endpoints: c.endpoints,
    endpointslices: c.endpointslices,
    serviceaccounts: c.serviceaccounts,
    jobs: c.jobs,
    cronjobs: c.cronjobs,
  };
  const informers = createInformers(factory, sources);
  const recorder = new ClientEventRecorder({ sink: clientEventSink(c.events), component: 'controller-manager', clock, logger });
  const ctx = { informers, client: c, recorder, clock, logger, options: deps.options };
  const enabled = new Set<ControllerName>(deps.options.controllers);
  // Built before the informers start, so every handler sees the initial list.
  const controllers = [...enabled].flatMap((name) => CONTROLLER_TABLE[name](ctx));
  const runs = controllers.map((ctl) => ctl.run(signal));
  factory.start(signal);
  logger.info({ controllers: [...enabled] }, 'controllers started');
  await Promise.all(runs);
  await factory.stopped();
}
