/**
 * @module podReferences: the API objects a pod needs to run (its ServiceAccount, the Secrets and ConfigMaps of its
 * volumes, environment and image pull secrets, its PersistentVolumeClaims). The Node authorizer lets a node read
 * exactly these; the node agent watches exactly these.
 */
import type { Pod } from './pod.js';

export type GraphKind = 'secrets' | 'configmaps' | 'persistentvolumeclaims' | 'serviceaccounts';

/** The annotation of a mirror pod: a node's copy of a static pod, which must reference no other API object. */
export const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

/** isMirrorPod: the annotation is present, whatever its value (kube tests the key). */
export const isMirrorPod = (pod: Pod): boolean => pod.metadata.annotations?.[MIRROR_POD_ANNOTATION] !== undefined;

/** podReferences lists what a pod needs from the API to run: `kind/namespace/name` keys. */
export function podReferences(pod: Pod): string[] {
  const ns = pod.metadata.namespace ?? '';
  const refs = new Set<string>();
  const add = (kind: GraphKind, name: string | undefined) => {
    if (name) refs.add(`${kind}/${ns}/${name}`);
  };
  const spec = pod.spec;
  // Only a named account: admission names one for every pod but a mirror pod, which may use none (an edge to
  // `default` would let a node mint that account's tokens through a mirror pod).
  add('serviceaccounts', spec.serviceAccountName);
  for (const s of spec.imagePullSecrets ?? []) add('secrets', s.name);
  for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
    for (const e of c.env ?? []) {
      add('secrets', e.valueFrom?.secretKeyRef?.name);
      add('configmaps', e.valueFrom?.configMapKeyRef?.name);
    }
    for (const e of c.envFrom ?? []) {
      add('secrets', e.secretRef?.name);
      add('configmaps', e.configMapRef?.name);
    }
  }
  for (const v of spec.volumes ?? []) {
    add('secrets', v.secret?.secretName);
    add('configmaps', v.configMap?.name);
    add('persistentvolumeclaims', v.persistentVolumeClaim?.claimName);
    for (const p of v.projected?.sources ?? []) {
      add('secrets', p.secret?.name);
      add('configmaps', p.configMap?.name);
    }
  }
  return [...refs];
}


/** parseReference splits a podReferences key into its kind, namespace and name. */
export function parseReference(ref: string): { kind: GraphKind; namespace: string; name: string } {
  const [kind, namespace, ...rest] = ref.split('/');
  return { kind: kind as GraphKind, namespace: namespace ?? '', name: rest.join('/') };
}
