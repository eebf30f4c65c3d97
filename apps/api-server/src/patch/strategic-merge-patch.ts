/**
 * @module applyStrategicMergePatch: Kubernetes strategic merge patch for the kinds Skiff serves, what
 * `kubectl apply`, `patch`, `edit`, `set image` and `rollout restart` send
 * (community/contributors/devel/sig-api-machinery/strategic-merge-patch.md).
 */
import { ApiError } from '@skiff/api';
import { orderElements, type Identity } from './element-order.js';
import { cloneJson, getOwn, hasOwn, isJsonObject, jsonEqual, setOwn, type JsonObject } from './json-value.js';
import { patchSchemaFor, type ListStrategy, type PatchField, type PatchSchema } from './patch-schema.js';

const PATCH = '$patch';
const RETAIN_KEYS = '$retainKeys';
const SET_ORDER = '$setElementOrder/';
const DELETE_FROM = '$deleteFromPrimitiveList/';

/** DELETE is what merging `{"$patch":"delete"}` yields: the caller drops the key. */
const DELETE: unique symbol = Symbol('delete');

const bad = (message: string): ApiError => new ApiError({ reason: 'BadRequest', message });
const at = (path: string): string => path || '<root>';

/**
 * applyStrategicMergePatch merges `patch` into a copy of `target` with the list rules of `kind`: `null` deletes
 * a key; lists with a merge key merge element by element; `finalizers` merge as a set; other lists are replaced.
 * It honours `$patch: delete|replace|merge` in maps and list elements, `$setElementOrder/<list>`, `$retainKeys`
 * and `$deleteFromPrimitiveList/<list>`, and strips every directive from the result. Malformed patches throw
 * 400 BadRequest. Inputs are never mutated.
 */
export function applyStrategicMergePatch(target: unknown, patch: unknown, kind: string): unknown {
  if (!isJsonObject(patch)) throw bad('invalid strategic merge patch: the patch document must be a JSON object');
  const original = isJsonObject(target) ? cloneJson(target) : undefined;
  const merged = mergeMap(original, patch, patchSchemaFor(kind), '');
  return merged === DELETE ? {} : merged;
}

/** mergeMap merges a map patch into `original` (already a private copy, so it is updated in place). */
function mergeMap(original: JsonObject | undefined, patch: JsonObject, schema: PatchSchema | undefined, path: string): JsonObject | typeof DELETE {
  const directive = getOwn(patch, PATCH);
  if (directive === 'delete') return DELETE;
  if (directive === 'replace') {
    const rest = { ...patch };
    delete rest[PATCH];
    return mergeMap(undefined, rest, schema, path);
  }
  if (directive !== undefined && directive !== 'merge') throw bad(`invalid patch: unknown patch type ${JSON.stringify(directive)} in map at ${at(path)}`);

  const result: JsonObject = original ?? {};
  if (hasOwn(patch, RETAIN_KEYS)) retainKeys(result, patch[RETAIN_KEYS], path);

  const orders = new Map<string, unknown[]>();
  const deletions = new Map<string, unknown[]>();
  for (const key of Object.keys(patch)) {
    if (key.startsWith(SET_ORDER)) orders.set(key.slice(SET_ORDER.length), listDirective(patch[key], key, path));
    else if (key.startsWith(DELETE_FROM)) deletions.set(key.slice(DELETE_FROM.length), listDirective(patch[key], key, path));
  }

  for (const key of Object.keys(patch)) {
    if (key === PATCH || key === RETAIN_KEYS || key.startsWith(SET_ORDER) || key.startsWith(DELETE_FROM)) continue;
    const value = patch[key];
    const field = schema?.fields[key];
    const childPath = path ? `${path}.${key}` : key;
    if (value === null) {
      delete result[key];
      continue;
    }
    const current = getOwn(result, key);
    if (isJsonObject(value)) {
      const merged = mergeMap(isJsonObject(current) ? current : undefined, value, field?.schema, childPath);
      if (merged === DELETE) delete result[key];
      else setOwn(result, key, merged);
    } else if (Array.isArray(value)) {
      const merged = field?.list
        ? mergeList(Array.isArray(current) ? current : [], value, field, field.list, orders.get(key), childPath)
        : replaceList(value, field?.schema, childPath);
      setOwn(result, key, merged);
    } else {
      setOwn(result, key, value);
    }
  }

  // A $setElementOrder whose list is not in the patch still reorders the live list.
  for (const [key, order] of orders) {
    const field = schema?.fields[key];
    const current = getOwn(result, key);
    if (hasOwn(patch, key) || !field?.list || !Array.isArray(current)) continue;
    setOwn(result, key, mergeList(current, [], field, field.list, order, path ? `${path}.${key}` : key));
  }
  for (const [key, values] of deletions) {
    const current = getOwn(result, key);
    if (Array.isArray(current)) setOwn(result, key, withoutValues(current, values));
  }
  return result;
}

function retainKeys(result: JsonObject, keep: unknown, path: string): void {
  if (!Array.isArray(keep) || !keep.every((k) => typeof k === 'string')) throw bad(`invalid patch: the value of $retainKeys at ${at(path)} must be a list of strings`);
  const kept = new Set(keep);
  for (const key of Object.keys(result)) if (!kept.has(key)) delete result[key];
}

/** withoutValues drops the listed values from a list; scalars are matched through a Set, so it stays linear. */
function withoutValues(list: unknown[], values: unknown[]): unknown[] {
  const scalars = new Set(values.filter((v) => typeof v !== 'object' || v === null).map((v) => JSON.stringify(v)));
  const others = values.filter((v) => typeof v === 'object' && v !== null);
  return list.filter((v) => (typeof v !== 'object' || v === null ? !scalars.has(JSON.stringify(v)) : !others.some((d) => jsonEqual(d, v))));
}

function listDirective(value: unknown, key: string, path: string): unknown[] {
  if (!Array.isArray(value)) throw bad(`invalid patch: the value of ${key} at ${at(path)} must be a list`);
  return value;
}

/** identityFor keys elements by their merge-key values; scalars (set lists) by their own value. */
function identityFor(strategy: ListStrategy): Identity {
  if (strategy.kind === 'set') return (el) => (isJsonObject(el) ? undefined : JSON.stringify(el));
  const { keys, defaults } = strategy;
  return (el) => {
    if (!isJsonObject(el) || !hasOwn(el, keys[0])) return undefined;
    return JSON.stringify(keys.map((k) => (hasOwn(el, k) ? el[k] : (defaults?.[k] ?? null))));
  };
}

function mergeList(original: unknown[], patch: unknown[], field: PatchField, strategy: ListStrategy, order: unknown[] | undefined, path: string): unknown[] {
  const identity = identityFor(strategy);
  let replace = false;
  const items: unknown[] = [];
  const deleted = new Set<string>();
  for (const el of patch) {
    const directive = isJsonObject(el) ? getOwn(el, PATCH) : undefined;
    if (directive === 'replace') replace = true;
    else if (directive === 'delete') {
      const id = identity(el);
      if (strategy.kind === 'set' || id === undefined) throw noMergeKey(el, strategy, path);
      deleted.add(id);
    } else if (directive === undefined || directive === 'merge') {
      if (strategy.kind === 'map' && identity(el) === undefined) throw noMergeKey(el, strategy, path);
      if (strategy.kind === 'set' && isJsonObject(el)) throw bad(`invalid patch: ${path} is a list of scalars but the patch has an object: ${JSON.stringify(el)}`);
      items.push(el);
    } else {
      throw bad(`invalid patch: unknown patch type ${JSON.stringify(directive)} in list ${path}`);
    }
  }
  if (replace) return replaceList(items, field.schema, path);

  // Elements are found by identity through a Map: a search per patch element made a long list quadratic.
  let working = deleted.size === 0 ? [...original] : original.filter((x) => !deleted.has(identity(x) ?? ''));
  const position = new Map<string, number>();
  working.forEach((x, i) => {
    const id = identity(x);
    if (id !== undefined && !position.has(id)) position.set(id, i);
  });
  for (const el of items) {
    const id = identity(el)!; // items were checked to have one
    const i = position.get(id) ?? -1;
    if (strategy.kind === 'set') {
      if (i < 0) {
        position.set(id, working.length);
        working.push(cloneJson(el));
      }
      continue;
    }
    const current = i < 0 ? undefined : working[i];
    const merged = mergeMap(isJsonObject(current) ? current : undefined, el as JsonObject, field.schema, `${path}[${id}]`);
    if (merged === DELETE) continue;
    if (i >= 0) working[i] = merged;
    else {
      position.set(id, working.length);
      working.push(merged);
    }
  }
  if (strategy.kind === 'set') working = dedupe(working, identity);
  return orderElements(working, order ?? items, original, identity);
}

function noMergeKey(el: unknown, strategy: ListStrategy, path: string): ApiError {
  const key = strategy.kind === 'map' ? strategy.keys[0] : '';
  return bad(`invalid patch: map: ${JSON.stringify(el)} does not contain declared merge key: ${key} (in ${path})`);
}

function dedupe(list: unknown[], identity: Identity): unknown[] {
  const seen = new Set<string | undefined>();
  return list.filter((el) => {
    const id = identity(el);
    if (id !== undefined && seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** replaceList takes a list as given, minus directives: lists without a strategy replace the live one. */
function replaceList(list: unknown[], schema: PatchSchema | undefined, path: string): unknown[] {
  const out: unknown[] = [];
  for (const el of list) {
    if (!isJsonObject(el)) {
      out.push(cloneJson(el));
      continue;
    }
    const merged = mergeMap(undefined, el, schema, path);
    if (merged !== DELETE && !(hasOwn(el, PATCH) && el[PATCH] === 'replace' && Object.keys(merged).length === 0)) out.push(merged);
  }
  return out;
}
