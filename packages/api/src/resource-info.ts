/**
 * @module ResourceInfo: how discovery (APIResource) describes a served resource, and the REST paths built from it.
 */

export type Verb = 'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch';

export interface SubresourceInfo {
  /** status, scale, binding, log, finalize, exec, ...: what follows the object's name in the path. */
  name: string;
  kind: string;
  group: string;
  version: string;
  verbs: Verb[];
}

/** ResourceInfo describes one served resource the way discovery (APIResource) does. */
export interface ResourceInfo {
  group: string;
  version: string;
  /** "v1" or "apps/v1". */
  apiVersion: string;
  kind: string;
  listKind: string;
  plural: string;
  singular: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  subresources: SubresourceInfo[];
  /** Whether status is a subresource (writes to the main resource ignore .status). */
  hasStatus: boolean;
  /** The verbs served when not all of them: reviews (SelfSubjectAccessReview...) are create-only and never stored. */
  verbs?: Verb[];
}

const ALL_VERBS: Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS_VERBS: Verb[] = ['get', 'patch', 'update'];

/** describeResource builds a ResourceInfo; `hasStatus` adds the status subresource first, as discovery lists it. */
export function describeResource(
  group: string,
  version: string,
  kind: string,
  plural: string,
  opts: { namespaced: boolean; shortNames?: string[]; categories?: string[]; subresources?: SubresourceInfo[]; hasStatus?: boolean },
): ResourceInfo {
  const extra = opts.subresources ?? [];
  const subresources = opts.hasStatus ? [statusSubresource(group, version, kind), ...extra] : extra;
  return {
    group,
    version,
    apiVersion: group ? `${group}/${version}` : version,
    kind,
    listKind: `${kind}List`,
    plural,
    singular: kind.toLowerCase(),
    namespaced: opts.namespaced,
    shortNames: opts.shortNames ?? [],
    categories: opts.categories ?? [],
    subresources,
    hasStatus: subresources.some((s) => s.name === 'status'),
  };
}

/** statusSubresource describes KIND/status. */
export function statusSubresource(group: string, version: string, kind: string): SubresourceInfo {
  return { name: 'status', kind, group, version, verbs: STATUS_VERBS };
}

/** SCALE_SUBRESOURCE describes the autoscaling/v1 Scale subresource of a workload. */
export const SCALE_SUBRESOURCE: SubresourceInfo = { name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: STATUS_VERBS };

/** FINALIZE_SUBRESOURCE is namespaces/finalize, the only way to change a namespace's spec.finalizers. */
export const FINALIZE_SUBRESOURCE: SubresourceInfo = { name: 'finalize', kind: 'Namespace', group: '', version: 'v1', verbs: ['update'] };

/** Subresources of pods other than status. */
export const BINDING_SUBRESOURCE: SubresourceInfo = { name: 'binding', kind: 'Binding', group: '', version: 'v1', verbs: ['create'] };
export const LOG_SUBRESOURCE: SubresourceInfo = { name: 'log', kind: 'Pod', group: '', version: 'v1', verbs: ['get'] };
/** pods/eviction takes a policy/v1 Eviction; kubectl drain finds its group/version here in discovery. */
export const EVICTION_SUBRESOURCE: SubresourceInfo = { name: 'eviction', kind: 'Eviction', group: 'policy', version: 'v1', verbs: ['create'] };

export { ALL_VERBS };

/** resourcePath builds the REST path of a collection or object, e.g. /apis/apps/v1/namespaces/ns/deployments/web/scale. */
export function resourcePath(info: ResourceInfo, namespace?: string, name?: string, subresource?: string): string {
  let p = info.group ? `/apis/${info.group}/${info.version}` : `/api/${info.version}`;
  if (info.namespaced && namespace) p += `/namespaces/${encodeURIComponent(namespace)}`;
  p += `/${info.plural}`;
  if (name !== undefined) p += `/${encodeURIComponent(name)}`;
  if (subresource) p += `/${subresource}`;
  return p;
}
