/**
 * @module Field sets as structured-merge-diff computes them: paths of `f:<field>`, `k:<keys json>` (map-list items),
 * `v:<value json>` (set-list items) elements, walked along a FieldType; converted to and from the `fieldsV1` tree
 * (`.` marks a path that is itself a member and has children).
 */
import { childType, type FieldType } from './field-type.js';

/** A FieldSet holds paths, each its elements joined by SEP (JSON-encoded elements never contain a raw newline). */
export type FieldSet = Set<string>;
const SEP = '\n';

export function join(prefix: string, element: string): string {
  return prefix === '' ? element : prefix + SEP + element;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** itemElement names a list item: by its keys (sorted, as SMD's FieldList) for a map list, by value for a set. */
export function itemElement(t: FieldType & { t: 'list' }, item: unknown): string {
  if (t.rel === 'set') return 'v:' + JSON.stringify(item);
  const keys: Record<string, unknown> = {};
  const obj = isObject(item) ? item : {};
  for (const k of [...t.keys].sort()) {
    const v = obj[k] ?? t.keyDefaults[k];
    if (v !== undefined) keys[k] = v;
  }
  return 'k:' + JSON.stringify(keys);
}

function isLeaf(t: FieldType, v: unknown): boolean {
  if (t.t === 'scalar') return true;
  if (t.t === 'list') return t.rel === 'atomic' || !Array.isArray(v) || v.length === 0;
  if (t.t === 'untyped' && Array.isArray(v)) return true;
  return !isObject(v) || isEmpty(v);
}

function isEmpty(o: Record<string, unknown>): boolean {
  for (const _k in o) return false;
  return true;
}

/** fieldSetOf is SMD's ToFieldSet: the fields a value sets (an applied configuration's intent). */
export function fieldSetOf(value: unknown, t: FieldType, prefix = '', out: FieldSet = new Set()): FieldSet {
  if (isLeaf(t, value)) {
    if (prefix !== '') out.add(prefix);
    return out;
  }
  if (Array.isArray(value) && t.t === 'list') {
    for (const item of value) {
      const p = join(prefix, itemElement(t, item));
      out.add(p);
      fieldSetOf(item, t.elem, p, out);
    }
    return out;
  }
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    const p = join(prefix, 'f:' + k);
    const ct = childType(t, k);
    fieldSetOf(v, ct, p, out);
    // A map entry is a member itself; a declared struct field only through its leaves.
    if (!(t.t === 'struct' && t.field(k))) out.add(p);
  }
  return out;
}

export interface Comparison {
  added: FieldSet;
  modified: FieldSet;
  removed: FieldSet;
}

/**
 * compare is SMD's Compare, descending only where the two values differ (so an update costs what it touches).
 * A declared struct field is never a member itself: like kube's Go zero values, it is always present.
 */
export function compare(lhs: unknown, rhs: unknown, t: FieldType): Comparison {
  const c: Comparison = { added: new Set(), modified: new Set(), removed: new Set() };
  walk(lhs, rhs, t, '', false, c);
  return c;
}

function walk(lhs: unknown, rhs: unknown, t: FieldType, path: string, member: boolean, c: Comparison): void {
  // The root of a write nearly always differs, and its children are compared one by one below anyway: comparing
  // the whole object first would only walk it twice.
  if (lhs === rhs || (path !== '' && deepEqual(lhs, rhs))) return;
  const leaf = (lhs === undefined || isLeaf(t, lhs)) && (rhs === undefined || isLeaf(t, rhs));
  if (leaf || (lhs !== undefined && rhs !== undefined && Array.isArray(lhs) !== Array.isArray(rhs))) {
    if (path === '') return;
    (lhs === undefined ? c.added : rhs === undefined ? c.removed : c.modified).add(path);
    return;
  }
  if (member && path !== '') {
    if (lhs === undefined) c.added.add(path);
    else if (rhs === undefined) c.removed.add(path);
  }
  if (t.t === 'list') {
    const left = new Map<string, unknown>();
    for (const item of Array.isArray(lhs) ? lhs : []) left.set(itemElement(t, item), item);
    const seen = new Set<string>();
    for (const item of Array.isArray(rhs) ? rhs : []) {
      const e = itemElement(t, item);
      seen.add(e);
      walk(left.get(e), item, t.elem, join(path, e), true, c);
    }
    for (const [e, item] of left) if (!seen.has(e)) walk(item, undefined, t.elem, join(path, e), true, c);
    return;
  }
  const l = isObject(lhs) ? lhs : {};
  const r = isObject(rhs) ? rhs : {};
  // The union of both objects' keys, lhs's first, without building it.
  for (const k of Object.keys(l)) walk(l[k], r[k], childType(t, k), join(path, 'f:' + k), !alwaysPresent(t, k), c);
  for (const k of Object.keys(r)) if (!Object.hasOwn(l, k)) walk(undefined, r[k], childType(t, k), join(path, 'f:' + k), !alwaysPresent(t, k), c);
}

/** Prune names the fields a walk leaves out: those in `drop` whole, and inside those in `within`, what it says. */
export interface Prune {
  readonly drop: ReadonlySet<string>;
  readonly within?: ReadonlyMap<string, Prune>;
}

/** A list with two items of one key: the tree would merge them, which addedFieldsV1 leaves to the general path. */
const DUPLICATE_ITEM = Symbol('duplicate list item');

/**
 * addedFieldsV1 is toFieldsV1 of what compare(undefined, value) adds, less the pruned fields, built in one walk
 * of the value: no path strings, no set, no second pass to split and sort them (a create's managedFields).
 * Undefined when a list holds two items of one key (validation refuses those for most lists; the set-based path
 * merges them).
 */
export function addedFieldsV1(value: unknown, t: FieldType, prune?: Prune): Tree | undefined {
  try {
    return addedNode(value, t, false, prune) ?? {};
  } catch (err) {
    if (err === DUPLICATE_ITEM) return undefined;
    throw err;
  }
}

/** addedNode is one node of addedFieldsV1, mirroring walk() with nothing on the left; undefined when it adds nothing. */
function addedNode(value: unknown, t: FieldType, member: boolean, prune: Prune | undefined): Tree | undefined {
  if (isLeaf(t, value)) return {};
  const keys: string[] = [];
  const nodes: Tree[] = [];
  let sorted = true;
  const add = (k: string, node: Tree): void => {
    const n = keys.length;
    if (n > 0 && keys[n - 1]! >= k) {
      if (keys[n - 1] === k) throw DUPLICATE_ITEM;
      sorted = false;
    }
    keys.push(k);
    nodes.push(node);
  };
  if (t.t === 'list') {
    for (const item of value as unknown[]) if (item !== undefined) add(itemElement(t, item), addedNode(item, t.elem, true, undefined) as Tree);
  } else {
    const obj = value as Record<string, unknown>;
    for (const k in obj) {
      const v = obj[k];
      if (v === undefined || prune?.drop.has(k)) continue;
      const child = addedNode(v, childType(t, k), !alwaysPresent(t, k), prune?.within?.get(k));
      if (child) add(fieldElement(k), child);
    }
  }
  if (!keys.length) return member ? {} : undefined;
  const out: Tree = {};
  // As finish(): `.` first for a member that has children, then the keys sorted (objects' keys mostly come sorted).
  if (member) out['.'] = {};
  if (sorted) {
    for (let i = 0; i < keys.length; i++) out[keys[i]!] = nodes[i];
    return out;
  }
  const order = keys.map((_, i) => i).sort((a, b) => (keys[a]! < keys[b]! ? -1 : 1));
  for (let i = 0; i < order.length; i++) {
    const j = order[i]!;
    if (i > 0 && keys[order[i - 1]!] === keys[j]) throw DUPLICATE_ITEM;
    out[keys[j]!] = nodes[j];
  }
  return out;
}

/**
 * fieldElement is 'f:' + k, the same string each time for the names objects repeat (a tree's keys are then
 * strings V8 already knows, not a new one to look up for every field of every write); bounded, since names come
 * from requests.
 */
function fieldElement(k: string): string {
  let e = FIELD_ELEMENTS.get(k);
  if (e === undefined) {
    if (FIELD_ELEMENTS.size >= 4096) FIELD_ELEMENTS.clear();
    e = 'f:' + k;
    FIELD_ELEMENTS.set(k, e);
  }
  return e;
}
const FIELD_ELEMENTS = new Map<string, string>();

/**
 * alwaysPresent says a declared field counts as there even when unset, as kube's Go types serialize it (a
 * non-pointer struct, or a field without omitempty): its appearing is not a change of its own, only its leaves are,
 * so an Update entry has no `.` for it (a pointer struct such as strategy.rollingUpdate gets one). Fields Kubernetes
 * does not have fall back to the schema: a struct, or a required field.
 */
function alwaysPresent(t: FieldType, k: string): boolean {
  if (t.t !== 'struct') return false;
  const f = t.field(k);
  if (f === undefined) return false;
  return t.alwaysPresent(k) ?? (f.t === 'struct' || t.required(k));
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  let nb = 0;
  for (const _k in b) nb++;
  if (ka.length !== nb) return false;
  for (const k of ka) if (!deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  return true;
}

/** removePrefixes drops every path that is, or lies under, one of `prefixes` (SMD's RecursiveDifference). */
export function withoutPrefixes(set: FieldSet, prefixes: readonly string[]): FieldSet {
  if (!prefixes.length) return set;
  const under = prefixes.map((x) => x + SEP);
  const out: FieldSet = new Set();
  for (const p of set) if (!prefixes.includes(p) && !under.some((x) => p.startsWith(x))) out.add(p);
  return out;
}

/** onlyUnder keeps the paths at or under `prefix`. */
export function onlyUnder(set: FieldSet, prefix: string): FieldSet {
  const out: FieldSet = new Set();
  for (const p of set) if (p === prefix || p.startsWith(prefix + SEP)) out.add(p);
  return out;
}

type Tree = Record<string, unknown>;

/** toFieldsV1 encodes a set as kube's FieldsV1 JSON, keys sorted as SMD writes them. */
export function toFieldsV1(set: FieldSet): Tree {
  const root: Tree = {};
  // No need to sort the paths: finish sorts every node's keys.
  for (const path of set) {
    let node = root;
    for (const e of path.split(SEP)) node = (node[e] ??= {}) as Tree;
    node['.'] = true;
  }
  return finish(root);
}

function finish(node: Tree): Tree {
  const member = node['.'] === true;
  const keys = Object.keys(node).filter((k) => k !== '.');
  const out: Tree = {};
  if (member && keys.length) out['.'] = {};
  for (const k of keys.sort()) out[k] = finish(node[k] as Tree);
  return out;
}

/**
 * isCanonicalFieldsV1 says toFieldsV1(fromFieldsV1(tree)) would equal `tree`, key order included, without building
 * either: every node an object, keys sorted, `.` (an empty object) first and only beside children, never at the root.
 */
export function isCanonicalFieldsV1(node: Record<string, unknown>, root = false): boolean {
  let prev: string | undefined;
  let member = false;
  let children = 0;
  for (const k of Object.keys(node)) {
    const v = node[k];
    if (!isObject(v)) return false;
    if (k === '.') {
      if (root || prev !== undefined || Object.keys(v).length !== 0) return false;
      member = true;
      continue;
    }
    if ((prev !== undefined && prev >= k) || k.includes(SEP) || !isCanonicalFieldsV1(v)) return false;
    prev = k;
    children++;
  }
  return !member || children > 0;
}

/** fromFieldsV1 decodes kube's FieldsV1 JSON; anything that is not an object of objects is an empty set. */
export function fromFieldsV1(tree: unknown, prefix = '', out: FieldSet = new Set()): FieldSet {
  if (!isObject(tree)) return out;
  const keys = Object.keys(tree);
  if (prefix !== '' && (keys.length === 0 || keys.includes('.'))) out.add(prefix);
  for (const k of keys) if (k !== '.') fromFieldsV1(tree[k], join(prefix, k), out);
  return out;
}

/** pathString renders a path as SMD's Path.String does: `.spec.containers[name="c"].image`. */
export function pathString(path: string): string {
  let s = '';
  for (const e of path.split(SEP)) {
    const body = e.slice(2);
    if (e.startsWith('f:')) s += '.' + body;
    else if (e.startsWith('k:')) {
      const keys = JSON.parse(body) as Record<string, unknown>;
      s += '[' + Object.entries(keys).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(',') + ']';
    } else if (e.startsWith('v:')) s += '[=' + body + ']';
    else s += '[' + body + ']';
  }
  return s;
}

/** removePath deletes the field or list item a path names from `obj` (in place); a missing one is no change. */
export function removePath(obj: unknown, path: string, t: FieldType): void {
  const elements = path.split(SEP);
  let node: unknown = obj;
  let type = t;
  for (let i = 0; i < elements.length; i++) {
    const e = elements[i]!;
    const last = i === elements.length - 1;
    if (e.startsWith('f:')) {
      if (!isObject(node)) return;
      const k = e.slice(2);
      if (last) {
        delete node[k];
        return;
      }
      type = childType(type, k);
      node = node[k];
    } else {
      if (!Array.isArray(node) || type.t !== 'list') return;
      const lt = type;
      const idx = node.findIndex((item) => itemElement(lt, item) === e);
      if (idx < 0) return;
      if (last) {
        node.splice(idx, 1);
        return;
      }
      node = node[idx];
      type = lt.elem;
    }
  }
}
