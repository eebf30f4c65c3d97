/**
 * @module Aggregated discovery (apidiscovery.k8s.io/v2 APIGroupDiscoveryList, KEP-3352): every group, version and
 * resource in the answer to GET /api or GET /apis, so a kubectl command costs two discovery requests, not one per
 * group version. Derived from the legacy documents, so both always agree.
 */
import { apiGroupList } from './api-group-list.js';
import { apiResourceList } from './api-resource-list.js';

export type DiscoveryVersion = 'v2' | 'v2beta1';

interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** APIResourceDiscovery is apidiscovery.k8s.io/v2 APIResourceDiscovery. */
export interface APIResourceDiscovery {
  resource: string;
  responseKind: GroupVersionKind;
  scope: 'Namespaced' | 'Cluster';
  singularResource: string;
  verbs: string[];
  shortNames?: string[];
  categories?: string[];
  subresources?: { subresource: string; responseKind: GroupVersionKind; verbs: string[] }[];
}

/** APIGroupDiscoveryList is the aggregated discovery document. */
export interface APIGroupDiscoveryList {
  kind: 'APIGroupDiscoveryList';
  apiVersion: string;
  metadata: Record<string, never>;
  items: { metadata: { name?: string; creationTimestamp: null }; versions: { version: string; resources: APIResourceDiscovery[]; freshness: 'Current' }[] }[];
}

/** The media type kubectl asks for and must see on the answer (client-go checks the response's Content-Type). */
export function aggregatedContentType(version: DiscoveryVersion): string {
  return `application/json;g=apidiscovery.k8s.io;v=${version};as=APIGroupDiscoveryList`;
}

/**
 * aggregatedDiscoveryVersion is the apidiscovery version the Accept header asks for, walking its clauses in order
 * (the first servable one decides), or undefined for the legacy APIVersions / APIGroupList documents.
 */
export function aggregatedDiscoveryVersion(accept: string | undefined): DiscoveryVersion | undefined {
  if (!accept) return undefined;
  for (const clause of accept.split(',')) {
    const [type = '', ...params] = clause.split(';').map((s) => s.trim());
    const p = new Map(params.map((x) => x.split('=').map((s) => s.trim()) as [string, string]));
    if (!p.has('as')) {
      if (type === 'application/json' || type === '*/*' || type === 'application/*') return undefined;
      continue;
    }
    if (p.get('as') !== 'APIGroupDiscoveryList' || p.get('g') !== 'apidiscovery.k8s.io') continue;
    const v = p.get('v');
    if (v === 'v2' || v === 'v2beta1') return v;
  }
  return undefined;
}

/**
 * versionsOf turns the legacy APIResourceList of each version (every served kind, review and the metrics API) into
 * aggregated entries, subresources folded under their resource, so the two kinds of discovery never disagree.
 */
function versionsOf(group: string, versions: string[]): APIGroupDiscoveryList['items'][number]['versions'] {
  return versions.map((version) => {
    const list = apiResourceList(group, version)?.resources ?? [];
    const byName = new Map<string, APIResourceDiscovery>();
    for (const r of list) {
      const slash = r.name.indexOf('/');
      if (slash < 0) {
        const d: APIResourceDiscovery = { resource: r.name, responseKind: { group, version, kind: r.kind }, scope: r.namespaced ? 'Namespaced' : 'Cluster', singularResource: r.singularName, verbs: [...r.verbs] };
        if (r.shortNames?.length) d.shortNames = [...r.shortNames];
        if (r.categories?.length) d.categories = [...r.categories];
        byName.set(r.name, d);
        continue;
      }
      const parent = byName.get(r.name.slice(0, slash));
      if (!parent) continue;
      (parent.subresources ??= []).push({ subresource: r.name.slice(slash + 1), responseKind: { group: r.group ?? group, version: r.version ?? version, kind: r.kind }, verbs: [...r.verbs] });
    }
    return { version, resources: [...byName.values()], freshness: 'Current' as const };
  });
}

const cache = new Map<string, APIGroupDiscoveryList>();

/**
 * aggregatedDiscovery is the answer to /api (the core group) or /apis (every named group, preferred version first).
 * The served resources are fixed for the life of the process, so each document is built once.
 */
export function aggregatedDiscovery(path: '/api' | '/apis', version: DiscoveryVersion): APIGroupDiscoveryList {
  const key = `${path} ${version}`;
  let doc = cache.get(key);
  if (!doc) cache.set(key, (doc = build(path, version)));
  return doc;
}

function build(path: '/api' | '/apis', version: DiscoveryVersion): APIGroupDiscoveryList {
  const items =
    path === '/api'
      ? [{ metadata: { creationTimestamp: null }, versions: versionsOf('', ['v1']) }]
      : apiGroupList().groups.map((g) => ({ metadata: { name: g.name, creationTimestamp: null }, versions: versionsOf(g.name, g.versions.map((v) => v.version)) }));
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}
