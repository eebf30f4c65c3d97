import { aggregateRules, isConflict, isNotFound, RESOURCES, type ClusterRole, type KubeObject } from '@skiff/api';
import { watch, type ReconcileResult } from '@skiff/controller-kit';
import { ManagedController, type ControllerDeps } from '../../managed-controller.js';

/**
 * ClusterRoleAggregationController keeps each ClusterRole with an aggregationRule holding the union of the rules of
 * the ClusterRoles its selectors match (kube's clusterrole-aggregation-controller): a new role labelled
 * `rbac.authorization.k8s.io/aggregate-to-view: "true"` widens view, and through view edit and admin. Keys are
 * the names of aggregated ClusterRoles; any ClusterRole change requeues them all, as kube's enqueueAll does.
 */
export class ClusterRoleAggregationController extends ManagedController {
  readonly #roles;

  constructor(opts: ControllerDeps) {
    super('clusterrole-aggregation', opts, 1);
    const informer = this.informers.resources.get(RESOURCES.clusterroles.plural);
    if (!informer) throw new Error('no ClusterRole informer');
    this.#roles = informer;
    const enqueueAll = (queue: { add(key: string): void }) => () => {
      for (const r of this.#roles.lister().list() as ClusterRole[]) if (r.aggregationRule) queue.add(r.metadata.name ?? '');
    };
    this.watch([watch.handler(informer, (queue) => ({ onAdd: enqueueAll(queue), onUpdate: enqueueAll(queue), onDelete: enqueueAll(queue) }))]);
  }

  async reconcile(name: string): Promise<ReconcileResult> {
    const role = this.#roles.lister().get(name) as ClusterRole | undefined;
    if (!role?.aggregationRule) return {};
    const rules = aggregateRules(role, this.#roles.lister().list() as ClusterRole[]) ?? [];
    if (JSON.stringify(rules) === JSON.stringify(role.rules ?? [])) return {};
    try {
      await this.client.resource(RESOURCES.clusterroles).update({ ...structuredClone(role), rules } as KubeObject);
      this.log.info({ name, rules: rules.length }, 'aggregated cluster role rules');
    } catch (err) {
      // A stale cache (409) or a role deleted meanwhile: the informer's next event brings the key back.
      if (!isConflict(err) && !isNotFound(err)) throw err;
    }
    return {};
  }
}
