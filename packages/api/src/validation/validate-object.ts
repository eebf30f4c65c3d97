/**
 * @module validateObject: semantic validation of every served kind, reported as one 422 with all causes.
 */
import type { Deployment, ReplicaSet, Scale } from '../apps.js';
import type { Event } from '../event.js';
import type { Lease } from '../lease.js';
import type { KubeObject } from '../meta.js';
import type { Node } from '../node.js';
import type { Binding, Pod } from '../pod.js';
import { RESOURCES, type ResourceName } from '../resources.js';
import { errors } from '../status.js';
import { FieldErrors } from './field-errors.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue } from './name-rules.js';
import { validateObjectMeta, validateObjectMetaUpdate, type NameRule } from './validate-meta.js';
import { validatePodSpec, validateTaintEffect } from './validate-pod-spec.js';
import { deepEqual, validatePodUpdate } from './validate-pod-update.js';
import { validateDeployment, validateReplicaSet } from './validate-workload.js';

const NAME_RULES: Record<ResourceName, NameRule> = {
  namespaces: isDNS1123Label,
  nodes: isDNS1123Subdomain,
  pods: isDNS1123Subdomain,
  events: isDNS1123Subdomain,
  leases: isDNS1123Subdomain,
  replicasets: isDNS1123Subdomain,
  deployments: isDNS1123Subdomain,
};

/**
 * validateObject checks a decoded, defaulted object of `resource` (and, on update, its change from `old`) and
 * throws one `errors.invalid` (422) listing every cause, so users fix all problems in one round trip.
 */
export function validateObject(resource: ResourceName, obj: KubeObject, old?: KubeObject): void {
  const info = RESOURCES[resource];
  const errs = new FieldErrors();
  validateObjectMeta(obj.metadata, info.namespaced, NAME_RULES[resource], errs);
  if (old) validateObjectMetaUpdate(obj.metadata, old.metadata, errs);
  switch (resource) {
    case 'pods':
      validatePodSpec((obj as unknown as Pod).spec, 'spec', errs);
      if (old) validatePodUpdate(obj as unknown as Pod, old as unknown as Pod, errs);
      break;
    case 'replicasets':
      validateReplicaSet(obj as unknown as ReplicaSet, errs);
      if (old) validateSelectorUpdate((obj as unknown as ReplicaSet).spec, (old as unknown as ReplicaSet).spec, errs);
      break;
    case 'deployments':
      validateDeployment(obj as unknown as Deployment, errs);
      if (old) validateSelectorUpdate((obj as unknown as Deployment).spec, (old as unknown as Deployment).spec, errs);
      break;
    case 'nodes':
      validateNode(obj as unknown as Node, errs);
      break;
    case 'leases':
      validateLease(obj as unknown as Lease, errs);
      break;
    case 'events':
      validateEvent(obj as unknown as Event, errs);
      break;
    case 'namespaces':
      break;
  }
  throwIfAny(info.kind, info.group, obj.metadata.name ?? obj.metadata.generateName ?? '', errs);
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

function validateSelectorUpdate(spec: { selector: unknown }, old: { selector: unknown }, errs: FieldErrors): void {
  if (!deepEqual(spec.selector, old.selector)) errs.immutable('spec.selector', spec.selector);
}

function validateNode(node: Node, errs: FieldErrors): void {
  const seen = new Set<string>();
  node.spec?.taints?.forEach((taint, i) => {
    const p = `spec.taints[${i}]`;
    if (!taint.key) errs.required(`${p}.key`);
    else errs.each(`${p}.key`, taint.key, isQualifiedName(taint.key));
    if (taint.value) errs.each(`${p}.value`, taint.value, isValidLabelValue(taint.value));
    if (!taint.effect) errs.required(`${p}.effect`);
    else validateTaintEffect(taint.effect, `${p}.effect`, errs);
    const id = `${taint.key}:${taint.effect}`;
    if (seen.has(id)) errs.duplicate(`${p}.effect`, taint.effect);
    seen.add(id);
  });
}

function validateLease(lease: Lease, errs: FieldErrors): void {
  const spec = lease.spec;
  if (!spec) return;
  if (spec.leaseDurationSeconds != null && spec.leaseDurationSeconds <= 0) {
    errs.invalid('spec.leaseDurationSeconds', spec.leaseDurationSeconds, 'must be greater than 0');
  }
  if (spec.leaseTransitions != null) errs.nonNegative('spec.leaseTransitions', spec.leaseTransitions);
}

const EVENT_TYPES = ['Normal', 'Warning'];

function validateEvent(event: Event, errs: FieldErrors): void {
  const ref = event.involvedObject;
  if (!ref || (!ref.kind && !ref.name && !ref.uid)) {
    errs.required('involvedObject');
  } else if (ref.namespace && event.metadata.namespace && ref.namespace !== event.metadata.namespace) {
    errs.invalid('involvedObject.namespace', ref.namespace, 'does not match event.namespace');
  }
  if (event.type && !EVENT_TYPES.includes(event.type)) errs.notSupported('type', event.type, EVENT_TYPES);
  if (event.reason && event.reason.length > 128) errs.tooLong('reason', 128);
  if (event.message && event.message.length > 4096) errs.tooLong('message', 4096);
  errs.nonNegative('count', event.count);
}
