/**
 * @module SchedulingQueue: activeQ, backoffQ and unschedulable pods (backend/queue/scheduling_queue.go).
 */
import type { Pod } from '@skiff/api';
import type { Clock, TimerHandle } from '@skiff/controller-kit';
import { podKey } from '../cache/node-info.js';
import { Heap } from './heap.js';
import { isPodUpdated } from './is-pod-updated.js';

/** QueuedPodInfo is a pending pod plus its queueing history. */
export interface QueuedPodInfo {
  pod: Pod;
  key: string;
  /** When the pod last entered the queue; orders pods of equal priority (older first). */
  timestamp: number;
  /** When the pod was first seen, for end-to-end latency. */
  initialTimestamp: number;
  /** Scheduling attempts so far; drives the backoff. */
  attempts: number;
  /** Plugins that rejected the pod in its last attempt; decides which cluster events can help it. */
  unschedulablePlugins: Set<string>;
}

/** ClusterEvent names a change that may make parked pods schedulable. */
export type ClusterEvent = 'NodeAdd' | 'NodeUpdate' | 'AssignedPodDelete' | 'UnschedulableTimeout' | 'StorageChange';

/** QueueingHint decides whether an event can help a pod that the given plugins rejected. */
export type QueueingHint = (event: ClusterEvent, rejectedBy: ReadonlySet<string>) => boolean;

/** SchedulingQueueOptions configures SchedulingQueue; times are in milliseconds. */
export interface SchedulingQueueOptions {
  clock: Clock;
  /** First retry delay; doubles per attempt. Default 1 s (kube's podInitialBackoffSeconds). */
  initialBackoffMs?: number;
  /** Retry delay cap. Default 10 s (kube's podMaxBackoffSeconds). */
  maxBackoffMs?: number;
  /** Pods parked longer than this are retried anyway. Default 5 min. */
  maxInUnschedulableMs?: number;
  /** Default: every event helps every pod. */
  hint?: QueueingHint;
  /** Called whenever the queue lengths change, for the scheduler_pending_pods gauge. */
  onChange?: () => void;
}

/** PendingCounts are the sizes of the three sub-queues. */
export interface PendingCounts {
  active: number;
  backoff: number;
  unschedulable: number;
}

const priorityOf = (p: Pod): number => p.spec.priority ?? 0;

/**
 * SchedulingQueue is kube-scheduler's PriorityQueue. `activeQ` is a heap by priority, then age; `backoffQ` holds
 * pods waiting out 1 s, 2 s, 4 s ... up to 10 s after a failed attempt; `unschedulable` parks pods that no node
 * fits until a cluster event that could help them (a node added or changed, an assigned pod deleted) moves them
 * back. A move that happens while a pod is being scheduled is remembered (`moveRequestCycle`), so the pod is not
 * parked on stale information.
 */
export class SchedulingQueue {
  readonly #clock: Clock;
  readonly #initialBackoffMs: number;
  readonly #maxBackoffMs: number;
  readonly #maxInUnschedulableMs: number;
  readonly #hint: QueueingHint;
  readonly #onChange: () => void;
  readonly #active = new Heap<QueuedPodInfo>((a, b) => {
    const pa = priorityOf(a.pod);
    const pb = priorityOf(b.pod);
    return pa !== pb ? pa > pb : a.timestamp < b.timestamp;
  });
  readonly #backoff = new Heap<QueuedPodInfo>((a, b) => this.backoffExpiry(a) < this.backoffExpiry(b));
  readonly #unschedulable = new Map<string, QueuedPodInfo>();
  #cycle = 0;
  #moveRequestCycle = -1;
  #waiters: Array<(info: QueuedPodInfo | undefined) => void> = [];
  #backoffTimer: TimerHandle | undefined;
  #backoffTimerAt = Infinity;
  #flushTimer: TimerHandle | undefined;
  #closed = false;

  constructor(opts: SchedulingQueueOptions) {
    this.#clock = opts.clock;
    this.#initialBackoffMs = opts.initialBackoffMs ?? 1_000;
    this.#maxBackoffMs = opts.maxBackoffMs ?? 10_000;
    this.#maxInUnschedulableMs = opts.maxInUnschedulableMs ?? 300_000;
    this.#hint = opts.hint ?? (() => true);
    this.#onChange = opts.onChange ?? (() => {});
  }

  /** schedulingCycle counts pops; compare with addUnschedulable's argument to detect moves during a cycle. */
  get schedulingCycle(): number {
    return this.#cycle;
  }

  /** add queues a new pending pod, unless it is already queued somewhere. */
  add(pod: Pod): void {
    const key = podKey(pod);
    if (this.#has(key)) return this.update(pod, pod);
    const now = this.#clock.now();
    this.#pushActive({ pod, key, timestamp: now, initialTimestamp: now, attempts: 0, unschedulablePlugins: new Set() });
  }

  /**
   * update replaces the pod wherever it is queued. A parked pod whose spec, labels or annotations changed gets
   * another try at once (after its backoff), since the change may be what made it fit.
   */
  update(oldPod: Pod, newPod: Pod): void {
    const key = podKey(newPod);
    const active = this.#active.get(key);
    if (active) {
      this.#active.addOrUpdate(key, { ...active, pod: newPod });
      return;
    }
    const backoff = this.#backoff.get(key);
    if (backoff) {
      this.#backoff.addOrUpdate(key, { ...backoff, pod: newPod });
      return;
    }
    const parked = this.#unschedulable.get(key);
    if (parked) {
      const info = { ...parked, pod: newPod };
      if (!isPodUpdated(oldPod, newPod)) {
        this.#unschedulable.set(key, info);
        return;
      }
      this.#unschedulable.delete(key);
      this.#requeue(info);
      return;
    }
    this.add(newPod);
  }

  /** delete drops a pod from every sub-queue (it was deleted, bound elsewhere, or handed to another scheduler). */
  delete(pod: Pod): void {
    const key = podKey(pod);
    const removed = this.#active.delete(key) ?? this.#backoff.delete(key) ?? this.#unschedulable.get(key);
    this.#unschedulable.delete(key);
    if (removed) this.#onChange();
  }

  /** has says whether a pod is queued in any sub-queue. */
  has(pod: Pod): boolean {
    return this.#has(podKey(pod));
  }

  /**
   * pop resolves with the highest-priority, oldest active pod, waiting for one if need be; undefined once the
   * signal aborts or the queue closes. Each pop starts a new scheduling cycle.
   */
  pop(signal?: AbortSignal): Promise<QueuedPodInfo | undefined> {
    if (this.#closed || signal?.aborted) return Promise.resolve(undefined);
    const info = this.#active.pop();
    if (info) return Promise.resolve(this.#popped(info));
    return new Promise((resolve) => {
      const onAbort = (): void => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        resolve(undefined);
      };
      const waiter = (got: QueuedPodInfo | undefined): void => {
        signal?.removeEventListener('abort', onAbort);
        resolve(got === undefined ? undefined : this.#popped(got));
      };
      this.#waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /**
   * addUnschedulable returns a pod after a failed attempt. `error` (an API or bind failure) always backs off; an
   * unschedulable pod is parked, unless a cluster event arrived since the attempt started (`podCycle`), in which
   * case it backs off instead so that it sees the new state.
   */
  addUnschedulable(info: QueuedPodInfo, podCycle: number, kind: 'unschedulable' | 'error' = 'unschedulable'): void {
    if (this.#closed || this.#has(info.key)) return;
    const next: QueuedPodInfo = { ...info, timestamp: this.#clock.now() };
    if (kind === 'error' || this.#moveRequestCycle >= podCycle) this.#pushBackoff(next);
    else {
      this.#unschedulable.set(next.key, next);
      this.#armFlush();
      this.#onChange();
    }
  }

  /** moveAllToActiveOrBackoff retries every parked pod that the event may help (kube's MoveAllToActiveOrBackoffQueue). */
  moveAllToActiveOrBackoff(event: ClusterEvent): void {
    this.#moveRequestCycle = this.#cycle;
    let moved = false;
    for (const [key, info] of this.#unschedulable) {
      if (event !== 'UnschedulableTimeout' && info.unschedulablePlugins.size > 0 && !this.#hint(event, info.unschedulablePlugins)) continue;
      this.#unschedulable.delete(key);
      this.#requeue(info);
      moved = true;
    }
    if (moved) this.#onChange();
  }

  /** backoffExpiry is when a pod's current backoff ends: timestamp + min(initial * 2^(attempts-1), max). */
  backoffExpiry(info: QueuedPodInfo): number {
    return info.timestamp + this.backoffDuration(info.attempts);
  }

  /** backoffDuration is the backoff after `attempts` failed attempts. */
  backoffDuration(attempts: number): number {
    if (attempts <= 0) return 0;
    return Math.min(this.#maxBackoffMs, this.#initialBackoffMs * 2 ** Math.min(attempts - 1, 30));
  }

  /** pending counts pods per sub-queue. */
  pending(): PendingCounts {
    return { active: this.#active.size, backoff: this.#backoff.size, unschedulable: this.#unschedulable.size };
  }

  /** unschedulablePlugins counts parked pods per rejecting plugin, for scheduler_unschedulable_pods. */
  unschedulablePlugins(): Map<string, number> {
    const out = new Map<string, number>();
    for (const info of this.#unschedulable.values()) for (const p of info.unschedulablePlugins) out.set(p, (out.get(p) ?? 0) + 1);
    return out;
  }

  /** close wakes a waiting pop with undefined and stops the queue's timers. */
  close(): void {
    this.#closed = true;
    for (const w of this.#waiters.splice(0)) w(undefined);
    if (this.#backoffTimer !== undefined) this.#clock.clearTimeout(this.#backoffTimer);
    if (this.#flushTimer !== undefined) this.#clock.clearTimeout(this.#flushTimer);
    this.#backoffTimer = undefined;
    this.#flushTimer = undefined;
  }

  #has(key: string): boolean {
    return this.#active.has(key) || this.#backoff.has(key) || this.#unschedulable.has(key);
  }

  #popped(info: QueuedPodInfo): QueuedPodInfo {
    this.#cycle++;
    this.#onChange();
    return { ...info, attempts: info.attempts + 1 };
  }

  #requeue(info: QueuedPodInfo): void {
    if (this.backoffExpiry(info) > this.#clock.now()) this.#pushBackoff(info);
    else this.#pushActive(info);
  }

  #pushActive(info: QueuedPodInfo): void {
    const waiter = this.#waiters.shift();
    if (waiter) {
      this.#onChange();
      waiter(info);
      return;
    }
    this.#active.addOrUpdate(info.key, info);
    this.#onChange();
  }

  #pushBackoff(info: QueuedPodInfo): void {
    this.#backoff.addOrUpdate(info.key, info);
    this.#onChange();
    this.#armBackoff();
  }

  #armBackoff(): void {
    const head = this.#backoff.peek();
    if (!head || this.#closed) return;
    const at = this.backoffExpiry(head);
    if (this.#backoffTimer !== undefined && this.#backoffTimerAt <= at) return;
    if (this.#backoffTimer !== undefined) this.#clock.clearTimeout(this.#backoffTimer);
    this.#backoffTimerAt = at;
    this.#backoffTimer = this.#clock.setTimeout(() => {
      this.#backoffTimer = undefined;
      this.#backoffTimerAt = Infinity;
      this.#flushBackoff();
    }, at - this.#clock.now());
  }

  #flushBackoff(): void {
    const now = this.#clock.now();
    for (;;) {
      const head = this.#backoff.peek();
      if (!head || this.backoffExpiry(head) > now) break;
      this.#backoff.pop();
      this.#pushActive(head);
    }
    this.#armBackoff();
  }

  #armFlush(): void {
    if (this.#flushTimer !== undefined || this.#closed) return;
    this.#flushTimer = this.#clock.setTimeout(() => {
      this.#flushTimer = undefined;
      const now = this.#clock.now();
      let moved = false;
      for (const [key, info] of this.#unschedulable) {
        if (now - info.timestamp < this.#maxInUnschedulableMs) continue;
        this.#unschedulable.delete(key);
        this.#requeue(info);
        moved = true;
      }
      if (moved) this.#onChange();
      if (this.#unschedulable.size > 0) this.#armFlush();
    }, 30_000);
  }
}
