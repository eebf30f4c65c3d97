/**
 * @module Parsing of Kubernetes REST paths into (resource, namespace, name, subresource).
 */
import { errors, SERVED_RESOURCES, type ResourceInfo } from '@skiff/api';

/** ApiPath is a parsed /api or /apis path. `info` is undefined for discovery documents. */
export interface ApiPath {
  group: string;
  version: string;
  info?: ResourceInfo;
  namespace?: string;
  name?: string;
  subresource?: string;
}

const byGroupVersion = new Map<string, Map<string, ResourceInfo>>();
for (const info of SERVED_RESOURCES) {
  const gv = `${info.group}/${info.version}`;
  let m = byGroupVersion.get(gv);
  if (!m) byGroupVersion.set(gv, (m = new Map()));
  m.set(info.plural, info);
}

/** decodePath undoes percent-escapes; a malformed one is the client's 400, worded as Go's net/http words it. */
export function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    const bad = /%(?![0-9A-Fa-f]{2}).{0,2}/.exec(path)?.[0];
    throw errors.badRequest(bad ? `invalid URL escape ${JSON.stringify(bad)}` : `the request path ${JSON.stringify(path)} is not percent-encoded UTF-8`);
  }
}

/** servesGroupVersion reports whether discovery for group/version exists. */
export function servesGroupVersion(group: string, version: string): boolean {
  return byGroupVersion.has(`${group}/${version}`);
}

/**
 * parseApiPath splits a request path such as /apis/apps/v1/namespaces/ns/deployments/web/scale.
 * Returns undefined for paths that name no resource we serve (the caller answers 404).
 */
export function parseApiPath(pathname: string): ApiPath | undefined {
  const parts = pathname.split('/').filter((p) => p !== '');
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === 'api' && parts.length >= 2) {
    group = '';
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else {
    return undefined;
  }
  const resources = byGroupVersion.get(`${group}/${version}`);
  if (!resources) return undefined;
  // decodePath changes only %-escapes (and refuses bad ones): a path without any is used as split.
  const seg = pathname.includes('%') ? rest.map(decodePath) : rest;
  if (seg.length === 0) return { group, version };

  // /namespaces/{ns}/{resource}... names a namespaced resource unless {resource} is a namespace subresource.
  if (seg[0] === 'namespaces' && seg.length >= 3) {
    const info = resources.get(seg[2]!);
    if (info?.namespaced) {
      if (seg.length > 5) return undefined;
      return withParts({ group, version, info, namespace: seg[1]! }, seg[3], seg[4]);
    }
  }
  const info = resources.get(seg[0]!);
  if (!info || seg.length > 3) return undefined;
  return withParts({ group, version, info }, seg[1], seg[2]);
}

function withParts(p: ApiPath, name: string | undefined, sub: string | undefined): ApiPath | undefined {
  if (name !== undefined) p.name = name;
  if (sub !== undefined) {
    if (!p.info?.subresources.some((s) => s.name === sub)) return undefined;
    p.subresource = sub;
  }
  return p;
}
