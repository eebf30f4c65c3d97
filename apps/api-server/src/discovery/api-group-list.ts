/**
 * @module apiGroupList, the body of GET /apis (legacy discovery of the named groups).
 */
import { SERVED_RESOURCES } from '@skiff/api';
import { metricsApiGroup } from '../resource-metrics/resource-metrics-api.js';

/** GroupVersionForDiscovery is metav1.GroupVersionForDiscovery. */
export interface GroupVersionForDiscovery {
  groupVersion: string;
  version: string;
}

/** APIGroup is metav1.APIGroup. */
export interface APIGroup {
  name: string;
  versions: GroupVersionForDiscovery[];
  preferredVersion: GroupVersionForDiscovery;
}

/** APIGroupList is metav1.APIGroupList. */
export interface APIGroupList {
  kind: 'APIGroupList';
  apiVersion: 'v1';
  groups: APIGroup[];
}

/**
 * apiGroupList lists every named group that has a served resource in RESOURCE_LIST (apps, coordination.k8s.io),
 * in order of first appearance. Groups only reached through subresources (autoscaling for Scale) are not listed:
 * a listed group whose /apis/<g>/<v> 404s makes kubectl warn. metrics.k8s.io comes last, where kube-apiserver lists
 * the aggregated groups (kubectl top looks for it here).
 */
export function apiGroupList(): APIGroupList {
  const versionsByGroup = new Map<string, string[]>();
  for (const r of SERVED_RESOURCES) {
    if (r.group === '') continue;
    const versions = versionsByGroup.get(r.group) ?? [];
    if (!versions.includes(r.version)) versions.push(r.version);
    versionsByGroup.set(r.group, versions);
  }
  const groups = [...versionsByGroup].map(([name, versions]): APIGroup => {
    const gvs = versions.map((version) => ({ groupVersion: `${name}/${version}`, version }));
    return { name, versions: gvs, preferredVersion: { ...(gvs[0] as GroupVersionForDiscovery) } };
  });
  groups.push(metricsApiGroup());
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}
