/**
 * @module The ApiErrors a store throws, built from a ResourceKey so messages read like kube-apiserver's.
 */
import { errors } from '@skiff/api';
import type { ApiError } from '@skiff/api';
import type { ResourceKey } from './storage.js';

/**
 * splitResource turns a key's group-qualified resource into its parts: "deployments.apps" → deployments in group
 * apps, "pods" → pods in the core group. Errors need them apart because Status details carry the group separately.
 */
export function splitResource(resource: string): { resource: string; group: string } {
  const dot = resource.indexOf('.');
  return dot < 0 ? { resource, group: '' } : { resource: resource.slice(0, dot), group: resource.slice(dot + 1) };
}

/** storeErrors builds the NotFound, AlreadyExists and Conflict errors of a write, so both stores word them alike. */
export const storeErrors = {
  notFound(key: ResourceKey): ApiError {
    const { resource, group } = splitResource(key.resource);
    return errors.notFound(resource, group, key.name);
  },
  alreadyExists(key: ResourceKey): ApiError {
    const { resource, group } = splitResource(key.resource);
    return errors.alreadyExists(resource, group, key.name);
  },
  /** conflict is the stale-update answer; `why` overrides kube-apiserver's default wording (used for delete preconditions). */
  conflict(key: ResourceKey, why?: string): ApiError {
    const { resource, group } = splitResource(key.resource);
    return errors.conflict(resource, group, key.name, why);
  },
};
