/**
 * @module Registry: the generic create/read/update/patch/delete logic of every served resource, on Storage.
 * It owns the object semantics: server-set metadata, generation, the spec/status split, optimistic concurrency,
 * finalizers and graceful deletion. All of it is synchronous, so a read-modify-write never interleaves with another.
 */
import { randomUUID } from 'node:crypto';
import {
  ApiError,
  applyDefaults,
  cloneJson,
  decodeObject,
  duplicateFieldsOf,
  errors,
  fieldsFor,
  formatTime,
  DEFAULT_KIND_OPTIONS,
  groupResource,
  kindFor,
  rememberDuplicateFields,
  type DeleteOptions,
  type FieldSelector,
  type Kind,
  type KindContext,
  type KindOptions,
  type KubeObject,
  type ResourceInfo,
  type Selector,
  type ServedVersion,
  validateObject,
} from '@skiff/api';
import type { ResourceKey, Storage } from '../storage/storage.js';
import { applyPatch, type PatchType } from '../patch/index.js';
import { deepEqual } from './deep-equal.js';
import type { AdmissionAttributes, AdmissionOperation, AdmissionPlugin } from '../admission/admission.js';
import { UNSECURED_USER, type UserInfo } from '../auth/user-info.js';
import { applyManagers, createManagedFields, csaOwned, decodeManagers, LAST_APPLIED, encodeManagers, requestManagers, updateManagers, type Manager, type Write } from '../managed-fields/managed-fields.js';
import { fieldTypeOf } from '../managed-fields/field-type.js';
import { mergeApplied } from '../managed-fields/merge-applied.js';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface WriteOptions {
  dryRun?: boolean;
  fieldValidation?: FieldValidation;
  /** Who writes, for admission; the server's own writes (bootstrap) are UNSECURED_USER's. */
  user?: UserInfo;
  /** Where admission's warnings go; create, update and patch return them in Written.warnings. */
  warnings?: string[];
  /** The managedFields manager of this write; the server's own writes are kube-apiserver's, as in kube. */
  fieldManager?: string;
  /** An apply takes over the fields other managers own instead of failing with a conflict. */
  force?: boolean;
  /** The subresource managedFields name when it is not the one written through (a scale write replaces the object). */
  fieldsSubresource?: 'scale';
}

/** Managed carries managedFields an apply already computed, so create/replace do not record an Update on top. */
interface Managed {
  managers?: Manager[];
}

const SERVER_MANAGER = 'kube-apiserver';

export interface Written {
  object: KubeObject;
  warnings: string[];
}

export interface ListFilter {
  labelSelector?: Selector;
  fieldSelector?: FieldSelector;
}

export interface RegistryOptions {
  store: Storage;
  clock: { now(): number };
  /** The flags kinds read (event TTL, default toleration seconds); unset ones take kube-apiserver's defaults. */
  kindOptions?: Partial<KindOptions>;
  /** Validating admission plugins, run in order on every write after the kind's own validation. */
  admission?: AdmissionPlugin[];
}

/** PatchConversion is what a patch in another served version than the stored one needs (ServedVersion has it). */
export type PatchConversion = Pick<ServedVersion, 'decode' | 'toStorage' | 'fromStorage'>;

/** DeleteResult says whether the object is gone or only marked for deletion (graceful, finalizers). */
export interface DeleteResult {
  object: KubeObject;
  gone: boolean;
}

const GENERATE_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/**
 * Registry implements kube-apiserver's generic store over our Storage for every kind in KINDS. Nothing here names
 * a kind: what differs between kinds is in each kind's file (packages/api/src/kinds), read through `kindFor`.
 */
export class Registry {
  readonly #store: Storage;
  readonly #clock: { now(): number };
  readonly #ctx: KindContext;
  readonly #admission: AdmissionPlugin[];

  constructor(opts: RegistryOptions) {
    this.#store = opts.store;
    this.#admission = opts.admission ?? [];
    this.#clock = opts.clock;
    this.#ctx = {
      now: () => opts.clock.now(),
      options: { ...DEFAULT_KIND_OPTIONS, ...opts.kindOptions },
      get: (plural, namespace, name) => this.#store.get(this.key(kindFor(plural).info, namespace, name)),
      list: (plural, namespace) => this.list(kindFor(plural).info, namespace).items,
    };
  }

  get store(): Storage {
    return this.#store;
  }

  /** kindOptions are the flags kinds read (the service range for bootstrap's `kubernetes` Service, say). */
  get kindOptions(): KindOptions {
    return this.#ctx.options;
  }

  /** kind returns the kind behind a descriptor. */
  kind(info: ResourceInfo): Kind {
    return kindFor(info.plural);
  }

  #ttl(kind: Kind): number | undefined {
    return kind.strategy.ttlSeconds?.(this.#ctx.options);
  }

  key(info: ResourceInfo, namespace: string | undefined, name: string): ResourceKey {
    return { resource: groupResource(info.plural, info.group), namespace: info.namespaced ? (namespace ?? '') : '', name };
  }

  get(info: ResourceInfo, namespace: string | undefined, name: string): KubeObject {
    const obj = this.#store.get(this.key(info, namespace, name));
    if (!obj) throw errors.notFound(info.plural, info.group, name);
    return obj;
  }

  list(info: ResourceInfo, namespace: string | undefined, filter: ListFilter = {}): { items: KubeObject[]; revision: number } {
    const { items, revision } = this.#store.list(groupResource(info.plural, info.group), info.namespaced ? namespace : undefined);
    if (!filter.labelSelector && !filter.fieldSelector) return { items, revision };
    return { items: items.filter((o) => matches(info, o, filter)), revision };
  }

  /** create decodes, defaults, validates and stores a new object. */
  create(info: ResourceInfo, namespace: string | undefined, body: unknown, opts: WriteOptions = {}): Written {
    const { object, warnings } = decodeObject(info.plural, body, { fieldValidation: opts.fieldValidation ?? 'Warn' });
    return { object: this.createDecoded(info, namespace, object, { ...opts, warnings }), warnings };
  }

  createDecoded(info: ResourceInfo, namespace: string | undefined, obj: KubeObject, opts: WriteOptions & Managed = {}): KubeObject {
    const meta = obj.metadata;
    this.#checkNamespace(info, namespace, obj);
    if (!meta.name) {
      if (!meta.generateName) {
        throw errors.invalid(info.kind, info.group, '', [
          { reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' },
        ]);
      }
      meta.name = this.#generateName(info, meta.namespace, meta.generateName);
    }
    meta.uid = randomUUID();
    meta.creationTimestamp = formatTime(this.#clock.now());
    meta.generation = 1;
    delete meta.resourceVersion;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.managedFields;
    const kind = this.kind(info);
    if (kind.strategy.prepareForCreate) kind.strategy.prepareForCreate(obj, opts.user);
    else if (info.hasStatus) (obj as Record<string, unknown>).status = {};
    applyDefaults(info.plural, obj);
    // As in kube's create handler, ownership is of the decoded, defaulted object: what mutating admission adds
    // next (a pod's service account, tolerations) is nobody's. Computed here, before that admission, rather than
    // from a copy of the object kept for after it: the fields tree refers to nothing in the object.
    const managed = opts.managers ? encodeManagers(opts.managers) : createManagedFields(obj, fieldTypeOf(info.kind), info.hasStatus, this.#writer(info, opts, ''));
    kind.strategy.admit?.(obj, this.#ctx);
    validateObject(info.plural, obj);
    this.#admit('CREATE', info, '', obj, undefined, opts);
    setManagedFields(obj, managed);
    if (opts.dryRun) return obj;
    const ttl = this.#ttl(kind);
    return this.#store.create(this.key(info, meta.namespace, meta.name), obj, ttl ? { ttlSeconds: ttl } : {});
  }

  /** update replaces an object (PUT); with subresource 'status' only its status changes. */
  update(info: ResourceInfo, namespace: string | undefined, name: string, body: unknown, opts: WriteOptions & { subresource?: 'status' | 'finalize' | 'ephemeralcontainers' | 'approval' } = {}): Written {
    const { object, warnings } = decodeObject(info.plural, body, { fieldValidation: opts.fieldValidation ?? 'Warn' });
    if (object.metadata.name !== undefined && object.metadata.name !== name) {
      throw errors.badRequest(`the name of the object (${object.metadata.name}) does not match the name on the URL (${name})`);
    }
    object.metadata.name = name;
    const current = this.#store.get(this.key(info, namespace, name));
    if (!current) {
      if (opts.subresource || !this.kind(info).strategy.allowCreateOnUpdate) throw errors.notFound(info.plural, info.group, name);
      return { object: this.createDecoded(info, namespace, object, { ...opts, warnings }), warnings };
    }
    return { object: this.replace(info, current, object, { ...opts, warnings }), warnings };
  }

  /**
   * replace writes `next` over `current` (already read in this tick): checks the resourceVersion and uid
   * preconditions, keeps server-owned metadata, splits spec from status, bumps generation on spec changes,
   * and removes an object whose deletion was waiting only for its finalizers.
   */
  replace(info: ResourceInfo, current: KubeObject, next: KubeObject, opts: WriteOptions & Managed & { subresource?: string } = {}): KubeObject {
    const name = current.metadata.name!;
    const rv = next.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== current.metadata.resourceVersion) throw errors.conflict(info.plural, info.group, name);
    if (next.metadata.uid && next.metadata.uid !== current.metadata.uid) {
      throw errors.conflict(info.plural, info.group, name, `Precondition failed: UID in precondition: ${next.metadata.uid}, UID in object meta: ${current.metadata.uid}`);
    }
    this.#checkNamespace(info, current.metadata.namespace, next);
    let obj: KubeObject;
    // CSRs' approval writes conditions in status as well; the kind's prepareForUpdate keeps the rest of it.
    if (opts.subresource === 'status' || opts.subresource === 'approval') {
      obj = withStatus(current, next.status);
    } else {
      obj = next;
      // The main resource owns the spec; pods/binding writes both (nodeName and the PodScheduled condition).
      if (info.hasStatus && opts.subresource !== 'binding') (obj as Record<string, unknown>).status = cloneJson((current as Record<string, unknown>).status);
    }
    const kind = this.kind(info);
    kind.strategy.prepareForUpdate?.(obj, current, opts.subresource, this.#ctx);
    const m = obj.metadata;
    const c = current.metadata;
    m.uid = c.uid;
    m.creationTimestamp = c.creationTimestamp;
    m.generation = c.generation ?? 1;
    if (c.deletionTimestamp) m.deletionTimestamp = c.deletionTimestamp;
    else delete m.deletionTimestamp;
    if (c.deletionGracePeriodSeconds !== undefined) m.deletionGracePeriodSeconds = c.deletionGracePeriodSeconds;
    else delete m.deletionGracePeriodSeconds;
    // A client that sends managedFields (kubectl replace of what it read) sets them; one that omits them keeps them.
    const managers = requestManagers(m.managedFields, c.managedFields, opts.subresource ?? '');
    if (c.deletionTimestamp) {
      const added = (m.finalizers ?? []).filter((f) => !(c.finalizers ?? []).includes(f));
      if (added.length) {
        throw errors.invalid(info.kind, info.group, name, [
          { reason: 'FieldValueForbidden', message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${added.map((f) => JSON.stringify(f)).join(', ')}}`, field: 'metadata.finalizers' },
        ]);
      }
    }
    applyDefaults(info.plural, obj);
    // Ownership is of the object before mutating admission, as kube's update handler records it.
    const owned = !opts.subresource && kind.strategy.admitUpdate ? cloneJson(obj) : obj;
    if (!opts.subresource) kind.strategy.admitUpdate?.(obj, current, this.#ctx);
    if (specChanged(current, obj)) m.generation = (c.generation ?? 1) + 1;
    validateObject(info.plural, obj, current, opts.subresource);
    this.#admit('UPDATE', info, opts.subresource ?? '', obj, current, opts);
    this.#recordManagers(info, current, obj, managers, opts, opts.fieldsSubresource ?? opts.subresource ?? '', owned);
    const key = this.key(info, c.namespace, name);
    const expectedRevision = Number(c.resourceVersion);
    if (opts.dryRun) return obj;
    if (m.deletionTimestamp && !m.finalizers?.length && !kind.strategy.pendingFinalizers?.(obj) && !kind.strategy.awaitsGracefulStop?.(obj)) {
      delete m.resourceVersion;
      this.#store.update(key, obj, { expectedRevision });
      return this.#store.delete(key);
    }
    delete m.resourceVersion;
    // Like etcd3's GuaranteedUpdate, an update that changes nothing is not written: same RV, no watch event.
    if (deepEqual({ ...obj, metadata: { ...m, resourceVersion: c.resourceVersion } }, current)) return current;
    const ttl = this.#ttl(kind);
    return this.#store.update(key, obj, ttl ? { expectedRevision, ttlSeconds: ttl } : { expectedRevision });
  }

  /** patch applies a patch document to the current object and writes the result through replace. */
  patch(
    info: ResourceInfo,
    namespace: string | undefined,
    name: string,
    type: PatchType,
    patchBody: unknown,
    opts: WriteOptions & { subresource?: 'status' | 'ephemeralcontainers' | 'approval'; conversion?: PatchConversion } = {},
  ): Written {
    const current = this.#store.get(this.key(info, namespace, name));
    const { conversion, ...writeOpts } = opts;
    // An apply configuration in another served version is converted as it is (partial) and applied in this one.
    if (type === 'apply') return this.#apply(info, namespace, name, current, conversion ? conversion.toStorage(patchBody as KubeObject) : patchBody, writeOpts);
    if (!current) throw errors.notFound(info.plural, info.group, name);
    if (!conversion) {
      const view = statusWriteView(current, type, patchBody, opts.subresource);
      if (view) {
        const decoded = this.#decodeStatusView(info, name, type, view, patchBody, writeOpts);
        if (decoded) return { object: this.replace(info, current, decoded.object, { ...writeOpts, warnings: decoded.warnings }), warnings: decoded.warnings };
      }
      return this.#writePatched(info, name, type, current, applyPatch(type, current, patchBody, info.kind), patchBody, writeOpts);
    }
    // A patch is written against the object as its client sees it (kube patches in the request's version), then
    // decoded in that version (its unknown fields; repeated keys are reported once, below) and converted back.
    const patched = applyPatch(type, conversion.fromStorage(current), patchBody, info.kind);
    const decoded = conversion.decode(patched, { fieldValidation: opts.fieldValidation ?? 'Warn', duplicateFields: [] });
    const written = this.#writePatched(info, name, type, current, decoded.object, patchBody, writeOpts);
    return { object: written.object, warnings: [...decoded.warnings, ...written.warnings] };
  }

  #writePatched(info: ResourceInfo, name: string, type: PatchType, current: KubeObject, patched: unknown, patchBody: unknown, opts: WriteOptions & Managed & { subresource?: 'status' | 'ephemeralcontainers' | 'approval' }): Written {
    const { object, warnings } = this.#decodePatched(info, name, type, patched, patchBody, opts);
    return { object: this.replace(info, current, object, { ...opts, warnings }), warnings };
  }

  #decodePatched(info: ResourceInfo, name: string, type: PatchType, patched: unknown, patchBody: unknown, opts: WriteOptions): { object: KubeObject; warnings: string[] } {
    // Keys the patch repeated are reported against the patched object; a JSON patch's own keys are its operations'.
    const duplicateFields = duplicateFieldsOf(patchBody).map((d) => (type === 'json' ? { path: '', message: `json patch ${d.message}` } : d));
    const decoded = decodeObject(info.plural, patched, { fieldValidation: opts.fieldValidation ?? 'Warn', duplicateFields });
    if (decoded.object.metadata.name !== name) throw errors.badRequest(`the name of the object cannot be changed by a patch (${name} to ${decoded.object.metadata.name})`);
    return decoded;
  }

  /**
   * #decodeStatusView patches and decodes only the identity, metadata and status of the live object (see
   * statusWriteView): what a status write keeps of the patched object is that much. A kind whose schema will not
   * decode the part alone, or a patch the decoder refuses, returns undefined, and the caller patches and decodes
   * the whole object as before, so errors and warnings stay those of the whole object's decode.
   */
  #decodeStatusView(info: ResourceInfo, name: string, type: PatchType, view: KubeObject, patchBody: unknown, opts: WriteOptions): { object: KubeObject; warnings: string[] } | undefined {
    const patched = applyPatch(type, view, patchBody, info.kind);
    try {
      return this.#decodePatched(info, name, type, patched, patchBody, opts);
    } catch {
      return undefined;
    }
  }

  /**
   * #apply is server-side apply: the configuration is merged onto the live object by the schema's list rules, then
   * applyManagers prunes what this manager dropped, checks conflicts and records its Apply entry.
   */
  #apply(info: ResourceInfo, namespace: string | undefined, name: string, current: KubeObject | undefined, patchBody: unknown, opts: WriteOptions & { subresource?: 'status' | 'ephemeralcontainers' | 'approval' }): Written {
    if (!opts.fieldManager) {
      throw errors.invalid('PatchOptions', 'meta.k8s.io', '', [{ reason: 'FieldValueRequired', message: 'Required value: is required for apply patch', field: 'fieldManager' }]);
    }
    const config = withIdentity(info, patchBody, namespace, name);
    const w: Write = { manager: opts.fieldManager, subresource: opts.subresource ?? '', apiVersion: info.apiVersion, now: this.#clock.now() };
    const type = fieldTypeOf(info.kind);
    if (!current) {
      if (opts.subresource) throw errors.notFound(info.plural, info.group, name);
      const managers = applyManagers([], undefined, config, config, type, info.hasStatus, w, opts.force ?? false);
      const { object, warnings } = decodeObject(info.plural, config, { fieldValidation: opts.fieldValidation ?? 'Warn' });
      return { object: this.createDecoded(info, namespace, object, { ...opts, warnings, managers }), warnings };
    }
    const merged = mergeApplied(current, config, type) as KubeObject;
    merged.metadata = { ...merged.metadata };
    delete merged.metadata.managedFields;
    const live = stripManaged(current);
    // kube's lastApplied manager/updater: `kubectl apply --server-side` (manager "kubectl") upgrades an object
    // kubectl applied client-side without conflicts on what it applied, and keeps the annotation current.
    const upgrading = w.manager === 'kubectl' && !!live.metadata.annotations?.[LAST_APPLIED];
    const allowed = upgrading ? csaOwned(live, type) : undefined;
    const managers = applyManagers(decodeManagers(current.metadata.managedFields), live, config, merged, type, info.hasStatus, w, opts.force ?? false, allowed);
    if (upgrading) merged.metadata.annotations = { ...merged.metadata.annotations, [LAST_APPLIED]: lastApplied(config) };
    return this.#writePatched(info, name, 'apply', current, merged, patchBody, { ...opts, managers });
  }

  /**
   * delete removes an object, or marks it: objects with finalizers (or a Foreground/Orphan policy) and bound
   * pods with a grace period get deletionTimestamp and stay until their finalizers or node agent finish.
   */
  delete(info: ResourceInfo, namespace: string | undefined, name: string, opts: DeleteOptions = {}, writeOpts: WriteOptions = {}): DeleteResult {
    const key = this.key(info, namespace, name);
    const current = this.#store.get(key);
    if (!current) throw errors.notFound(info.plural, info.group, name);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== current.metadata.uid) {
      throw errors.conflict(info.plural, info.group, name, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${current.metadata.uid}`);
    }
    if (pre?.resourceVersion && pre.resourceVersion !== current.metadata.resourceVersion) {
      throw errors.conflict(info.plural, info.group, name, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${current.metadata.resourceVersion}`);
    }
    const finalizers = [...(current.metadata.finalizers ?? [])];
    const policy = opts.propagationPolicy ?? (opts.orphanDependents ? 'Orphan' : undefined);
    const policyFinalizer = policy === 'Foreground' ? 'foregroundDeletion' : policy === 'Orphan' ? 'orphan' : undefined;
    if (policyFinalizer && !finalizers.includes(policyFinalizer) && !current.metadata.deletionTimestamp) finalizers.push(policyFinalizer);
    this.#admit('DELETE', info, '', current, current, writeOpts);

    const kind = this.kind(info);
    const grace = kind.strategy.gracePeriodSeconds?.(current, opts) ?? 0;
    const now = this.#clock.now();
    if (finalizers.length === 0 && grace === 0 && !kind.strategy.pendingFinalizers?.(current)) {
      if (writeOpts.dryRun) return { object: current, gone: true };
      return { object: this.#store.delete(key, { expectedRevision: Number(current.metadata.resourceVersion) }), gone: true };
    }
    // Already terminating: a new delete may only shorten the grace period.
    const cm = current.metadata;
    if (cm.deletionTimestamp && finalizers.length === (cm.finalizers?.length ?? 0)) {
      const until = Date.parse(cm.deletionTimestamp);
      if (grace >= (cm.deletionGracePeriodSeconds ?? 0) || now + grace * 1000 >= until) return { object: current, gone: false };
    }
    const next = cloneJson(current);
    next.metadata.deletionTimestamp = formatTime(now + grace * 1000);
    next.metadata.deletionGracePeriodSeconds = grace;
    if (finalizers.length) next.metadata.finalizers = finalizers;
    kind.strategy.prepareForDelete?.(next);
    delete next.metadata.resourceVersion;
    if (writeOpts.dryRun) return { object: next, gone: false };
    return { object: this.#store.update(key, next, { expectedRevision: Number(cm.resourceVersion) }), gone: false };
  }

  /**
   * #recordManagers sets obj's managedFields: an apply's precomputed ones, else an Update by the write's manager
   * of what `owned` (obj before mutating admission) changed (status and scale writes record their own
   * subresource; binding and finalize leave ownership as it was).
   */
  #recordManagers(info: ResourceInfo, live: KubeObject | undefined, obj: KubeObject, managers: Manager[], opts: WriteOptions & Managed, subresource: string, owned: KubeObject = obj): void {
    let next = opts.managers;
    if (!next) {
      if (subresource === '' || subresource === 'status' || subresource === 'scale') {
        next = updateManagers(managers, live && stripManaged(live), stripManaged(owned), fieldTypeOf(info.kind), info.hasStatus, this.#writer(info, opts, subresource));
      } else next = managers;
    }
    setManagedFields(obj, encodeManagers(next));
  }

  /** #writer is the managedFields Write of a write by opts' manager, now. */
  #writer(info: ResourceInfo, opts: WriteOptions, subresource: string): Write {
    return { manager: opts.fieldManager ?? SERVER_MANAGER, subresource, apiVersion: info.apiVersion, now: this.#clock.now() };
  }

  /**
   * admitSubresourceCreate admits a create on a subresource that is not itself stored (pods/eviction,
   * serviceaccounts/token), as kube admits every create: NodeRestriction decides whose pods a node may evict and
   * which tokens it may ask for.
   */
  admitSubresourceCreate(info: ResourceInfo, subresource: string, object: KubeObject, opts: WriteOptions): void {
    this.#admit('CREATE', info, subresource, object, undefined, opts);
  }

  /** #admit runs the admission plugins that handle this write; any of them may refuse it by throwing. */
  #admit(operation: AdmissionOperation, info: ResourceInfo, subresource: string, object: KubeObject, oldObject: KubeObject | undefined, opts: WriteOptions): void {
    // One set of attributes for every plugin that handles the write (a pod's create has three).
    let attrs: AdmissionAttributes | undefined;
    for (const plugin of this.#admission) {
      if (!plugin.handles(info, subresource)) continue;
      attrs ??= {
        operation,
        info,
        subresource,
        namespace: object.metadata.namespace ?? '',
        name: object.metadata.name ?? '',
        object,
        ...(oldObject ? { oldObject } : {}),
        user: opts.user ?? UNSECURED_USER,
        dryRun: opts.dryRun ?? false,
        ctx: this.#ctx,
        warn: (message) => opts.warnings?.push(message),
      };
      plugin.validate(attrs);
    }
  }

  #checkNamespace(info: ResourceInfo, namespace: string | undefined, obj: KubeObject): void {
    const meta = obj.metadata;
    if (!info.namespaced) {
      delete meta.namespace;
      return;
    }
    if (meta.namespace && namespace && meta.namespace !== namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    meta.namespace = meta.namespace || namespace;
    if (!meta.namespace) throw errors.badRequest('the namespace of the object is required');
    const ns = this.#store.get({ resource: 'namespaces', namespace: '', name: meta.namespace });
    if (!ns) throw errors.notFound('namespaces', '', meta.namespace);
    if (ns.metadata.deletionTimestamp && !this.#store.get(this.key(info, meta.namespace, meta.name ?? ''))) {
      throw new ApiError({
        reason: 'Forbidden',
        message: `${info.plural} "${meta.name ?? meta.generateName ?? ''}" is forbidden: unable to create new content in namespace ${meta.namespace} because it is being terminated`,
      });
    }
  }

  #generateName(info: ResourceInfo, namespace: string | undefined, prefix: string): string {
    for (let attempt = 0; attempt < 8; attempt++) {
      let suffix = '';
      for (let i = 0; i < 5; i++) suffix += GENERATE_ALPHABET[Math.floor(Math.random() * GENERATE_ALPHABET.length)];
      const name = prefix.slice(0, 58) + suffix;
      if (!this.#store.get(this.key(info, namespace, name))) return name;
    }
    throw errors.alreadyExists(info.plural, info.group, prefix);
  }
}

/** matches applies label and field selectors to one object. */
export function matches(info: ResourceInfo, obj: KubeObject, filter: ListFilter): boolean {
  if (filter.labelSelector && !filter.labelSelector.matches(obj.metadata.labels)) return false;
  if (filter.fieldSelector && !filter.fieldSelector.matches(fieldsFor(info.plural, obj))) return false;
  return true;
}

/** specChanged compares everything but metadata and status: what generation counts. */
function specChanged(a: KubeObject, b: KubeObject): boolean {
  const ao = a as Record<string, unknown>;
  const bo = b as Record<string, unknown>;
  for (const k of Object.keys(ao)) if (!NOT_SPEC.has(k) && !deepEqual(ao[k], bo[k])) return true;
  for (const k of Object.keys(bo)) if (!NOT_SPEC.has(k) && !Object.hasOwn(ao, k) && bo[k] !== undefined) return true;
  return false;
}

const NOT_SPEC = new Set(['metadata', 'status', 'apiVersion', 'kind']);

/** What a status write takes from the object it is given: replace keeps the rest of the live object (withStatus). */
const STATUS_WRITE_KEYS = ['apiVersion', 'kind', 'metadata', 'status'] as const;

/**
 * statusWriteView is the live object without its spec (and any other part a status write leaves as it is), for a
 * merge or strategic merge patch of the status subresource whose keys are all among STATUS_WRITE_KEYS. Such a
 * patch leaves the rest of the object as it is, so the rest need not be copied, patched and decoded again on
 * every status report (a node agent sends two a pod): it is the live object's, already decoded and validated when
 * it was written. Root directives (`$patch`, `$retainKeys`) and JSON patches, which can reach the rest, take the
 * whole-object path.
 */
function statusWriteView(current: KubeObject, type: PatchType, patchBody: unknown, subresource: string | undefined): KubeObject | undefined {
  if (subresource !== 'status' || (type !== 'merge' && type !== 'strategic')) return undefined;
  if (typeof patchBody !== 'object' || patchBody === null || Array.isArray(patchBody)) return undefined;
  for (const k of Object.keys(patchBody)) if (!(STATUS_WRITE_KEYS as readonly string[]).includes(k)) return undefined;
  const view: Record<string, unknown> = {};
  for (const k of STATUS_WRITE_KEYS) if (Object.hasOwn(current, k)) view[k] = (current as Record<string, unknown>)[k];
  // The written metadata is the live object's too (only the patch's preconditions are read), and the managers are
  // the stored ones (requestManagers): the live managedFields, often the largest part of a pod, need neither a
  // copy nor a decode, unless the patch itself names them (then their errors are the patch's).
  const patchMeta = (patchBody as Record<string, unknown>).metadata;
  const namesManagers = typeof patchMeta === 'object' && patchMeta !== null && Object.hasOwn(patchMeta, 'managedFields');
  if (!namesManagers && current.metadata?.managedFields !== undefined) {
    const { managedFields: _live, ...metadata } = current.metadata;
    view.metadata = metadata;
  }
  return view as KubeObject;
}

/**
 * withStatus is a copy of the stored object `current` with `status` in place of its own (key order kept), without
 * copying the stored status that is dropped anyway, nor the stored managedFields: a status (or approval) write
 * always sets them anew (#recordManagers), and until then nothing changes them in place, so the copy refers to
 * the stored array, the largest part of a pod's metadata.
 */
function withStatus(current: KubeObject, status: unknown): KubeObject {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(current)) {
    const v = (current as Record<string, unknown>)[k];
    out[k] = k === 'status' ? status : k === 'metadata' ? metadataCopy(v as KubeObject['metadata']) : cloneJson(v);
  }
  out['status'] = status;
  return out as KubeObject;
}

/** metadataCopy is cloneJson(meta) but for managedFields, which it shares (see withStatus); key order is kept. */
function metadataCopy(meta: KubeObject['metadata']): KubeObject['metadata'] {
  if (meta.managedFields === undefined) return cloneJson(meta);
  const out: Record<string, unknown> = {};
  // Stored metadata went through its schema, which knows no "__proto__" member: plain assignment is a copy here.
  for (const k of Object.keys(meta)) out[k] = k === 'managedFields' ? meta.managedFields : cloneJson((meta as Record<string, unknown>)[k]);
  return out as KubeObject['metadata'];
}

/** setManagedFields sets obj's metadata.managedFields to the encoded entries (none: the field goes). */
function setManagedFields(obj: KubeObject, encoded: Record<string, unknown>[]): void {
  if (encoded.length) obj.metadata.managedFields = encoded;
  else delete obj.metadata.managedFields;
}

/** stripManaged is obj without metadata.managedFields (in place on the copy it returns; obj is left alone). */
function stripManaged<T extends KubeObject>(obj: T): T {
  if (obj.metadata?.managedFields === undefined) return obj;
  const { managedFields: _dropped, ...metadata } = obj.metadata;
  return { ...obj, metadata } as T;
}

/** lastApplied is the annotation kubectl would write for this configuration: its JSON without the annotation itself. */
function lastApplied(config: unknown): string {
  const c = structuredClone(config) as { metadata?: { annotations?: Record<string, string> } };
  if (c.metadata?.annotations) {
    delete c.metadata.annotations[LAST_APPLIED];
    if (!Object.keys(c.metadata.annotations).length) delete c.metadata.annotations;
  }
  return JSON.stringify(c) + '\n';
}

function withIdentity(info: ResourceInfo, body: unknown, namespace: string | undefined, name: string): unknown {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return body;
  const b = body as { metadata?: Record<string, unknown> };
  const metadata: Record<string, unknown> = { ...(b.metadata ?? {}), name };
  if (info.namespaced && namespace && metadata.namespace === undefined) metadata.namespace = namespace;
  const withName = { ...b, metadata };
  rememberDuplicateFields(withName, duplicateFieldsOf(body));
  return withName;
}
