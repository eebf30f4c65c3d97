/**
 * @module readPage: one page of a list (limit/continue), every page read at the first page's revision.
 */
import { errors, isGone, type KubeObject, type ResourceInfo } from '@skiff/api';
import { compareListKeys, listKeyOf } from '../storage/object-cache.js';
import type { ListKey, Storage } from '../storage/storage.js';
import { storedJson } from '../storage/stored-json.js';
import type { StoredObject } from '../storage/stored-object.js';
import type { ContinueToken } from './continue-token.js';
import { matches, type ListFilter } from './registry.js';

/** PageRequest asks for at most `limit` items after `after`, as the list was at revision `rv`. */
export interface PageRequest {
  /** Group-qualified resource as the store names it ("deployments.apps"). */
  resource: string;
  info: ResourceInfo;
  /** Undefined: all namespaces (or a cluster-scoped resource). */
  namespace: string | undefined;
  filter: ListFilter;
  /** Infinity: the rest of the list. */
  limit: number;
  /** Undefined or -1: the latest revision. */
  rv?: number;
  after?: ListKey;
}

/** Page is one page and what the client needs for the next one. */
export interface Page {
  /** The items with their stored text: an unfiltered page is sent without parsing a single object. */
  entries: StoredObject[];
  readonly items: KubeObject[];
  /** The revision every page of this list is read at: the list's metadata.resourceVersion. */
  revision: number;
  /** Where the next page starts; undefined on the last page. */
  next?: ContinueToken;
  /** Objects after this page, when no selector applies (kube sets remainingItemCount only then). */
  remainingItemCount?: number;
}

/**
 * readPage reads a page of the list as it was at the token's revision R, as kube reads every page at the first
 * page's revision from etcd's MVCC history. Our stores keep only current objects plus the change log, so the page is
 * rebuilt from both: current objects after the token's key, with every key changed after R put back to its state at R
 * (the prevObject of its first change after R; absent if that change created it), and keys deleted since R put back
 * in order. The change log is the one watches resume from, so a token lives as long as a watch from R could: once R
 * is compacted away the answer is 410 Expired, with a token that continues at the latest revision (kube's
 * handleCompactedErrorForPaging). The store must have no pending writes (settle first): history ends at the
 * durable revision.
 *
 * Pages are filled up to `limit` matching items (kube's etcd store keeps reading until the page is full), and a
 * token is given whenever any object follows the last item, matching or not, so a selective list may end with an
 * empty page.
 */
export function readPage(store: Storage, req: PageRequest): Page {
  const current = store.durableRevision();
  const rv = req.rv !== undefined && req.rv !== -1 ? req.rv : current;
  const { after } = req;
  if (rv > current) throw new Error(`cannot read revision ${rv}: the store is at ${current}`);
  const past = rv < current ? stateAt(store, req, rv, after) : new Map<string, KubeObject | null>();
  const entries: StoredObject[] = [];
  const filtered = !!req.filter.labelSelector || !!req.filter.fieldSelector;
  let last: ListKey | undefined;
  let more = false;
  for (const entry of objectsAt(store, req, past, after)) {
    if (entries.length === req.limit) {
      more = true;
      break;
    }
    last = entry;
    if (!filtered || matches(req.info, entry.object, req.filter)) entries.push(entry);
  }
  const page: Page = { entries, get items() { return entries.map((e) => e.object); }, revision: rv };
  if (!more || !last) return page;
  page.next = { rv, start: { namespace: last.namespace, name: last.name } };
  if (!filtered) page.remainingItemCount = remainingAt(store, req, past, last);
  return page;
}

const keyString = (k: ListKey): string => `${k.namespace}/${k.name}`;

/**
 * stateAt returns, for every key of the list after `after` that changed after `rv`, its object at `rv` (null if it
 * did not exist then).
 */
function stateAt(store: Storage, req: PageRequest, rv: number, after: ListKey | undefined): Map<string, KubeObject | null> {
  let changes;
  try {
    changes = store.changesSince(rv, Infinity, req.resource);
  } catch (err) {
    if (isGone(err)) throw new ExpiredPage();
    throw err;
  }
  const past = new Map<string, KubeObject | null>();
  for (const ev of changes) {
    if (ev.resource !== req.resource || (req.namespace !== undefined && ev.namespace !== req.namespace)) continue;
    if (after && compareListKeys(ev, after) <= 0) continue;
    const key = keyString(ev);
    if (!past.has(key)) past.set(key, ev.type === 'ADDED' ? null : (ev.prevObject ?? null));
  }
  return past;
}

/** objectsAt yields the list after `after` as it was at the page's revision: current objects merged with `past`. */
function* objectsAt(store: Storage, req: PageRequest, past: Map<string, KubeObject | null>, after: ListKey | undefined): Generator<StoredObject> {
  // Objects deleted since: they are not among the current ones, so they are merged in by key.
  const gone: StoredObject[] = [];
  for (const obj of past.values()) if (obj && !store.get({ resource: req.resource, ...listKeyOf(obj) })) gone.push(storedObject(obj));
  gone.sort(compareListKeys);
  let g = 0;
  for (const entry of store.listAfter(req.resource, req.namespace, after).entries) {
    for (; g < gone.length && compareListKeys(gone[g] as StoredObject, entry) < 0; g++) yield gone[g] as StoredObject;
    const then = past.size ? past.get(keyString(entry)) : undefined;
    if (then === undefined) yield entry;
    else if (then) yield storedObject(then);
  }
  for (; g < gone.length; g++) yield gone[g] as StoredObject;
}

/** storedObject wraps an object of the change history (a past state) as a list entry. */
function storedObject(obj: KubeObject): StoredObject {
  return { ...listKeyOf(obj), object: obj, get json() { return storedJson(obj); } };
}

/** remainingAt counts the objects after `last` at the page's revision: current ones, corrected by `past`. */
function remainingAt(store: Storage, req: PageRequest, past: Map<string, KubeObject | null>, last: ListKey): number {
  let n = store.listAfter(req.resource, req.namespace, last).count;
  for (const [key, then] of past) {
    const slash = key.indexOf('/');
    const k = { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
    if (compareListKeys(k, last) <= 0) continue;
    const now = store.get({ resource: req.resource, ...k }) !== undefined;
    if (now && !then) n--;
    else if (!now && then) n++;
  }
  return n;
}

/** ExpiredPage says the page's revision was compacted: 410, with errors.continueExpired for a continue token. */
export class ExpiredPage extends Error {
  constructor() {
    super('continue token revision compacted');
  }
}

/** assertPageable refuses what kube refuses with a continue token: a resourceVersion other than "" or "0". */
export function assertPageable(resourceVersion: number | undefined): void {
  if (resourceVersion !== undefined && resourceVersion !== 0) throw errors.badRequest('specifying resource version is not allowed when using continue');
}
