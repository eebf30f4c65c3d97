/**
 * @module createApiServer: wires store, registry, watch hub, routes and metrics into an Express app.
 * Only main.ts opens sockets and files; tests build servers from here with any store and clock.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import { ApiError, errors, realClock, RESOURCES, type Clock } from '@skiff/api';
import { apiGroupList, apiVersions, openapiV3GroupVersion, openapiV3Root, versionInfo } from './discovery/index.js';
import { requestTargetError } from './http/request-target-error.js';
import { sendError, sendJson } from './http/send.js';
import { ApiMetrics } from './metrics/api-metrics.js';
import { ContinueTokens } from './registry/continue-token.js';
import { Registry } from './registry/registry.js';
import { handleApiRequest, type RequestInfo } from './routes/api-handler.js';
import { healthHandler } from './routes/health.js';
import { podStreamProxy } from './routes/pod-exec.js';
import { podLogProxy } from './routes/pod-log.js';
import type { Storage } from './storage/storage.js';
import { WatchHub } from './watch/watch-hub.js';
import { WebSocketWatch } from './watch/websocket-watch.js';


export interface ApiServerOptions {
  store: Storage;
  logger: Logger;
  clock?: Clock;
  /** Events expire this long after their last write (kube-apiserver --event-ttl, default 1h). */
  eventTtlSeconds?: number;
  /** Address advertised in /api serverAddressByClientCIDRs. */
  advertiseAddress?: string;
  minRequestTimeoutSeconds?: number;
  watchBookmarkIntervalMs?: number;
  /** Seconds new pods tolerate a not-ready / unreachable node (DefaultTolerationSeconds admission). */
  defaultNotReadyTolerationSeconds?: number;
  defaultUnreachableTolerationSeconds?: number;
  /** A watcher further behind than this many bytes is closed (it re-watches from its last revision). */
  maxWatchBufferedBytes?: number;
  /** How long pods/log waits to connect to a node agent and for its headers (default 10 s). */
  podLogDialTimeoutMs?: number;
  /** How long a request for a resourceVersion the store has not reached waits before 504 (kube: 3 s). */
  blockTimeoutMs?: number;
  /** Key that signs continue tokens; random when absent (tokens then die with the process). */
  continueTokenKey?: Buffer;
}

export interface ApiServer {
  app: Express;
  registry: Registry;
  hub: WatchHub;
  metrics: ApiMetrics;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Mark not ready (SIGTERM): /readyz fails so load balancers stop sending before watches close. */
  shutdown(): void;
  close(): void;
}

const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** createApiServer builds the api-server around a Storage; it also creates the system namespaces if missing. */
export function createApiServer(opts: ApiServerOptions): ApiServer {
  const clock = opts.clock ?? realClock;
  const { store, logger } = opts;
  const registry = new Registry({
    store,
    clock,
    eventTtlSeconds: opts.eventTtlSeconds ?? 3600,
    defaultTolerationSeconds: { notReady: opts.defaultNotReadyTolerationSeconds ?? 300, unreachable: opts.defaultUnreachableTolerationSeconds ?? 300 },
  });
  const metrics = new ApiMetrics(store);
  const hub = new WatchHub({
    store,
    logger,
    clock,
    ...(opts.minRequestTimeoutSeconds !== undefined ? { minRequestTimeoutSeconds: opts.minRequestTimeoutSeconds } : {}),
    ...(opts.watchBookmarkIntervalMs !== undefined ? { bookmarkIntervalMs: opts.watchBookmarkIntervalMs } : {}),
    ...(opts.maxWatchBufferedBytes !== undefined ? { maxBufferedBytes: opts.maxWatchBufferedBytes } : {}),
    ...(opts.blockTimeoutMs !== undefined ? { blockTimeoutMs: opts.blockTimeoutMs } : {}),
    onWatcherCountChange: (r, delta) => metrics.watchers.inc({ group: r.info.group, version: r.info.version, kind: r.info.kind }, delta),
  });
  const wsWatch = new WebSocketWatch(hub, store);
  const podStreams = podStreamProxy(registry, opts.podLogDialTimeoutMs !== undefined ? { dialTimeoutMs: opts.podLogDialTimeoutMs } : {});
  for (const name of SYSTEM_NAMESPACES) {
    if (!store.get({ resource: 'namespaces', namespace: '', name })) {
      registry.create(RESOURCES.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    }
  }
  let shuttingDown = false;
  const deps = { registry, hub, clock, continueTokens: new ContinueTokens(opts.continueTokenKey), podLog: podLogProxy(registry, opts.podLogDialTimeoutMs !== undefined ? { dialTimeoutMs: opts.podLogDialTimeoutMs } : {}) };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use((req, res, next) => {
    const bad = requestTargetError(req);
    if (bad) sendError(res, bad);
    else next();
  });
  const checks = [
    { name: 'ping', check: () => true },
    // A read through to the database: a closed store or an unreadable file fails it.
    { name: 'sqlite', check: () => (store.ping(), true) },
  ];
  app.get('/healthz', healthHandler('healthz', checks));
  app.get('/livez', healthHandler('livez', checks));
  app.get('/readyz', healthHandler('readyz', [...checks, { name: 'shutdown', check: () => !shuttingDown }]));
  app.get('/metrics', async (_req, res) => {
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.end(await metrics.registry.metrics());
  });
  app.get('/version', (_req, res) => sendJson(res, 200, versionInfo()));
  app.get('/api', (_req, res) => sendJson(res, 200, apiVersions(opts.advertiseAddress ?? '127.0.0.1:8080')));
  app.get('/apis', (_req, res) => sendJson(res, 200, apiGroupList()));
  app.get('/openapi/v3', (_req, res) => sendJson(res, 200, openapiV3Root()));
  app.get(/^\/openapi\/v3\/(.+)$/, (req, res) => {
    const doc = openapiV3GroupVersion(req.params[0] as string);
    if (doc) sendJson(res, 200, doc);
    else sendError(res, errors.notFound('', '', req.path));
  });

  app.use(async (req, res, next) => {
    const start = process.hrtime.bigint();
    const url = new URL(req.originalUrl, 'http://localhost');
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

  return {
    app,
    registry,
    hub,
    metrics,
    handleUpgrade: (req, socket, head) => void (podStreams(req, socket, head) || wsWatch.handleUpgrade(req, socket, head)),
    shutdown: () => {
      shuttingDown = true;
    },
    close: () => {
      wsWatch.close();
      hub.close();
    },
  };
}
