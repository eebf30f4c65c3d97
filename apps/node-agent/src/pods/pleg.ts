/**
 * @module Pleg: the pod lifecycle event generator, after kubelet's pleg/generic.go and pleg/evented.go. It relists
 * the runtime's containers and turns differences into per-pod events: once a second, or, on a runtime with an
 * event stream, when the runtime reports a change and every 5 minutes.
 */
import { sleep, type Clock, type Logger } from '@skiff/controller-kit';
import type { ContainerRuntime, RuntimeContainer } from '../runtime/container-runtime.js';

/** PlegEvent says what changed about one container of one pod. */
export interface PlegEvent {
  uid: string;
  containerId: string;
  type: 'ContainerStarted' | 'ContainerDied' | 'ContainerRemoved' | 'ContainerChanged';
}

/** PlegOptions configures Pleg. */
export interface PlegOptions {
  runtime: ContainerRuntime;
  clock: Clock;
  logger: Logger;
  /** Called for each pod with at least one changed container. */
  onPodEvents(uid: string, events: PlegEvent[]): void;
  /** Default 1000 ms. */
  periodMs?: number;
  /** With the runtime's event stream open: the relist period when no event comes. Default 300 s (kubelet's). */
  eventedPeriodMs?: number;
}

/**
 * After an event, relists keep the generic period this many times: dockerd reports an exit before it has marked
 * an OOM kill, and the runtime's rechecks of such a container ride on the next relists.
 */
const RELISTS_AFTER_EVENT = 5;

/**
 * Pleg keeps the last relist as a cache that pod workers read (`containersOf`), so a sync does not have to list
 * the runtime itself. `relist()` is coalesced: callers that ask while a relist runs share the next one.
 */
export class Pleg {
  readonly #o: PlegOptions;
  #byUid = new Map<string, RuntimeContainer[]>();
  #states = new Map<string, string>();
  #inflight: Promise<void> | undefined;
  #queued: Promise<void> | undefined;
  #lastError: unknown;
  #lastSuccess = 0;
  #listed = false;
  #relists = 0;
  #events = 0;
  #streamOpen = false;
  #lastRelistAt = -Infinity;
  #fastUntil = 0;
  #eventPending = false;
  #wake: (() => void) | undefined;

  constructor(opts: PlegOptions) {
    this.#o = opts;
  }

  get #period(): number {
    return this.#o.periodMs ?? 1000;
  }

  /** healthy is false when the last relist failed (the runtime is unreachable). */
  get healthy(): boolean {
    return this.#lastError === undefined && this.#listed;
  }

  /** lastError is the error of the last failed relist. */
  get lastError(): unknown {
    return this.#lastError;
  }

  /** containersOf returns a pod's containers as of the last relist. */
  containersOf(uid: string): RuntimeContainer[] {
    return this.#byUid.get(uid) ?? [];
  }

  /**
   * relists counts the relists that got an answer from the runtime, and events the container changes they found:
   * together they tell a watcher (the agent's /metrics) that the agent has looked again and seen nothing new.
   */
  get relists(): number {
    return this.#relists;
  }

  get events(): number {
    return this.#events;
  }

  /** uids lists every pod UID that has containers in the runtime. */
  uids(): string[] {
    return [...this.#byUid.keys()];
  }

  /** relist lists the runtime now (or joins the relist queued after the one in flight) and emits events. */
  relist(): Promise<void> {
    if (!this.#inflight) {
      this.#inflight = this.#relist().finally(() => (this.#inflight = undefined));
      return this.#inflight;
    }
    if (!this.#queued) {
      this.#queued = this.#inflight.then(() => {
        this.#queued = undefined;
        return this.relist();
      });
    }
    return this.#queued;
  }

  /** eventsOpen is true while the runtime's event stream is open (relists then follow events). */
  get eventsOpen(): boolean {
    return this.#streamOpen;
  }

  /**
   * run relists until the signal aborts: every period, or, while the runtime's event stream is open, on each
   * event (and the period for a few relists after it) and every eventedPeriodMs. A stream that fails or ends is
   * opened again a period later; meanwhile the relists keep the period, so nothing waits for the stream.
   */
  async run(signal: AbortSignal): Promise<void> {
    const stream = this.#o.runtime.containerEvents ? this.#followEvents(signal) : Promise.resolve();
    const period = this.#period;
    const evented = this.#o.eventedPeriodMs ?? 300_000;
    signal.addEventListener('abort', () => this.#wake?.(), { once: true });
    while (!signal.aborted) {
      const now = this.#o.clock.now();
      const fast = !this.#streamOpen || now < this.#fastUntil;
      // An event is relisted for at once, but at most every tenth of a period: a burst of them (100 pods
      // starting) shares relists instead of running one after another.
      const due = this.#lastRelistAt + (this.#eventPending ? period / 10 : fast ? period : evented);
      if (now >= due) {
        this.#eventPending = false;
        await this.relist();
        continue;
      }
      // Woken early when the stream opens, closes or reports an event, and on abort.
      const woken = new AbortController();
      this.#wake = () => woken.abort();
      await sleep(this.#o.clock, due - now, woken.signal);
      this.#wake = undefined;
    }
    await stream;
  }

  async #followEvents(signal: AbortSignal): Promise<void> {
    const period = this.#period;
    let failed = false;
    while (!signal.aborted) {
      try {
        await this.#o.runtime.containerEvents!(signal, {
          onOpen: () => {
            if (failed) this.#o.logger.info('container runtime event stream open again');
            failed = false;
            this.#streamOpen = true;
            // Whatever changed before the stream opened is found by the next relist.
            this.#onEvent();
          },
          onEvent: () => this.#onEvent(),
        });
      } catch (err) {
        if (!failed && !signal.aborted) this.#o.logger.warn({ err }, 'container runtime event stream failed; relisting every period until it is back');
        failed = true;
      }
      this.#streamOpen = false;
      this.#wake?.();
      await sleep(this.#o.clock, period, signal);
    }
  }

  #onEvent(): void {
    this.#fastUntil = this.#o.clock.now() + RELISTS_AFTER_EVENT * this.#period;
    this.#eventPending = true;
    this.#wake?.();
  }

  async #relist(): Promise<void> {
    this.#lastRelistAt = this.#o.clock.now();
    let list: RuntimeContainer[];
    try {
      list = await this.#o.runtime.list();
    } catch (err) {
      if (this.#lastError === undefined) this.#o.logger.warn({ err }, 'container runtime relist failed');
      this.#lastError = err;
      return;
    }
    this.#lastError = undefined;
    this.#listed = true;
    this.#lastSuccess = this.#o.clock.now();
    const byUid = new Map<string, RuntimeContainer[]>();
    const states = new Map<string, string>();
    const events = new Map<string, PlegEvent[]>();
    const emit = (ev: PlegEvent): void => {
      const list = events.get(ev.uid) ?? [];
      list.push(ev);
      events.set(ev.uid, list);
    };
    for (const c of list) {
      const arr = byUid.get(c.pod.uid) ?? [];
      arr.push(c);
      byUid.set(c.pod.uid, arr);
      const state = `${c.state}/${c.exitCode ?? ''}/${c.oomKilled ? 'oom' : ''}/${c.ip ?? ''}`;
      states.set(c.id, `${c.pod.uid}\u0000${state}`);
      const old = this.#states.get(c.id);
      if (old === undefined) emit({ uid: c.pod.uid, containerId: c.id, type: c.state === 'running' ? 'ContainerStarted' : 'ContainerChanged' });
      else if (old !== `${c.pod.uid}\u0000${state}`) emit({ uid: c.pod.uid, containerId: c.id, type: c.state === 'exited' ? 'ContainerDied' : 'ContainerChanged' });
    }
    for (const [id, old] of this.#states) {
      if (!states.has(id)) emit({ uid: old.split('\u0000')[0]!, containerId: id, type: 'ContainerRemoved' });
    }
    this.#byUid = byUid;
    this.#states = states;
    this.#relists++;
    for (const evs of events.values()) this.#events += evs.length;
    for (const [uid, evs] of events) this.#o.onPodEvents(uid, evs);
  }

  /** lastSuccessAt is when the runtime last answered a relist (ms since epoch, 0 if never). */
  get lastSuccessAt(): number {
    return this.#lastSuccess;
  }
}
