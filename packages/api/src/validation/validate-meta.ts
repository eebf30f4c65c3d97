/**
 * @module ObjectMeta validation on create and update (apimachinery ValidateObjectMeta / ValidateObjectMetaUpdate).
 */
import type { ObjectMeta } from '../meta.js';
import type { FieldErrors } from './field-errors.js';
import { isDNS1123Label, isQualifiedName, isValidLabelValue, maskTrailingDash } from './name-rules.js';

/** TOTAL_ANNOTATION_SIZE_LIMIT is the 256 KiB cap on the sum of annotation keys and values. */
export const TOTAL_ANNOTATION_SIZE_LIMIT = 256 * 1024;

const utf8 = new TextEncoder();

/** NameRule checks a name and returns its problems; kinds differ (namespaces are labels, most are subdomains). */
export type NameRule = (name: string) => string[];

/** validateLabels checks keys as qualified names and values as label values; errors sit on the map's path. */
export function validateLabels(labels: Record<string, string> | undefined, field: string, errs: FieldErrors): void {
  for (const [key, value] of Object.entries(labels ?? {})) {
    errs.each(field, key, isQualifiedName(key));
    errs.each(field, value, isValidLabelValue(value));
  }
}

/** validateAnnotations checks keys (lowercased, as Kubernetes does) and the total size. */
export function validateAnnotations(annotations: Record<string, string> | undefined, field: string, errs: FieldErrors): void {
  let size = 0;
  for (const [key, value] of Object.entries(annotations ?? {})) {
    errs.each(field, key, isQualifiedName(key.toLowerCase()));
    size += utf8.encode(key).length + utf8.encode(value).length;
  }
  if (size > TOTAL_ANNOTATION_SIZE_LIMIT) errs.tooLong(field, TOTAL_ANNOTATION_SIZE_LIMIT);
}

/** validateObjectMeta checks the metadata of a new or updated object of a kind whose names follow `nameRule`. */
export function validateObjectMeta(meta: ObjectMeta, namespaced: boolean, nameRule: NameRule, errs: FieldErrors, path = 'metadata'): void {
  if (meta.generateName) errs.each(`${path}.generateName`, meta.generateName, nameRule(maskTrailingDash(meta.generateName)));
  if (!meta.name) {
    if (!meta.generateName) errs.required(`${path}.name`, 'name or generateName is required');
  } else {
    errs.each(`${path}.name`, meta.name, nameRule(meta.name));
  }
  if (namespaced) {
    if (!meta.namespace) errs.required(`${path}.namespace`);
    else errs.each(`${path}.namespace`, meta.namespace, isDNS1123Label(meta.namespace));
  } else if (meta.namespace) {
    errs.forbidden(`${path}.namespace`, 'not allowed on this type');
  }
  if (meta.generation !== undefined) errs.nonNegative(`${path}.generation`, meta.generation);
  validateLabels(meta.labels, `${path}.labels`, errs);
  validateAnnotations(meta.annotations, `${path}.annotations`, errs);
  meta.ownerReferences?.forEach((ref, i) => {
    const p = `${path}.ownerReferences[${i}]`;
    if (!ref.apiVersion) errs.invalid(`${p}.apiVersion`, ref.apiVersion, 'version must not be empty');
    if (!ref.kind) errs.invalid(`${p}.kind`, ref.kind, 'kind must not be empty');
    if (!ref.name) errs.invalid(`${p}.name`, ref.name, 'name must not be empty');
    if (!ref.uid) errs.invalid(`${p}.uid`, ref.uid, 'uid must not be empty');
  });
  const controllers = meta.ownerReferences?.filter((r) => r.controller === true) ?? [];
  if (controllers.length > 1) {
    errs.invalid(`${path}.ownerReferences`, meta.ownerReferences, 'Only one reference can have Controller set to true');
  }
  const seen = new Set<string>();
  meta.finalizers?.forEach((f, i) => {
    errs.each(`${path}.finalizers[${i}]`, f, isQualifiedName(f));
    if (seen.has(f)) errs.duplicate(`${path}.finalizers[${i}]`, f);
    seen.add(f);
  });
}

/** validateObjectMetaUpdate checks what may not change between the stored object and its replacement. */
export function validateObjectMetaUpdate(meta: ObjectMeta, old: ObjectMeta, errs: FieldErrors, path = 'metadata'): void {
  const immutable: (keyof ObjectMeta)[] = ['name', 'namespace', 'uid', 'creationTimestamp'];
  for (const key of immutable) {
    // The registry restores server-owned fields a client leaves out, so only a different value is a change.
    if (meta[key] !== undefined && meta[key] !== old[key]) errs.immutable(`${path}.${key}`, meta[key]);
  }
  if (old.deletionTimestamp) {
    const before = new Set(old.finalizers ?? []);
    const added = (meta.finalizers ?? []).filter((f) => !before.has(f));
    if (added.length > 0) {
      errs.forbidden(
        `${path}.finalizers`,
        `no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`,
      );
    }
  }
}
