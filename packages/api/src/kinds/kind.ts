/**
 * @module Kind: everything the api-server knows about one served resource, in one object. The generic registry,
 * route handler, discovery, OpenAPI, Table printing, field selectors and the client's paths all read it; adding a
 * kind is writing one `defineKind` file under kinds/ and listing it in kinds/index.ts.
 */
import type { z } from 'zod';
import type { DeleteOptions, KubeObject } from '../meta.js';
import type { ResourceInfo, SubresourceInfo } from '../resource-info.js';
import { describeResource } from '../resource-info.js';
import type { TableColumnDefinition } from '../table.js';
import type { FieldErrors } from '../validation/field-errors.js';
import type { NameRule } from '../validation/validate-meta.js';
import { parseNodePortRange, type NodePortRange } from '../service-allocation/node-port-range.js';
import { parseServiceIPRange, type ServiceIPRange } from '../service-allocation/service-ip-range.js';
import type { ServedVersionSpec } from './served-version.js';

/** KindOptions are the api-server flags kinds read (kube-apiserver's equivalents named on each). */
export interface KindOptions {
  /** --event-ttl: Events expire this many seconds after their last write. */
  eventTtlSeconds: number;
  /** --default-not-ready-toleration-seconds (DefaultTolerationSeconds admission). */
  defaultNotReadyTolerationSeconds: number;
  /** --default-unreachable-toleration-seconds. */
  defaultUnreachableTolerationSeconds: number;
  /** --service-cluster-ip-range: where ClusterIPs come from (the pod network's addresses outside its ip_range). */
  serviceClusterIPRange: ServiceIPRange;
  /** --service-node-port-range. */
  serviceNodePortRange: NodePortRange;
  /**
   * Whether the ServiceAccount admission mounts a token volume into new pods: on when the api-server can issue
   * tokens (it has a signing key), as kube-apiserver always can; off in servers built without one (tests).
   */
  automountServiceAccountToken: boolean;
}

/** DEFAULT_SERVICE_CLUSTER_IP_RANGE is the upper half of the pod network 10.244.0.0/16 (docs/services.md). */
export const DEFAULT_SERVICE_CLUSTER_IP_RANGE = '10.244.128.0/17';
export const DEFAULT_SERVICE_NODE_PORT_RANGE = '30000-32767';

export const DEFAULT_KIND_OPTIONS: KindOptions = {
  eventTtlSeconds: 3600,
  defaultNotReadyTolerationSeconds: 300,
  defaultUnreachableTolerationSeconds: 300,
  serviceClusterIPRange: parseServiceIPRange(DEFAULT_SERVICE_CLUSTER_IP_RANGE),
  serviceNodePortRange: parseNodePortRange(DEFAULT_SERVICE_NODE_PORT_RANGE),
  automountServiceAccountToken: false,
};

/**
 * KindContext is what a kind's hooks may see of the server: the clock, the flags, and synchronous reads of stored
 * objects (the registry runs a whole write in one tick, so a read here cannot interleave with another write).
 */
export interface KindContext {
  now(): number;
  options: KindOptions;
  get(plural: string, namespace: string | undefined, name: string): KubeObject | undefined;
  list(plural: string, namespace?: string): KubeObject[];
}

/** Requester is who writes an object (the api-server's authenticated UserInfo), for kinds that record it. */
export interface Requester {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/**
 * Printer is a kind's server-side Table printer (a TableHandler in kube's printers.go): every column, Name first
 * (Event aside). `cells` returns the wide row; kubectl hides priority-1 columns unless `-o wide`.
 */
export interface Printer<T = KubeObject> {
  columns: readonly TableColumnDefinition[];
  cells(obj: T, nowMs: number): unknown[];
}

/**
 * Strategy: what differs between kinds on create, update and delete (kube's RESTCreateStrategy,
 * RESTUpdateStrategy, RESTDeleteStrategy, plus the mutating admission the kind needs). Every hook is optional.
 */
export interface Strategy<T> {
  /** PUT and server-side apply may create a missing object (Leases and Events, as in Kubernetes). */
  allowCreateOnUpdate?: boolean;
  /** Objects expire this many seconds after their last write (Events: --event-ttl). */
  ttlSeconds?(options: KindOptions): number | undefined;
  /**
   * Clear what users may not set on create. Runs before defaulting. The default, for kinds with a status
   * subresource, is an empty status (defaulting then fills in what the server starts with). `requester` is the
   * authenticated user writing (CSRs record it in spec.username/groups), absent for the server's own writes.
   */
  prepareForCreate?(obj: T, requester?: Requester): void;
  /** Mutating admission on create, after defaulting and before validation (pods: default tolerations). */
  admit?(obj: T, ctx: KindContext): void;
  /**
   * Mutating admission on update of the main resource, after defaulting and before validation, with the stored
   * object (services: keep or allocate the ClusterIP and node ports when the type changes).
   */
  admitUpdate?(obj: T, old: T, ctx: KindContext): void;
  /**
   * Carry over what this write may not change, after the generic spec/status split
   * (namespaces: spec.finalizers change only through namespaces/finalize).
   */
  prepareForUpdate?(obj: T, old: T, subresource: string | undefined, ctx?: KindContext): void;
  /** Seconds a delete waits for something outside the api-server (pods: the node agent); 0 deletes at once. */
  gracePeriodSeconds?(obj: T, opts: DeleteOptions): number;
  /** Marks an object being deleted (namespaces: status.phase Terminating). */
  prepareForDelete?(obj: T): void;
  /** Finalizers kept outside metadata.finalizers that still hold a deleted object (namespaces: spec.finalizers). */
  pendingFinalizers?(obj: T): boolean;
  /**
   * Whether a terminating object written with no finalizers left must stay until someone confirms it has stopped
   * (bound pods wait for their node agent's delete with grace 0).
   */
  awaitsGracefulStop?(obj: T): boolean;
  /** DELETE answers with the object even when it is gone (pods, as kube-apiserver does) instead of a Status. */
  deleteReturnsObject?: boolean;
}

/** KindSpec is what a kind file writes; defineKind derives the rest. */
export interface KindSpec<T extends KubeObject, P extends string> {
  group: string;
  version: string;
  kind: string;
  plural: P;
  namespaced: boolean;
  shortNames?: string[];
  categories?: string[];
  /** Subresources beyond `status` (which `hasStatus` adds): scale, binding, log, finalize, ... */
  subresources?: SubresourceInfo[];
  /** Whether status is a subresource: writes to the main resource keep the stored status. */
  hasStatus?: boolean;
  /**
   * The wire schema (JSON types, unknown fields, defaults of absent structures), as a builder: a lazySchema, so
   * loading a kind builds nothing and only a process that decodes pays for zod's schema objects.
   */
  schema: () => z.ZodType<T>;
  /** Names follow this rule (DNS-1123 subdomain unless said otherwise). */
  nameRule?: NameRule;
  /** SetDefaults_*: fill unset fields so stored objects carry explicit values. */
  defaults?(obj: NoInfer<T>): void;
  /** Validate* and ValidateUpdate* (with `old`); object metadata is validated for every kind before this. */
  validate?(obj: NoInfer<T>, errs: FieldErrors, old?: NoInfer<T>): void;
  /**
   * ValidateStatusUpdate: what a write of the status subresource checks instead of `validate` (kube's status
   * strategies validate metadata and status, not the spec such a write keeps). Without one, `validate` runs.
   */
  validateStatus?(obj: NoInfer<T>, errs: FieldErrors, old: NoInfer<T>): void;
  /** Field-selector fields beyond metadata.name and metadata.namespace, each read as a string ("" when absent). */
  fields?: Record<string, (obj: NoInfer<T>) => string>;
  /** Table columns; without one, Name and Age. */
  printer?: Printer<NoInfer<T>>;
  strategy?: Strategy<NoInfer<T>>;
  /** Other versions of this kind the api-server serves, converted to and from this (storage) version. */
  servedVersions?: ServedVersionSpec<NoInfer<T>>[];
}

/** Kind is a defined kind: its discovery descriptor plus the spec it came from. */
export interface Kind<T extends KubeObject = KubeObject, P extends string = string> extends Omit<KindSpec<T, P>, 'strategy' | 'schema'> {
  info: ResourceInfo & { plural: P };
  /** The wire schema, built the first time it is read. */
  readonly schema: z.ZodType<T>;
  strategy: Strategy<T>;
}

/** defineKind builds a Kind from its spec; the descriptor is derived so discovery and paths cannot disagree. */
export function defineKind<T extends KubeObject, const P extends string>(spec: KindSpec<T, P>): Kind<T, P> {
  const info = describeResource(spec.group, spec.version, spec.kind, spec.plural, {
    namespaced: spec.namespaced,
    shortNames: spec.shortNames ?? [],
    categories: spec.categories ?? [],
    hasStatus: spec.hasStatus ?? false,
    subresources: spec.subresources ?? [],
  }) as ResourceInfo & { plural: P };
  const { schema: build, ...rest } = spec;
  const kind = { ...rest, info, strategy: spec.strategy ?? {} } as Kind<T, P>;
  // The first read replaces the getter with the built schema, so a decode reads a plain property after that.
  return Object.defineProperty(kind, 'schema', {
    configurable: true,
    enumerable: true,
    get: () => {
      const schema = build();
      Object.defineProperty(kind, 'schema', { value: schema, enumerable: true });
      return schema;
    },
  });
}

/** anyKind erases a kind's object type for tables of kinds (hooks then take any KubeObject). */
export function anyKind<T extends KubeObject, P extends string>(kind: Kind<T, P>): Kind<KubeObject, P> {
  return kind as unknown as Kind<KubeObject, P>;
}
