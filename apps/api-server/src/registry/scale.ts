/**
 * @module deployments/scale and replicasets/scale: the autoscaling/v1 Scale view of a workload.
 */
import { decodeBody, errors, labelSelectorToString, type KubeObject, type LabelSelector, type ResourceInfo, type Scale } from '@skiff/api';
import { applyPatch, type PatchType } from '../patch/index.js';
import type { Registry } from './registry.js';
import type { UserInfo } from '../auth/user-info.js';

interface Workload {
  metadata: KubeObject['metadata'];
  spec: { replicas?: number; selector?: LabelSelector };
  status?: { replicas?: number };
}

/** scaleOf renders a Deployment or ReplicaSet as the Scale kubectl scale reads and writes. */
export function scaleOf(obj: KubeObject): Scale {
  const w = obj as unknown as Workload;
  const m = w.metadata;
  const metadata: Scale['metadata'] = { name: m.name, namespace: m.namespace, uid: m.uid, resourceVersion: m.resourceVersion, creationTimestamp: m.creationTimestamp };
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata,
    spec: { replicas: w.spec.replicas ?? 0 },
    status: { replicas: w.status?.replicas ?? 0, selector: labelSelectorToString(w.spec.selector) },
  };
}

/** getScale reads the Scale of a workload. */
export function getScale(registry: Registry, info: ResourceInfo, namespace: string, name: string): Scale {
  return scaleOf(registry.get(info, namespace, name));
}

/**
 * writeScale applies a Scale (PUT) or a patch of one (PATCH) to the workload's spec.replicas, keeping the
 * Scale's resourceVersion as a precondition so `kubectl scale --resource-version` is a compare-and-swap.
 */
export function writeScale(
  registry: Registry,
  info: ResourceInfo,
  namespace: string,
  name: string,
  body: unknown,
  patchType?: PatchType,
  dryRun = false,
  user?: UserInfo,
  fieldManager?: string,
): Scale {
  const current = registry.get(info, namespace, name);
  const scaleBody = patchType ? applyPatch(patchType, scaleOf(current), body, 'Scale') : body;
  const scale = decodeBody('Scale', scaleBody, { fieldValidation: 'Ignore' }).object as unknown as Scale;
  if (scale.metadata?.name && scale.metadata.name !== name) {
    throw errors.badRequest(`the name of the object (${scale.metadata.name}) does not match the name on the URL (${name})`);
  }
  const replicas = scale.spec?.replicas ?? 0;
  if (!Number.isInteger(replicas) || replicas < 0) {
    throw errors.invalid('Scale', 'autoscaling', name, [{ reason: 'FieldValueInvalid', message: `Invalid value: ${replicas}: must be greater than or equal to 0`, field: 'spec.replicas' }]);
  }
  const next = structuredClone(current) as unknown as Workload;
  next.spec.replicas = replicas;
  next.metadata.resourceVersion = scale.metadata?.resourceVersion || current.metadata.resourceVersion;
  const written = registry.replace(info, current, next as unknown as KubeObject, { dryRun, ...(user ? { user } : {}), ...(fieldManager ? { fieldManager } : {}), fieldsSubresource: 'scale' });
  return scaleOf(written);
}
