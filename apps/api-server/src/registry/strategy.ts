/**
 * @module Per-resource rules the generic registry applies (kube-apiserver's RESTCreateStrategy/RESTUpdateStrategy).
 */
import type { KubeObject, ResourceInfo, ResourceName } from '@skiff/api';

/** Strategy holds what differs between resources on create, update and delete. */
export interface Strategy {
  /** Clear or initialise fields users may not set on create. */
  prepareForCreate(obj: KubeObject): void;
  /** PUT and PATCH may create a missing object (Leases and Events, as in Kubernetes). */
  allowCreateOnUpdate: boolean;
  /** Objects expire this many seconds after their last write (Events: --event-ttl). */
  ttlSeconds?: number;
}

type Mutable = Record<string, unknown>;

function resetStatus(value: unknown): (obj: KubeObject) => void {
  return (obj) => {
    (obj as Mutable).status = structuredClone(value);
  };
}

/** strategyFor returns the Strategy of a resource. */
export function strategyFor(info: ResourceInfo, opts: { eventTtlSeconds: number }): Strategy {
  switch (info.plural as ResourceName) {
    case 'pods':
      // The pod's phase and qosClass come from defaulting; everything else in status is the node agent's.
      return { prepareForCreate: (obj) => keepOnly(obj, []), allowCreateOnUpdate: false };
    case 'deployments':
    case 'replicasets':
      return { prepareForCreate: resetStatus({}), allowCreateOnUpdate: false };
    case 'namespaces':
      return { prepareForCreate: resetStatus({ phase: 'Active' }), allowCreateOnUpdate: false };
    case 'events':
      return { prepareForCreate: () => {}, allowCreateOnUpdate: true, ttlSeconds: opts.eventTtlSeconds };
    case 'leases':
      return { prepareForCreate: () => {}, allowCreateOnUpdate: true };
    default:
      // Nodes: the agent registers with its status, as kubelet does.
      return { prepareForCreate: () => {}, allowCreateOnUpdate: false };
  }
}

function keepOnly(obj: KubeObject, fields: string[]): void {
  const status = (obj as Mutable).status as Mutable | undefined;
  const next: Mutable = {};
  for (const f of fields) if (status?.[f] !== undefined) next[f] = status[f];
  (obj as Mutable).status = next;
}
