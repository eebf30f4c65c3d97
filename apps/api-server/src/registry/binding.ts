/**
 * @module pods/binding: how the scheduler assigns a pod to a node (kube-apiserver's BindingREST).
 */
import { cloneJson, decodeBody, errors, formatTime, RESOURCES, type Binding, type KubeObject, type Pod, type PodCondition } from '@skiff/api';
import type { Registry } from './registry.js';

/**
 * bindPod sets spec.nodeName of an unbound pod and marks it PodScheduled. A pod that is already bound or
 * being deleted answers 409, as in Kubernetes, so two schedulers can never both place one pod.
 */
export function bindPod(registry: Registry, namespace: string, name: string, body: unknown, nowMs: number): KubeObject {
  const binding = decodeBody('Binding', body, { fieldValidation: 'Ignore' }).object as unknown as Binding;
  if (binding.metadata?.name && binding.metadata.name !== name) {
    throw errors.badRequest(`the name of the binding (${binding.metadata.name}) does not match the name on the URL (${name})`);
  }
  const target = binding.target?.name;
  if (!target) {
    throw errors.invalid('Binding', '', name, [{ reason: 'FieldValueRequired', message: 'Required value', field: 'target.name' }]);
  }
  const info = RESOURCES.pods;
  const current = registry.get(info, namespace, name) as unknown as Pod;
  if (binding.metadata?.uid && binding.metadata.uid !== current.metadata.uid) {
    throw errors.conflict('pods', '', name, `Precondition failed: UID in precondition: ${binding.metadata.uid}, UID in object meta: ${current.metadata.uid}`);
  }
  if (current.metadata.deletionTimestamp) {
    throw errors.conflict('pods', '', name, `pod ${name} is being deleted, cannot be assigned to a host`);
  }
  if (current.spec.nodeName) {
    throw errors.conflict('pods', '', name, `pod ${name} is already assigned to node "${current.spec.nodeName}"`);
  }
  const next = cloneJson(current);
  next.spec.nodeName = target;
  const conditions: PodCondition[] = (next.status?.conditions ?? []).filter((c) => c.type !== 'PodScheduled');
  conditions.push({ type: 'PodScheduled', status: 'True', lastProbeTime: null, lastTransitionTime: formatTime(nowMs) });
  next.status = { ...next.status, conditions };
  const meta = next.metadata;
  const annotations = binding.metadata?.annotations;
  if (annotations) meta.annotations = { ...meta.annotations, ...annotations };
  // Binding writes spec and status together; replace() keeps status for the main resource, so write status first.
  return registry.replace(info, current as unknown as KubeObject, next as unknown as KubeObject, { subresource: 'binding' });
}
