/**
 * @module Managed fields: who owns which fields of an object (metadata.managedFields), updated as kube's
 * structured-merge-diff Updater does on every write: Update operations take over what they change and never
 * conflict; an Apply declares its manager's whole intent, removes what it dropped (unless someone else owns it)
 * and conflicts with any other manager whose field it would change.
 */
import { ApiError, formatTime, type StatusCause } from '@skiff/api';
import { addedFieldsV1, compare, fieldSetOf, fromFieldsV1, isCanonicalFieldsV1, onlyUnder, pathString, removePath, toFieldsV1, withoutPrefixes, type FieldSet, type Prune } from './field-set.js';
import type { FieldType } from './field-type.js';
import { jsonEqual } from '../patch/json-value.js';
import { rejectPatchDirectives } from './reject-patch-directives.js';

export type Operation = 'Apply' | 'Update';

/** Manager is one decoded managedFields entry. */
export interface Manager {
  manager: string;
  operation: Operation;
  apiVersion: string;
  time?: string;
  subresource: string;
  set: FieldSet;
}

/** Write describes who writes: the manager, its operation, the subresource and the apiVersion it speaks. */
export interface Write {
  manager: string;
  subresource: string;
  apiVersion: string;
  now: number;
}

// kube's stripmeta: identity and server-set metadata are never owned.
const SERVER_METADATA = ['name', 'namespace', 'creationTimestamp', 'selfLink', 'uid', 'generation', 'managedFields', 'resourceVersion', 'deletionTimestamp', 'deletionGracePeriodSeconds'];
const STRIPPED = ['f:apiVersion', 'f:kind', ...SERVER_METADATA.map((f) => `f:metadata\nf:${f}`)];
/** What owned() leaves out of a main-resource write, as a Prune for addedFieldsV1: STRIPPED, and status if any. */
const pruneFor = (status: boolean): Prune => ({ drop: new Set(['apiVersion', 'kind', ...(status ? ['status'] : [])]), within: new Map([['metadata', { drop: new Set(SERVER_METADATA) }]]) });
const CREATE_PRUNE = { withStatus: pruneFor(true), withoutStatus: pruneFor(false) };

/** owned trims a set to what the write may own: the main resource never owns status, a status write only status. */
function owned(set: FieldSet, w: Write, hasStatus: boolean): FieldSet {
  const s = withoutPrefixes(set, STRIPPED);
  if (w.subresource === 'status') return onlyUnder(s, 'f:status');
  return hasStatus ? withoutPrefixes(s, ['f:status']) : s;
}

/**
 * Sets and trees are immutable once made, so each side is remembered by the other's identity: the stored object a
 * write reads keeps the very fieldsV1 trees the previous write encoded (the store shares one parsed copy), and a
 * manager whose set did not change (every manager but the writer, and the writer when it changed nothing new) is
 * neither decoded nor encoded again. Weak keys: an entry lives as long as the stored object that holds it.
 */
const setOfTree = new WeakMap<object, FieldSet>();
const treeOfSet = new WeakMap<FieldSet, Record<string, unknown>>();

function decodeFields(tree: unknown): FieldSet {
  if (typeof tree !== 'object' || tree === null) return fromFieldsV1(tree);
  let set = setOfTree.get(tree);
  if (!set) {
    set = fromFieldsV1(tree);
    setOfTree.set(tree, set);
    // A stored object parsed again (its parsed copy was collected) has new trees: one already in toFieldsV1's
    // form is its set's encoding as it is, so an unchanged manager costs no encoding then either.
    if (isCanonicalFieldsV1(tree as Record<string, unknown>, true)) treeOfSet.set(set, tree as Record<string, unknown>);
  }
  return set;
}

/**
 * Trees by content too: the writers of one shape own the same paths object after object (a node agent's status
 * reports of every pod with the same containers, one client's pods, a component's events), so the tree made for
 * the first serves the others without building and sorting it again. Keyed by the paths in the set's order (sets
 * built by the same walk over same-shaped objects list them alike; another order only misses). Bounded: the
 * oldest key goes first.
 */
const treeOfPaths = new Map<string, Record<string, unknown>>();
const MAX_TREES_BY_PATHS = 256;

/** encodeFields is toFieldsV1 of a set, made once per set; the tree it returns must not be modified. */
export function encodeFields(set: FieldSet): Record<string, unknown> {
  let tree = treeOfSet.get(set);
  if (!tree) {
    const paths = JSON.stringify([...set]);
    tree = treeOfPaths.get(paths);
    if (!tree) {
      tree = toFieldsV1(set);
      treeOfPaths.set(paths, tree);
      if (treeOfPaths.size > MAX_TREES_BY_PATHS) treeOfPaths.delete(treeOfPaths.keys().next().value!);
    }
    treeOfSet.set(set, tree);
    // What reading the tree back would give: its paths in the tree's (sorted) order, which conflict messages follow.
    if (!setOfTree.has(tree)) {
      const decoded = new Set([...set].sort());
      treeOfSet.set(decoded, tree);
      setOfTree.set(tree, decoded);
    }
  }
  return tree;
}

/** decodeManagers reads metadata.managedFields; entries that are not FieldsV1 objects are dropped, as kube resets them. */
export function decodeManagers(entries: unknown): Manager[] {
  if (!Array.isArray(entries)) return [];
  const out: Manager[] = [];
  for (const e of entries) {
    if (typeof e !== 'object' || e === null) continue;
    const r = e as Record<string, unknown>;
    if (typeof r['manager'] !== 'string' || (r['operation'] !== 'Apply' && r['operation'] !== 'Update')) continue;
    out.push({
      manager: r['manager'],
      operation: r['operation'],
      apiVersion: typeof r['apiVersion'] === 'string' ? r['apiVersion'] : '',
      ...(typeof r['time'] === 'string' ? { time: r['time'] } : {}),
      subresource: typeof r['subresource'] === 'string' ? r['subresource'] : '',
      set: decodeFields(r['fieldsV1']),
    });
  }
  return out;
}

/** isValidEntry is kube's DecodeManagedFields check of one entry (any invalid entry fails the whole list). */
function isValidEntry(e: unknown): boolean {
  if (typeof e !== 'object' || e === null) return false;
  const r = e as Record<string, unknown>;
  return (r['operation'] === 'Apply' || r['operation'] === 'Update') && typeof r['apiVersion'] === 'string' && r['apiVersion'] !== '' && r['fieldsType'] === 'FieldsV1';
}

/**
 * requestManagers is kube's decodeLiveOrNew for an update: a subresource write keeps the stored managers; `[]` or
 * `[{}]` in the request resets them (the documented way to clear managedFields); other managedFields the request
 * carries replace the stored ones when every entry decodes, and absent or undecodable ones leave them as stored.
 */
export function requestManagers(requested: unknown, stored: unknown, subresource: string): Manager[] {
  if (subresource) return decodeManagers(stored);
  // A client that sends back the managedFields it read (client-go's Update does) asks for the stored ones: read
  // them from the stored object, whose trees are already decoded, rather than from the request's copies.
  if (Array.isArray(requested) && Array.isArray(stored) && jsonEqual(requested, stored)) return decodeManagers(stored);
  if (Array.isArray(requested)) {
    const [first] = requested as unknown[];
    const emptyEntry = typeof first === 'object' && first !== null && Object.keys(first).length === 0;
    if (requested.length === 0 || (requested.length === 1 && emptyEntry)) return [];
    if (requested.every(isValidEntry)) return decodeManagers(requested);
  }
  return decodeManagers(stored);
}

/** byKubeOrder is kube's sortEncodedManagedFields: Apply before Update, then oldest first, then by name. */
function byKubeOrder(a: Manager, b: Manager): number {
  const seconds = (m: Manager): number => (m.time ? Math.floor(Date.parse(m.time) / 1000) : 0);
  const cmp = (x: string, y: string): number => (x < y ? -1 : x > y ? 1 : 0);
  return cmp(a.operation, b.operation) || seconds(a) - seconds(b) || cmp(a.manager, b.manager) || cmp(a.apiVersion, b.apiVersion) || cmp(a.subresource, b.subresource);
}

/** encodeManagers writes entries in kube's order and key order; empty sets are dropped. */
export function encodeManagers(managers: Manager[]): Record<string, unknown>[] {
  return managers
    .filter((m) => m.set.size > 0)
    .sort(byKubeOrder)
    .map((m) => ({
      manager: m.manager,
      operation: m.operation,
      apiVersion: m.apiVersion,
      ...(m.time !== undefined ? { time: m.time } : {}),
      fieldsType: 'FieldsV1',
      fieldsV1: encodeFields(m.set),
      ...(m.subresource ? { subresource: m.subresource } : {}),
    }));
}

const same = (m: Manager, name: string, op: Operation, sub: string): boolean => m.manager === name && m.operation === op && m.subresource === sub;

function setsEqual(a: FieldSet, b: FieldSet): boolean {
  if (a.size !== b.size) return false;
  for (const p of a) if (!b.has(p)) return false;
  return true;
}

/** record puts the writer's new set in place of its old entry (or appends one), restamping time when it changed. */
function record(managers: Manager[], w: Write, op: Operation, set: FieldSet): Manager[] {
  const i = managers.findIndex((m) => same(m, w.manager, op, w.subresource));
  const prev = i >= 0 ? managers[i] : undefined;
  const unchanged = prev !== undefined && setsEqual(prev.set, set);
  const entry: Manager = {
    manager: w.manager,
    operation: op,
    apiVersion: w.apiVersion,
    time: unchanged && prev.apiVersion === w.apiVersion && prev.time ? prev.time : formatTime(w.now),
    subresource: w.subresource,
    // The same fields as before (a status writer's usual case): the old set, whose encoding is already made.
    set: unchanged ? prev.set : set,
  };
  const out = [...managers];
  if (i >= 0) out[i] = entry;
  else out.push(entry);
  return out.filter((m) => m.set.size > 0);
}

/**
 * updateManagers is SMD's Updater.Update: the writer owns what it added or modified, every other manager loses
 * those fields, and removed fields leave everyone's sets. `live` is undefined on create.
 */
export function updateManagers(managers: Manager[], live: unknown, obj: unknown, type: FieldType, hasStatus: boolean, w: Write): Manager[] {
  // kube's skipNonApplied manager: an object whose managedFields are empty is not tracked again until an apply.
  if (live !== undefined && managers.length === 0) return managers;
  const c = compare(live, obj, type);
  const changed = owned(new Set([...c.added, ...c.modified]), w, hasStatus);
  const removed = c.removed;
  if (!changed.size && !removed.size) return managers;
  const next = managers.map((m) => (same(m, w.manager, 'Update', w.subresource) ? m : { ...m, set: minus(m.set, changed, removed) }));
  const own = managers.find((m) => same(m, w.manager, 'Update', w.subresource));
  const set = new Set([...minus(own?.set ?? new Set(), removed), ...changed]);
  return record(next, w, 'Update', set);
}

/**
 * createManagedFields is encodeManagers(updateManagers([], undefined, obj, ...)) for a main-resource create, whose
 * writer owns every field it set: the fieldsV1 tree is built straight from the object, and no set is made. A later
 * write that reads the stored object decodes the tree then (decodeFields; the tree is canonical, so that set keeps
 * it as its encoding); an object never written again (an Event) never pays for one.
 */
export function createManagedFields(obj: unknown, type: FieldType, hasStatus: boolean, w: Write): Record<string, unknown>[] {
  const tree = w.subresource === '' ? addedFieldsV1(obj, type, hasStatus ? CREATE_PRUNE.withStatus : CREATE_PRUNE.withoutStatus) : undefined;
  if (!tree) return encodeManagers(updateManagers([], undefined, obj, type, hasStatus, w));
  for (const _k in tree) return [{ manager: w.manager, operation: 'Update', apiVersion: w.apiVersion, time: formatTime(w.now), fieldsType: 'FieldsV1', fieldsV1: tree }];
  return [];
}

function minus(set: FieldSet, ...drop: FieldSet[]): FieldSet {
  if (!drop.some((d) => d.size)) return set;
  const out: FieldSet = new Set();
  for (const p of set) if (!drop.some((d) => d.has(p))) out.add(p);
  // Nothing dropped: the same set, so its encoding is reused.
  return out.size === set.size ? set : out;
}

/**
 * applyManagers is SMD's Updater.Apply after the merge: `merged` is the applied configuration merged onto `live`
 * and is pruned in place of the fields this manager applied before, dropped now, and nobody else owns. Conflicts
 * (another manager owns a field whose value the apply changes) throw 409 unless `force`, which takes them over.
 */
export function applyManagers(
  managers: Manager[],
  live: unknown,
  config: unknown,
  merged: unknown,
  type: FieldType,
  hasStatus: boolean,
  w: Write,
  force: boolean,
  /** Fields whose conflicts are taken over anyway (kube's lastAppliedManager: kubectl's client-side-applied ones). */
  allowed: FieldSet = new Set(),
): Manager[] {
  rejectPatchDirectives(config, type);
  // kube's skipNonApplied manager: the first apply to an object nobody manages (its managedFields were cleared)
  // hands every field it has to "before-first-apply", so the apply conflicts where it changes them.
  if (live !== undefined && managers.length === 0) managers = trackAll(live, type, hasStatus, w);
  const applied = owned(fieldSetOf(config, type), w, hasStatus);
  const mine = managers.find((m) => same(m, w.manager, 'Apply', w.subresource));
  const others = managers.filter((m) => m !== mine);
  if (mine) {
    const keptByOthers = new Set(others.flatMap((m) => [...m.set]));
    for (const p of mine.set) if (!applied.has(p) && !keptByOthers.has(p)) removePath(merged, p, type);
  }
  const c = live === undefined ? undefined : compare(live, merged, type);
  const changed = c ? owned(new Set([...c.added, ...c.modified]), w, hasStatus) : new Set<string>();
  const conflicts: { manager: Manager; path: string }[] = [];
  for (const m of others) for (const p of m.set) if (changed.has(p)) conflicts.push({ manager: m, path: p });
  const blocking = conflicts.filter((c) => !allowed.has(c.path));
  if (blocking.length && !force) throw conflictError(blocking);
  const removed = c?.removed ?? new Set<string>();
  const next = managers.map((m) => (m === mine ? m : { ...m, set: minus(m.set, changed, removed) }));
  return record(next, w, 'Apply', applied);
}

const BEFORE_FIRST_APPLY = 'before-first-apply';

/** trackAll is the Update from an empty object to `live` that kube records before a first apply. */
function trackAll(live: unknown, type: FieldType, hasStatus: boolean, w: Write): Manager[] {
  const set = owned(new Set(compare(undefined, live, type).added), { ...w, manager: BEFORE_FIRST_APPLY }, hasStatus);
  return set.size ? [{ manager: BEFORE_FIRST_APPLY, operation: 'Update', apiVersion: w.apiVersion, time: formatTime(w.now), subresource: w.subresource, set }] : [];
}

export const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';

/**
 * csaOwned is kube's lastAppliedManager's allowance for `kubectl apply --server-side` on an object kubectl applied
 * client-side: the fields its last-applied annotation set that are still live may be taken over without conflict.
 */
export function csaOwned(live: { metadata?: { annotations?: Record<string, string> } }, type: FieldType): FieldSet {
  const text = live.metadata?.annotations?.[LAST_APPLIED];
  if (!text) return new Set();
  let last: unknown;
  try {
    last = JSON.parse(text);
  } catch {
    return new Set();
  }
  const liveSet = fieldSetOf(live, type);
  return new Set([...fieldSetOf(last, type)].filter((p) => liveSet.has(p)));
}

/** printManager is kube's: an Update manager is named with its apiVersion (and any subresource). */
function printManager(m: Manager): string {
  let s = JSON.stringify(m.manager);
  if (m.subresource) s += ` with subresource ${JSON.stringify(m.subresource)}`;
  return m.operation === 'Update' ? `${s} using ${m.apiVersion}` : s;
}

/** conflictError is kube's NewConflictError: 409 Conflict, one FieldManagerConflict cause per field. */
function conflictError(conflicts: { manager: Manager; path: string }[]): ApiError {
  const causes: StatusCause[] = conflicts.map((c) => ({ reason: 'FieldManagerConflict', message: `conflict with ${printManager(c.manager)}`, field: pathString(c.path) }));
  let message: string;
  if (conflicts.length === 1) message = `Apply failed with 1 conflict: conflict with ${printManager(conflicts[0]!.manager)}: ${pathString(conflicts[0]!.path)}`;
  else {
    const byManager = new Map<string, string[]>();
    for (const c of conflicts) {
      const name = printManager(c.manager);
      byManager.set(name, [...(byManager.get(name) ?? []), `- ${pathString(c.path)}`]);
    }
    const parts = [...byManager.keys()].sort().flatMap((name) => [`conflicts with ${name}:`, ...byManager.get(name)!]);
    message = `Apply failed with ${conflicts.length} conflicts: ${parts.join('\n')}`;
  }
  return new ApiError({ reason: 'Conflict', message, details: { causes } });
}
