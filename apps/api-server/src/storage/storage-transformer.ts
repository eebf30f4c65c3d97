/**
 * @module StorageTransformer: how object text is changed on its way to and from the database file (kube-apiserver's
 * value.Transformer). The store keeps plain objects in memory and in events; only the bytes on disk are transformed.
 */
import type { ResourceKey } from './storage.js';

/** FromStorage is an object's JSON read back, and whether its stored form should be rewritten (an old key, or none). */
export interface FromStorage {
  json: string;
  stale: boolean;
}

/** StorageTransformer turns an object's JSON into what is stored for `key` and back; it throws when it cannot read. */
export interface StorageTransformer {
  /** The resources whose values it transforms (the store rewrites their stale values at open). */
  readonly resources: readonly string[];
  toStorage(key: ResourceKey, json: string): string;
  fromStorage(key: ResourceKey, stored: string): FromStorage;
}

/** identityTransformer stores JSON as it is. */
export const identityTransformer: StorageTransformer = {
  resources: [],
  toStorage: (_key, json) => json,
  fromStorage: (_key, stored) => ({ json: stored, stale: false }),
};
