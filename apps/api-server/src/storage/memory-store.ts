/**
 * @module Storage held entirely in memory, for tests and throwaway clusters.
 */
import { BaseStore } from './base-store.js';
import type { BaseStoreOptions, PendingChange } from './base-store.js';
import type { ChangeEvent, CompactOptions } from './storage.js';

/** MemoryStoreOptions configure a MemoryStore; `windowSize` bounds the whole change log (default 100,000). */
export type MemoryStoreOptions = BaseStoreOptions;

/**
 * MemoryStore implements Storage with Maps for objects and a bounded ring for the change log. It passes the same
 * contract suite as SqliteStore, so tests of the registry, watch hub and routes can run without a database. When
 * the ring is full the oldest change falls out and compactedRevision advances past it: a watch from before that
 * gets 410, as it would after compaction.
 */
export class MemoryStore extends BaseStore {
  constructor(opts: MemoryStoreOptions = {}) {
    super(opts, 100_000);
  }

  compact(opts: CompactOptions): void {
    this.commitPending();
    const { maxRevision, maxTs } = this.cutoffs(opts);
    const point = this.window.compactionPoint(maxRevision, maxTs);
    if (point === undefined || point <= this.compacted) return;
    this.window.dropThrough(point);
    this.compacted = point;
  }

  protected override probe(): void {}

  protected override persist(_changes: readonly PendingChange[]): void {}

  protected override readChanges(after: number, limit: number, resource?: string): ChangeEvent[] {
    return this.window.since(after, limit, resource);
  }

  protected override fileSizes(): { dbSizeBytes: number; walSizeBytes: number } {
    return { dbSizeBytes: 0, walSizeBytes: 0 };
  }

  protected override onWindowDrop(revision: number): void {
    if (revision > this.compacted) this.compacted = revision;
  }
}
