/**
 * @module Stored objects kept as their JSON text, parsed only when something reads them as objects.
 */
import type { KubeObject } from '@skiff/api';
import { rememberJson } from './stored-json.js';
import type { ListKey } from './storage.js';

/**
 * How many recently parsed objects are held strongly, beyond the WeakRefs: objects read again and again (the
 * namespace every create checks, a node's Lease, a pod under status updates) stay parsed between garbage
 * collections instead of being parsed again after each one. About 4 KB each for a pod, so a few MB in all.
 */
const RECENT = 1024;
const recent: (object | undefined)[] = new Array<object | undefined>(RECENT);
let recentNext = 0;

function keepRecent(obj: object): void {
  recent[recentNext] = obj;
  recentNext = (recentNext + 1) % RECENT;
}

/**
 * LazyObject is one stored version of an object: its JSON text (what every response and watch event sends, and
 * what SQLite holds) and, while anything uses it, the parsed object. A parsed pod takes two to three times the
 * memory of its text (about 4.5 KB against 1.8 KB, heap snapshot of 5,000 stored pods), so the store keeps only
 * the text and parses on demand; a WeakRef shares one parsed copy between everyone reading it meanwhile.
 * Parsed objects are read-only, like every object the store returns: a change made to one is not stored.
 */
export class LazyObject {
  #ref: WeakRef<KubeObject> | undefined;

  constructor(
    readonly json: string,
    /** The object `json` was made from, when the writer has it: shared rather than parsed again. */
    parsed?: KubeObject,
  ) {
    if (parsed) {
      rememberJson(parsed, json);
      this.#ref = new WeakRef(parsed);
    }
  }

  get object(): KubeObject {
    let obj = this.#ref?.deref();
    if (obj === undefined) {
      obj = JSON.parse(this.json) as KubeObject;
      rememberJson(obj, this.json);
      this.#ref = new WeakRef(obj);
      keepRecent(obj);
    }
    return obj;
  }
}

/** StoredObject is an object read from a list: its list key, its text, and the parsed object on demand. */
export interface StoredObject extends ListKey {
  readonly object: KubeObject;
  readonly json: string;
}

/**
 * StoredChange is a ChangeEvent over stored versions: `object` and `prevObject` are parsed from their text only
 * when read (a watcher with a selector, a page read at an old revision), so the change window holds text alone and
 * shares it with the object cache.
 */
export class StoredChange {
  readonly #current: LazyObject;
  readonly #previous: LazyObject | undefined;

  constructor(
    readonly resource: string,
    readonly namespace: string,
    readonly name: string,
    readonly revision: number,
    readonly type: 'ADDED' | 'MODIFIED' | 'DELETED',
    current: LazyObject,
    previous: LazyObject | undefined,
  ) {
    this.#current = current;
    this.#previous = previous;
  }

  get object(): KubeObject {
    return this.#current.object;
  }

  get objectJson(): string {
    return this.#current.json;
  }

  get prevObject(): KubeObject | undefined {
    return this.#previous?.object;
  }
}
