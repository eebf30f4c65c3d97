/**
 * @module podReferences: the API objects a pod needs to run (its ServiceAccount, the Secrets and ConfigMaps of its
 * volumes, environment and image pull secrets, its PersistentVolumeClaims). The Node authorizer lets a node read
 * exactly these; the node agent watches exactly these.
 */
import type { Pod } from './pod.js';

export type GraphKind = 'secrets' | 'configmaps' | 'persistentvolumeclaims' | 'serviceaccounts';

/** podReferences lists what a pod needs from the API to run: `kind/namespace/name` keys. */
export function podReferences(pod: Pod): string[] {
  const ns = pod.metadata.namespace ?? '';
  const refs = new Set<string>();
  const add = (kind: GraphKind, name: string | undefined) => {
    if (name) refs.add(`${kind}/${ns}/${name}`);
  };
  const spec = pod.spec;
  add('serviceaccounts', spec.serviceAccountName || 'default');
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
