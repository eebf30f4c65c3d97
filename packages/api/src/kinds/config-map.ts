/**
 * @module configMapKind: core/v1 ConfigMap, configuration pods read as files or environment variables.
 */
import type { z } from 'zod';
import { zod } from '../validation/zod.js';
import type { ObjectMeta } from '../meta.js';
import { sinceTimestamp } from '../printers/human-duration.js';
import { AGE_COLUMN, column, NAME_COLUMN } from '../printers/resource-printer.js';
import { base64Bytes, base64Error, isConfigMapKey, MAX_CONFIG_DATA_BYTES } from '../validation/config-key.js';
import type { FieldErrors } from '../validation/field-errors.js';
import { objectMetaSchema } from '../validation/meta-schema.js';
import { stringMap } from '../validation/schema-helpers.js';
import { defineKind } from './kind.js';
import { lazySchema } from '../validation/lazy-schema.js';

export interface ConfigMap {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: ObjectMeta;
  /** UTF-8 values. */
  data?: Record<string, string>;
  /** base64 values (content that is not UTF-8). */
  binaryData?: Record<string, string>;
  immutable?: boolean;
}

/** base64Map is map[string][]byte on the wire: values that are not base64 are refused while decoding (400). */
export const base64Map = () =>
  zod.record(
    zod.string(),
    zod.string().superRefine((value, ctx) => {
      const error = base64Error(value);
      if (error) ctx.addIssue({ code: 'custom', message: error });
    }),
  );

/** configMapSchema decodes core/v1 ConfigMap. */
export const configMapSchema = lazySchema(() => zod.object({
  apiVersion: zod.literal('v1'),
  kind: zod.literal('ConfigMap'),
  metadata: objectMetaSchema().default({}),
  data: stringMap().optional(),
  binaryData: base64Map().optional(),
  immutable: zod.boolean().optional(),
}) satisfies z.ZodType<ConfigMap>);

/** validateConfigMap is ValidateConfigMap and ValidateConfigMapUpdate: keys, the 1 MiB total, `immutable`. */
function validateConfigMap(cm: ConfigMap, errs: FieldErrors, old?: ConfigMap): void {
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
  // Kubernetes reports the size of the whole object at the root path.
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
  const keys = Object.keys(a ?? {});
  return keys.length === Object.keys(b ?? {}).length && keys.every((k) => b?.[k] === a?.[k]);
}

export const configMapKind = defineKind({
  group: '',
  version: 'v1',
  kind: 'ConfigMap',
  plural: 'configmaps',
  namespaced: true,
  shortNames: ['cm'],
  schema: configMapSchema,
  validate: validateConfigMap,
  // kube printers.go printConfigMap.
  printer: {
    columns: [NAME_COLUMN, column('Data', 'Number of data in configmap', { type: 'integer' }), AGE_COLUMN],
    cells: (cm, nowMs) => [cm.metadata.name ?? '', Object.keys(cm.data ?? {}).length + Object.keys(cm.binaryData ?? {}).length, sinceTimestamp(cm.metadata.creationTimestamp, nowMs)],
  },
});
