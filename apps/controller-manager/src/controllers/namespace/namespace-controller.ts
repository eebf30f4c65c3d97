import { isNotFound, type Namespace } from '@skiff/api';
import { unwrapTombstone, watch, type RateLimitingQueue, type HasMetadata, type ReconcileResult, type SharedInformer } from '@skiff/controller-kit';
import type { ResourceApi } from '../../controller-client.js';
import { ManagedController, type ControllerDeps } from '../../managed-controller.js';

const CONTENT = ['cronjobs', 'jobs', 'deployments', 'replicasets', 'pods', 'services', 'endpointslices', 'endpoints'] as const;
/** NAMESPACE_FINALIZER is the finalizer kube keeps on namespaces until their content is gone. */
export const NAMESPACE_FINALIZER = 'kubernetes';

export interface NamespaceControllerOptions extends ControllerDeps {
}

/**
 * NamespaceController deletes everything in a namespace that is being deleted, then the namespace, after kube's
 * namespace controller. Skiff's api-server removes a namespace without finalizers at once, so the controller also
 * cleans up content left in a namespace that no longer exists (confirmed with a live GET). A terminating namespace
 * that carries the `kubernetes` finalizer is finished by removing it once empty, then a final DELETE.
 */
export class NamespaceController extends ManagedController {

  constructor(opts: NamespaceControllerOptions) {
    super('namespace', opts, 10);
    const contentAdded = (queue: RateLimitingQueue<string>) => ({
      onAdd: (obj: HasMetadata) => {
        const ns = obj.metadata.namespace ?? '';
        if (!this.informers.namespaces.indexer.get(ns)) queue.add(ns);
      },
    });
    this.watch([
      // Only a terminating namespace has work to do; a deleted one may have left content behind.
      watch.handler(this.informers.namespaces, (queue) => ({
        onUpdate: (_o, ns) => ns.metadata.deletionTimestamp && queue.add(ns.metadata.name ?? ''),
        onAdd: (ns) => ns.metadata.deletionTimestamp && queue.add(ns.metadata.name ?? ''),
        onDelete: (ns) => queue.add(unwrapTombstone(ns).metadata.name ?? ''),
      })),
      // Content created in a namespace that no longer exists (a late write racing the deletion) is cleaned up.
      ...CONTENT.map((r) => watch.handler(this.informers[r] as unknown as SharedInformer<HasMetadata>, contentAdded)),
    ]);
  }

  async reconcile(name: string): Promise<ReconcileResult> {
    let ns: Namespace | undefined = this.informers.namespaces.indexer.get(name);
    if (!ns) {
      try {
        ns = await this.client.namespaces.get(name);
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
      await this.#ignoreNotFound(this.client.namespaces.finalize(next));
      return {};
    }
    await this.#ignoreNotFound(this.client.namespaces.delete(name));
    return {};
  }

  /** deleteContent deletes every object of the namespace from the cache and returns how many still exist. */
  async #deleteContent(namespace: string): Promise<number> {
    let remaining = 0;
    for (const r of CONTENT) {
      const api = this.client[r] as unknown as ResourceApi<HasMetadata>;
      for (const obj of (this.informers[r] as unknown as SharedInformer<HasMetadata>).lister().list(namespace)) {
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
