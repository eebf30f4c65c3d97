/**
 * @module isPodUpdated: did a pod change in a way that could change where it fits?
 */
import type { Pod } from '@skiff/api';
import { DECISION_ANNOTATION } from '../decision/scheduling-decision.js';

/**
 * isPodUpdated compares spec, labels and annotations, ignoring status, resourceVersion and the scheduler's own
 * decision annotation, as kube's isPodUpdated strips status and bookkeeping fields. Without that exclusion, writing
 * the "why pending" explanation would itself re-queue the pod in an endless loop.
 */
export function isPodUpdated(oldPod: Pod, newPod: Pod): boolean {
  const strip = (p: Pod): unknown => {
    const annotations = { ...p.metadata.annotations };
    delete annotations[DECISION_ANNOTATION];
    return [p.spec, p.metadata.labels ?? {}, annotations];
  };
  return JSON.stringify(strip(oldPod)) !== JSON.stringify(strip(newPod));
}
