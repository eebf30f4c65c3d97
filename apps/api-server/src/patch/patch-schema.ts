/**
 * @module The strategic-merge metadata of the kinds Skiff serves: which lists merge, and by what key (the
 * `patchStrategy`/`patchMergeKey` struct tags of k8s.io/api core/v1, apps/v1 and meta/v1).
 */

/** ListStrategy says how a list field merges; a field without one is replaced wholesale. */
export type ListStrategy =
  /** A list of scalars merged as a set (finalizers). */
  | { readonly kind: 'set' }
  /** A list of objects merged element-wise by the values of `keys`; `defaults` fill absent key fields (port protocol). */
  | { readonly kind: 'map'; readonly keys: readonly [string, ...string[]]; readonly defaults?: Readonly<Record<string, unknown>> };

/** PatchField is the metadata of one field: its list strategy and the schema of its value or list elements. */
export interface PatchField {
  readonly list?: ListStrategy;
  readonly schema?: PatchSchema;
}

/** PatchSchema maps field names to their metadata; fields not listed merge as plain maps or replace as lists. */
export interface PatchSchema {
  readonly fields: Readonly<Record<string, PatchField>>;
}

const byKey = (...keys: [string, ...string[]]): ListStrategy => ({ kind: 'map', keys });
const SET: ListStrategy = { kind: 'set' };
const schema = (fields: Record<string, PatchField>): PatchSchema => ({ fields });

const conditionsByType: PatchField = { list: byKey('type') };

const objectMeta = schema({
  ownerReferences: { list: byKey('uid') },
  finalizers: { list: SET },
});

const container = schema({
  // kube's tag merges ports by containerPort alone; adding protocol (defaulting to TCP) keeps 53/TCP and 53/UDP apart.
  ports: { list: { kind: 'map', keys: ['containerPort', 'protocol'], defaults: { protocol: 'TCP' } } },
  env: { list: byKey('name') },
  volumeMounts: { list: byKey('mountPath') },
});

const podSpec = schema({
  containers: { list: byKey('name'), schema: container },
  initContainers: { list: byKey('name'), schema: container },
  ephemeralContainers: { list: byKey('name'), schema: container },
  volumes: { list: byKey('name') },
  imagePullSecrets: { list: byKey('name') },
});

const podStatus = schema({
  conditions: conditionsByType,
  podIPs: { list: byKey('ip') },
  hostIPs: { list: byKey('ip') },
});

const podTemplate = schema({ metadata: { schema: objectMeta }, spec: { schema: podSpec } });

const workloadStatus = schema({ conditions: conditionsByType });

const workload = (spec: PatchSchema): PatchSchema =>
  schema({ metadata: { schema: objectMeta }, spec: { schema: spec }, status: { schema: workloadStatus } });

const METADATA_ONLY = schema({ metadata: { schema: objectMeta } });

/** PATCH_SCHEMAS holds the schema of each served kind; unknown kinds merge by metadata rules only. */
export const PATCH_SCHEMAS: Readonly<Record<string, PatchSchema>> = {
  Pod: schema({ metadata: { schema: objectMeta }, spec: { schema: podSpec }, status: { schema: podStatus } }),
  Node: schema({
    metadata: { schema: objectMeta },
    spec: { schema: schema({ podCIDRs: { list: SET } }) },
    status: { schema: schema({ conditions: conditionsByType, addresses: { list: byKey('type') } }) },
  }),
  Namespace: schema({ metadata: { schema: objectMeta }, status: { schema: schema({ conditions: conditionsByType }) } }),
  Deployment: workload(schema({ template: { schema: podTemplate } })),
  ReplicaSet: workload(schema({ template: { schema: podTemplate } })),
  Event: METADATA_ONLY,
  Lease: METADATA_ONLY,
  Scale: METADATA_ONLY,
};

/** patchSchemaFor returns the kind's schema; a kind without one still gets ObjectMeta's list rules. */
export function patchSchemaFor(kind: string): PatchSchema {
  return Object.hasOwn(PATCH_SCHEMAS, kind) ? PATCH_SCHEMAS[kind]! : METADATA_ONLY;
}
