/**
 * @module requestAttributes: what a request asks to do, read from its method and URL as kube's
 * RequestInfoFactory reads it (every /api and /apis path, served or not, so RBAC sees what the client named).
 */
import type { Attributes } from './authorizer.js';
import type { UserInfo } from './user-info.js';

const METHOD_VERBS: Record<string, string> = { POST: 'create', GET: 'get', HEAD: 'get', PUT: 'update', PATCH: 'patch', DELETE: 'delete' };
/** Namespace subresources: /api/v1/namespaces/NS/status names the namespace, not a resource called "status". */
const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);
/**
 * Streaming subresources opened with a GET WebSocket upgrade still need `create`, as kube-apiserver checks since
 * 1.30 (AuthorizePodWebsocketUpgradeCreatePermission): `get pods/exec` alone must not run commands.
 */
const CREATE_ON_UPGRADE = new Set(['exec', 'attach', 'portforward']);

/** requestAttributes builds the authorizer's view of a request. `upgrade` is true for WebSocket upgrades. */
export function requestAttributes(user: UserInfo, method: string, url: URL, upgrade = false): Attributes {
  const path = url.pathname;
  const parts = pathSegments(path);
  // Every request is authorized: the segments are read by index, not sliced, and nothing is built for a path that
  // turns out to name a resource.
  let i: number;
  let apiGroup = '';
  let apiVersion: string;
  if (parts?.[0] === 'api' && parts.length >= 2) {
    apiVersion = parts[1]!;
    i = 2;
  } else if (parts?.[0] === 'apis' && parts.length >= 3) {
    apiGroup = parts[1]!;
    apiVersion = parts[2]!;
    i = 3;
  } else {
    return nonResource(user, method, path);
  }
  // Discovery (/api/v1, /apis/apps/v1) is a non-resource request in Kubernetes too.
  if (parts.length === i) return nonResource(user, method, path);
  let verb = METHOD_VERBS[method.toUpperCase()] ?? '';
  if (parts[i] === 'watch') {
    verb = 'watch';
    i++;
  }
  let namespace = '';
  if (parts[i] === 'namespaces' && parts.length > i + 1) {
    namespace = parts[i + 1]!;
    if (parts.length > i + 2 && !NAMESPACE_SUBRESOURCES.has(parts[i + 2]!)) i += 2;
  }
  const resource = parts[i] ?? '';
  let name = parts[i + 1] ?? '';
  const subresource = parts[i + 2] ?? '';
  const q = url.searchParams;
  let fieldSelector: string | undefined;
  if (!name && verb === 'get') {
    verb = q.get('watch') === 'true' || q.get('watch') === '1' ? 'watch' : 'list';
    fieldSelector = q.get('fieldSelector') ?? undefined;
    // A list or watch of one object by name (`fieldSelector=metadata.name=NAME`) is authorized as that object.
    const byName = /^metadata\.name(?:==?)([^,]+)$/.exec(fieldSelector ?? '');
    if (byName) name = byName[1]!;
  }
  if (!name && verb === 'delete') verb = 'deletecollection';
  if (upgrade && resource === 'pods' && CREATE_ON_UPGRADE.has(subresource)) verb = 'create';
  return { user, verb, resourceRequest: true, apiGroup, apiVersion, resource, subresource, namespace, name, path, ...(fieldSelector ? { fieldSelector } : {}) };
}

function nonResource(user: UserInfo, method: string, path: string): Attributes {
  return { user, verb: method.toLowerCase(), resourceRequest: false, apiGroup: '', apiVersion: '', resource: '', subresource: '', namespace: '', name: '', path };
}

/** pathSegments splits a path into its non-empty, percent-decoded segments; undefined when an escape is malformed. */
function pathSegments(path: string): string[] | undefined {
  const parts: string[] = [];
  // decodeURIComponent changes only %-escapes: a path without any is split and kept as it is.
  const escaped = path.includes('%');
  try {
    for (const p of path.split('/')) if (p !== '') parts.push(escaped ? decodeURIComponent(p) : p);
  } catch {
    return undefined;
  }
  return parts;
}
