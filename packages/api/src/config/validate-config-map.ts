/**
 * @module validateConfigMap: core/validation's ValidateConfigMap and ValidateConfigMapUpdate.
 */
import type { ConfigMap } from '../config.js';
import type { FieldErrors } from '../validation/field-errors.js';
import { base64Bytes, isConfigMapKey, MAX_CONFIG_DATA_BYTES } from './config-key.js';

/** validateConfigMap checks keys (valid, not in both data and binaryData), the 1 MiB total, and `immutable` on update. */
export function validateConfigMap(cm: ConfigMap, errs: FieldErrors, old?: ConfigMap): void {
  let total = 0;
  for (const [key, value] of Object.entries(cm.data ?? {})) {
    errs.each(`data[${key}]`, key, isConfigMapKey(key));
    if (cm.binaryData?.[key] !== undefined) errs.invalid(`data[${key}]`, key, 'duplicate of key present in binaryData');
    total += Buffer.byteLength(value);
  }
  for (const [key, value] of Object.entries(cm.binaryData ?? {})) {
    errs.each(`binaryData[${key}]`, key, isConfigMapKey(key));
    if (cm.data?.[key] !== undefined) errs.invalid(`binaryData[${key}]`, key, 'duplicate of key present in data');
    total += base64Bytes(value);
  }
  if (total > MAX_CONFIG_DATA_BYTES) errs.tooLong('', MAX_CONFIG_DATA_BYTES);
  if (old) validateImmutableData(cm, old, ['data', 'binaryData'], errs);
}

/** validateImmutableData refuses, once `immutable` is true, turning it off or changing any of `fields`. */
export function validateImmutableData<T extends { immutable?: boolean }>(obj: T, old: T, fields: Array<keyof T & string>, errs: FieldErrors): void {
  if (!old.immutable) return;
  if (!obj.immutable) errs.forbidden('immutable', 'field is immutable when `immutable` is set');
  for (const f of fields) {
    if (!sameMap(obj[f] as Record<string, string> | undefined, old[f] as Record<string, string> | undefined)) errs.forbidden(f, 'field is immutable when `immutable` is set');
  }
}

function sameMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b ?? {}).length) return false;
  return ka.every((k) => b?.[k] === a?.[k]);
}
