import { SharedInformerFactory, realClock, silentLogger, type Clock, type Logger } from '@skiff/controller-kit';
import type { Clientset } from '@skiff/client';
import type { ControllerClient } from './controller-client.js';
import { DeploymentController } from './controllers/deployment/deployment-controller.js';
import { ReplicaSetController } from './controllers/replica-set/replica-set-controller.js';
import { createInformers, type ControllerInformers, type InformerSources } from './informers.js';
import type { ControllerName, Options } from './options.js';
import { ClientEventRecorder, type EventRecorder } from './util/event-recorder.js';
import { startExtraControllers } from './start-extra-controllers.js';

/** ControllerManagerDeps are what runControllerManager needs besides its options. */
export interface ControllerManagerDeps {
  client: Clientset;
  options: Pick<Options, 'controllers' | 'concurrentReplicaSetSyncs' | 'concurrentDeploymentSyncs'> & Partial<Options>;
  logger?: Logger;
  clock?: Clock;
}

/** RunningControllers is what a started controller contributes: the promise of its worker loop. */
export interface ControllerContext {
  informers: ControllerInformers;
  client: ControllerClient;
  recorder: EventRecorder;
  clock: Clock;
  logger: Logger;
  options: ControllerManagerDeps['options'];
  signal: AbortSignal;
}

/**
 * runControllerManager builds the shared informers, starts every enabled controller on them and runs until the
 * signal aborts (leadership lost or shutdown). Nothing is kept across runs: a restart relists and converges.
 */
export async function runControllerManager(deps: ControllerManagerDeps, signal: AbortSignal): Promise<void> {
  const clock = deps.clock ?? realClock;
  const logger = deps.logger ?? silentLogger;
  const factory = new SharedInformerFactory({ clock, logger });
  const c = deps.client;
  const sources: InformerSources = {
    pods: c.pods,
    replicasets: c.replicasets,
    deployments: c.deployments,
    nodes: c.nodes,
    namespaces: c.namespaces,
    leases: c.leases,
  };
  const informers = createInformers(factory, sources);
  const recorder = new ClientEventRecorder({ events: c.events, component: 'controller-manager', clock, logger });
  const ctx: ControllerContext = { informers, client: c, recorder, clock, logger, options: deps.options, signal };
  const enabled = new Set<ControllerName>(deps.options.controllers);
  const runs: Array<Promise<void>> = [];
  if (enabled.has('replicaset')) {
    runs.push(new ReplicaSetController({ informers, client: c, recorder, clock, logger }).run(signal, deps.options.concurrentReplicaSetSyncs));
  }
  if (enabled.has('deployment')) {
    runs.push(new DeploymentController({ informers, client: c, recorder, clock, logger }).run(signal, deps.options.concurrentDeploymentSyncs));
  }
  runs.push(...startExtraControllers(ctx, enabled));
  factory.start(signal);
  logger.info({ controllers: [...enabled] }, 'controllers started');
  await Promise.all(runs);
  await factory.stopped();
}
