/**
 * @module PodWorkers: one serialized worker per pod UID, after kubelet's pod_workers.go.
 */
import type { Clock, Logger, TimerHandle } from '@skiff/controller-kit';

/**
 * SyncFn syncs one pod; it may return a time (ms since epoch) at which the pod wants to be synced again. `signal`
 * aborts when the pod starts terminating while this sync runs; the sync should then stop and reject.
 */
export type SyncFn = (uid: string, signal: AbortSignal) => Promise<number | undefined>;

/** UpdateOptions qualifies a pod update. */
export interface UpdateOptions {
  /** The pod is being deleted (deletionTimestamp set) or is gone from the API: preempt a sync that is starting it. */
  terminating?: boolean;
}

/** PodWorkersOptions configures PodWorkers. */
export interface PodWorkersOptions {
  sync: SyncFn;
  clock: Clock;
  logger: Logger;
  /** Retry delay after a failed sync; doubles per consecutive failure up to 30 s. Default 1 s. */
  retryMs?: number;
}

const NEVER_ABORTED = new AbortController().signal;

/** PodTerminatingError is the abort reason of a sync preempted by the pod's deletion. */
export class PodTerminatingError extends Error {
  constructor(uid: string) {
    super(`pod ${uid} is terminating`);
    this.name = 'AbortError';
  }
}

interface WorkerState {
  working: boolean;
  dirty: boolean;
  /** Sticky: once a pod terminates, every later sync of it is a teardown, and none of those is aborted. */
  terminating: boolean;
  /** Aborts the sync in flight; set only while a non-terminating sync runs. */
  inflight?: AbortController;
  timer?: TimerHandle;
  timerAt?: number;
  failures: number;
  /** forget was called while a sync ran (the sync of a pod that is gone calls it): drop the state once it ends. */
  forgotten?: boolean;
}

/**
 * PodWorkers runs at most one sync per UID at a time. An update that arrives while the worker is busy does not
 * queue behind it: it marks the UID dirty, and one more sync runs afterwards with the newest state (level-triggered,
 * so "newest wins" as in kubelet). Syncs of different UIDs run concurrently.
 *
 * A terminating update does not wait either: it aborts the sync in flight (kubelet's UpdatePod cancels the running
 * sync's context when a pod becomes terminating), so deleting a pod that is still creating hundreds of containers
 * stops it at once instead of after the last one.
 */
export class PodWorkers {
  readonly #o: PodWorkersOptions;
  readonly #states = new Map<string, WorkerState>();
  #idleWaiters: Array<() => void> = [];
  #stopped = false;

  constructor(opts: PodWorkersOptions) {
    this.#o = opts;
  }

  /** update asks for a sync of `uid` as soon as its worker is free, or at once for a terminating pod. */
  update(uid: string, opts: UpdateOptions = {}): void {
    if (this.#stopped) return;
    const st = this.#state(uid);
    if (opts.terminating && !st.terminating) {
      st.terminating = true;
      st.inflight?.abort(new PodTerminatingError(uid));
    }
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

  /**
   * forget drops the state of a UID that is gone for good, and any sync it asked for; called from inside its own
   * sync (the usual case), it takes effect when that sync ends, unless a new update arrived meanwhile.
   */
  forget(uid: string): void {
    const st = this.#states.get(uid);
    if (!st) return;
    if (st.working) {
      st.forgotten = true;
      return;
    }
    this.#drop(uid, st);
  }

  #drop(uid: string, st: WorkerState): void {
    if (st.timer) this.#o.clock.clearTimeout(st.timer);
    if (this.#states.get(uid) === st) this.#states.delete(uid);
  }

  /** tracked counts the UIDs whose state is kept (working, waiting for a timer, or known from an earlier sync). */
  get tracked(): number {
    return this.#states.size;
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

  /** stop cancels timers and refuses new work; running teardowns finish, other running syncs are aborted. */
  stop(): void {
    this.#stopped = true;
    for (const st of this.#states.values()) {
      if (st.timer) this.#o.clock.clearTimeout(st.timer);
      st.inflight?.abort(new Error('pod workers stopped'));
    }
  }

  #state(uid: string): WorkerState {
    let st = this.#states.get(uid);
    if (!st) {
      st = { working: false, dirty: false, terminating: false, failures: 0 };
      this.#states.set(uid, st);
    }
    return st;
  }

  async #run(uid: string, st: WorkerState): Promise<void> {
    for (;;) {
      st.dirty = false;
      const ac = st.terminating ? undefined : new AbortController();
      if (ac) st.inflight = ac;
      else delete st.inflight;
      try {
        const next = await this.#o.sync(uid, ac?.signal ?? NEVER_ABORTED);
        st.failures = 0;
        if (next !== undefined) this.updateAt(uid, next);
      } catch (err) {
        if (ac?.signal.aborted) {
          // Preempted: the terminating sync runs next (the update that aborted it marked the UID dirty).
          this.#o.logger.info({ uid, reason: String(ac.signal.reason) }, 'pod sync aborted');
        } else {
          st.failures++;
          const delay = Math.min((this.#o.retryMs ?? 1000) * 2 ** (st.failures - 1), 30_000);
          this.#o.logger.warn({ err, uid, delay }, 'pod sync failed');
          this.updateAt(uid, this.#o.clock.now() + delay);
        }
      }
      if (!st.dirty || this.#stopped) break;
    }
    delete st.inflight;
    st.working = false;
    if (st.forgotten) this.#drop(uid, st);
    if (this.busy === 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const w of waiters) w();
    }
  }
}
