/**
 * @module A bounded ring of the most recent change events, the store's equivalent of kube-apiserver's watch cache.
 */
import type { ChangeEvent } from './storage.js';

interface Slot {
  event: ChangeEvent;
  /** Commit time in epoch milliseconds, for age-based compaction. */
  ts: number;
}

/**
 * ChangeWindow holds the last `capacity` change events in revision order, so a watch that resumes from a recent
 * revision is answered from memory (see watch_cache.go). Pushing into a full window drops the oldest event and
 * reports its revision: the memory store's history ends there, the SQLite store still has it on disk.
 */
export class ChangeWindow {
  private readonly slots: (Slot | undefined)[];
  private head = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`window capacity must be a positive integer, got ${capacity}`);
    this.slots = new Array<Slot | undefined>(capacity);
  }

  get length(): number {
    return this.size;
  }

  /** firstRevision is the oldest revision held, or undefined when empty. */
  firstRevision(): number | undefined {
    return this.at(0)?.event.revision;
  }

  /** push appends the next event (revisions must increase) and returns the revision it pushed out, if any. */
  push(event: ChangeEvent, ts: number): number | undefined {
    let dropped: number | undefined;
    if (this.size === this.capacity) {
      dropped = this.at(0)?.event.revision;
      this.slots[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
      this.size--;
    }
    this.slots[(this.head + this.size) % this.capacity] = { event, ts };
    this.size++;
    return dropped;
  }

  /** covers says whether every change after `after` up to the newest pushed is held here. */
  covers(after: number): boolean {
    const first = this.firstRevision();
    return first !== undefined && after >= first - 1;
  }

  /** since returns held events with revision > after (of `resource` only, if given), oldest first, at most `limit`. */
  since(after: number, limit = Infinity, resource?: string): ChangeEvent[] {
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.at(mid)?.event.revision ?? Infinity) <= after) lo = mid + 1;
      else hi = mid;
    }
    const out: ChangeEvent[] = [];
    for (let i = lo; i < this.size && out.length < limit; i++) {
      const slot = this.at(i);
      if (slot && (resource === undefined || slot.event.resource === resource)) out.push(slot.event);
    }
    return out;
  }

  /**
   * compactionPoint returns the newest revision r such that every held event up to r has revision <= maxRevision
   * and ts <= maxTs, or undefined if the oldest held event already fails that. Stopping at the first young event
   * keeps the cut a single revision even if the clock stepped back.
   */
  compactionPoint(maxRevision: number, maxTs: number): number | undefined {
    let point: number | undefined;
    for (let i = 0; i < this.size; i++) {
      const slot = this.at(i);
      if (!slot || slot.event.revision > maxRevision || slot.ts > maxTs) break;
      point = slot.event.revision;
    }
    return point;
  }

  /** dropThrough forgets every event with revision <= `revision`. */
  dropThrough(revision: number): void {
    while (this.size > 0) {
      const slot = this.at(0);
      if (!slot || slot.event.revision > revision) return;
      this.slots[this.head] = undefined;
      this.head = (this.head + 1) % this.capacity;
      this.size--;
    }
  }

  private at(i: number): Slot | undefined {
    return i < this.size ? this.slots[(this.head + i) % this.capacity] : undefined;
  }
}
