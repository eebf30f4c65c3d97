import { isDeepStrictEqual } from 'node:util';
import { kindFor, isNotFound, objectKey, RESOURCE_LIST, type ObjectMeta, type OwnerReference, type ResourceInfo } from '@skiff/api';
import {
  OWNER_UID_INDEX,
  watch,
  unwrapTombstone,
  type HasMetadata,
  type ReconcileResult,
} from '@skiff/controller-kit';
import type { ResourceApi } from '../../controller-client.js';
import { UID_INDEX } from '../../informers.js';
import { ManagedController, type ControllerDeps } from '../../managed-controller.js';
import { releasePatch } from '../../util/owner-refs.js';

/** BY_TYPE finds an owner reference's resource from its apiVersion and kind, as kube's RESTMapper does. */
const BY_TYPE: ReadonlyMap<string, ResourceInfo> = new Map(RESOURCE_LIST.map((info) => [`${info.apiVersion}|${info.kind}`, info]));

const ORPHAN = 'orphan';
const FOREGROUND = 'foregroundDeletion';

export interface GarbageCollectorOptions extends ControllerDeps {
}

/**
 * GarbageCollector deletes dependents whose owners are gone and carries out the Orphan and Foreground deletion
 * policies, after kube's pkg/controller/garbagecollector (without its generic graph: the owner/dependent edges come
 * from the informers' uid and owner-uid indexes). It tracks every kind in KINDS (`informers.resources`), as kube's
 * tracks every discovered resource. An owner missing from the cache is confirmed with a live GET
 * before anything is deleted, so a cache that lags never costs a live object. Keys are `resource|namespace/name`.
 */
export class GarbageCollector extends ManagedController {

  constructor(opts: GarbageCollectorOptions) {
    super('garbagecollector', opts, 20);
    // A deletion wakes the object's dependents and owners, not the object itself, so the handlers are written out.
    this.watch([...this.informers.resources].map(([resource, informer]) =>
      watch.handler(informer, () => ({
        onAdd: (obj) => this.#changed(resource, obj),
        onUpdate: (old, obj) => {
          if (!graphChanged(old.metadata, obj.metadata)) return;
          this.#changed(resource, obj);
          // An owner deleting in the foreground may be waiting on this dependent alone (kube's addUnblockedOwnersToDeleteQueue).
          for (const ref of released(old.metadata, obj.metadata)) this.#enqueueOwner(ref, obj.metadata.namespace);
        },
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
    const resource = key.slice(0, bar);
    const obj = this.informers.resources.get(resource)?.indexer.get(key.slice(bar + 1));
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

  async #orphanDependents(resource: string, owner: HasMetadata): Promise<void> {
    const uid = owner.metadata.uid ?? '';
    for (const [depResource, dep] of this.#dependentsOf(uid)) {
      await ignoreNotFound(this.#api(depResource).patch(dep.metadata.name ?? '', releasePatch(dep.metadata, new Set([uid])), { namespace: dep.metadata.namespace }));
    }
    await this.#removeFinalizer(resource, owner, ORPHAN);
  }

  /** deleteDependentsFirst deletes an owner's dependents in the foreground; it returns true while blockers remain. */
  async #deleteDependentsFirst(resource: string, owner: HasMetadata): Promise<boolean> {
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

  async #collectIfOwnersGone(resource: string, obj: HasMetadata): Promise<void> {
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
    // An owner of a kind nothing serves cannot be confirmed gone; kube's collector keeps such dependents too.
    const info = BY_TYPE.get(`${ref.apiVersion}|${ref.kind}`);
    if (!info) return 'present';
    const cached = this.informers.resources.get(info.plural)?.indexer.byIndex(UID_INDEX, ref.uid)[0];
    const live = cached ?? (await this.#getLive(info, ref.name, namespace));
    if (!live || live.metadata.uid !== ref.uid) return 'absent';
    return live.metadata.deletionTimestamp && live.metadata.finalizers?.includes(FOREGROUND) ? 'foreground' : 'present';
  }

  async #getLive(info: ResourceInfo, name: string, namespace: string | undefined): Promise<HasMetadata | undefined> {
    try {
      return await this.client.resource(info).get(name, info.namespaced ? { namespace } : {});
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  async #removeFinalizer(resource: string, obj: HasMetadata, finalizer: string): Promise<void> {
    const next = structuredClone(obj) as HasMetadata & { apiVersion: string; kind: string };
    next.metadata.finalizers = (next.metadata.finalizers ?? []).filter((f) => f !== finalizer);
    await ignoreNotFound(this.#api(resource).update(next as never));
  }

  #dependentsOf(uid: string | undefined): Array<[string, HasMetadata]> {
    if (!uid) return [];
    const out: Array<[string, HasMetadata]> = [];
    for (const [resource, informer] of this.informers.resources) {
      for (const dep of informer.indexer.byIndex(OWNER_UID_INDEX, uid)) out.push([resource, dep]);
    }
    return out;
  }

  #changed(resource: string, obj: HasMetadata): void {
    const m: ObjectMeta = obj.metadata;
    if (m.ownerReferences?.length || (m.deletionTimestamp && (hasFinalizer(m, ORPHAN) || hasFinalizer(m, FOREGROUND)))) {
      this.queue.add(`${resource}|${objectKey(obj)}`);
    }
  }

  #enqueueDependents(uid: string | undefined): void {
    for (const [resource, dep] of this.#dependentsOf(uid)) this.queue.add(`${resource}|${objectKey(dep)}`);
  }

  #enqueueOwner(ref: OwnerReference, namespace: string | undefined): void {
    const info = BY_TYPE.get(`${ref.apiVersion}|${ref.kind}`);
    if (!info) return;
    this.queue.add(`${info.plural}|${!info.namespaced || !namespace ? ref.name : `${namespace}/${ref.name}`}`);
  }

  #api(resource: string): ResourceApi<HasMetadata> {
    return this.client.resource(kindFor(resource).info) as unknown as ResourceApi<HasMetadata>;
  }
}

/**
 * graphChanged says whether an update matters to the collector, as kube's graph_builder decides: only a change of
 * ownerReferences or of the deletion state (deletionTimestamp, the orphan and foregroundDeletion finalizers) does.
 * Anything else (a node Lease renewal, a status write) leaves the owner graph as it was.
 */
function graphChanged(old: ObjectMeta, cur: ObjectMeta): boolean {
  return !isDeepStrictEqual(old.ownerReferences ?? [], cur.ownerReferences ?? [])
    || Boolean(old.deletionTimestamp) !== Boolean(cur.deletionTimestamp)
    || hasFinalizer(old, ORPHAN) !== hasFinalizer(cur, ORPHAN)
    || hasFinalizer(old, FOREGROUND) !== hasFinalizer(cur, FOREGROUND);
}

/** released are the old owner references the update removed or whose blockOwnerDeletion it changed. */
function released(old: ObjectMeta, cur: ObjectMeta): OwnerReference[] {
  const now = new Map((cur.ownerReferences ?? []).map((r) => [r.uid, Boolean(r.blockOwnerDeletion)]));
  return (old.ownerReferences ?? []).filter((r) => now.get(r.uid) !== Boolean(r.blockOwnerDeletion));
}

function hasFinalizer(m: ObjectMeta, finalizer: string): boolean {
  return m.finalizers?.includes(finalizer) ?? false;
}

async function ignoreNotFound(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}
