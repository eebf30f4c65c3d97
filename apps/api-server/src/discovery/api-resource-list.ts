/**
 * @module apiResourceList, the body of GET /api/v1 and GET /apis/<group>/<version> (legacy discovery).
 */
import { createHash } from 'node:crypto';
import { ALL_VERBS, SERVED_RESOURCES, servedVersionOf } from '@skiff/api';
import type { ResourceInfo, Verb } from '@skiff/api';
import { METRICS_GROUP, METRICS_VERSION, metricsResourceList } from '../resource-metrics/resource-metrics-api.js';

/** APIResource is metav1.APIResource. */
export interface APIResource {
  name: string;
  singularName: string;
  namespaced: boolean;
  group?: string;
  version?: string;
  kind: string;
  verbs: Verb[];
  shortNames?: string[];
  categories?: string[];
  storageVersionHash?: string;
}

/** APIResourceList is metav1.APIResourceList. */
export interface APIResourceList {
  kind: 'APIResourceList';
  apiVersion: 'v1';
  groupVersion: string;
  resources: APIResource[];
}

/**
 * storageVersionHash is kube's discovery hash: base64 of the first 8 bytes of sha256("group/version/kind") of the
 * version objects are stored in, so every served version of a resource has the same one.
 */
function storageVersionHash(served: ResourceInfo): string {
  const r = servedVersionOf(served)?.storage.info ?? served;
  return createHash('sha256').update(`${r.group}/${r.version}/${r.kind}`).digest().subarray(0, 8).toString('base64');
}

function mainResource(r: ResourceInfo): APIResource {
  const res: APIResource = { name: r.plural, singularName: r.singular, namespaced: r.namespaced, kind: r.kind, verbs: [...(r.verbs ?? ALL_VERBS)] };
  if (r.shortNames.length) res.shortNames = [...r.shortNames];
  if (r.categories.length) res.categories = [...r.categories];
  // Reviews are never stored, so kube gives them no storage version hash.
  if (!r.verbs) res.storageVersionHash = storageVersionHash(r);
  return res;
}

function subresources(r: ResourceInfo): APIResource[] {
  const sorted = [...r.subresources].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return sorted.map((s) => {
    const res: APIResource = { name: `${r.plural}/${s.name}`, singularName: '', namespaced: r.namespaced, kind: s.kind, verbs: [...s.verbs] };
    // Subresources in another group/version (deployments/scale is autoscaling/v1 Scale) say so.
    if (s.group !== r.group || s.version !== r.version) {
      res.group = s.group;
      res.version = s.version;
    }
    return res;
  });
}

/**
 * apiResourceList lists the resources of one group/version ('' for core), each main resource followed by its
 * subresources ("pods", "pods/binding", "pods/log", "pods/status"), all derived from RESOURCE_LIST; undefined when
 * the group/version is not served. metrics.k8s.io/v1beta1 is the built-in metrics API's (NodeMetrics, PodMetrics).
 */
export function apiResourceList(group: string, version: string): APIResourceList | undefined {
  if (group === METRICS_GROUP && version === METRICS_VERSION) return metricsResourceList();
  const served = SERVED_RESOURCES.filter((r) => r.group === group && r.version === version);
  if (served.length === 0) return undefined;
  const resources = [...served]
    .sort((a, b) => (a.plural < b.plural ? -1 : a.plural > b.plural ? 1 : 0))
    .flatMap((r) => [mainResource(r), ...subresources(r)]);
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: group ? `${group}/${version}` : version, resources };
}
