/**
 * @module The REST handler for every /api and /apis resource path: verbs, subresources, lists, Tables and watch.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { errors, groupResource, type KubeObject, type ResourceInfo } from '@skiff/api';
import { apiResourceList } from '../discovery/index.js';
import { parseApiPath, type ApiPath } from '../http/api-path.js';
import { decodeObjectBody, readRawBody } from '../http/read-body.js';
import { sendJson, successStatus } from '../http/send.js';
import { sendDurable } from '../http/send-durable.js';
import { boolParam, deleteOptions, dryRunParam, fieldManagerParam, fieldValidationParam, patchManager, intParam, listFilter, resourceVersionParam } from '../http/query.js';
import { metadataApiVersion, parseIncludeObject, partialObjectMetadata, printTable, wantsTable } from '../printers/index.js';
import type { Registry } from '../registry/registry.js';
import type { ContinueTokens } from '../registry/continue-token.js';
import { assertPageable, ExpiredPage, readPage, type Page } from '../registry/list-page.js';
import { settle } from '../storage/settle.js';
import { goStringify } from '../storage/go-json.js';
import type { StoredObject } from '../storage/stored-object.js';
import type { WatchHub } from '../watch/watch-hub.js';
import type { WatchRequest } from '../watch/watcher.js';
import { httpWatchSink } from '../watch/http-sink.js';
import type { RequestInfo } from '../http/request-info.js';
import { listOptionsFor } from '../http/list-options.js';
import { decodePatchBody, requirePatchType } from '../http/patch-body.js';
import { SUBRESOURCE_HANDLERS } from './subresource-handlers.js';
import { requestUser } from '../auth/request-user.js';
import type { ServiceAccountTokens } from '../auth/service-account-tokens.js';
import { handleReview, type ReviewDeps } from './review-handlers.js';
import { requestVersion, type RequestVersion } from './request-version.js';

export type { RequestInfo };

export interface ApiHandlerDeps {
  registry: Registry;
  hub: WatchHub;
  clock: { now(): number };
  /** Signs and reads the continue tokens of paged lists. */
  continueTokens: ContinueTokens;
  /** Answers the create-only reviews (SelfSubjectAccessReview, SelfSubjectReview, ...). */
  reviews?: ReviewDeps;
  /** Called for pods/log: proxies to the pod's node agent. */
  podLog?: (req: IncomingMessage, res: ServerResponse, namespace: string, name: string, q: URLSearchParams) => Promise<void>;
  /** Serves metrics.k8s.io (from the node agents); false (or a promise of false) for any other path. */
  resourceMetrics?: (req: IncomingMessage, res: ServerResponse, url: URL) => false | Promise<boolean>;
  /** Signs serviceaccounts/token answers; without it that subresource is refused. */
  serviceAccountTokens?: ServiceAccountTokens;
}

/**
 * handleApiRequest serves one resource request. It returns the RequestInfo for metrics, or undefined when the
 * path names nothing we serve (the caller answers 404). Errors are thrown as ApiErrors. Every answer that can show
 * stored state goes through `reply`, which waits for the store's pending commit first (see sendDurable).
 */
export async function handleApiRequest(
  deps: ApiHandlerDeps,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  info: RequestInfo,
): Promise<boolean> {
  const metrics = deps.resourceMetrics?.(req, res, url);
  if (metrics && (await metrics)) {
    info.verb = 'GET';
    info.group = 'metrics.k8s.io';
    return true;
  }
  const path = parseApiPath(url.pathname);
  if (!path) return false;
  const q = url.searchParams;
  const method = req.method ?? 'GET';
  info.group = path.group;
  info.version = path.version;
  if (!path.info) {
    if (method !== 'GET') throw errors.methodNotAllowed(method, url.pathname);
    info.verb = 'GET';
    sendJson(res, 200, apiResourceList(path.group, path.version));
    return true;
  }
  // The registry, store and watch hub work in the storage version; `send` answers in the version the path names.
  const version = requestVersion(path.info);
  const r = version.storage;
  const send = (code: number, body: unknown, warnings?: string[]): Promise<void> => reply(deps, res, code, version.answer(body), warnings);
  info.resource = r.plural;
  info.subresource = path.subresource ?? '';
  info.scope = path.name !== undefined ? 'resource' : r.namespaced && path.namespace ? 'namespace' : 'cluster';
  info.dryRun = q.has('dryRun');

  if (r.verbs && deps.reviews) {
    // Reviews are create-only and stored nowhere: POST to the collection is all they serve.
    if (method !== 'POST' || path.name !== undefined || path.subresource) throw errors.methodNotAllowed(method, url.pathname);
    info.verb = 'POST';
    const body = decodeObjectBody(await readRawBody(req), req.headers['content-type']);
    const answer = handleReview(deps.reviews, { info: r, user: requestUser(req), namespace: path.namespace ?? '', body });
    sendJson(res, 201, answer);
    return true;
  }

  if (path.subresource) {
    const handler = SUBRESOURCE_HANDLERS[path.subresource];
    if (!handler) return false;
    await handler({ deps, req, res, path, resource: r, version, name: path.name!, namespace: path.namespace ?? '', q, info, reply: send });
    return true;
  }
  if (path.name === undefined) {
    switch (method) {
      case 'GET':
        if (boolParam(q, 'watch')) {
          info.verb = 'WATCH';
          await startHttpWatch(deps, req, res, watchRequest(path, path.info, q, req.headers.accept));
          return true;
        }
        info.verb = 'LIST';
        await sendList(deps, req, res, path, version, q);
        return true;
      case 'POST': {
        info.verb = 'POST';
        const fieldValidation = fieldValidationParam(q);
        const body = version.decode(decodeObjectBody(await readRawBody(req), req.headers['content-type']), { fieldValidation });
        const dryRun = dryRunParam(q);
        const { object, warnings } = deps.registry.create(r, path.namespace, body.object, { dryRun, fieldValidation, user: requestUser(req), fieldManager: fieldManagerParam(q, req.headers['user-agent']) });
        await send(201, object, [...body.warnings, ...warnings]);
        return true;
      }
      case 'DELETE': {
        info.verb = 'DELETE';
        const opts = deleteOptions(await optionalJsonBody(req), q);
        const dryRun = dryRunParam(q);
        const { items, revision } = deps.registry.list(r, path.namespace, listFilter(r, q));
        const deleted: KubeObject[] = [];
        for (const obj of items) {
          deleted.push(deps.registry.delete(r, obj.metadata.namespace, obj.metadata.name!, opts, { dryRun, user: requestUser(req) }).object);
        }
        await send(200, { kind: r.listKind, apiVersion: r.apiVersion, metadata: { resourceVersion: String(revision) }, items: deleted });
        return true;
      }
      default:
        throw errors.methodNotAllowed(method, url.pathname);
    }
  }

  const name = path.name;
  switch (method) {
    case 'GET': {
      info.verb = 'GET';
      await ensureFresh(deps, resourceVersionParam(q));
      const obj = deps.registry.get(r, path.namespace, name);
      await sendObject(deps, req, res, version, obj, q);
      return true;
    }
    case 'PUT': {
      info.verb = 'PUT';
      const fieldValidation = fieldValidationParam(q);
      const body = version.decode(decodeObjectBody(await readRawBody(req), req.headers['content-type']), { fieldValidation });
      const { object, warnings } = deps.registry.update(r, path.namespace, name, body.object, { dryRun: dryRunParam(q), fieldValidation, user: requestUser(req), fieldManager: fieldManagerParam(q, req.headers['user-agent']) });
      await send(200, object, [...body.warnings, ...warnings]);
      return true;
    }
    case 'PATCH': {
      const type = requirePatchType(req);
      info.verb = type === 'apply' ? 'APPLY' : 'PATCH';
      const body = decodePatchBody(type, await readRawBody(req));
      const existed = type === 'apply' && deps.registry.store.get(deps.registry.key(r, path.namespace, name)) !== undefined;
      const { object, warnings } = deps.registry.patch(r, path.namespace, name, type, body, { ...patchManager(type, q, req.headers['user-agent']), dryRun: dryRunParam(q), fieldValidation: fieldValidationParam(q), user: requestUser(req), ...(version.conversion ? { conversion: version.conversion } : {}) });
      await send(type === 'apply' && !existed ? 201 : 200, object, warnings);
      return true;
    }
    case 'DELETE': {
      info.verb = 'DELETE';
      const opts = deleteOptions(await optionalJsonBody(req), q);
      const { object, gone } = deps.registry.delete(r, path.namespace, name, opts, { dryRun: dryRunParam(q), user: requestUser(req) });
      // kube-apiserver returns the object for pods and for anything still pending deletion, a Status otherwise.
      if (!gone || deps.registry.kind(r).strategy.deleteReturnsObject) await send(200, object);
      else await send(200, successStatus(200, { name, ...(r.group ? { group: r.group } : {}), kind: r.plural, uid: object.metadata.uid ?? '' }));
      return true;
    }
    default:
      throw errors.methodNotAllowed(method, url.pathname);
  }
}

/** reply sends a JSON answer once the state it may show is durable. */
function reply(deps: ApiHandlerDeps, res: ServerResponse, code: number, body: unknown, warnings?: string[]): Promise<void> {
  return sendDurable(deps.registry.store, res, code, body, warnings);
}

/** sendObject answers a GET: the object in the requested version, its metadata only, or a Table printed from the stored object. */
async function sendObject(deps: ApiHandlerDeps, req: IncomingMessage, res: ServerResponse, version: RequestVersion, obj: KubeObject, q: URLSearchParams): Promise<void> {
  const table = wantsTable(req.headers.accept);
  if (!table) {
    const metadata = metadataApiVersion(req.headers.accept);
    return reply(deps, res, 200, metadata ? partialObjectMetadata(obj, metadata) : version.answer(obj));
  }
  const t = printTable(version.storage.plural, [obj], { nowMs: deps.clock.now(), includeObject: parseIncludeObject(q.get('includeObject')), resourceVersion: obj.metadata.resourceVersion });
  await reply(deps, res, 200, version.answer(withTableVersion(t, req.headers.accept)));
}

/**
 * sendList answers a list. With `limit` (kubectl sends 500) or `continue` it serves one page (see readPage) with
 * metadata.continue and remainingItemCount, as JSON or as a Table; otherwise the whole list at the latest revision.
 * resourceVersion follows kube's list semantics: unset, "0" and N without limit all read the latest state (N must
 * have been reached: "not older than"); N with limit reads the first page exactly at N; N with continue is refused.
 */
async function sendList(deps: ApiHandlerDeps, req: IncomingMessage, res: ServerResponse, path: ApiPath, version: RequestVersion, q: URLSearchParams): Promise<void> {
  const r = version.storage;
  const { resourceVersion: rv, resourceVersionMatch: match } = listOptionsFor(q, false);
  const limit = intParam(q, 'limit') ?? 0;
  const filter = listFilter(r, q);
  const namespace = r.namespaced ? path.namespace : undefined;
  const resource = groupResource(r.plural, r.group);
  // Tokens are bound to the list they came from: resource and namespace scope.
  const list = `${resource}/${namespace ?? ''}`;
  const cont = q.get('continue') || undefined;
  let page: Page;
  if (cont === undefined && limit <= 0 && match !== 'Exact') {
    await ensureFresh(deps, rv);
    // The whole list at the latest revision: one page without a limit, read from the store's text.
    await settle(deps.registry.store);
    page = readPage(deps.registry.store, { resource, info: r, namespace, filter, limit: Infinity });
  } else {
    if (cont !== undefined) assertPageable(rv);
    const token = cont !== undefined ? deps.continueTokens.decode(cont, list) : undefined;
    // A page is read exactly at a given resourceVersion, unless the client asked only for one not older than it.
    const at = token ? token.rv : match === 'NotOlderThan' ? undefined : rv || undefined;
    await ensureFresh(deps, token ? token.rv : rv);
    await settle(deps.registry.store);
    try {
      page = readPage(deps.registry.store, { resource, info: r, namespace, filter, limit: limit > 0 ? limit : Infinity, ...(at !== undefined ? { rv: at } : {}), ...(token ? { after: token.start } : {}) });
    } catch (err) {
      if (!(err instanceof ExpiredPage)) throw err;
      if (!token) throw errors.listExpired();
      throw errors.continueExpired(deps.continueTokens.encode({ rv: -1, start: token.start }, list));
    }
  }
  const rvText = String(page.revision);
  const next = page.next ? deps.continueTokens.encode(page.next, list) : undefined;
  if (wantsTable(req.headers.accept)) {
    const t = printTable(r.plural, page.items, {
      nowMs: deps.clock.now(),
      includeObject: parseIncludeObject(q.get('includeObject')),
      resourceVersion: rvText,
      ...(next ? { continue: next } : {}),
      ...(page.remainingItemCount !== undefined ? { remainingItemCount: page.remainingItemCount } : {}),
    });
    return reply(deps, res, 200, version.answer(withTableVersion(t, req.headers.accept)));
  }
  let meta = `"resourceVersion":"${rvText}"`;
  if (next) meta += `,"continue":${JSON.stringify(next)}`;
  if (page.remainingItemCount !== undefined) meta += `,"remainingItemCount":${page.remainingItemCount}`;
  // Items are serialized by hand around the list envelope: no intermediate object with 100k entries, and each item's
  // text is the one the store made when it was written.
  const parts: string[] = new Array(page.entries.length);
  const metadata = metadataApiVersion(req.headers.accept);
  if (metadata) {
    // Metadata-only lists (controller-runtime's metadata informers, the garbage collector): PartialObjectMetadataList.
    for (let i = 0; i < page.entries.length; i++) parts[i] = goStringify(partialObjectMetadata((page.entries[i] as StoredObject).object, metadata));
    return reply(deps, res, 200, `{"kind":"PartialObjectMetadataList","apiVersion":"${metadata}","metadata":{${meta}},"items":[${parts.join(',')}]}`);
  }
  // Another served version than the stored one has each item converted; the storage version sends the stored text.
  const convert = version.conversion?.fromStorage;
  for (let i = 0; i < page.entries.length; i++) {
    const entry = page.entries[i] as StoredObject;
    parts[i] = convert ? goStringify(convert(entry.object)) : entry.json;
  }
  const apiVersion = version.conversion?.info.apiVersion ?? r.apiVersion;
  await reply(deps, res, 200, `{"kind":"${r.listKind}","apiVersion":"${apiVersion}","metadata":{${meta}},"items":[${parts.join(',')}]}`);
}

/**
 * ensureFresh waits until the store has reached a requested resourceVersion, and answers 504 "Too large resource
 * version" if it does not within the block timeout (kube's waitUntilFreshAndBlock).
 */
async function ensureFresh(deps: ApiHandlerDeps, rv: number | undefined): Promise<void> {
  if (rv === undefined || rv <= 0) return;
  if (!(await deps.hub.waitUntilFresh(rv))) throw errors.tooLargeResourceVersion(rv, deps.registry.store.durableRevision());
}

function withTableVersion<T extends { apiVersion: string }>(table: T, accept: string | undefined): T {
  if (accept && !/as=Table;v=v1;g=meta\.k8s\.io|as=Table;g=meta\.k8s\.io;v=v1(?!beta)/.test(accept.replace(/\s/g, '')) && /v1beta1/.test(accept)) {
    table.apiVersion = 'meta.k8s.io/v1beta1';
  }
  return table;
}

/** watchRequest turns query parameters into a WatchRequest (shared by the HTTP and WebSocket transports). */
export function watchRequest(path: ApiPath, r: ResourceInfo, q: URLSearchParams, accept: string | undefined): WatchRequest {
  const req: WatchRequest = {
    info: r,
    resource: groupResource(r.plural, r.group),
    filter: listFilter(r, q),
    allowBookmarks: boolParam(q, 'allowWatchBookmarks'),
  };
  // Events of another served version than the stored one are converted (the bookmarks already name `r`'s version).
  const convert = requestVersion(r).conversion?.fromStorage;
  if (convert) req.convert = convert;
  if (r.namespaced && path.namespace) req.namespace = path.namespace;
  const { resourceVersion: rv, sendInitialEvents } = listOptionsFor(q, true);
  if (rv !== undefined) req.resourceVersion = rv;
  if (sendInitialEvents !== undefined) req.sendInitialEvents = sendInitialEvents;
  // Any integer, as kube takes it: 0 is the server's default, a negative one ends the watch at once (watchTimeoutMs).
  const timeout = intParam(q, 'timeoutSeconds');
  if (timeout !== undefined) req.timeoutSeconds = timeout;
  if (wantsTable(accept)) {
    req.table = { includeObject: parseIncludeObject(q.get('includeObject')), apiVersion: withTableVersion({ apiVersion: 'meta.k8s.io/v1' }, accept).apiVersion };
  } else {
    const metadata = metadataApiVersion(accept);
    if (metadata) req.metadataOnly = metadata;
  }
  return req;
}

async function startHttpWatch(deps: ApiHandlerDeps, req: IncomingMessage, res: ServerResponse, wr: WatchRequest): Promise<void> {
  // A resourceVersion the store has not reached is waited for (briefly); if it is still ahead, start() answers with
  // the ERROR event. Then settle before the headers, so a failed commit can still answer 500.
  if (wr.resourceVersion) await deps.hub.waitUntilFresh(wr.resourceVersion);
  await settle(deps.registry.store);
  res.statusCode = 200;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Transfer-Encoding', 'chunked');
  res.setHeader('Cache-Control', 'no-cache, private');
  res.flushHeaders();
  req.socket.setNoDelay(true);
  const watcher = deps.hub.start(wr, httpWatchSink(res));
  // On Node 20 req 'close' fires once the body is read; only the response's close means the client left.
  res.on('close', () => watcher.close());
  if (res.destroyed) watcher.close(); // the client left while we waited for the commit
}

async function optionalJsonBody(req: IncomingMessage): Promise<unknown> {
  const raw = await readRawBody(req);
  if (raw.length === 0) return undefined;
  return decodeObjectBody(raw, req.headers['content-type'] ?? 'application/json');
}
