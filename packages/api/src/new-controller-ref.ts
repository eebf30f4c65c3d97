/**
 * @module newControllerRef: the owner reference a controller stamps on what it creates or adopts (metav1.NewControllerRef).
 */
import type { ObjectMeta, OwnerReference } from './meta.js';

/** newControllerRef builds a reference to `owner` with controller and blockOwnerDeletion set, as metav1.NewControllerRef does. */
export function newControllerRef(owner: { apiVersion: string; kind: string; metadata: ObjectMeta }): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}
