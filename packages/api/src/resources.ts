/**
 * @module The resources Skiff serves: one descriptor each, read by the server (routing, discovery) and the client (paths).
 */

export type Verb = 'create' | 'delete' | 'deletecollection' | 'get' | 'list' | 'patch' | 'update' | 'watch';

export interface SubresourceInfo {
  name: 'status' | 'scale' | 'binding' | 'log' | 'finalize';
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
}

const ALL_VERBS: Verb[] = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const STATUS_VERBS: Verb[] = ['get', 'patch', 'update'];

function resource(
  group: string,
  version: string,
  kind: string,
  plural: string,
  opts: { namespaced: boolean; shortNames?: string[]; categories?: string[]; subresources?: SubresourceInfo[] },
): ResourceInfo {
  const subresources = opts.subresources ?? [];
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

const status = (group: string, version: string, kind: string): SubresourceInfo => ({ name: 'status', kind, group, version, verbs: STATUS_VERBS });
const scale: SubresourceInfo = { name: 'scale', kind: 'Scale', group: 'autoscaling', version: 'v1', verbs: STATUS_VERBS };

export const RESOURCES = {
  namespaces: resource('', 'v1', 'Namespace', 'namespaces', {
    namespaced: false,
    shortNames: ['ns'],
    subresources: [status('', 'v1', 'Namespace'), { name: 'finalize', kind: 'Namespace', group: '', version: 'v1', verbs: ['update'] }],
  }),
  nodes: resource('', 'v1', 'Node', 'nodes', { namespaced: false, shortNames: ['no'], subresources: [status('', 'v1', 'Node')] }),
  pods: resource('', 'v1', 'Pod', 'pods', {
    namespaced: true,
    shortNames: ['po'],
    categories: ['all'],
    subresources: [
      status('', 'v1', 'Pod'),
      { name: 'binding', kind: 'Binding', group: '', version: 'v1', verbs: ['create'] },
      { name: 'log', kind: 'Pod', group: '', version: 'v1', verbs: ['get'] },
    ],
  }),
  events: resource('', 'v1', 'Event', 'events', { namespaced: true, shortNames: ['ev'] }),
  replicasets: resource('apps', 'v1', 'ReplicaSet', 'replicasets', {
    namespaced: true,
    shortNames: ['rs'],
    categories: ['all'],
    subresources: [status('apps', 'v1', 'ReplicaSet'), scale],
  }),
  deployments: resource('apps', 'v1', 'Deployment', 'deployments', {
    namespaced: true,
    shortNames: ['deploy'],
    categories: ['all'],
    subresources: [status('apps', 'v1', 'Deployment'), scale],
  }),
  leases: resource('coordination.k8s.io', 'v1', 'Lease', 'leases', { namespaced: true }),
} as const satisfies Record<string, ResourceInfo>;

export type ResourceName = keyof typeof RESOURCES;

export const RESOURCE_LIST: readonly ResourceInfo[] = Object.values(RESOURCES);

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
