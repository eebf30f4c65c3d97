/**
 * @module createApiServer: builds registry, watch hub and metrics on a store, bootstraps it, and wires the routes.
 * Only main.ts opens sockets and files; tests build servers from here with any store and clock.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { realClock, type Clock, type NodePortRange, type ServiceIPRange } from '@skiff/api';
import { ensureKubernetesService } from './bootstrap/kubernetes-service.js';
import { ensureSystemNamespaces } from './bootstrap/system-namespaces.js';
import { ensureDefaultStorageClass } from './bootstrap/default-storage-class.js';
import { ensureBootstrapPolicy } from './bootstrap/ensure-bootstrap-policy.js';
import type { RuleResolver } from './routes/review-handlers.js';
import { ApiMetrics } from './metrics/api-metrics.js';
import { ContinueTokens } from './registry/continue-token.js';
import { Registry } from './registry/registry.js';
import { createApp, type RequestListener } from './routes/create-app.js';
import { podStreamProxy } from './routes/pod-exec.js';
import { podLogProxy } from './routes/pod-log.js';
import { nodeAgentEndpoint } from './routes/node-agent.js';
import { fetchAgentSummary } from './resource-metrics/agent-summary.js';
import { resourceMetricsApi } from './resource-metrics/resource-metrics-api.js';
import { agentDialer, type AgentDialerOptions } from './routes/agent-dialer.js';
import { podPortForwardProxy } from './routes/pod-portforward.js';
import { parseApiPath } from './http/api-path.js';
import { legacyWatchPath } from './http/legacy-watch-path.js';
import type { Storage } from './storage/storage.js';
import { WatchHub } from './watch/watch-hub.js';
import { WebSocketWatch } from './watch/websocket-watch.js';
import type { AdmissionPlugin } from './admission/admission.js';
import { authGate, type AuthGate, type RequestObserver } from './auth/auth-gate.js';
import { alwaysAllowAuthorizer, type Authorizer } from './auth/authorizer.js';
import { UNSECURED_USER, type UserInfo } from './auth/user-info.js';
import type { ServiceAccountTokens } from './auth/service-account-tokens.js';


export interface ApiServerOptions {
  store: Storage;
  logger: Logger;
  clock?: Clock;
  /** Events expire this long after their last write (kube-apiserver --event-ttl, default 1h). */
  eventTtlSeconds?: number;
  /** Address advertised in /api serverAddressByClientCIDRs. */
  advertiseAddress?: string;
  /**
   * Where pods reach this api-server: the `kubernetes` Service's endpoint (kube-apiserver's --advertise-address
   * with its port). Without it the Service is still created, with no Endpoints written.
   */
  serviceEndpoint?: { ip: string; port: number };
  minRequestTimeoutSeconds?: number;
  watchBookmarkIntervalMs?: number;
  /** Seconds new pods tolerate a not-ready / unreachable node (DefaultTolerationSeconds admission). */
  defaultNotReadyTolerationSeconds?: number;
  defaultUnreachableTolerationSeconds?: number;
  /** --service-cluster-ip-range and --service-node-port-range: what Service allocation hands out. */
  serviceClusterIPRange?: ServiceIPRange;
  serviceNodePortRange?: NodePortRange;
  /** A watcher further behind than this many bytes is closed (it re-watches from its last revision). */
  maxWatchBufferedBytes?: number;
  /** How long pods/log waits to connect to a node agent and for its headers (default 10 s). */
  podLogDialTimeoutMs?: number;
  /** How long a request for a resourceVersion the store has not reached waits before 504 (kube: 3 s). */
  blockTimeoutMs?: number;
  /** Key that signs continue tokens; random when absent (tokens then die with the process). */
  continueTokenKey?: Buffer;
  /**
   * Who each request comes from and what it may do. Without it the server is unsecured: every request is
   * UNSECURED_USER (system:masters) and allowed, which only in-process tests and the loopback insecure port use.
   */
  auth?: ServerAuth;
  /** Validating admission plugins (PodSecurity, NodeRestriction), in order. */
  admission?: AdmissionPlugin[];
  /** Signs TokenRequest answers (serviceaccounts/token) and serves the OIDC discovery documents. */
  serviceAccountTokens?: ServiceAccountTokens;
  /**
   * How node agents are dialled for logs, exec, attach and portforward: the api-server's client certificate
   * (--kubelet-client-certificate/--kubelet-client-key) and whether loopback/link-local agents are allowed
   * (--kubelet-allow-loopback; refused by default).
   */
  kubeletClient?: AgentDialerOptions;
}

/** ServerAuth is the server's authentication chain, its authorizer and who watches the decisions (audit). */
export interface ServerAuth {
  authenticate(req: IncomingMessage): Promise<UserInfo>;
  authorizer: Authorizer;
  observe?: RequestObserver;
  /** The rules a user holds (RBAC's index), for SelfSubjectRulesReview (`kubectl auth can-i --list`). */
  rules?: RuleResolver;
}

const UNSECURED: ServerAuth = { authenticate: async () => UNSECURED_USER, authorizer: alwaysAllowAuthorizer };

/** ApiEndpoint serves one listening socket with its own authentication and authorization over the shared registry. */
export interface ApiEndpoint {
  handleRequest(req: IncomingMessage, res: ServerResponse): void;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
}

export interface ApiServer {
  /** The routes, behind the gate of `opts.auth` (unsecured without it). */
  app: RequestListener;
  registry: Registry;
  hub: WatchHub;
  metrics: ApiMetrics;
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /**
   * endpoint is another front door onto the same registry with its own ServerAuth (undefined: unsecured), so the
   * secure port and the loopback insecure port share one api-server, as kube-apiserver's did.
   */
  endpoint(auth: ServerAuth | undefined): ApiEndpoint;
  /** Mark not ready (SIGTERM): /readyz fails so load balancers stop sending before watches close. */
  shutdown(): void;
  close(): void;
}

/** createApiServer builds the api-server around a Storage: registry and watch hub, bootstrap state, then the routes. */
export function createApiServer(opts: ApiServerOptions): ApiServer {
  const clock = opts.clock ?? realClock;
  const { store, logger } = opts;
  const registry = new Registry({
    store,
    clock,
    kindOptions: {
      ...(opts.eventTtlSeconds !== undefined ? { eventTtlSeconds: opts.eventTtlSeconds } : {}),
      ...(opts.defaultNotReadyTolerationSeconds !== undefined ? { defaultNotReadyTolerationSeconds: opts.defaultNotReadyTolerationSeconds } : {}),
      ...(opts.defaultUnreachableTolerationSeconds !== undefined ? { defaultUnreachableTolerationSeconds: opts.defaultUnreachableTolerationSeconds } : {}),
      ...(opts.serviceClusterIPRange ? { serviceClusterIPRange: opts.serviceClusterIPRange } : {}),
      ...(opts.serviceNodePortRange ? { serviceNodePortRange: opts.serviceNodePortRange } : {}),
      automountServiceAccountToken: opts.serviceAccountTokens !== undefined,
    },
    ...(opts.admission ? { admission: opts.admission } : {}),
  });
  const defaultGate = authGate(opts.auth ?? UNSECURED);
  // The app runs one middleware chain; each endpoint tags its requests with its own gate before they enter it.
  const endpointGates = new WeakMap<IncomingMessage, AuthGate>();
  const gate: AuthGate = {
    middleware: (req, res, next) => (endpointGates.get(req) ?? defaultGate).middleware(req, res, next),
    admitUpgrade: (req, socket) => defaultGate.admitUpgrade(req, socket),
  };
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
  const dialer = agentDialer(opts.kubeletClient);
  const dial = { dialer, ...(opts.podLogDialTimeoutMs !== undefined ? { dialTimeoutMs: opts.podLogDialTimeoutMs } : {}) };
  const portForward = podPortForwardProxy(registry, { metrics: metrics.registry, dialer });
  const podStreams = podStreamProxy(registry, dial);
  // Bootstrap before serving: the state every cluster starts with.
  ensureSystemNamespaces(registry);
  ensureBootstrapPolicy(registry);
  ensureDefaultStorageClass(registry);
  ensureKubernetesService(registry, { range: registry.kindOptions.serviceClusterIPRange, ...(opts.serviceEndpoint ? { endpoint: opts.serviceEndpoint } : {}) });
  let shuttingDown = false;
  const serverAuth = opts.auth ?? UNSECURED;
  const reviews = { authorizer: serverAuth.authorizer, ...(serverAuth.rules ? { rules: serverAuth.rules } : {}), now: () => clock.now() };
  const deps = {
    registry,
    hub,
    clock,
    reviews,
    continueTokens: new ContinueTokens(opts.continueTokenKey),
    podLog: podLogProxy(registry, dial),
    resourceMetrics: resourceMetricsApi({ registry, clock, summary: (node) => fetchAgentSummary(nodeAgentEndpoint(node), opts.podLogDialTimeoutMs ?? 10_000, dialer), onError: (node, err) => logger.debug({ err, node }, 'no metrics from node agent') }),
    ...(opts.serviceAccountTokens ? { serviceAccountTokens: opts.serviceAccountTokens } : {}),
  };

  const app = createApp({
    store,
    logger,
    metrics,
    deps,
    advertiseAddress: opts.advertiseAddress ?? '127.0.0.1:8080',
    ready: () => !shuttingDown,
    gate,
  });

  return {
    app,
    registry,
    hub,
    metrics,
    handleUpgrade: (req, socket, head) => admitThenUpgrade(defaultGate, req, socket, head),
    endpoint: (auth) => {
      const own = authGate(auth ?? UNSECURED);
      return {
        handleRequest: (req, res) => {
          endpointGates.set(req, own);
          app(req, res);
        },
        handleUpgrade: (req, socket, head) => admitThenUpgrade(own, req, socket, head),
      };
    },
    shutdown: () => {
      shuttingDown = true;
    },
    close: () => {
      portForward.close();
      wsWatch.close();
      hub.close();
    },
  };

  function admitThenUpgrade(g: AuthGate, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    void g.admitUpgrade(req, socket).then((allowed) => {
      if (allowed) upgrade(req, socket, head);
    });
  }

  function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const legacy = legacyWatchPath(req.url ?? '/');
    if (legacy) req.url = legacy;
    if (podStreams(req, socket, head)) return; // pods/exec and pods/attach
    let path;
    try {
      path = parseApiPath(new URL(req.url ?? '/', 'http://localhost').pathname);
    } catch {
      // A path that does not parse is refused with its Status by the watch handler, which checks paths too.
    }
    if (path?.info?.plural === 'pods' && path.subresource === 'portforward' && path.namespace && path.name) return portForward.handleUpgrade(req, socket, head, path.namespace, path.name);
    wsWatch.handleUpgrade(req, socket, head);
  }
}
