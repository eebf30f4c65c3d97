/**
 * @module validateVolumeSource: one pod volume's source (core/validation validateVolumeSource) for the types Skiff
 * serves; any other type is refused by name.
 */
import type { DownwardAPIVolumeFile, KeyToPath, Volume } from '../pod.js';
import { isConfigMapKey } from './config-key.js';
import type { FieldErrors } from './field-errors.js';
import { isDNS1123Subdomain } from './name-rules.js';

/** SUPPORTED_VOLUME_TYPES are the volume sources the node agent can set up. */
export const SUPPORTED_VOLUME_TYPES = ['configMap', 'downwardAPI', 'emptyDir', 'hostPath', 'persistentVolumeClaim', 'projected', 'secret'] as const;
const MODE_ERROR = 'must be a number between 0 and 0777 (octal), both inclusive';
/** Fields a downwardAPI volume file may show (validVolumeDownwardAPIFieldPathExpressions). */
const VOLUME_FIELD_PATHS = ['metadata.annotations', 'metadata.labels', 'metadata.name', 'metadata.namespace', 'metadata.uid'];
const MIN_TOKEN_SECONDS = 600;
const MAX_TOKEN_SECONDS = 2 ** 32;

/** validateLocalDescendingPath refuses an absolute path or one with a '..' element (subPath, item paths). */
export function validateLocalDescendingPath(target: string, field: string, errs: FieldErrors): void {
  if (target.startsWith('/')) errs.invalid(field, target, 'must be a relative path');
  if (target.split('/').includes('..')) errs.invalid(field, target, "must not contain '..'");
}

/** validateLocalNonReservedPath also keeps paths away from the '..data' entries kubelet's writer owns. */
function validateLocalNonReservedPath(target: string, field: string, errs: FieldErrors): void {
  validateLocalDescendingPath(target, field, errs);
  if (target.length >= 2 && target.startsWith('..')) errs.invalid(field, target, "must not start with '..'");
}

function validateMode(mode: number | undefined, field: string, errs: FieldErrors): void {
  if (mode !== undefined && (mode < 0 || mode > 0o777)) errs.invalid(field, mode, MODE_ERROR);
}

function validateItems(items: KeyToPath[] | undefined, path: string, errs: FieldErrors, seen: Set<string>): void {
  items?.forEach((item, i) => {
    const p = `${path}.items[${i}]`;
    if (!item.key) errs.required(`${p}.key`);
    else errs.each(`${p}.key`, item.key, isConfigMapKey(item.key));
    if (!item.path) errs.required(`${p}.path`);
    else {
      validateLocalNonReservedPath(item.path, `${p}.path`, errs);
      noDuplicatePath(item.path, `${p}.path`, seen, errs);
    }
    validateMode(item.mode, `${p}.mode`, errs);
  });
}

function noDuplicatePath(path: string, field: string, seen: Set<string>, errs: FieldErrors): void {
  if (seen.has(path)) errs.invalid(field, path, 'conflicting duplicate paths');
  seen.add(path);
}

function validateDownwardFiles(items: DownwardAPIVolumeFile[] | undefined, path: string, errs: FieldErrors, seen: Set<string>): void {
  items?.forEach((item, i) => {
    const p = `${path}.items[${i}]`;
    if (!item.path) errs.required(`${p}.path`);
    else {
      validateLocalNonReservedPath(item.path, `${p}.path`, errs);
      noDuplicatePath(item.path, `${p}.path`, seen, errs);
    }
    validateMode(item.mode, `${p}.mode`, errs);
    if (item.fieldRef && item.resourceFieldRef) errs.invalid(p, 'resource', 'fieldRef and resourceFieldRef can not be specified simultaneously');
    else if (item.fieldRef) {
      const fp = item.fieldRef.fieldPath;
      const subscripted = /^metadata\.(labels|annotations)\['.+'\]$/.test(fp);
      if (!fp) errs.required(`${p}.fieldRef.fieldPath`);
      else if (!subscripted && !VOLUME_FIELD_PATHS.includes(fp)) errs.notSupported(`${p}.fieldRef.fieldPath`, fp, VOLUME_FIELD_PATHS);
    } else if (item.resourceFieldRef) {
      if (!item.resourceFieldRef.containerName) errs.required(`${p}.resourceFieldRef.containerName`);
    } else errs.required(p, 'one of fieldRef and resourceFieldRef is required');
  });
}

function requireName(name: string | undefined, field: string, errs: FieldErrors): void {
  if (!name) errs.required(field);
  else errs.each(field, name, isDNS1123Subdomain(name));
}

/**
 * validateVolumeSource checks the source of volume `v` at `p` (`spec.volumes[0]`): exactly one type, one Skiff
 * supports, and its fields. Returns false when the volume has no usable type.
 */
export function validateVolumeSource(v: Volume, p: string, errs: FieldErrors): void {
  const types = Object.keys(v).filter((k) => k !== 'name' && (v as unknown as Record<string, unknown>)[k] !== undefined);
  if (types.length === 0) errs.required(p, 'must specify a volume type');
  for (const extra of types.slice(1)) errs.forbidden(`${p}.${extra}`, 'may not specify more than 1 volume type');
  const type = types[0];
  if (type === undefined) return;
  if (!(SUPPORTED_VOLUME_TYPES as readonly string[]).includes(type)) {
    errs.notSupported(`${p}.${type}`, type, SUPPORTED_VOLUME_TYPES);
    return;
  }
  if (v.hostPath && !v.hostPath.path) errs.required(`${p}.hostPath.path`);
  if (v.persistentVolumeClaim && !v.persistentVolumeClaim.claimName) errs.required(`${p}.persistentVolumeClaim.claimName`);
  if (v.configMap) {
    requireName(v.configMap.name, `${p}.configMap.name`, errs);
    validateItems(v.configMap.items, `${p}.configMap`, errs, new Set());
    validateMode(v.configMap.defaultMode, `${p}.configMap.defaultMode`, errs);
  }
  if (v.secret) {
    requireName(v.secret.secretName, `${p}.secret.secretName`, errs);
    validateItems(v.secret.items, `${p}.secret`, errs, new Set());
    validateMode(v.secret.defaultMode, `${p}.secret.defaultMode`, errs);
  }
  if (v.downwardAPI) {
    validateDownwardFiles(v.downwardAPI.items, `${p}.downwardAPI`, errs, new Set());
    validateMode(v.downwardAPI.defaultMode, `${p}.downwardAPI.defaultMode`, errs);
  }
  if (v.projected) {
    validateMode(v.projected.defaultMode, `${p}.projected.defaultMode`, errs);
    const seen = new Set<string>();
    v.projected.sources?.forEach((s, i) => {
      const sp = `${p}.projected.sources[${i}]`;
      const kinds = Object.entries(s).filter(([, x]) => x !== undefined);
      if (kinds.length !== 1) errs.forbidden(sp, 'may not specify more than 1 volume type per source');
      if (s.configMap) {
        requireName(s.configMap.name, `${sp}.configMap.name`, errs);
        validateItems(s.configMap.items, `${sp}.configMap`, errs, seen);
      }
      if (s.secret) {
        requireName(s.secret.name, `${sp}.secret.name`, errs);
        validateItems(s.secret.items, `${sp}.secret`, errs, seen);
      }
      if (s.downwardAPI) validateDownwardFiles(s.downwardAPI.items, `${sp}.downwardAPI`, errs, seen);
      const t = s.serviceAccountToken;
      if (t) {
        const tp = `${sp}.serviceAccountToken`;
        if (!t.path) errs.required(`${tp}.path`);
        else {
          validateLocalNonReservedPath(t.path, `${tp}.path`, errs);
          noDuplicatePath(t.path, `${tp}.path`, seen, errs);
        }
        if (t.expirationSeconds !== undefined && t.expirationSeconds < MIN_TOKEN_SECONDS) errs.invalid(`${tp}.expirationSeconds`, t.expirationSeconds, 'may not specify a duration less than 10 minutes');
        if (t.expirationSeconds !== undefined && t.expirationSeconds > MAX_TOKEN_SECONDS) errs.invalid(`${tp}.expirationSeconds`, t.expirationSeconds, 'may not specify a duration larger than 2^32 seconds');
      }
    });
  }
}
