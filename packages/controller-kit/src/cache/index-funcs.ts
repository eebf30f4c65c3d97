import type { HasMetadata } from './lister-watcher.js';

/** IndexFunc maps an object to the values it is indexed under; an empty array leaves it out of the index. */
export type IndexFunc<T> = (obj: T) => string[];

/** Indexers names a cache's index functions, as client-go cache.Indexers does. */
export type Indexers<T> = Record<string, IndexFunc<T>>;

/** NAMESPACE_INDEX is the name of the index by `metadata.namespace`. */
export const NAMESPACE_INDEX = 'namespace';
/** NODE_NAME_INDEX is the name of the index by `spec.nodeName`, how pods are found per node. */
export const NODE_NAME_INDEX = 'spec.nodeName';
/** OWNER_UID_INDEX is the name of the index by owner uid, how dependents are found from their owner. */
export const OWNER_UID_INDEX = 'owner-uid';

/** namespaceIndex indexes by namespace; cluster-scoped objects fall under ''. */
export const namespaceIndex: IndexFunc<HasMetadata> = (obj) => [obj.metadata.namespace ?? ''];

/** nodeNameIndex indexes pods by the node they are bound to; unbound pods are left out. */
export const nodeNameIndex: IndexFunc<HasMetadata> = (obj) => {
  const spec = (obj as { spec?: { nodeName?: unknown } }).spec;
  return typeof spec?.nodeName === 'string' && spec.nodeName !== '' ? [spec.nodeName] : [];
};

/** ownerUidIndex indexes by the uid of every owner reference, so a controller lists its children in O(1). */
export const ownerUidIndex: IndexFunc<HasMetadata> = (obj) => (obj.metadata.ownerReferences ?? []).map((r) => r.uid);
