/**
 * @module podTemplateOf: the pod metadata and spec a write carries, for the pod-checking admission plugins: the pod
 * itself, or the template of a workload (Deployment, ReplicaSet, Job, CronJob, and the kinds kube lists that Skiff
 * may serve later).
 */
import type { KubeObject, ObjectMeta, PodSpec } from '@skiff/api';

/** WORKLOAD_RESOURCES are kube's pod controllers PodSecurity warns and audits on (never enforces). */
export const WORKLOAD_RESOURCES = new Set(['deployments', 'replicasets', 'jobs', 'cronjobs', 'daemonsets', 'statefulsets', 'replicationcontrollers', 'podtemplates']);

export interface PodTemplate {
  meta: ObjectMeta;
  spec: PodSpec;
}

type Templated = { spec?: { template?: { metadata?: ObjectMeta; spec?: PodSpec }; jobTemplate?: { spec?: { template?: { metadata?: ObjectMeta; spec?: PodSpec } } } }; template?: { metadata?: ObjectMeta; spec?: PodSpec } };

/** podTemplateOf returns the pod (resource "pods") or the workload's pod template; undefined when there is none. */
export function podTemplateOf(resource: string, obj: KubeObject): PodTemplate | undefined {
  if (resource === 'pods') {
    const spec = (obj as { spec?: PodSpec }).spec;
    return spec ? { meta: obj.metadata, spec } : undefined;
  }
  const o = obj as Templated;
  const t = resource === 'cronjobs' ? o.spec?.jobTemplate?.spec?.template : resource === 'podtemplates' ? o.template : o.spec?.template;
  return t?.spec ? { meta: t.metadata ?? {}, spec: t.spec } : undefined;
}
