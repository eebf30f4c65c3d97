import { controllerOf, objectKey } from '@skiff/api';
import { unwrapTombstone } from './cache/deleted-final-state-unknown.js';
import type { HasMetadata } from './cache/lister-watcher.js';
import type { ResourceEventHandler } from './cache/processor-listener.js';

/** KeyMapper turns an object into the key(s) to reconcile; undefined means "nothing to do". */
export type KeyMapper<T, K> = (obj: T) => K | readonly K[] | undefined;

/** Enqueuer is the one queue method a handler needs. */
export interface Enqueuer<K> {
  add(key: K): void;
}

/**
 * handlerFor builds the informer handler every controller writes by hand in sample-controller: map each object to
 * keys and add them to the queue, doing no other work. Updates enqueue the keys of both the old and the new object
 * (an owner change must wake both owners); deletes unwrap tombstones. Without a mapper the key is `objectKey`.
 */
export function handlerFor<T extends HasMetadata>(queue: Enqueuer<string>): ResourceEventHandler<T>;
export function handlerFor<T extends HasMetadata, K>(queue: Enqueuer<K>, mapFn: KeyMapper<T, K>): ResourceEventHandler<T>;
export function handlerFor<T extends HasMetadata, K>(queue: Enqueuer<K>, mapFn?: KeyMapper<T, K>): ResourceEventHandler<T> {
  const map = mapFn ?? ((obj: T) => objectKey(obj) as unknown as K);
  const enqueue = (obj: T): void => {
    const keys = map(obj);
    if (keys === undefined) return;
    if (Array.isArray(keys)) for (const k of keys as readonly K[]) queue.add(k);
    else queue.add(keys as K);
  };
  return {
    onAdd: (obj) => enqueue(obj),
    onUpdate: (oldObj, newObj) => {
      if (oldObj !== newObj) enqueue(oldObj);
      enqueue(newObj);
    },
    onDelete: (obj) => enqueue(unwrapTombstone(obj)),
  };
}

/**
 * controllerOwnerKey maps a dependent to the key of its controlling owner of the given kind (a Pod to its
 * ReplicaSet), as controller-runtime's EnqueueRequestForOwner with OnlyControllerOwner does.
 */
export function controllerOwnerKey(kind: string): KeyMapper<HasMetadata, string> {
  return (obj) => {
    const ref = controllerOf(obj);
    if (!ref || ref.kind !== kind) return undefined;
    const namespace = obj.metadata.namespace;
    return namespace ? `${namespace}/${ref.name}` : ref.name;
  };
}
