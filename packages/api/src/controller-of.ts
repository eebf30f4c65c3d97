/**
 * @module controllerOf: the controlling owner of an object (apimachinery metav1.GetControllerOf / IsControlledBy).
 */
import type { ObjectMeta, OwnerReference } from './meta.js';

/** controllerOf returns the owner reference marked `controller: true`, as metav1.GetControllerOf does. */
export function controllerOf(obj: { metadata: ObjectMeta }): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

/** isControlledBy is true when the object's controller reference names the owner's uid (metav1.IsControlledBy). */
export function isControlledBy(obj: { metadata: ObjectMeta }, owner: { metadata: ObjectMeta }): boolean {
  const ref = controllerOf(obj);
  return ref !== undefined && owner.metadata.uid !== undefined && ref.uid === owner.metadata.uid;
}
