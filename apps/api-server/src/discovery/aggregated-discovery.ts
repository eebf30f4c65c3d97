/**
 * @module Aggregated discovery (apidiscovery.k8s.io/v2 APIGroupDiscoveryList, KEP-3352): every group, version and
 * resource in the answer to GET /api or GET /apis, so a kubectl command costs two discovery requests, not one per
 * group version. Derived from RESOURCE_LIST, as the legacy documents are.
 */
import { ALL_VERBS, RESOURCE_LIST, type ResourceInfo } from '@skiff/api';
import { apiGroupList } from './api-group-list.js';

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

function resourceDiscovery(r: ResourceInfo): APIResourceDiscovery {
  const d: APIResourceDiscovery = {
    resource: r.plural,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: [...ALL_VERBS],
  };
  if (r.shortNames.length) d.shortNames = [...r.shortNames];
  if (r.categories.length) d.categories = [...r.categories];
  if (r.subresources.length) {
    d.subresources = [...r.subresources]
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
      .map((s) => ({ subresource: s.name, responseKind: { group: s.group, version: s.version, kind: s.kind }, verbs: [...s.verbs] }));
  }
  return d;
}

function versionsOf(group: string, versions: string[]): APIGroupDiscoveryList['items'][number]['versions'] {
  return versions.map((version) => ({
    version,
    resources: RESOURCE_LIST.filter((r) => r.group === group && r.version === version)
      .sort((a, b) => (a.plural < b.plural ? -1 : a.plural > b.plural ? 1 : 0))
      .map(resourceDiscovery),
    freshness: 'Current' as const,
  }));
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
