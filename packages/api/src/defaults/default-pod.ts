/**
 * @module defaultPod: SetDefaults for a whole Pod (spec and the status the server starts it with).
 */
import type { Pod } from '../pod.js';
import { defaultPodSpec } from './default-pod-spec.js';
import { podQOSClass } from './pod-qos-class.js';

/** defaultPod defaults the spec and starts the status: phase Pending and the QoS class, both unless already set. */
export function defaultPod(pod: Pod): void {
  pod.spec ??= { containers: [] };
  defaultPodSpec(pod.spec);
  pod.status ??= {};
  pod.status.phase ??= 'Pending';
  pod.status.qosClass ??= podQOSClass(pod);
}
