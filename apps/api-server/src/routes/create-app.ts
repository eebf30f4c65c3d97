/**
 * @module createApp: the HTTP routes of the api-server (health, metrics, discovery, OpenAPI, every resource path)
 * as an Express app, over an already built and bootstrapped registry and watch hub.
 */
import express, { type Express } from 'express';
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

/** createApp wires every route; it holds no state of its own. */
export function createApp(opts: AppOptions): Express {
  const { store, logger, metrics, deps } = opts;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((req, res, next) => {
    const bad = requestTargetError(req);
    if (bad) {
      sendError(res, bad);
      return;
    }
    const legacy = legacyWatchPath(req.url);
    if (legacy) req.url = req.originalUrl = legacy;
    next();
  });
  app.use(opts.gate.middleware);
  // The fixed routes below answer GET (and HEAD, as Express's get routes do) only: a write goes straight on to the
  // resource handler instead of being matched against each of them in turn.
  const gets = express.Router();
  app.use((req, res, next) => (req.method === 'GET' || req.method === 'HEAD' ? gets(req, res, next) : next()));
  const checks = [
    { name: 'ping', check: () => true },
    // A read through to the database: a closed store or an unreadable file fails it.
    { name: 'sqlite', check: () => (store.ping(), true) },
  ];
  gets.get('/healthz', healthHandler('healthz', checks));
  gets.get('/livez', healthHandler('livez', checks));
  gets.get('/readyz', healthHandler('readyz', [...checks, { name: 'shutdown', check: () => opts.ready() }]));
  gets.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.end(await metrics.registry.metrics());
  });
  gets.get('/version', (_req, res) => sendJson(res, 200, versionInfo()));
  // Aggregated discovery when asked for (kubectl 1.30+ asks first), the legacy documents otherwise.
  const discovery = (path: '/api' | '/apis', legacy: () => unknown) => (req: express.Request, res: express.Response) => {
    const v = aggregatedDiscoveryVersion(req.headers.accept);
    if (!v) return sendJson(res, 200, legacy());
    const body = JSON.stringify(aggregatedDiscovery(path, v)) + '\n';
    res.setHeader('Content-Type', aggregatedContentType(v));
    res.setHeader('Content-Length', Buffer.byteLength(body));
    res.end(body);
  };
  gets.get('/api', discovery('/api', () => apiVersions(opts.advertiseAddress)));
  gets.get('/apis', discovery('/apis', () => apiGroupList()));
  const now = (): number => deps.clock.now();
  gets.get('/openapi/v2', openapiV2Handler(now));
  gets.get('/openapi/v3', openapiV3RootHandler);
  const v3 = openapiV3Handler(now);
  gets.get(/^\/openapi\/v3\/(.+)$/, (req, res) => v3(req, res, req.params[0] as string, new URL(req.originalUrl, 'http://localhost')));
  gets.get('/apis/apiextensions.k8s.io/v1/customresourcedefinitions', crdListHandler);
  const saTokens = deps.serviceAccountTokens;
  if (saTokens) {
    // ServiceAccount issuer discovery (kube's --service-account-issuer OIDC documents), for verifiers outside.
    gets.get('/.well-known/openid-configuration', (_req, res) => sendJson(res, 200, saTokens.openidConfiguration()));
    gets.get('/openid/v1/jwks', (_req, res, next) => {
      saTokens.jwks().then((jwks) => {
        res.status(200).type('application/jwk-set+json').send(JSON.stringify(jwks));
      }, next);
    });
  }

  app.use(async (req, res, next) => {
    const start = process.hrtime.bigint();
    const url = requestUrl(req);
    const info: RequestInfo = { verb: req.method, group: '', version: '', resource: '', subresource: '', scope: '', dryRun: false };
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
  });
  app.use((req, res) => {
    const message = 'the server could not find the requested resource';
    sendError(res, new ApiError({ reason: 'NotFound', message, details: { causes: [{ reason: 'UnexpectedServerResponse', message: `404 page not found: ${req.method} ${req.path}` }] } }));
  });
  app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    sendError(res, err);
  });

  return app;
}
