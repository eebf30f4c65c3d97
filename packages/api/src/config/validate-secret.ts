/**
 * @module Secret rules: defaulting (SetDefaults_Secret), stringData (v1 conversion) and core/validation's
 * ValidateSecret and ValidateSecretUpdate.
 */
import type { Secret } from '../config.js';
import type { FieldErrors } from '../validation/field-errors.js';
import { base64Bytes, isConfigMapKey, MAX_CONFIG_DATA_BYTES } from './config-key.js';
import { validateImmutableData } from './validate-config-map.js';

/** The annotation a service-account-token Secret must carry (core.ServiceAccountNameKey). */
export const SERVICE_ACCOUNT_NAME_ANNOTATION = 'kubernetes.io/service-account.name';

/** defaultSecret sets type Opaque when none is given. */
export function defaultSecret(s: Secret): void {
  if (!s.type) s.type = 'Opaque';
}

/**
 * mergeStringData moves stringData into data, base64-encoded, its keys winning; stringData is write-only and never
 * stored or returned (Kubernetes does this when converting v1 to its internal type).
 */
export function mergeStringData(s: Secret): void {
  if (!s.stringData) return;
  const data = { ...s.data };
  for (const [k, v] of Object.entries(s.stringData)) data[k] = Buffer.from(v, 'utf8').toString('base64');
  s.data = data;
  delete s.stringData;
}

const has = (s: Secret, key: string) => s.data?.[key] !== undefined;
const decoded = (s: Secret, key: string) => Buffer.from(s.data?.[key] ?? '', 'base64');

/** validateSecret checks keys, the 1 MiB total, the keys each type requires, and type and `immutable` on update. */
export function validateSecret(s: Secret, errs: FieldErrors, old?: Secret): void {
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
