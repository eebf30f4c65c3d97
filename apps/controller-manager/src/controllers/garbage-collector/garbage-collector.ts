import { isNotFound, objectKey, type ObjectMeta, type OwnerReference } from '@skiff/api';
import {
  OWNER_UID_INDEX,
  watch,
  unwrapTombstone,
  type HasMetadata,
  type ReconcileResult,
  type SharedInformer,
} from '@skiff/controller-kit';
import type { ResourceApi } from '../../controller-client.js';
import { UID_INDEX } from '../../informers.js';
import { ManagedController, type ControllerDeps } from '../../managed-controller.js';
import { releasePatch } from '../../util/owner-refs.js';

/** Resources the collector tracks: every kind that can be an owner or a dependent here. */
type Tracked = 'pods' | 'replicasets' | 'deployments' | 'nodes' | 'namespaces' | 'leases' | 'services' | 'endpoints' | 'endpointslices' | 'jobs' | 'cronjobs';

const KIND_TO_RESOURCE: Record<string, Tracked> = {
  Pod: 'pods',
  ReplicaSet: 'replicasets',
  Deployment: 'deployments',
  Node: 'nodes',
  Namespace: 'namespaces',
  Lease: 'leases',
  Service: 'services',
  Endpoints: 'endpoints',
  EndpointSlice: 'endpointslices',
  Job: 'jobs',
  CronJob: 'cronjobs',
};

const ORPHAN = 'orphan';
const FOREGROUND = 'foregroundDeletion';

export interface GarbageCollectorOptions extends ControllerDeps {
}

/**
 * GarbageCollector deletes dependents whose owners are gone and carries out the Orphan and Foreground deletion
 * policies, after kube's pkg/controller/garbagecollector (without its generic graph: the owner/dependent edges come
 * from the informers' uid and owner-uid indexes). An owner missing from the cache is confirmed with a live GET
 * before anything is deleted, so a cache that lags never costs a live object. Keys are `resource|namespace/name`.
 */
export class GarbageCollector extends ManagedController {

  constructor(opts: GarbageCollectorOptions) {
    super('garbagecollector', opts, 20);
    // A deletion wakes the object's dependents and owners, not the object itself, so the handlers are written out.
    this.watch((Object.keys(this.#tracked()) as Tracked[]).map((resource) =>
      watch.handler(this.#tracked()[resource], () => ({
        onAdd: (obj) => this.#changed(resource, obj),
        onUpdate: (_old, obj) => this.#changed(resource, obj),
        onDelete: (tomb) => {
          const obj = unwrapTombstone(tomb);
          this.#enqueueDependents(obj.metadata.uid);
          for (const ref of obj.metadata.ownerReferences ?? []) this.#enqueueOwner(ref, obj.metadata.namespace);
        },
      })),
    ));
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const bar = key.indexOf('|');
    const resource = key.slice(0, bar) as Tracked;
    const obj = this.#tracked()[resource]?.indexer.get(key.slice(bar + 1));
    if (!obj) return {};
    const finalizers = obj.metadata.finalizers ?? [];
    if (obj.metadata.deletionTimestamp && finalizers.includes(ORPHAN)) await this.#orphanDependents(resource, obj);
    if (obj.metadata.deletionTimestamp && finalizers.includes(FOREGROUND)) {
      const waiting = await this.#deleteDependentsFirst(resource, obj);
      if (waiting) return { requeueAfterMs: 1000 };
    }
    await this.#collectIfOwnersGone(resource, obj);
    return {};
  }

  async #orphanDependents(resource: Tracked, owner: HasMetadata): Promise<void> {
    const uid = owner.metadata.uid ?? '';
    for (const [depResource, dep] of this.#dependentsOf(uid)) {
      await ignoreNotFound(this.#api(depResource).patch(dep.metadata.name ?? '', releasePatch(dep.metadata, new Set([uid])), { namespace: dep.metadata.namespace }));
    }
    await this.#removeFinalizer(resource, owner, ORPHAN);
  }

  /** deleteDependentsFirst deletes an owner's dependents in the foreground; it returns true while blockers remain. */
  async #deleteDependentsFirst(resource: Tracked, owner: HasMetadata): Promise<boolean> {
    const uid = owner.metadata.uid ?? '';
    let blocking = 0;
    for (const [depResource, dep] of this.#dependentsOf(uid)) {
      if (dep.metadata.ownerReferences?.find((r) => r.uid === uid)?.blockOwnerDeletion) blocking++;
      if (!dep.metadata.deletionTimestamp) {
        await ignoreNotFound(this.#api(depResource).delete(dep.metadata.name ?? '', { namespace: dep.metadata.namespace, propagationPolicy: 'Foreground', preconditions: { uid: dep.metadata.uid } }));
      }
    }
    if (blocking > 0) return true;
    await this.#removeFinalizer(resource, owner, FOREGROUND);
    return false;
  }

  async #collectIfOwnersGone(resource: Tracked, obj: HasMetadata): Promise<void> {
    const refs = obj.metadata.ownerReferences ?? [];
    if (refs.length === 0 || obj.metadata.deletionTimestamp) return;
    const gone = new Set<string>();
    let foregroundOwner = false;
    for (const ref of refs) {
      const state = await this.#ownerState(ref, obj.metadata.namespace);
      if (state === 'absent') gone.add(ref.uid);
      if (state === 'foreground' && ref.blockOwnerDeletion) foregroundOwner = true;
    }
    const api = this.#api(resource);
    const opts = { namespace: obj.metadata.namespace, preconditions: { uid: obj.metadata.uid } };
    if (gone.size === refs.length) {
      this.log.info({ resource, key: objectKey(obj) }, 'deleting dependent whose owners are gone');
      await ignoreNotFound(api.delete(obj.metadata.name ?? '', { ...opts, propagationPolicy: 'Background' }));
    } else if (foregroundOwner) {
      await ignoreNotFound(api.delete(obj.metadata.name ?? '', { ...opts, propagationPolicy: 'Foreground' }));
    } else if (gone.size > 0) {
      await ignoreNotFound(api.patch(obj.metadata.name ?? '', releasePatch(obj.metadata, gone), { namespace: obj.metadata.namespace }));
    }
  }

  /** ownerState looks the owner up by uid in the cache, then, if missing, by name on the server. */
  async #ownerState(ref: OwnerReference, namespace: string | undefined): Promise<'present' | 'absent' | 'foreground'> {
    const resource = KIND_TO_RESOURCE[ref.kind];
    if (!resource) return 'present';
    const cached = this.#tracked()[resource].indexer.byIndex(UID_INDEX, ref.uid)[0];
    const live = cached ?? (await this.#getLive(resource, ref.name, namespace));
    if (!live || live.metadata.uid !== ref.uid) return 'absent';
    return live.metadata.deletionTimestamp && live.metadata.finalizers?.includes(FOREGROUND) ? 'foreground' : 'present';
  }

  async #getLive(resource: Tracked, name: string, namespace: string | undefined): Promise<HasMetadata | undefined> {
    const clusterScoped = resource === 'nodes' || resource === 'namespaces';
    try {
      return await this.#api(resource).get(name, clusterScoped ? {} : { namespace });
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async #removeFinalizer(resource: Tracked, obj: HasMetadata, finalizer: string): Promise<void> {
    const next = structuredClone(obj) as HasMetadata & { apiVersion: string; kind: string };
    next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    await ignoreNotFound(this.#api(resource).update(next as never));
  }

  #dependentsOf(uid: string | undefined): Array<[Tracked, HasMetadata]> {
    if (!uid) return [];
    const out: Array<[Tracked, HasMetadata]> = [];
    for (const [resource, informer] of Object.entries(this.#tracked()) as Array<[Tracked, SharedInformer<HasMetadata>]>) {
      for (const dep of informer.indexer.byIndex(OWNER_UID_INDEX, uid)) out.push([resource, dep]);
    }
    return out;
  }

  #changed(resource: Tracked, obj: HasMetadata): void {
    const m: ObjectMeta = obj.metadata;
    if (m.ownerReferences?.length || (m.deletionTimestamp && (m.finalizers?.includes(ORPHAN) || m.finalizers?.includes(FOREGROUND)))) {
      this.queue.add(`${resource}|${objectKey(obj)}`);
    }
  }

  #enqueueDependents(uid: string | undefined): void {
    for (const [resource, dep] of this.#dependentsOf(uid)) this.queue.add(`${resource}|${objectKey(dep)}`);
  }

  #enqueueOwner(ref: OwnerReference, namespace: string | undefined): void {
    const resource = KIND_TO_RESOURCE[ref.kind];
    if (!resource) return;
    const clusterScoped = resource === 'nodes' || resource === 'namespaces';
    this.queue.add(`${resource}|${clusterScoped || !namespace ? ref.name : `${namespace}/${ref.name}`}`);
  }

  #tracked(): Record<Tracked, SharedInformer<HasMetadata>> {
    return this.informers as unknown as Record<Tracked, SharedInformer<HasMetadata>>;
  }

  #api(resource: Tracked): ResourceApi<HasMetadata> {
    return this.client[resource] as unknown as ResourceApi<HasMetadata>;
  }
}

async function ignoreNotFound(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
