/**
 * @module findMatchingVolume: the static volume a claim can bind to (shared by the PV controller and the scheduler's VolumeBinding; kube's pv_controller findBestMatchForClaim
 * and volume.FindMatchingVolume, cut to what Skiff serves).
 */
import type { PersistentVolume } from './kinds/persistent-volume.js';
import type { PersistentVolumeClaim } from './kinds/persistent-volume-claim.js';
import type { Node } from './node.js';
import { nodeSelectorTermMatches } from './node-selector-term-matches.js';
import { Quantity } from './quantity.js';
import { selectorFromLabelSelector } from './selectors/index.js';

/** claimClass is the class a claim asks for ("" for none). */
export const claimClass = (pvc: PersistentVolumeClaim): string => pvc.spec.storageClassName ?? '';

const storage = (r: Record<string, string> | undefined): Quantity | undefined => {
  const s = r?.['storage'];
  return s === undefined ? undefined : Quantity.parse(s);
};

/** volumeFitsNode says whether a volume's nodeAffinity admits `node` (no affinity: any node). */
export function volumeFitsNode(pv: PersistentVolume, node: Node): boolean {
  const terms = pv.spec.nodeAffinity?.required?.nodeSelectorTerms;
  if (!terms) return true;
  return terms.some((t) => nodeSelectorTermMatches(t, node));
}

/**
 * findMatchingVolume returns the smallest volume that can hold the claim: one pre-bound to it, or else an unclaimed
 * one of the same class and volume mode, with every requested access mode, enough capacity, labels matching the
 * claim's selector and, when `node` is given, a nodeAffinity admitting it.
 */
export function findMatchingVolume(pvc: PersistentVolumeClaim, volumes: readonly PersistentVolume[], node?: Node): PersistentVolume | undefined {
  const want = storage(pvc.spec.resources?.requests);
  let best: PersistentVolume | undefined;
  let bestSize: Quantity | undefined;
  for (const pv of volumes) {
    if (pv.metadata.deletionTimestamp) continue;
    const ref = pv.spec.claimRef;
    const preBound = ref && ref.namespace === pvc.metadata.namespace && ref.name === pvc.metadata.name && (!ref.uid || ref.uid === pvc.metadata.uid);
    if (ref && !preBound) continue;
    if ((pv.spec.storageClassName ?? '') !== claimClass(pvc)) continue;
    if ((pv.spec.volumeMode ?? 'Filesystem') !== (pvc.spec.volumeMode ?? 'Filesystem')) continue;
    if (node && !volumeFitsNode(pv, node)) continue;
    const size = storage(pv.spec.capacity);
    if (want && (!size || size.cmp(want) < 0)) continue;
    if (preBound) return pv;
    if (pv.status?.phase !== 'Available') continue;
    if (!(pvc.spec.accessModes ?? []).every((m) => pv.spec.accessModes?.includes(m))) continue;
    if (pvc.spec.selector && !selectorFromLabelSelector(pvc.spec.selector).matches(pv.metadata.labels)) continue;
    if (!best || (size && bestSize && size.cmp(bestSize) < 0)) {
      best = pv;
      bestSize = size;
    }
  }
  return best;
}
