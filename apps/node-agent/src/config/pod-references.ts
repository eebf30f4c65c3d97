/**
 * @module podReferences: whether a pod reads a given ConfigMap or Secret (env, envFrom or a volume).
 */
import type { Pod } from '@skiff/api';
import type { ConfigObjectChange } from './config-objects.js';

/** podReferences is true when the pod's containers or volumes read the changed object. */
export function podReferences(pod: Pod, change: ConfigObjectChange): boolean {
  if ((pod.metadata.namespace ?? 'default') !== change.namespace) return false;
  const cm = change.kind === 'configmap';
  const is = (name: string | undefined) => name === change.name;
  for (const c of [...(pod.spec.initContainers ?? []), ...pod.spec.containers]) {
    for (const f of c.envFrom ?? []) if (is(cm ? f.configMapRef?.name : f.secretRef?.name)) return true;
    for (const e of c.env ?? []) if (is(cm ? e.valueFrom?.configMapKeyRef?.name : e.valueFrom?.secretKeyRef?.name)) return true;
  }
  for (const v of pod.spec.volumes ?? []) {
    if (is(cm ? v.configMap?.name : v.secret?.secretName)) return true;
    for (const s of v.projected?.sources ?? []) if (is(cm ? s.configMap?.name : s.secret?.name)) return true;
  }
  return false;
}
