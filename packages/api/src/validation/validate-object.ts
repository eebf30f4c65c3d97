/**
 * @module validateObject: semantic validation of every served kind, reported as one 422 with all causes.
 */
import type { Scale } from '../apps.js';
import { kindFor } from '../kinds/index.js';
import type { KubeObject } from '../meta.js';
import type { Binding } from '../pod.js';
import { errors } from '../status.js';
import { FieldErrors } from './field-errors.js';
import { isDNS1123Subdomain } from './name-rules.js';
import { validateObjectMeta, validateObjectMetaUpdate } from './validate-meta.js';

/**
 * validateObject checks a decoded, defaulted object of `resource` (and, on update, its change from `old`; a write
 * of the status `subresource` with the kind's status rules) and throws one `errors.invalid` (422) listing every
 * cause, so users fix all problems in one round trip.
 */
export function validateObject(resource: string, obj: KubeObject, old?: KubeObject, subresource?: string): void {
  const kind = kindFor(resource);
  const errs = new FieldErrors();
  validateObjectMeta(obj.metadata, kind.info.namespaced, kind.nameRule ?? isDNS1123Subdomain, errs);
  if (old) validateObjectMetaUpdate(obj.metadata, old.metadata, errs);
  if (old && subresource === 'status' && kind.validateStatus) kind.validateStatus(obj, errs, old);
  else kind.validate?.(obj, errs, old);
  throwIfAny(kind.info.kind, kind.info.group, obj.metadata.name ?? obj.metadata.generateName ?? '', errs);
}

/** validateBinding checks a pods/binding body: the pod name and a Node target. */
export function validateBinding(binding: Binding): void {
  const errs = new FieldErrors();
  if (!binding.metadata.name) errs.required('metadata.name');
  if (!binding.target.name) errs.required('target.name');
  if (binding.target.kind && binding.target.kind !== 'Node') errs.notSupported('target.kind', binding.target.kind, ['Node', '<empty>']);
  throwIfAny('Binding', '', binding.metadata.name ?? '', errs);
}

/** validateScale checks a scale subresource body. */
export function validateScale(scale: Scale): void {
  const errs = new FieldErrors();
  errs.nonNegative('spec.replicas', scale.spec.replicas);
  throwIfAny('Scale', 'autoscaling', scale.metadata.name ?? '', errs);
}

function throwIfAny(kind: string, group: string, name: string, errs: FieldErrors): void {
  if (errs.length > 0) throw errors.invalid(kind, group, name, errs.causes);
}
