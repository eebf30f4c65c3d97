/**
 * @module Pleg: the pod lifecycle event generator, after kubelet's pleg/generic.go. It relists the runtime's
 * containers about once a second and turns differences into per-pod events.
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
}

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

  constructor(opts: PlegOptions) {
    this.#o = opts;
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

  /** run relists every period until the signal aborts. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.relist();
      await sleep(this.#o.clock, this.#o.periodMs ?? 1000, signal);
    }
  }

  async #relist(): Promise<void> {
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
