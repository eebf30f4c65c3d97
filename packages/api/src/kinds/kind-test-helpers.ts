/**
 * @module Test helpers for kind files: run a body through the registry's create steps and read a 422's causes.
 */
import { applyDefaults } from '../defaults/apply-defaults.js';
import type { KubeObject } from '../meta.js';
import { ApiError } from '../status.js';
import { decodeObject } from '../validation/decode-object.js';
import { validateObject } from '../validation/validate-object.js';
import { kindFor } from './index.js';

/**
 * createObject does what the registry does to a POSTed body: decode strictly, stamp uid and namespace, run the
 * kind's prepareForCreate, default and validate. It throws the 422 ApiError the api-server would answer.
 */
export function createObject<T>(resource: string, body: unknown): T {
  const obj = decodeObject(resource, body, { fieldValidation: 'Strict' }).object;
  obj.metadata.uid = 'uid-1';
  if (kindFor(resource).info.namespaced) obj.metadata.namespace ??= 'default';
  kindFor(resource).strategy.prepareForCreate?.(obj);
  applyDefaults(resource, obj);
  validateObject(resource, obj);
  return obj as unknown as T;
}

/** validateUpdate validates `next` as a replacement of `old`, as the registry's update does. */
export function validateUpdate<T>(resource: string, next: T, old: T): void {
  validateObject(resource, next as unknown as KubeObject, old as unknown as KubeObject);
}

/** causesOf runs `fn` and returns the `field: message` lines of the 422 it throws ([] when it does not throw). */
export function causesOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    if (err instanceof ApiError) return (err.details?.causes ?? []).map((c) => `${c.field}: ${c.message}`);
    throw err;
  }
  return [];
}
