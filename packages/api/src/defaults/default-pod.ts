/**
 * @module defaultPod: SetDefaults for a whole Pod (spec and the status the server starts it with).
 */
import type { Container, Pod } from '../pod.js';
import { defaultPodSpec } from './default-pod-spec.js';
import { podQOSClass } from './pod-qos-class.js';

/**
 * defaultPod defaults the spec, then what kube sets on a Pod but never on a pod template (SetDefaults_Pod:
 * requests from limits, enableServiceLinks; the Priority admission plugin: priority and preemptionPolicy), so
 * a controller's pod gets them when it is created from its template. Starts the status: phase Pending and the
 * QoS class, both unless already set.
 */
export function defaultPod(pod: Pod): void {
  pod.spec ??= { containers: [] };
  const spec = pod.spec;
  defaultPodSpec(spec);
  for (const c of spec.containers) defaultRequestsToLimits(c);
  for (const c of spec.initContainers ?? []) defaultRequestsToLimits(c);
  spec.enableServiceLinks ??= true;
  spec.priority ??= 0;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  pod.status ??= {};
  pod.status.phase ??= 'Pending';
  pod.status.qosClass ??= podQOSClass(pod);
}

/** defaultRequestsToLimits: a limit with no request asks for the limit, so a limit-only container can be Guaranteed. */
function defaultRequestsToLimits(c: Container): void {
  const limits = c.resources?.limits;
  if (!limits || Object.keys(limits).length === 0) return;
  const requests = ((c.resources ??= {}).requests ??= {});
  for (const [name, value] of Object.entries(limits)) if (!(name in requests)) requests[name] = value;
}
