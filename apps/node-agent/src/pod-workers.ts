/**
 * @module PodWorkers: one serialized worker per pod UID, after kubelet's pod_workers.go.
 */
import type { Clock, Logger, TimerHandle } from '@skiff/controller-kit';

/** SyncFn syncs one pod; it may return a time (ms since epoch) at which the pod wants to be synced again. */
export type SyncFn = (uid: string) => Promise<number | undefined>;

/** PodWorkersOptions configures PodWorkers. */
export interface PodWorkersOptions {
  sync: SyncFn;
  clock: Clock;
  logger: Logger;
  /** Retry delay after a failed sync; doubles per consecutive failure up to 30 s. Default 1 s. */
  retryMs?: number;
}

interface WorkerState {
  working: boolean;
  dirty: boolean;
  timer?: TimerHandle;
  timerAt?: number;
  failures: number;
}

/**
 * PodWorkers runs at most one sync per UID at a time. An update that arrives while the worker is busy does not
 * queue behind it: it marks the UID dirty, and one more sync runs afterwards with the newest state (level-triggered,
 * so "newest wins" as in kubelet). Syncs of different UIDs run concurrently.
 */
export class PodWorkers {
  readonly #o: PodWorkersOptions;
  readonly #states = new Map<string, WorkerState>();
  #idleWaiters: Array<() => void> = [];
  #stopped = false;

  constructor(opts: PodWorkersOptions) {
    this.#o = opts;
  }

  /** update asks for a sync of `uid` as soon as its worker is free. */
  update(uid: string): void {
    if (this.#stopped) return;
    const st = this.#state(uid);
    if (st.working) {
      st.dirty = true;
      return;
    }
    st.working = true;
    void this.#run(uid, st);
  }

  /** updateAt asks for a sync no later than `at`; an earlier pending request wins. */
  updateAt(uid: string, at: number): void {
    if (this.#stopped) return;
    const st = this.#state(uid);
    if (st.timer && st.timerAt !== undefined && st.timerAt <= at) return;
    if (st.timer) this.#o.clock.clearTimeout(st.timer);
    st.timerAt = at;
    st.timer = this.#o.clock.setTimeout(() => {
      delete st.timer;
      delete st.timerAt;
      this.update(uid);
    }, at - this.#o.clock.now());
  }

  /** forget drops the state of a UID that is gone for good. */
  forget(uid: string): void {
    const st = this.#states.get(uid);
    if (!st || st.working) return;
    if (st.timer) this.#o.clock.clearTimeout(st.timer);
    this.#states.delete(uid);
  }

  /** busy counts workers that are syncing right now. */
  get busy(): number {
    let n = 0;
    for (const st of this.#states.values()) if (st.working) n++;
    return n;
  }

  /** idle resolves once no worker is syncing (timers may still be armed). */
  idle(): Promise<void> {
    if (this.busy === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  /** stop cancels timers and refuses new work; running syncs finish. */
  stop(): void {
    this.#stopped = true;
    for (const st of this.#states.values()) if (st.timer) this.#o.clock.clearTimeout(st.timer);
  }

  #state(uid: string): WorkerState {
    let st = this.#states.get(uid);
    if (!st) {
      st = { working: false, dirty: false, failures: 0 };
      this.#states.set(uid, st);
    }
    return st;
  }

  async #run(uid: string, st: WorkerState): Promise<void> {
    for (;;) {
      st.dirty = false;
      try {
        const next = await this.#o.sync(uid);
        st.failures = 0;
        if (next !== undefined) this.updateAt(uid, next);
      } catch (err) {
        st.failures++;
        const delay = Math.min((this.#o.retryMs ?? 1000) * 2 ** (st.failures - 1), 30_000);
        this.#o.logger.warn({ err, uid, delay }, 'pod sync failed');
        this.updateAt(uid, this.#o.clock.now() + delay);
      }
      if (!st.dirty || this.#stopped) break;
    }
    st.working = false;
    if (this.busy === 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}
