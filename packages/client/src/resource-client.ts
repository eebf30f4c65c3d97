/**
 * @module ResourceClient: typed REST verbs (get, list, create, update, patch, delete, watch) for one resource.
 */
import { resourcePath, type DeleteOptions, type KubeList, type KubeObject, type ObjectMeta, type ResourceInfo, type Status } from '@skiff/api';
import type { Logger } from './logger.js';
import {
  listQuery,
  PATCH_CONTENT_TYPES,
  writeQuery,
  type ListOptions,
  type NamespaceOption,
  type PatchOptions,
  type WriteOptions,
} from './options.js';
import { queryString, type QueryValue } from './query-string.js';
import type { RestTransport } from './rest-transport.js';
import { openWatchConnection } from './watch-connection.js';
import { startWatch, type WatchHandle, type WatchHandlers, type WatchOptions } from './watch.js';

/**
 * ClientObject is what a ResourceClient can carry: TypeMeta plus ObjectMeta. It is looser than KubeObject on
 * purpose, because KubeObject's index signature rejects interfaces such as Pod that declare their fields.
 */
export interface ClientObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
}

/** DeleteCallOptions are the namespace plus the DeleteOptions body kubectl sends. */
export type DeleteCallOptions = NamespaceOption & DeleteOptions;

/** ResourceClientDeps is what every resource client shares with the Clientset that made it. */
export interface ResourceClientDeps {
  transport: RestTransport;
  logger: Logger;
  /** Called with each started watch so Clientset.close() can stop it. */
  track(handle: WatchHandle): void;
  /** Field manager for server-side apply when the call names none. */
  defaultFieldManager: string;
}

/** isStatus tells a metav1.Status (e.g. the answer to a delete) from an object of the resource. */
export function isStatus(value: unknown): value is Status {
  return value !== null && typeof value === 'object' && (value as { kind?: unknown }).kind === 'Status';
}

/**
 * ResourceClient speaks the REST verbs of one resource. The namespace of object calls comes from the options or,
 * for create and update, from `obj.metadata.namespace`; cluster-scoped resources ignore it. `list` and `watch` are
 * the two calls the reflector in @skiff/controller-kit builds on.
 */
export class ResourceClient<T extends ClientObject = KubeObject> {
  readonly info: ResourceInfo;
  protected readonly deps: ResourceClientDeps;

  constructor(info: ResourceInfo, deps: ResourceClientDeps) {
    this.info = info;
    this.deps = deps;
  }

  /** get reads one object. */
  async get(name: string, opts: NamespaceOption = {}): Promise<T> {
    return this.deps.transport.json<T>({ method: 'GET', path: this.objectPath(name, opts.namespace) });
  }

  /** list reads a collection; its metadata.resourceVersion is where a watch should start. */
  async list(opts: ListOptions = {}): Promise<KubeList<T>> {
    return this.deps.transport.json<KubeList<T>>({ method: 'GET', path: this.collectionPath(opts.namespace) + queryString(listQuery(opts)) });
  }

  /** create posts a new object (server-set fields such as uid and resourceVersion come back filled in). */
  async create(obj: T, opts: WriteOptions = {}): Promise<T> {
    const path = this.collectionPath(this.#objectNamespace(obj, opts), true) + queryString(writeQuery(opts));
    return this.deps.transport.json<T>({ method: 'POST', path, body: obj });
  }

  /** update replaces an object; a stale metadata.resourceVersion gets 409 Conflict (compare-and-swap). */
  async update(obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.#put(obj, opts, undefined);
  }

  /** updateStatus replaces the status subresource, the only part controllers should write. */
  async updateStatus(obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.#put(obj, opts, 'status');
  }

  /**
   * patch changes an object with a merge (default), JSON, strategic-merge or server-side-apply patch. `R` is the
   * answer's type, which differs for the scale subresource.
   */
  async patch<R = T>(name: string, body: unknown, opts: PatchOptions = {}): Promise<R> {
    const type = opts.type ?? 'merge';
    const query: Record<string, QueryValue> = writeQuery(opts);
    if (type === 'apply') {
      query['fieldManager'] = opts.fieldManager ?? this.deps.defaultFieldManager;
      if (opts.force !== undefined) query['force'] = opts.force;
    }
    const path = this.objectPath(name, opts.namespace, opts.subresource) + queryString(query);
    return this.deps.transport.json<R>({ method: 'PATCH', path, body, contentType: PATCH_CONTENT_TYPES[type] });
  }

  /** delete removes an object; the answer is the object (pods, or anything still finalizing) or a Status. */
  async delete(name: string, opts: DeleteCallOptions = {}): Promise<T | Status> {
    const { namespace, ...options } = opts;
    return this.deps.transport.json<T | Status>({ method: 'DELETE', path: this.objectPath(name, namespace), body: deleteBody(options) });
  }

  /** deleteCollection removes every object the selectors match. */
  async deleteCollection(opts: ListOptions & DeleteOptions = {}): Promise<KubeList<T> | Status> {
    const { namespace, labelSelector, fieldSelector, limit, continue: cont, resourceVersion, ...options } = opts;
    const query = listQuery({ labelSelector, fieldSelector, limit, continue: cont, resourceVersion });
    const path = this.collectionPath(namespace) + queryString(query);
    return this.deps.transport.json<KubeList<T> | Status>({ method: 'DELETE', path, body: deleteBody(options) });
  }

  /** watch streams changes until stopped, reconnecting and relisting as WatchOptions describes. */
  watch(opts: WatchOptions, handlers: WatchHandlers<T>): WatchHandle {
    const base = this.collectionPath(opts.namespace);
    const transport = opts.transport ?? 'websocket';
    const handle = startWatch<T>(
      {
        connect: (resourceVersion, conn) => {
          const query: Record<string, QueryValue> = {
            watch: true,
            resourceVersion,
            allowWatchBookmarks: opts.allowWatchBookmarks,
            timeoutSeconds: opts.timeoutSeconds,
            labelSelector: opts.labelSelector,
            fieldSelector: opts.fieldSelector,
          };
          return openWatchConnection(this.deps.transport, transport, { path: base + queryString(query), ...conn });
        },
        list: () => this.list({ namespace: opts.namespace, labelSelector: opts.labelSelector, fieldSelector: opts.fieldSelector }),
      },
      {
        resourceVersion: opts.resourceVersion,
        relistOnExpired: opts.relistOnExpired,
        signal: opts.signal,
        logger: this.deps.logger,
      },
      handlers,
    );
    this.deps.track(handle);
    return handle;
  }

  /** collectionPath is the resource's collection URL; `required` insists on a namespace for namespaced resources. */
  protected collectionPath(namespace: string | undefined, required = false): string {
    if (required) this.#requireNamespace(namespace);
    return resourcePath(this.info, namespace);
  }

  /** objectPath is one object's URL, optionally of a subresource. */
  protected objectPath(name: string, namespace: string | undefined, subresource?: string): string {
    if (!name) throw new TypeError(`${this.info.plural}: a name is required`);
    this.#requireNamespace(namespace);
    return resourcePath(this.info, namespace, name, subresource);
  }

  async #put(obj: T, opts: WriteOptions, subresource: string | undefined): Promise<T> {
    const name = obj.metadata.name ?? '';
    const path = this.objectPath(name, this.#objectNamespace(obj, opts), subresource) + queryString(writeQuery(opts));
    return this.deps.transport.json<T>({ method: 'PUT', path, body: obj });
  }

  #objectNamespace(obj: ClientObject, opts: NamespaceOption): string | undefined {
    return opts.namespace ?? obj.metadata.namespace;
  }

  #requireNamespace(namespace: string | undefined): void {
    if (this.info.namespaced && !namespace) throw new TypeError(`${this.info.plural}: a namespace is required`);
  }
}

function deleteBody(options: DeleteOptions): DeleteOptions | undefined {
  for (const key in options) if (options[key as keyof DeleteOptions] !== undefined) return options;
  return undefined;
}
