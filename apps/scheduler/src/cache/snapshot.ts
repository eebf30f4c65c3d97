/**
 * @module Snapshot: the view of the cluster one scheduling cycle works from (backend/cache/snapshot.go).
 */
import type { NodeInfo } from './node-info.js';

/**
 * Snapshot lists the NodeInfos of existing nodes in a stable order. A cycle (filter, score, select, assume) runs
 * synchronously within one turn of the event loop, so no informer event can change a NodeInfo while the cycle
 * reads it; the snapshot can therefore share the cache's NodeInfos instead of deep-copying 1,000 of them per pod,
 * and only the list itself is rebuilt, when nodes come or go.
 */
export interface Snapshot {
  readonly nodes: readonly NodeInfo[];
  get(name: string): NodeInfo | undefined;
}
