import type { KubeList, ObjectMeta } from '@skiff/api';
import type { WatchHandle, WatchHandlers } from '@skiff/client';

/**
 * HasMetadata is the least an object must have to be cached: ObjectMeta. It is looser than @skiff/api's KubeObject
 * on purpose, because resource interfaces such as Pod have no index signature and so are not KubeObjects.
 */
export interface HasMetadata {
  metadata: ObjectMeta;
}

/** ListOptions are the list query parameters the reflector sends. */
export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
}

/** WatchOptions are the watch query parameters the reflector sends. */
export interface WatchOptions extends ListOptions {
  allowWatchBookmarks?: boolean;
  timeoutSeconds?: number;
}

// The watch contract is @skiff/client's, so the reflector and the client cannot drift apart.
export type { WatchHandle, WatchHandlers } from '@skiff/client';

/**
 * ListerWatcher is the slice of a resource client that a reflector needs. It is declared here rather than imported
 * from @skiff/client so the cache depends on a shape, not a transport: the client's `ResourceClient<T>` satisfies
 * it structurally, and FakeListerWatcher satisfies it in tests.
 */
export interface ListerWatcher<T extends HasMetadata> {
  list(opts?: ListOptions): Promise<KubeList<T>>;
  watch(opts: WatchOptions, handlers: WatchHandlers<T>): WatchHandle;
}
