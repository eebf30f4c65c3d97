/**
 * @module secretKind: core/v1 Secret, credentials pods read as files or environment variables. Stored encrypted
 * by the api-server (see its storage transformer); `stringData` is write-only and merged into `data`.
 */
import type { z } from 'zod';
import { zod } from '../validation/zod.js';
import type { ObjectMeta } from '../meta.js';
import { sinceTimestamp } from '../printers/human-duration.js';
import { AGE_COLUMN, column, NAME_COLUMN } from '../printers/resource-printer.js';
import { base64Bytes, isConfigMapKey, MAX_CONFIG_DATA_BYTES } from '../validation/config-key.js';
import type { FieldErrors } from '../validation/field-errors.js';
import { objectMetaSchema } from '../validation/meta-schema.js';
import { stringMap } from '../validation/schema-helpers.js';
import { base64Map, validateImmutableData } from './config-map.js';
import { defineKind } from './kind.js';
import { lazySchema } from '../validation/lazy-schema.js';

/** The Secret types Kubernetes defines, each with the keys it requires. */
export type SecretType =
  | 'Opaque'
  | 'kubernetes.io/service-account-token'
  | 'kubernetes.io/dockercfg'
  | 'kubernetes.io/dockerconfigjson'
  | 'kubernetes.io/basic-auth'
  | 'kubernetes.io/ssh-auth'
  | 'kubernetes.io/tls'
  | 'bootstrap.kubernetes.io/token';

export interface Secret {
  apiVersion: 'v1';
  kind: 'Secret';
  metadata: ObjectMeta;
  /** base64 values. */
  data?: Record<string, string>;
  /** Write-only plain values, merged into data on write. */
  stringData?: Record<string, string>;
  /** One of SecretType, or any type of the user's own. */
  type?: string;
  immutable?: boolean;
}

/** The annotation a service-account-token Secret must carry (core.ServiceAccountNameKey). */
export const SERVICE_ACCOUNT_NAME_ANNOTATION = 'kubernetes.io/service-account.name';

/** secretSchema decodes core/v1 Secret. */
export const secretSchema = lazySchema(() => zod.object({
  apiVersion: zod.literal('v1'),
  kind: zod.literal('Secret'),
  metadata: objectMetaSchema().default({}),
  data: base64Map().optional(),
  stringData: stringMap().optional(),
  type: zod.string().optional(),
  immutable: zod.boolean().optional(),
}) satisfies z.ZodType<Secret>);

/**
 * defaultSecret moves stringData into data, base64-encoded, its keys winning (Kubernetes does this converting v1
 * to its internal type, so stringData is never stored or returned), and sets type Opaque when none is given.
 */
export function defaultSecret(s: Secret): void {
  if (s.stringData) {
    const data = { ...s.data };
    for (const [k, v] of Object.entries(s.stringData)) data[k] = Buffer.from(v, 'utf8').toString('base64');
    s.data = data;
    delete s.stringData;
  }
  if (!s.type) s.type = 'Opaque';
}

const has = (s: Secret, key: string) => s.data?.[key] !== undefined;
const decoded = (s: Secret, key: string) => Buffer.from(s.data?.[key] ?? '', 'base64');

/** validateSecret is ValidateSecret and ValidateSecretUpdate: keys, 1 MiB, each type's keys, type and `immutable`. */
function validateSecret(s: Secret, errs: FieldErrors, old?: Secret): void {
  let total = 0;
  for (const [key, value] of Object.entries(s.data ?? {})) {
    errs.each(`data[${key}]`, key, isConfigMapKey(key));
    total += base64Bytes(value);
  }
  if (total > MAX_CONFIG_DATA_BYTES) errs.tooLong('data', MAX_CONFIG_DATA_BYTES);
  switch (s.type) {
    case 'kubernetes.io/service-account-token':
      // The token itself is filled in later by a controller; only the account's name is required.
      if (!s.metadata.annotations?.[SERVICE_ACCOUNT_NAME_ANNOTATION]) errs.required(`metadata.annotations[${SERVICE_ACCOUNT_NAME_ANNOTATION}]`);
      break;
    case 'kubernetes.io/dockercfg':
    case 'kubernetes.io/dockerconfigjson': {
      const key = s.type === 'kubernetes.io/dockercfg' ? '.dockercfg' : '.dockerconfigjson';
      if (!has(s, key)) errs.required(`data[${key}]`);
      else if (!isJsonObject(decoded(s, key).toString('utf8'))) errs.invalid(`data[${key}]`, '<secret contents redacted>', 'must be a JSON object');
      break;
    }
    case 'kubernetes.io/basic-auth':
      // Either may be empty, but one of them must be there.
      if (!has(s, 'username') && !has(s, 'password')) {
        errs.required('data[username]');
        errs.required('data[password]');
      }
      break;
    case 'kubernetes.io/ssh-auth':
      if (decoded(s, 'ssh-privatekey').length === 0) errs.required('data[ssh-privatekey]');
      break;
    case 'kubernetes.io/tls':
      if (!has(s, 'tls.crt')) errs.required('data[tls.crt]');
      if (!has(s, 'tls.key')) errs.required('data[tls.key]');
      break;
    default:
    // Opaque and types Kubernetes does not know: any keys.
  }
  if (!old) return;
  if (s.type !== old.type) errs.immutable('type', s.type);
  validateImmutableData(s, old, ['data'], errs);
}

function isJsonObject(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

export const secretKind = defineKind({
  group: '',
  version: 'v1',
  kind: 'Secret',
  plural: 'secrets',
  namespaced: true,
  schema: secretSchema,
  defaults: defaultSecret,
  validate: validateSecret,
  fields: { type: (s) => s.type ?? '' },
  // kube printers.go printSecret.
  printer: {
    columns: [NAME_COLUMN, column('Type', 'The type of the secret'), column('Data', 'The number of data in the secret', { type: 'integer' }), AGE_COLUMN],
    cells: (s, nowMs) => [s.metadata.name ?? '', s.type ?? '', Object.keys(s.data ?? {}).length, sinceTimestamp(s.metadata.creationTimestamp, nowMs)],
  },
});
