import { DEFAULT_SERVICE_ACCOUNT, isAlreadyExists, isNotFound, type ServiceAccount } from '@skiff/api';
import { unwrapTombstone, watch, type ReconcileResult } from '@skiff/controller-kit';
import { ManagedController, type ControllerDeps } from '../../managed-controller.js';

/** MANAGED_ACCOUNTS are the ServiceAccounts every namespace gets (kube's --service-account names: just default). */
const MANAGED_ACCOUNTS = [DEFAULT_SERVICE_ACCOUNT];

/**
 * ServiceAccountsController makes sure every active namespace has a `default` ServiceAccount, creating it when a
 * namespace appears and again if it is deleted, after kube's serviceaccounts controller. Keys are namespace names.
 */
export class ServiceAccountsController extends ManagedController {
  constructor(opts: ControllerDeps) {
    super('serviceaccount', opts, 1);
    this.watch([
      watch.handler(this.informers.namespaces, (queue) => ({
        onAdd: (ns) => queue.add(ns.metadata.name ?? ''),
        onUpdate: (_old, ns) => queue.add(ns.metadata.name ?? ''),
      })),
      watch.handler(this.informers.serviceaccounts, (queue) => ({
        onDelete: (obj) => {
          const sa = unwrapTombstone(obj);
          if (MANAGED_ACCOUNTS.includes(sa.metadata.name ?? '')) queue.add(sa.metadata.namespace ?? '');
        },
      })),
    ]);
  }

  async reconcile(namespace: string): Promise<ReconcileResult> {
    const ns = this.informers.namespaces.indexer.get(namespace);
    // A terminating namespace refuses new objects; a deleted one needs none.
    if (!ns || ns.metadata.deletionTimestamp || (ns.status?.phase ?? 'Active') !== 'Active') return {};
    for (const name of MANAGED_ACCOUNTS) {
      if (this.informers.serviceaccounts.lister().get(`${namespace}/${name}`)) continue;
      const sa: ServiceAccount = { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace } };
      try {
        await this.client.serviceaccounts.create(sa, { namespace });
        this.log.info({ namespace, name }, 'created service account');
      } catch (err) {
        // Someone (or this controller, before the cache caught up) made it already; or the namespace just went.
        if (!isAlreadyExists(err) && !isNotFound(err)) throw err;
      }
    }
    return {};
  }
}
