import { ApiError, formatMicroTime, isNotFound } from '@skiff/api';
import type { Lease, LeaseSpec } from '@skiff/api';
import { realClock, sleep } from '../clock.js';
import type { Clock } from '../clock.js';
import { silentLogger } from '../logger.js';
import type { Logger } from '../logger.js';
import type { LeaseClient } from './lease-client.js';

/** LeaseLock names the Lease contended for and who we are. */
export interface LeaseLock {
  namespace: string;
  name: string;
  /** Unique per process (hostname plus a random suffix, say). */
  identity: string;
}

export interface LeaderElectorOptions {
  lock: LeaseLock;
  client: LeaseClient;
  /** How long others wait, from when they last saw the lease change, before taking it. Default 15 s. */
  leaseDurationMs?: number;
  /**
   * How long the leader keeps retrying a renewal the api-server refuses before it gives up leading. Default 10 s.
   * Time with no answer at all (the api-server down or restarting) does not count: see LeaderElector.
   */
  renewDeadlineMs?: number;
  /** Interval between attempts to acquire or renew. Default 2 s. */
  retryPeriodMs?: number;
  /** Release the lease when `run`'s signal aborts, so a successor need not wait out the lease. Default true. */
  releaseOnCancel?: boolean;
  clock?: Clock;
  logger?: Logger;
  /** Called once the lease is held; `signal` aborts when leadership ends. Work must stop when it does. */
  onStartedLeading(signal: AbortSignal): void | Promise<void>;
  /** Called when leadership ends, whether lost or given up; not called if we never led. */
  onStoppedLeading(): void;
  /** Called whenever the observed holder changes, including to ourselves. */
  onNewLeader?(identity: string): void;
}

/**
 * LeaderElector lets one of several replicas act at a time by holding a coordination.k8s.io/v1 Lease, after
 * client-go tools/leaderelection. Every retry period it reads the lease and either renews it (as holder) or takes it
 * when it is free or expired; a leader whose lease is valid renews it without the read (client-go's fast path).
 * Expiry is judged by the local time at which this process last saw the lease record change, never by the remote
 * renewTime, so clock skew between machines cannot make a live lease look expired.
 * Writes are compare-and-swap on resourceVersion, so of two contenders only one wins. A leader that sees another
 * holder stops at once; one whose renewals the api-server answers with errors stops after renewDeadline.
 *
 * Unlike client-go, a leader whose api-server does not answer at all (connection refused or reset, no response)
 * keeps leading and keeps retrying: every Skiff component talks to that one api-server, so while it is away nobody
 * can take the lease, and a restart of the api-server must not make the scheduler and controller-manager exit. On
 * the first answer the lease decides: still ours, it is renewed and leadership carries on; someone else's, we stop.
 * The price is that a leader cut off from an api-server others still reach leads on (its writes failing) until it
 * reaches it again.
 */
export class LeaderElector {
  readonly #lock: LeaseLock;
  readonly #client: LeaseClient;
  readonly #leaseDurationMs: number;
  readonly #renewDeadlineMs: number;
  readonly #retryPeriodMs: number;
  readonly #releaseOnCancel: boolean;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #opts: LeaderElectorOptions;
  #observed: LeaseSpec | undefined;
  #observedTime = 0;
  #lastLease: Lease | undefined;
  #reportedLeader: string | undefined;
  #leading = false;

  constructor(opts: LeaderElectorOptions) {
    this.#opts = opts;
    this.#lock = opts.lock;
    this.#client = opts.client;
    this.#leaseDurationMs = opts.leaseDurationMs ?? 15_000;
    this.#renewDeadlineMs = opts.renewDeadlineMs ?? 10_000;
    this.#retryPeriodMs = opts.retryPeriodMs ?? 2_000;
    this.#releaseOnCancel = opts.releaseOnCancel ?? true;
    this.#clock = opts.clock ?? realClock;
    this.#log = (opts.logger ?? silentLogger).child({ component: 'leader-elector', lease: `${opts.lock.namespace}/${opts.lock.name}` });
    if (!opts.lock.identity) throw new Error('leader election identity must not be empty');
    if (this.#leaseDurationMs <= this.#renewDeadlineMs) throw new Error('leaseDurationMs must be greater than renewDeadlineMs');
    if (this.#renewDeadlineMs <= this.#retryPeriodMs) throw new Error('renewDeadlineMs must be greater than retryPeriodMs');
  }

  /** isLeader is true while this process holds the lease and its onStartedLeading signal is live. */
  isLeader(): boolean {
    return this.#leading;
  }

  /** getLeader is the holder identity last observed, if any. */
  getLeader(): string | undefined {
    return this.#observed?.holderIdentity || undefined;
  }

  /**
   * run contends for the lease until it is acquired, leads until the lease is lost or the signal aborts, and then
   * returns; like client-go, it does not contend again, so a process that lost the lease usually exits.
   */
  async run(signal: AbortSignal): Promise<void> {
    if (!(await this.#acquire(signal))) return;
    const leadership = new AbortController();
    this.#leading = true;
    this.#log.info({ identity: this.#lock.identity }, 'became leader');
    const work = Promise.resolve()
      .then(() => this.#opts.onStartedLeading(leadership.signal))
      .catch((err: unknown) => this.#log.error({ err }, 'onStartedLeading failed'));
    const lost = await this.#renew(signal);
    this.#leading = false;
    leadership.abort();
    if (lost) {
      this.#log.warn({ identity: this.#lock.identity }, 'leader lease lost');
    } else {
      await work;
      if (this.#releaseOnCancel) await this.release();
      this.#log.info({ identity: this.#lock.identity }, 'stopped leading');
    }
    try {
      this.#opts.onStoppedLeading();
    } catch (err) {
      this.#log.error({ err }, 'onStoppedLeading failed');
    }
  }

  /**
   * release hands the lease back by clearing holderIdentity (compare-and-swap on the last version we wrote), so a
   * waiting candidate acquires it on its next try instead of after a full lease duration.
   */
  async release(): Promise<boolean> {
    const last = this.#lastLease;
    if (!last || last.spec?.holderIdentity !== this.#lock.identity) return true;
    const now = this.#clock.now();
    const spec: LeaseSpec = {
      holderIdentity: '',
      leaseDurationSeconds: 1,
      acquireTime: formatMicroTime(now),
      renewTime: formatMicroTime(now),
      leaseTransitions: last.spec.leaseTransitions ?? 0,
    };
    try {
      const updated = await this.#client.update({ ...last, spec });
      this.#setObserved(updated);
      this.#log.info({}, 'released lease');
      return true;
    } catch (err) {
      this.#log.warn({ err }, 'failed to release lease');
      return false;
    }
  }

  async #acquire(signal: AbortSignal): Promise<boolean> {
    this.#log.info({ identity: this.#lock.identity }, 'attempting to acquire leader lease');
    while (!signal.aborted) {
      const ok = (await this.#tryAcquireOrRenew()) === 'ok';
      this.#reportTransition();
      if (ok && !signal.aborted) return true;
      await sleep(this.#clock, this.#retryPeriodMs, signal);
    }
    return false;
  }

  /** #renew keeps the lease; it resolves true when the lease was lost and false when the signal aborted. */
  async #renew(signal: AbortSignal): Promise<boolean> {
    for (;;) {
      await sleep(this.#clock, this.#retryPeriodMs, signal);
      if (signal.aborted) return false;
      let deadline = this.#clock.now() + this.#renewDeadlineMs;
      let outage = false;
      for (;;) {
        const outcome = await this.#tryUntil(deadline);
        this.#reportTransition();
        if (signal.aborted) return false;
        if (outcome === 'ok') {
          if (outage) this.#log.info({ identity: this.#lock.identity }, 'api-server reachable again; lease renewed, still leading');
          break;
        }
        if (outcome === 'held') return true;
        if (outcome === 'unreachable') {
          // No answer is not a refusal: the lease as last seen is ours and nobody could have taken it through an
          // api-server that is away, so the renew deadline starts again from now.
          if (!outage) this.#log.warn({ identity: this.#lock.identity }, 'api-server unreachable; still leading, retrying the lease');
          outage = true;
          deadline = this.#clock.now() + this.#renewDeadlineMs;
        }
        await sleep(this.#clock, this.#retryPeriodMs, signal);
        if (signal.aborted) return false;
        if (this.#clock.now() >= deadline) return true;
      }
    }
  }

  /** #tryUntil is one attempt, given up as unanswered once the deadline passes. */
  #tryUntil(deadline: number): Promise<Attempt> {
    const remaining = deadline - this.#clock.now();
    if (remaining <= 0) return Promise.resolve('unreachable');
    return new Promise((resolve) => {
      const timer = this.#clock.setTimeout(() => resolve('unreachable'), remaining);
      void this.#tryAcquireOrRenew().then((outcome) => {
        this.#clock.clearTimeout(timer);
        resolve(outcome);
      });
    });
  }

  async #tryAcquireOrRenew(): Promise<Attempt> {
    const { namespace, name, identity } = this.#lock;
    const now = this.#clock.now();
    // client-go's fast path: a leader whose lease is still valid renews the record it last wrote without reading it
    // first, one request per retry period instead of two. If anyone else wrote it meanwhile the resourceVersion no
    // longer matches (Conflict), and the read below decides.
    const last = this.#lastLease;
    if (this.#leading && last && last.spec?.holderIdentity === identity && this.#observedTime + (last.spec.leaseDurationSeconds ?? 0) * 1000 > now) {
      try {
        this.#setObserved(await this.#client.update({ ...last, spec: this.#desired(now, last.spec) }));
        return 'ok';
      } catch (err) {
        this.#log.debug({ error: (err as Error).message }, 'optimistic lease renewal failed; reading the lease');
      }
    }
    let lease: Lease;
    try {
      lease = await this.#client.get(name, { namespace });
    } catch (err) {
      if (!isNotFound(err)) {
        const outcome = failure(err);
        // An api-server that is away is reported once by #renew, not with a stack on every retry.
        if (outcome === 'unreachable') this.#log.debug({ error: (err as Error).message }, 'error retrieving lease');
        else this.#log.warn({ err }, 'error retrieving lease');
        return outcome;
      }
      try {
        const created = await this.#client.create({
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { namespace, name },
          spec: this.#desired(now, undefined),
        });
        this.#setObserved(created);
        return 'ok';
      } catch (createErr) {
        this.#log.debug({ err: createErr }, 'error creating lease');
        return failure(createErr);
      }
    }
    const spec = lease.spec ?? {};
    if (!sameRecord(spec, this.#observed)) {
      this.#observed = spec;
      this.#observedTime = this.#clock.now();
    }
    this.#lastLease = lease;
    const holder = spec.holderIdentity ?? '';
    const durationMs = (spec.leaseDurationSeconds ?? Math.ceil(this.#leaseDurationMs / 1000)) * 1000;
    if (holder !== '' && holder !== identity && this.#observedTime + durationMs > now) return 'held';
    try {
      const updated = await this.#client.update({ ...lease, spec: this.#desired(now, spec) });
      this.#setObserved(updated);
      return 'ok';
    } catch (err) {
      this.#log.debug({ err }, 'error updating lease');
      return failure(err);
    }
  }

  #desired(now: number, old: LeaseSpec | undefined): LeaseSpec {
    const stamp = formatMicroTime(now);
    const wasMine = old?.holderIdentity === this.#lock.identity;
    return {
      holderIdentity: this.#lock.identity,
      leaseDurationSeconds: Math.ceil(this.#leaseDurationMs / 1000),
      acquireTime: wasMine ? (old?.acquireTime ?? stamp) : stamp,
      renewTime: stamp,
      leaseTransitions: old === undefined ? 0 : (old.leaseTransitions ?? 0) + (wasMine ? 0 : 1),
    };
  }

  #setObserved(lease: Lease): void {
    this.#lastLease = lease;
    this.#observed = lease.spec ?? {};
    this.#observedTime = this.#clock.now();
  }

  #reportTransition(): void {
    const holder = this.#observed?.holderIdentity ?? '';
    if (holder === (this.#reportedLeader ?? '')) return;
    this.#reportedLeader = holder;
    if (holder === '') return;
    this.#log.info({ leader: holder }, 'new leader observed');
    try {
      this.#opts.onNewLeader?.(holder);
    } catch (err) {
      this.#log.error({ err }, 'onNewLeader failed');
    }
  }
}

/**
 * Attempt is how one try went: `ok` (the lease is ours, renewed or acquired), `held` (someone else holds a live
 * lease), `refused` (the api-server answered with an error, a Conflict say) or `unreachable` (no answer at all).
 */
type Attempt = 'ok' | 'held' | 'refused' | 'unreachable';

/** failure classifies a failed call: an ApiError carries the api-server's answer; anything else means no answer. */
function failure(err: unknown): Attempt {
  return err instanceof ApiError ? 'refused' : 'unreachable';
}

function sameRecord(a: LeaseSpec, b: LeaseSpec | undefined): boolean {
  if (!b) return false;
  return (
    (a.holderIdentity ?? '') === (b.holderIdentity ?? '') &&
    (a.leaseDurationSeconds ?? null) === (b.leaseDurationSeconds ?? null) &&
    (a.acquireTime ?? null) === (b.acquireTime ?? null) &&
    (a.renewTime ?? null) === (b.renewTime ?? null) &&
    (a.leaseTransitions ?? null) === (b.leaseTransitions ?? null)
  );
}
