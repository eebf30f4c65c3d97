/**
 * @module createClient: the Clientset, one typed client per served resource over one connection pool.
 */
import { RESOURCES, type ConfigMap, type Deployment, type EndpointSlice, type Endpoints, type Event as CoreEvent, type KubeObject, type Lease, type Node, type ReplicaSet, type ResourceInfo, type Secret, type Service, type ServiceAccount } from '@skiff/api';
import { noopLogger, type Logger } from './logger.js';
import { NamespaceClient } from './namespace-client.js';
import { PodClient } from './pod-client.js';
import { RestTransport, type HttpMethod, type TlsOptions } from './rest-transport.js';
import { ResourceClient, type ClientObject, type ResourceClientDeps } from './resource-client.js';
import { ScalableClient } from './scalable-client.js';
import type { WatchHandle } from './watch.js';

/** ClientOptions configures createClient. */
export interface ClientOptions {
  /** Base URL of the api-server, e.g. http://127.0.0.1:8080. */
  server: string;
  /** Sent as User-Agent, so the api-server's logs and metrics can tell components apart. Defaults to skiff-client/0.1. */
  userAgent?: string;
  /** Time allowed for response headers and body of ordinary requests; defaults to 30 s. Watches have no body timeout. */
  timeoutMs?: number;
  logger?: Logger;
  /** Keep-alive connections for ordinary requests; defaults to 64. */
  connections?: number;
  /** Field manager for server-side apply patches that name none; defaults to "skiff". */
  fieldManager?: string;
  /** TLS trust and client certificate for an https server (see loadKubeconfig). */
  tls?: TlsOptions;
  /** Bearer token; a function is asked per request (a ServiceAccount token file that is rotated). */
  token?: string | (() => string);
}

/** VersionInfo is the /version document (kubectl's dispatcher reads `minor`). */
export interface VersionInfo {
  major: string;
  minor: string;
  gitVersion: string;
  gitCommit?: string;
  gitTreeState?: string;
  buildDate?: string;
  goVersion?: string;
  compiler?: string;
  platform?: string;
}

/** Clientset groups the typed clients of every resource Skiff serves, sharing one transport. */
export interface Clientset {
  readonly namespaces: NamespaceClient;
  readonly nodes: ResourceClient<Node>;
  readonly pods: PodClient;
  readonly events: ResourceClient<CoreEvent>;
  readonly replicasets: ScalableClient<ReplicaSet>;
  readonly deployments: ScalableClient<Deployment>;
  readonly leases: ResourceClient<Lease>;
  readonly services: ResourceClient<Service>;
  readonly endpoints: ResourceClient<Endpoints>;
  readonly endpointslices: ResourceClient<EndpointSlice>;
  readonly configmaps: ResourceClient<ConfigMap>;
  readonly secrets: ResourceClient<Secret>;
  readonly serviceaccounts: ResourceClient<ServiceAccount>;
  /** resource builds a client for any descriptor, for generic code such as informers over every resource. */
  resource<T extends ClientObject = KubeObject>(info: ResourceInfo): ResourceClient<T>;
  /** raw sends any request (an object body goes as JSON) and returns the parsed JSON answer, or text if not JSON. */
  raw<R = unknown>(method: HttpMethod, path: string, body?: unknown, headers?: Record<string, string>): Promise<R>;
  /** version reads /version. */
  version(): Promise<VersionInfo>;
  /** close stops every watch started through this client and closes its connections. */
  close(): Promise<void>;
}

/**
 * createClient builds a Clientset for one api-server. Create one per process and share it: its pool keeps
 * connections alive across calls, which is what makes thousands of requests per second cheap.
 */
export function createClient(opts: ClientOptions): Clientset {
  const transport = new RestTransport({
    server: opts.server,
    userAgent: opts.userAgent ?? 'skiff-client/0.1',
    timeoutMs: opts.timeoutMs ?? 30_000,
    ...(opts.connections !== undefined ? { connections: opts.connections } : {}),
    ...(opts.tls ? { tls: opts.tls } : {}),
    ...(opts.token !== undefined ? { token: opts.token } : {}),
  });
  const watches = new Set<WatchHandle>();
  const deps: ResourceClientDeps = {
    transport,
    logger: opts.logger ?? noopLogger,
    defaultFieldManager: opts.fieldManager ?? 'skiff',
    track(handle) {
      watches.add(handle);
      void handle.done.then(() => watches.delete(handle));
    },
  };
  return {
    namespaces: new NamespaceClient(RESOURCES.namespaces, deps),
    nodes: new ResourceClient<Node>(RESOURCES.nodes, deps),
    pods: new PodClient(RESOURCES.pods, deps),
    events: new ResourceClient<CoreEvent>(RESOURCES.events, deps),
    replicasets: new ScalableClient<ReplicaSet>(RESOURCES.replicasets, deps),
    deployments: new ScalableClient<Deployment>(RESOURCES.deployments, deps),
    leases: new ResourceClient<Lease>(RESOURCES.leases, deps),
    services: new ResourceClient<Service>(RESOURCES.services, deps),
    endpoints: new ResourceClient<Endpoints>(RESOURCES.endpoints, deps),
    endpointslices: new ResourceClient<EndpointSlice>(RESOURCES.endpointslices, deps),
    configmaps: new ResourceClient<ConfigMap>(RESOURCES.configmaps, deps),
    secrets: new ResourceClient<Secret>(RESOURCES.secrets, deps),
    serviceaccounts: new ResourceClient<ServiceAccount>(RESOURCES.serviceaccounts, deps),
    resource<T extends ClientObject = KubeObject>(info: ResourceInfo): ResourceClient<T> {
      return new ResourceClient<T>(info, deps);
    },
    async raw<R = unknown>(method: HttpMethod, path: string, body?: unknown, headers?: Record<string, string>): Promise<R> {
      const text = await transport.text({ method, path, body, ...(headers ? { headers } : {}) });
      if (!text) return undefined as R;
      try {
        return JSON.parse(text) as R;
      } catch {
        return text as R;
      }
    },
    version(): Promise<VersionInfo> {
      return transport.json<VersionInfo>({ method: 'GET', path: '/version' });
    },
    async close(): Promise<void> {
      const running = [...watches];
      for (const handle of running) handle.stop();
      await Promise.all(running.map((h) => h.done));
      await transport.close();
    },
  };
}
