import { Controller, realClock, silentLogger, type Clock, type Logger, type RateLimitingQueue, type ReconcileResult, type Reconciler, type Watch } from '@skiff/controller-kit';
import type { ControllerClient } from './controller-client.js';
import type { ControllerInformers } from './informers.js';

/** ControllerDeps are what every controller of the controller-manager is built from. */
export interface ControllerDeps {
  informers: ControllerInformers;
  client: ControllerClient;
  clock?: Clock;
  logger?: Logger;
}

/**
 * ManagedController is the base of the controller-manager's controllers: a subclass is its reconcile method plus
 * one call to `watch` declaring what it watches; the queue, handlers and workers come from controller-kit's
 * Controller.
 */
export abstract class ManagedController implements Reconciler<string> {
  protected readonly informers: ControllerInformers;
  protected readonly client: ControllerClient;
  protected readonly clock: Clock;
  protected readonly log: Logger;
  readonly #name: string;
  readonly #defaultWorkers: number;
  #controller: Controller<string> | undefined;

  constructor(name: string, deps: ControllerDeps, defaultWorkers: number) {
    this.#name = name;
    this.#defaultWorkers = defaultWorkers;
    this.informers = deps.informers;
    this.client = deps.client;
    this.clock = deps.clock ?? realClock;
    this.log = (deps.logger ?? silentLogger).child({ controller: name });
  }

  abstract reconcile(key: string, signal: AbortSignal): Promise<ReconcileResult>;

  /** watch declares what the controller watches; the subclass calls it once, last in its constructor. */
  protected watch(watches: ReadonlyArray<Watch<string>>, initialKeys?: readonly string[]): void {
    this.#controller = new Controller<string>({ name: this.#name, reconciler: this, clock: this.clock, logger: this.log, watches, ...(initialKeys ? { initialKeys } : {}) });
  }

  get queue(): RateLimitingQueue<string> {
    return this.#built().queue;
  }

  /** run starts the workers (the controller's default count unless given) once the caches synced, until the signal aborts. */
  run(signal: AbortSignal, workers?: number): Promise<void> {
    return this.#built().run(signal, workers ?? this.#defaultWorkers);
  }

  #built(): Controller<string> {
    if (!this.#controller) throw new Error(`controller ${this.#name} declared no watches`);
    return this.#controller;
  }
}
