import { ApiError, errors, objectKey, RESOURCE_LIST, type CronJob, type DeleteOptions, type Deployment, type EndpointSlice, type Endpoints, type Job, type Event as CoreEvent, type KubeList, type KubeObject, type Lease, type Namespace, type Node, type Pod, type ReplicaSet, type ResourceInfo, type Service, type ServiceAccount, type Status } from '@skiff/api';
import type { DaemonSet, PodDisruptionBudget, StatefulSet } from '@skiff/api';
import type { ListOptions, NamespaceOption, PatchOptions, WriteOptions } from '@skiff/client';
import type { ControllerClient, ResourceApi, ResourceKind } from '../controller-client.js';

/** Action is one recorded client call, what unit tests assert on. */
export interface Action {
  verb: 'get' | 'list' | 'create' | 'update' | 'patch' | 'delete';
  resource: ResourceKind;
  namespace?: string;
  name?: string;
  subresource?: 'status' | 'finalize' | 'approval';
}

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; generateName?: string; namespace?: string; uid?: string; resourceVersion?: string };
}

/**
 * RecordingResource keeps objects in memory and records every call. Writes succeed (stamping uid, name from
 * generateName, resourceVersion) unless a failure was queued with `failNext`, or a resourceVersion or uid
 * precondition does not hold: then they fail with the api-server's 409 Conflict, so controllers' conflict paths
 * (a stale cached copy written back) are exercised as they would be against the real store.
 */
class RecordingResource<T extends Obj> implements ResourceApi<T> {
  readonly objects = new Map<string, T>();
  #failures: Array<{ verb: Action['verb']; err: unknown }> = [];

  private readonly resource: ResourceKind;

  constructor(
    private readonly info: ResourceInfo,
    private readonly record: (a: Action) => void,
    private readonly nextId: () => number,
  ) {
    this.resource = info.plural as ResourceKind;
  }

  failNext(verb: Action['verb'], err: unknown): void {
    this.#failures.push({ verb, err });
  }

  #call(verb: Action['verb'], namespace: string | undefined, name: string | undefined, subresource?: Action['subresource']): void {
    this.record({ verb, resource: this.resource, ...(namespace ? { namespace } : {}), ...(name ? { name } : {}), ...(subresource ? { subresource } : {}) });
    const i = this.#failures.findIndex((f) => f.verb === verb);
    if (i >= 0) {
      const [f] = this.#failures.splice(i, 1);
      throw f!.err;
    }
  }

  #key(name: string, namespace: string | undefined): string {
    return namespace ? `${namespace}/${name}` : name;
  }

  #conflict(name: string, why?: string): ApiError {
    return errors.conflict(this.resource, this.info.group, name, why);
  }

  /** #current is the stored object a write targets; NotFound when there is none, as the api-server answers. */
  #current(key: string, name: string): T {
    const current = this.objects.get(key);
    if (!current) throw new ApiError({ reason: 'NotFound', message: `${this.resource} "${name}" not found` });
    return current;
  }

  async get(name: string, opts: NamespaceOption = {}): Promise<T> {
    this.#call('get', opts.namespace, name);
    const obj = this.objects.get(this.#key(name, opts.namespace));
    if (!obj) throw new ApiError({ reason: 'NotFound', message: `${this.resource} "${name}" not found` });
    return structuredClone(obj);
  }

  async list(opts: ListOptions = {}): Promise<KubeList<T>> {
    this.#call('list', opts.namespace, undefined);
    const items = [...this.objects.values()].filter((o) => !opts.namespace || o.metadata.namespace === opts.namespace);
    return { apiVersion: 'v1', kind: 'List', metadata: {}, items: structuredClone(items) };
  }

  async create(obj: T, opts: WriteOptions = {}): Promise<T> {
    const copy = structuredClone(obj);
    const id = this.nextId();
    if (!copy.metadata.name) copy.metadata.name = `${copy.metadata.generateName ?? ''}${id.toString(36).padStart(5, 'x')}`;
    const namespace = opts.namespace ?? copy.metadata.namespace;
    this.#call('create', namespace, obj.metadata.name ?? obj.metadata.generateName);
    copy.metadata.uid = `uid-${id}`;
    copy.metadata.resourceVersion = String(id);
    this.objects.set(objectKey(copy), copy);
    return structuredClone(copy);
  }

  async update(obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.#put(obj, opts, undefined);
  }

  async updateStatus(obj: T, opts: WriteOptions = {}): Promise<T> {
    return this.#put(obj, opts, 'status');
  }

  /** finalize records namespaces/finalize (the only way a namespace's spec.finalizers change). */
  async finalize(obj: T): Promise<T> {
    return this.#put(obj, {}, 'finalize');
  }

  async patch(name: string, body: unknown, opts: PatchOptions = {}): Promise<T> {
    // Any subresource but scale (whose writes answer a Scale, not the object) is recorded: status, approval.
    const sub = opts.subresource as string | undefined;
    this.#call('patch', opts.namespace, name, sub === 'status' || sub === 'approval' ? sub : undefined);
    const key = this.#key(name, opts.namespace);
    const current = this.#current(key, name);
    // A patch that carries metadata.resourceVersion is conditional on it (optimistic concurrency, as in kube).
    const rv = (body as { metadata?: { resourceVersion?: unknown } } | null)?.metadata?.resourceVersion;
    if (typeof rv === 'string' && rv !== '' && rv !== current.metadata.resourceVersion) throw this.#conflict(name);
    const next = mergePatch(structuredClone(current), body) as T;
    next.metadata.resourceVersion = String(this.nextId());
    this.objects.set(key, next);
    return structuredClone(next);
  }

  async delete(name: string, opts: NamespaceOption & DeleteOptions = {}): Promise<T | Status> {
    this.#call('delete', opts.namespace, name);
    const key = this.#key(name, opts.namespace);
    const current = this.#current(key, name);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== current.metadata.uid) {
      throw this.#conflict(name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
      throw this.#conflict(name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
    }
    this.objects.delete(key);
    return current;
  }

  async #put(obj: T, opts: WriteOptions, subresource: 'status' | 'finalize' | undefined): Promise<T> {
    const namespace = opts.namespace ?? obj.metadata.namespace;
    this.#call('update', namespace, obj.metadata.name, subresource);
    const name = obj.metadata.name ?? '';
    const current = this.#current(this.#key(name, namespace), name);
    // An update names the resourceVersion it read; a stale one is a conflict (an empty one is unconditional).
    if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== current.metadata.resourceVersion) throw this.#conflict(name);
    const copy = structuredClone(obj);
    copy.metadata.resourceVersion = String(this.nextId());
    this.objects.set(objectKey(copy), copy);
    return structuredClone(copy);
  }
}

/** mergePatch is a JSON merge patch plus strategic merge's `$deleteFromPrimitiveList/<field>` (finalizer removal). */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> = target !== null && typeof target === 'object' && !Array.isArray(target) ? { ...(target as object) } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (k.startsWith('$deleteFromPrimitiveList/')) {
      const field = k.slice('$deleteFromPrimitiveList/'.length);
      const kept = ((out[field] as unknown[] | undefined) ?? []).filter((x) => !(v as unknown[]).includes(x));
      if (kept.length) out[field] = kept;
      else delete out[field];
    } else if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/**
 * RecordingClient is the fake ControllerClient of unit tests, after client-go's fake clientset: every call is
 * recorded as an Action (verb, resource, namespace, name) and `actions()` returns them in order.
 */
export class RecordingClient implements ControllerClient {
  #actions: Action[] = [];
  #id = 0;
  readonly pods;
  readonly replicasets;
  readonly deployments;
  readonly nodes;
  readonly namespaces;
  readonly leases;
  readonly serviceaccounts;
  readonly events;
  readonly services;
  readonly endpoints;
  readonly endpointslices;
  readonly jobs;
  readonly cronjobs;
  readonly poddisruptionbudgets;
  readonly daemonsets;
  readonly statefulsets;

  /** #resources holds one in-memory resource per kind of KINDS; the typed fields are entries of it. */
  readonly #resources: ReadonlyMap<string, RecordingResource<KubeObject>>;

  constructor() {
    const rec = (a: Action): void => void this.#actions.push(a);
    const id = (): number => 1000 + ++this.#id;
    this.#resources = new Map(RESOURCE_LIST.map((info) => [info.plural, new RecordingResource<KubeObject>(info, rec, id)]));
    const typed = <T extends Obj>(plural: ResourceKind): RecordingResource<T> => this.#resources.get(plural) as unknown as RecordingResource<T>;
    this.pods = typed<Pod>('pods');
    this.replicasets = typed<ReplicaSet>('replicasets');
    this.deployments = typed<Deployment>('deployments');
    this.nodes = typed<Node>('nodes');
    this.namespaces = typed<Namespace>('namespaces');
    this.leases = typed<Lease>('leases');
    this.serviceaccounts = typed<ServiceAccount>('serviceaccounts');
    this.events = typed<CoreEvent>('events');
    this.services = typed<Service>('services');
    this.endpoints = typed<Endpoints>('endpoints');
    this.endpointslices = typed<EndpointSlice>('endpointslices');
    this.jobs = typed<Job>('jobs');
    this.cronjobs = typed<CronJob>('cronjobs');
    this.poddisruptionbudgets = typed<PodDisruptionBudget>('poddisruptionbudgets');
    this.daemonsets = typed<DaemonSet>('daemonsets');
    this.statefulsets = typed<StatefulSet>('statefulsets');
  }

  /** resource returns the in-memory resource of `info`, the one its typed field (if any) also returns. */
  resource(info: ResourceInfo): RecordingResource<KubeObject> {
    const r = this.#resources.get(info.plural);
    if (!r) throw new Error(`no kind is served as ${JSON.stringify(info.plural)}`);
    return r;
  }

  /** actions returns the recorded calls in order, leaving out event writes. */
  actions(): Action[] {
    return this.#actions.filter((a) => a.resource !== 'events');
  }

  /** clearActions forgets what has been recorded so far. */
  clearActions(): void {
    this.#actions = [];
  }
}
