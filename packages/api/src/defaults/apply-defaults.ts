/**
 * @module applyDefaults: per-kind defaulting run by the api-server after decoding and before validation.
 */
import { kindFor } from '../kinds/index.js';
import type { KubeObject } from '../meta.js';

/**
 * applyDefaults fills unset fields of `obj` in place the way kube-apiserver's defaulters do, so stored objects
 * carry explicit values and validation sees what will be stored. Each kind's `defaults` does the work.
 */
export function applyDefaults(resource: string, obj: KubeObject): void {
  kindFor(resource).defaults?.(obj);
}
