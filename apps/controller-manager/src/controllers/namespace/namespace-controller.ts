import { isNotFound, type Namespace } from '@skiff/api';
import { RateLimitingQueue, realClock, runController, silentLogger, unwrapTombstone, type Clock, type HasMetadata, type Logger, type ReconcileResult, type Reconciler, type SharedInformer } from '@skiff/controller-kit';
import type { ControllerClient, ResourceApi } from '../../controller-client.js';
import type { ControllerInformers } from '../../informers.js';

const CONTENT = ['deployments', 'replicasets', 'pods'] as const;
/** NAMESPACE_FINALIZER is the finalizer kube keeps on namespaces until their content is gone. */
export const NAMESPACE_FINALIZER = 'kubernetes';

export interface NamespaceControllerOptions {
  informers: ControllerInformers;
  client: ControllerClient;
  clock?: Clock;
  logger?: Logger;
}

/**
 * NamespaceController deletes everything in a namespace that is being deleted, then the namespace, after kube's
 * namespace controller. Skiff's api-server removes a namespace without finalizers at once, so the controller also
 * cleans up content left in a namespace that no longer exists (confirmed with a live GET). A terminating namespace
 * that carries the `kubernetes` finalizer is finished by removing it once empty, then a final DELETE.
 */
export class NamespaceController implements Reconciler<string> {
  readonly queue: RateLimitingQueue<string>;
  readonly #informers: ControllerInformers;
  readonly #client: ControllerClient;
  readonly #clock: Clock;
  readonly #log: Logger;

  constructor(opts: NamespaceControllerOptions) {
    this.#informers = opts.informers;
    this.#client = opts.client;
    this.#clock = opts.clock ?? realClock;
    this.#log = (opts.logger ?? silentLogger).child({ controller: 'namespace' });
    this.queue = new RateLimitingQueue<string>({ name: 'namespace', clock: this.#clock });
    this.#informers.namespaces.addEventHandler({
      onUpdate: (_o, ns) => ns.metadata.deletionTimestamp && this.queue.add(ns.metadata.name ?? ''),
      onAdd: (ns) => ns.metadata.deletionTimestamp && this.queue.add(ns.metadata.name ?? ''),
      onDelete: (ns) => this.queue.add(unwrapTombstone(ns).metadata.name ?? ''),
    });
    for (const r of CONTENT) {
      (this.#informers[r] as unknown as SharedInformer<HasMetadata>).addEventHandler({
        onAdd: (obj) => {
          const ns = obj.metadata.namespace ?? '';
          if (!this.#informers.namespaces.indexer.get(ns)) this.queue.add(ns);
        },
      });
    }
  }

  run(signal: AbortSignal, workers = 10): Promise<void> {
    const i = this.#informers;
    return runController({ name: 'namespace', queue: this.queue, reconciler: this, workers, signal, logger: this.#log, clock: this.#clock, waitFor: [i.namespaces, i.pods, i.replicasets, i.deployments] });
  }

  async reconcile(name: string): Promise<ReconcileResult> {
    let ns: Namespace | undefined = this.#informers.namespaces.indexer.get(name);
    if (!ns) {
      try {
        ns = await this.#client.namespaces.get(name);
      } catch (err) {
        if (!isNotFound(err)) throw err;
      }
    }
    if (ns && !ns.metadata.deletionTimestamp) return {};
    const remaining = await this.#deleteContent(name);
    if (remaining > 0) return { requeueAfterMs: 1000 };
    if (!ns) return {};
    if (ns.spec?.finalizers?.includes(NAMESPACE_FINALIZER)) {
      // spec.finalizers change only through namespaces/finalize; once empty, the api-server removes the namespace.
      const next = structuredClone(ns);
      next.spec!.finalizers = next.spec!.finalizers!.filter((f) => f !== NAMESPACE_FINALIZER);
      await this.#ignoreNotFound(this.#client.namespaces.finalize(next));
      return {};
    }
    await this.#ignoreNotFound(this.#client.namespaces.delete(name));
    return {};
  }

  /** deleteContent deletes every object of the namespace from the cache and returns how many still exist. */
  async #deleteContent(namespace: string): Promise<number> {
    let remaining = 0;
    for (const r of CONTENT) {
      const api = this.#client[r] as unknown as ResourceApi<HasMetadata>;
      for (const obj of (this.#informers[r] as unknown as SharedInformer<HasMetadata>).lister().list(namespace)) {
        remaining++;
        if (!obj.metadata.deletionTimestamp) await this.#ignoreNotFound(api.delete(obj.metadata.name ?? '', { namespace, propagationPolicy: 'Background' }));
      }
    }
    return remaining;
  }

  async #ignoreNotFound(p: Promise<unknown>): Promise<void> {
    try {
      await p;
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
