/**
 * @module StorageObjectInUseProtection: kube's admission plugin of that name
 * (plugin/pkg/admission/storage/storageobjectinuseprotection), which puts a protection finalizer on every new
 * claim and volume. The pvc-protection and pv-protection controllers take it off once nothing uses the object, so
 * `kubectl delete pvc` of a claim a pod still mounts leaves it Terminating instead of pulling the data away.
 */
import type { ObjectMeta } from '../meta.js';

/** PVC_PROTECTION_FINALIZER holds a claim while a pod that is not terminated uses it (volumeutil.PVCProtectionFinalizer). */
export const PVC_PROTECTION_FINALIZER = 'kubernetes.io/pvc-protection';
/** PV_PROTECTION_FINALIZER holds a volume while it is Bound to a claim (volumeutil.PVProtectionFinalizer). */
export const PV_PROTECTION_FINALIZER = 'kubernetes.io/pv-protection';

/** addProtectionFinalizer appends `finalizer` unless the object carries it already (the plugin's admit). */
export function addProtectionFinalizer(obj: { metadata: ObjectMeta }, finalizer: string): void {
  const finalizers = obj.metadata.finalizers ?? [];
  if (!finalizers.includes(finalizer)) obj.metadata.finalizers = [...finalizers, finalizer];
}
