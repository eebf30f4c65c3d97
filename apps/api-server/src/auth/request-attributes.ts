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
  const nonResource: Attributes = { user, verb: method.toLowerCase(), resourceRequest: false, apiGroup: '', apiVersion: '', resource: '', subresource: '', namespace: '', name: '', path };
  let parts: string[];
  try {
    parts = path.split('/').filter((p) => p !== '').map(decodeURIComponent);
  } catch {
    return nonResource;
  }
  let apiGroup = '';
  let apiVersion: string;
  if (parts[0] === 'api' && parts.length >= 2) {
    apiVersion = parts[1]!;
    parts = parts.slice(2);
  } else if (parts[0] === 'apis' && parts.length >= 3) {
    apiGroup = parts[1]!;
    apiVersion = parts[2]!;
    parts = parts.slice(3);
  } else {
    return nonResource;
  }
  // Discovery (/api/v1, /apis/apps/v1) is a non-resource request in Kubernetes too.
  if (parts.length === 0) return nonResource;
  let verb = METHOD_VERBS[method.toUpperCase()] ?? '';
  if (parts[0] === 'watch') {
    verb = 'watch';
    parts = parts.slice(1);
  }
  let namespace = '';
  if (parts[0] === 'namespaces' && parts.length > 1) {
    namespace = parts[1]!;
    if (parts.length > 2 && !NAMESPACE_SUBRESOURCES.has(parts[2]!)) parts = parts.slice(2);
  }
  const resource = parts[0] ?? '';
  let name = parts[1] ?? '';
  const subresource = parts[2] ?? '';
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
