/**
 * @module SUBRESOURCE_HANDLERS: what each subresource path (KIND/NAME/SUB) does, by subresource name. A kind lists
 * the subresources it serves in its descriptor; the handler for a name is shared by every kind that lists it
 * (status for all, scale for workloads), as kube-apiserver's generic subresource storage is.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors, type ResourceInfo } from '@skiff/api';
import type { ApiPath } from '../http/api-path.js';
import { dryRunParam, fieldManagerParam, fieldValidationParam, patchManager } from '../http/query.js';
import { decodeObjectBody, readRawBody } from '../http/read-body.js';
import { successStatus } from '../http/send.js';
import { bindPod } from '../registry/binding.js';
import { evictPod } from '../registry/eviction.js';
import { getScale, writeScale } from '../registry/scale.js';
import { decodePatchBody, requirePatchType } from '../http/patch-body.js';
import { upgradeRequired } from './pod-exec.js';
import { requestUser } from '../auth/request-user.js';
import { requestToken } from '../registry/token-request.js';
import type { ApiHandlerDeps, RequestInfo } from './api-handler.js';
import type { RequestVersion } from './request-version.js';

/** SubresourceRequest is one request for KIND/NAME/SUB, parsed. */
export interface SubresourceRequest {
  deps: ApiHandlerDeps;
  req: IncomingMessage;
  res: ServerResponse;
  path: ApiPath;
  /** The storage version's descriptor (what the registry takes). */
  resource: ResourceInfo;
  /** Reads bodies in the version the path names; `reply` answers in it. */
  version: RequestVersion;
  name: string;
  namespace: string;
  q: URLSearchParams;
  /** Set `verb` for metrics. */
  info: RequestInfo;
  /** Answers once the state the body may show is durable. */
  reply(code: number, body: unknown, warnings?: string[]): Promise<void>;
}

export type SubresourceHandler = (r: SubresourceRequest) => Promise<void>;

function notAllowed(r: SubresourceRequest): never {
  throw errors.methodNotAllowed(r.req.method ?? 'GET', r.req.url ?? '');
}

/**
 * objectSubresource serves a subresource that reads and writes the whole object but changes only its part of it:
 * status, CSRs' approval (the kind's prepareForUpdate says which part), and pods/ephemeralcontainers (only
 * spec.ephemeralContainers, only additions).
 */
function objectSubresource(subresource: 'status' | 'ephemeralcontainers' | 'approval') {
  return async (r: SubresourceRequest): Promise<void> => {
    const { deps, req, q, info } = r;
    const ns = r.path.namespace;
    switch (req.method) {
      case 'GET':
        info.verb = 'GET';
        return r.reply(200, deps.registry.get(r.resource, ns, r.name));
      case 'PUT': {
        info.verb = 'PUT';
        const fieldValidation = fieldValidationParam(q);
        const body = r.version.decode(decodeObjectBody(await readRawBody(req), req.headers['content-type']), { fieldValidation });
        const { object, warnings } = deps.registry.update(r.resource, ns, r.name, body.object, { subresource, dryRun: dryRunParam(q), fieldValidation, user: requestUser(req), fieldManager: fieldManagerParam(q, req.headers['user-agent']) });
        return r.reply(200, object, [...body.warnings, ...warnings]);
      }
      case 'PATCH': {
        const type = requirePatchType(req);
        info.verb = 'PATCH';
        const body = decodePatchBody(type, await readRawBody(req));
        const conversion = r.version.conversion;
        const { object, warnings } = deps.registry.patch(r.resource, ns, r.name, type, body, { ...patchManager(type, q, req.headers['user-agent']), subresource, dryRun: dryRunParam(q), fieldValidation: fieldValidationParam(q), user: requestUser(req), ...(conversion ? { conversion } : {}) });
        return r.reply(200, object, warnings);
      }
      default:
        notAllowed(r);
    }
  };
}

async function finalize(r: SubresourceRequest): Promise<void> {
  if (r.req.method !== 'PUT') notAllowed(r);
  r.info.verb = 'PUT';
  const body = decodeObjectBody(await readRawBody(r.req), r.req.headers['content-type']);
  const { object } = r.deps.registry.update(r.resource, r.path.namespace, r.name, body, { subresource: 'finalize', dryRun: dryRunParam(r.q), user: requestUser(r.req) });
  return r.reply(200, object);
}

async function scale(r: SubresourceRequest): Promise<void> {
  const { deps, req, q, info } = r;
  switch (req.method) {
    case 'GET':
      info.verb = 'GET';
      return r.reply(200, getScale(deps.registry, r.resource, r.namespace, r.name));
    case 'PUT': {
      info.verb = 'PUT';
      const body = decodeObjectBody(await readRawBody(req), req.headers['content-type']);
      return r.reply(200, writeScale(deps.registry, r.resource, r.namespace, r.name, body, undefined, dryRunParam(q), requestUser(req), fieldManagerParam(q, req.headers['user-agent'])));
    }
    case 'PATCH': {
      const type = requirePatchType(req);
      info.verb = 'PATCH';
      const body = decodePatchBody(type, await readRawBody(req));
      return r.reply(200, writeScale(deps.registry, r.resource, r.namespace, r.name, body, type, dryRunParam(q), requestUser(req), patchManager(type, q, req.headers['user-agent']).fieldManager));
    }
    default:
      notAllowed(r);
  }
}

async function binding(r: SubresourceRequest): Promise<void> {
  if (r.req.method !== 'POST') notAllowed(r);
  r.info.verb = 'POST';
  const body = decodeObjectBody(await readRawBody(r.req), r.req.headers['content-type']);
  bindPod(r.deps.registry, r.namespace, r.name, body, r.deps.clock.now());
  return r.reply(201, successStatus(201));
}

async function eviction(r: SubresourceRequest): Promise<void> {
  if (r.req.method !== 'POST') notAllowed(r);
  r.info.verb = 'POST';
  const body = decodeObjectBody(await readRawBody(r.req), r.req.headers['content-type']);
  evictPod(r.deps.registry, r.namespace, r.name, body, { dryRun: dryRunParam(r.q), user: requestUser(r.req), nowMs: r.deps.clock.now() });
  return r.reply(201, successStatus(201));
}

async function log(r: SubresourceRequest): Promise<void> {
  if (r.req.method !== 'GET') notAllowed(r);
  r.info.verb = 'CONNECT';
  if (!r.deps.podLog) throw errors.badRequest('pod logs are not available: no node agent log proxy is configured');
  await r.deps.registry.store.sync(); // the proxy finds the pod's node from possibly pending state
  await r.deps.podLog(r.req, r.res, r.namespace, r.name, r.q);
}

/** serviceaccounts/token: TokenRequest (`kubectl create token`); 201 with the token in status, as kube answers. */
async function token(r: SubresourceRequest): Promise<void> {
  if (r.req.method !== 'POST') notAllowed(r);
  r.info.verb = 'POST';
  if (!r.deps.serviceAccountTokens) throw errors.badRequest('serviceaccounts/token is not available: this api-server has no --service-account-signing-key-file');
  const body = decodeObjectBody(await readRawBody(r.req), r.req.headers['content-type']);
  return r.reply(201, await requestToken(r.deps.registry, r.deps.serviceAccountTokens, r.namespace, r.name, body, requestUser(r.req)));
}

/**
 * exec, attach and portforward: upgrades never reach here (server.ts hands them to pod-exec.ts and
 * pod-portforward.ts); a plain request gets kube's 400.
 */
async function upgradeOnly(r: SubresourceRequest): Promise<void> {
  if (r.req.method !== 'GET' && r.req.method !== 'POST') notAllowed(r);
  r.info.verb = 'CONNECT';
  throw upgradeRequired();
}

export const SUBRESOURCE_HANDLERS: Readonly<Record<string, SubresourceHandler>> = {
  status: objectSubresource('status'),
  ephemeralcontainers: objectSubresource('ephemeralcontainers'),
  approval: objectSubresource('approval'),
  finalize,
  scale,
  binding,
  eviction,
  log,
  exec: upgradeOnly,
  attach: upgradeOnly,
  portforward: upgradeOnly,
  token,
};
