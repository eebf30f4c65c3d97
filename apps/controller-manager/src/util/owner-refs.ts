import type { ObjectMeta, OwnerReference } from '@skiff/api';

/**
 * adoptPatch is a merge patch that sets the full ownerReferences list, guarded by the resourceVersion the decision
 * was made on, so adopting an object that changed meanwhile fails with 409 instead of clobbering another owner.
 */
export function adoptPatch(meta: ObjectMeta, ref: OwnerReference): unknown {
  const refs = (meta.ownerReferences ?? []).filter((r) => r.uid !== ref.uid);
  return { metadata: { resourceVersion: meta.resourceVersion, uid: meta.uid, ownerReferences: [...refs, ref] } };
}

/** releasePatch is a merge patch removing the references to `ownerUids`, guarded like adoptPatch. */
export function releasePatch(meta: ObjectMeta, ownerUids: ReadonlySet<string>): unknown {
  const refs = (meta.ownerReferences ?? []).filter((r) => !ownerUids.has(r.uid));
  return { metadata: { resourceVersion: meta.resourceVersion, uid: meta.uid, ownerReferences: refs.length ? refs : null } };
}
