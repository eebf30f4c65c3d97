/**
 * @module setFinalizer: adds or removes one finalizer with an update of the cached copy (a stale copy fails with
 * 409 and the controller retries from its cache), as kube's protection controllers do.
 */
import { isNotFound } from '@skiff/api';
import type { HasMetadata } from '@skiff/controller-kit';
import type { ResourceApi } from '../controller-client.js';

/** setFinalizer makes `finalizer` present or absent on `obj`; an object already gone is left alone. */
export async function setFinalizer<T extends HasMetadata>(api: ResourceApi<T>, obj: T, finalizer: string, present: boolean): Promise<void> {
  const next = structuredClone(obj);
  const others = (next.metadata.finalizers ?? []).filter((f) => f !== finalizer);
  next.metadata.finalizers = present ? [...others, finalizer] : others;
  try {
    await api.update(next);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** lacksFinalizer is whether a live (not deleting) object is missing `finalizer`: a protection controller adds it. */
export function lacksFinalizer(obj: HasMetadata, finalizer: string): boolean {
  return !obj.metadata.deletionTimestamp && !(obj.metadata.finalizers ?? []).includes(finalizer);
}

/** heldByFinalizer is whether a deleting object still carries `finalizer`: a protection controller may release it. */
export function heldByFinalizer(obj: HasMetadata, finalizer: string): boolean {
  return !!obj.metadata.deletionTimestamp && (obj.metadata.finalizers ?? []).includes(finalizer);
}
