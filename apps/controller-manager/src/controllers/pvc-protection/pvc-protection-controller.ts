/**
 * @module PvcProtectionController: kube's pvc-protection controller (pkg/controller/volume/pvcprotection). The
 * api-server's StorageObjectInUseProtection admission puts `kubernetes.io/pvc-protection` on every claim; this
 * controller takes it off a claim being deleted once no pod uses it, and puts it back on a live claim that lacks it
 * (one created before the admission existed).
 */
import { isPodTerminal, objectKey, PVC_PROTECTION_FINALIZER, type Pod, type PersistentVolumeClaim } from '@skiff/api';
import { unwrapTombstone, watch, type IndexFunc, type ReconcileResult } from '@skiff/controller-kit';
import { heldByFinalizer, lacksFinalizer, setFinalizer } from '../../util/set-finalizer.js';
import { ManagedController, type ControllerDeps } from '../../managed-controller.js';
import { storageClients, storageInformers, type StorageClients, type StorageInformers } from '../persistent-volume/storage-access.js';

/** POD_PVC_INDEX indexes pods by the `<namespace>/<claim>` keys of their persistentVolumeClaim volumes (common.PodPVCIndex). */
export const POD_PVC_INDEX = 'pod-pvc-index';

/** podPvcIndex is the index function of POD_PVC_INDEX; one function object, so adding it twice is a no-op. */
export const podPvcIndex: IndexFunc<Pod> = (pod) =>
  (pod.spec?.volumes ?? []).flatMap((v) => (v.persistentVolumeClaim ? [`${pod.metadata.namespace ?? ''}/${v.persistentVolumeClaim.claimName}`] : []));

/**
 * podIsDone says a pod no longer holds its claims: terminal (Succeeded or Failed), force-deleted or finished by
 * its node (deletionGracePeriodSeconds 0, kube's podIsShutDown), or deleted with no container left running
 * (volumeutil.IsPodTerminated). A pod never scheduled holds nothing either: no node mounted anything for it.
 */
export function podIsDone(pod: Pod): boolean {
  if (!pod.spec?.nodeName || isPodTerminal(pod)) return true;
  if (!pod.metadata.deletionTimestamp) return false;
  if (pod.metadata.deletionGracePeriodSeconds === 0) return true;
  return (pod.status?.containerStatuses ?? []).every((s) => !s.state?.running);
}

const usesClaim = (pod: Pod, claim: PersistentVolumeClaim): boolean =>
  pod.metadata.namespace === claim.metadata.namespace && !podIsDone(pod) && (pod.spec.volumes ?? []).some((v) => v.persistentVolumeClaim?.claimName === claim.metadata.name);

const needsFinalizer = (pvc: PersistentVolumeClaim): boolean => lacksFinalizer(pvc, PVC_PROTECTION_FINALIZER);
const isDeletionCandidate = (pvc: PersistentVolumeClaim): boolean => heldByFinalizer(pvc, PVC_PROTECTION_FINALIZER);

/**
 * PvcProtectionController keys claims by `<namespace>/<name>`. A claim is woken by its own changes when it needs
 * the finalizer or is being deleted, and by a pod that references it once that pod can no longer hold it (done or
 * deleted), as kube's enqueuePVCs does. "Not used" is checked in the pod cache first, then confirmed by a live
 * list of the namespace's pods, so a pod the cache has not seen yet still protects the claim.
 */
export class PvcProtectionController extends ManagedController {
  readonly #caches: StorageInformers;
  readonly #api: StorageClients;

  constructor(opts: ControllerDeps) {
    super('pvc-protection', opts, 1);
    this.#caches = storageInformers(opts.informers);
    this.#api = storageClients(opts.client);
    this.informers.pods.indexer.addIndexers({ [POD_PVC_INDEX]: podPvcIndex });
    this.watch([
      watch.mapped(this.#caches.claims, (pvc: PersistentVolumeClaim) => (needsFinalizer(pvc) || isDeletionCandidate(pvc) ? objectKey(pvc) : undefined)),
      watch.handler(this.informers.pods, (queue) => {
        const enqueue = (pod: Pod, deleted: boolean): void => {
          if (!deleted && !podIsDone(pod)) return;
          for (const key of podPvcIndex(pod)) queue.add(key);
        };
        return {
          onAdd: (pod) => enqueue(pod, false),
          onUpdate: (old, pod) => {
            enqueue(pod, false);
            // A pod re-created under the same name hides the old one's deletion: the old one's claims need a look.
            if (old.metadata.uid !== pod.metadata.uid) enqueue(old, true);
          },
          onDelete: (obj) => enqueue(unwrapTombstone(obj), true),
        };
      }),
    ]);
  }

  async reconcile(key: string): Promise<ReconcileResult> {
    const pvc = this.#caches.claims.indexer.get(key);
    if (!pvc) return {};
    if (isDeletionCandidate(pvc)) {
      if (!(await this.#isBeingUsed(pvc))) await setFinalizer(this.#api.claims, pvc, PVC_PROTECTION_FINALIZER, false);
      else this.log.debug({ claim: key }, 'keeping a claim being deleted: a pod uses it');
      return {};
    }
    if (needsFinalizer(pvc)) await setFinalizer(this.#api.claims, pvc, PVC_PROTECTION_FINALIZER, true);
    return {};
  }

  async #isBeingUsed(pvc: PersistentVolumeClaim): Promise<boolean> {
    const cached = this.informers.pods.indexer.byIndex(POD_PVC_INDEX, objectKey(pvc));
    if (cached.some((pod) => usesClaim(pod, pvc))) return true;
    const live = await this.client.pods.list({ namespace: pvc.metadata.namespace ?? '' });
    return live.items.some((pod) => usesClaim(pod, pvc));
  }

}
