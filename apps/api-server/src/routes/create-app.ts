/**
 * @module createApp: the HTTP routes of the api-server (health, metrics, discovery, OpenAPI, every resource path)
 * as an Express app, over an already built and bootstrapped registry and watch hub.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import express from 'express';
import type { Logger } from 'pino';
import { ApiError } from '@skiff/api';
import { aggregatedContentType, aggregatedDiscovery, aggregatedDiscoveryVersion, apiGroupList, apiVersions, versionInfo } from '../discovery/index.js';
import { legacyWatchPath } from '../http/legacy-watch-path.js';
import { requestTargetError } from '../http/request-target-error.js';
import { requestUrl } from '../http/request-url.js';
import { sendError, sendJson } from '../http/send.js';
import type { ApiMetrics } from '../metrics/api-metrics.js';
import type { Storage } from '../storage/storage.js';
import type { AuthGate } from '../auth/auth-gate.js';
import { handleApiRequest, type ApiHandlerDeps, type RequestInfo } from './api-handler.js';
import { healthHandler } from './health.js';
import { crdListHandler, openapiV2Handler, openapiV3Handler, openapiV3RootHandler } from './openapi-handlers.js';

export interface AppOptions {
  store: Storage;
  logger: Logger;
  metrics: ApiMetrics;
  deps: ApiHandlerDeps;
  /** Address advertised in /api serverAddressByClientCIDRs. */
  advertiseAddress: string;
  /** False once shutdown has begun: /readyz fails so load balancers stop sending. */
  ready(): boolean;
  /** Authentication and authorization, in front of every route (health checks included, as in Kubernetes). */
  gate: AuthGate;
}

/** RequestListener is what createApp returns: the handler of every request of an http(s) server. */
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * createApp wires every route; it holds no state of its own. Reads (GET, HEAD) go through an Express app: the
 * fixed routes (health, metrics, discovery, OpenAPI), then the resource handler. Every other method only the
 * resource handler serves, so a write takes the same filters, handler and 404 without Express's routing, which
 * cost a create more than its PodSecurity check did (bench/README.md, "Creates: where the time goes").
 */
export function createApp(opts: AppOptions): RequestListener {
  const { store, logger, metrics, deps } = opts;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  /** checkTarget answers 400 for a bad request target and rewrites the legacy watch paths. */
  const checkTarget = (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    const bad = requestTargetError(req);
    if (bad) {
      sendError(res, bad);
      return;
    }
    const legacy = legacyWatchPath(req.url ?? '/');
    if (legacy) req.url = (req as { originalUrl?: string }).originalUrl = legacy;
    next();
  };
  app.use(checkTarget);
  app.use(opts.gate.middleware);
  const checks = [
    { name: 'ping', check: () => true },
    // A read through to the database: a closed store or an unreadable file fails it.
    { name: 'sqlite', check: () => (store.ping(), true) },
  ];
  app.get('/healthz', healthHandler('healthz', checks));
  app.get('/livez', healthHandler('livez', checks));
  app.get('/readyz', healthHandler('readyz', [...checks, { name: 'shutdown', check: () => opts.ready() }]));
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.end(await metrics.registry.metrics());
  });
  app.get('/version', (_req, res) => sendJson(res, 200, versionInfo()));
  // Aggregated discovery when asked for (kubectl 1.30+ asks first), the legacy documents otherwise.
  const discovery = (path: '/api' | '/apis', legacy: () => unknown) => (req: express.Request, res: express.Response) => {
    const v = aggregatedDiscoveryVersion(req.headers.accept);
    if (!v) return sendJson(res, 200, legacy());
    const body = JSON.stringify(aggregatedDiscovery(path, v)) + '\n';
    res.setHeader('Content-Type', aggregatedContentType(v));
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(body);
  };
  app.get('/api', discovery('/api', () => apiVersions(opts.advertiseAddress)));
  app.get('/apis', discovery('/apis', () => apiGroupList()));
  const now = (): number => deps.clock.now();
  app.get('/openapi/v2', openapiV2Handler(now));
  app.get('/openapi/v3', openapiV3RootHandler);
  const v3 = openapiV3Handler(now);
  app.get(/^\/openapi\/v3\/(.+)$/, (req, res) => v3(req, res, req.params[0] as string, new URL(req.originalUrl, 'http://localhost')));
  app.get('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crdListHandler);
  const saTokens = deps.serviceAccountTokens;
  if (saTokens) {
    // ServiceAccount issuer discovery (kube's --service-account-issuer OIDC documents), for verifiers outside.
    app.get('/.well-known/openid-configuration', (_req, res) => sendJson(res, 200, saTokens.openidConfiguration()));
    app.get('/openid/v1/jwks', (_req, res, next) => {
      saTokens.jwks().then((jwks) => {
        res.status(200).type('application/jwk-set+json').send(JSON.stringify(jwks));
      }, next);
    });
  }

  /** serveResource serves every /api and /apis resource path; anything else goes on to `next`. */
  const serveResource = async (req: IncomingMessage, res: ServerResponse, next: () => void): Promise<void> => {
    const start = process.hrtime.bigint();
    const url = requestUrl(req);
    const info: RequestInfo = { verb: req.method ?? 'GET', group: '', version: '', resource: '', subresource: '', scope: '', dryRun: false };
    let code = 200;
    try {
      const handled = await handleApiRequest(deps, req, res, url, info);
      if (!handled) return next();
      code = res.statusCode;
    } catch (err) {
      // An error can show pending state too (409 AlreadyExists for an object created this turn): wait for its commit;
      // if that failed, the error was computed from writes that were rolled back, so answer with the failure.
      let failure = err;
      try {
        await store.sync();
      } catch (commitErr) {
        failure = commitErr;
      }
      const apiErr = sendError(res, failure);
      code = apiErr.code;
      // 507: the failed commit behind it was logged once already (onCommitError); a line per request would flood.
      // A 5xx the server chose on purpose (503 node agent unreachable, 504 too large resourceVersion) is an answer,
      // not a fault: one line without a stack. Anything else is a bug or an outage and keeps its stack.
      if (apiErr.code >= 500 && apiErr.code !== 507) {
        if (failure instanceof ApiError && apiErr.reason !== 'InternalError') {
          logger.info({ method: req.method, path: url.pathname, code: apiErr.code, reason: apiErr.reason, message: apiErr.message }, 'request refused');
        } else {
          logger.error({ err: failure, method: req.method, path: url.pathname }, 'request failed');
        }
      }
    }
    if (info.verb === 'WATCH') return;
    const labels = { verb: info.verb, dry_run: info.dryRun ? 'All' : '', group: info.group, version: info.version, resource: info.resource, subresource: info.subresource, scope: info.scope, component: 'apiserver' };
    metrics.requests.inc({ ...labels, code: String(code) });
    metrics.duration.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
  };
  app.use(serveResource);
  const notFound = (req: IncomingMessage, res: ServerResponse): void => {
    const message = 'the server could not find the requested resource';
    // The path as Express's req.path gives it: the target before its query, as sent.
    const target = req.url ?? '/';
    const q = target.indexOf('?');
    const path = q < 0 ? target : target.slice(0, q);
    sendError(res, new ApiError({ reason: 'NotFound', message, details: { causes: [{ reason: 'UnexpectedServerResponse', message: `404 page not found: ${req.method} ${path}` }] } }));
  };
  app.use(notFound);
  app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    sendError(res, err);
  });

  return (req, res) => {
    if (req.method === 'GET' || req.method === 'HEAD') {
      app(req, res);
      return;
    }
    // What Express's error handler did for the reads: anything thrown becomes a Status, never an uncaught error.
    const fail = (err: unknown): void => void sendError(res, err);
    try {
      checkTarget(req, res, () => opts.gate.middleware(req, res, () => void serveResource(req, res, () => notFound(req, res)).catch(fail)));
    } catch (err) {
      fail(err);
    }
  };
}
