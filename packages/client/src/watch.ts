/**
 * @module A watch that survives its connections: resume from the last resourceVersion, back off, relist on 410.
 * One connection at a time is opened through watch-connection.ts (the split trpc's wsClient uses).
 */
import { ApiError, isGone, type KubeList, type Status, type WatchEvent } from '@skiff/api';
import { Backoff } from './backoff.js';
import { noopLogger, type Logger } from './logger.js';
import type { ListOptions } from './options.js';
import { compareResourceVersions, isConcreteResourceVersion } from './resource-version.js';
import type { WatchTransport } from './watch-connection.js';

/** WatchOptions selects what to watch and how to keep the watch alive. */
export interface WatchOptions extends ListOptions {
  /** Start after this revision; unset or "0" starts with an ADDED event for every current object. */
  resourceVersion?: string;
  allowWatchBookmarks?: boolean;
  /** Asks the server to end each connection after this long; the watch then reconnects from the last RV. */
  timeoutSeconds?: number;
  /** Defaults to websocket. */
  transport?: WatchTransport;
  /** Aborting stops the watch, as stop() does. */
  signal?: AbortSignal;
  /** On 410 Gone, list again and resume from the list's RV (needs onRelist). Defaults to true. */
  relistOnExpired?: boolean;
}

/** WatchHandlers receive what the watch sees; they are called synchronously, in order, never after stop(). */
export interface WatchHandlers<T> {
  /** Every ADDED, MODIFIED, DELETED and BOOKMARK event (ERROR events go to onError). */
  onEvent(event: WatchEvent<T>): void;
  /** The fresh list taken after a 410; replace the cache with it. Without it a 410 ends the watch. */
  onRelist?(list: KubeList<T>): void;
  /** Connection failures, ERROR events and failed relists; the watch keeps retrying after them. */
  onError?(err: unknown): void;
  /** Each time a connection is accepted, including reconnects. */
  onConnect?(): void;
}

/** WatchHandle controls a running watch. */
export interface WatchHandle {
  /** Stops the watch: closes the connection, cancels any pending retry, and resolves `done`. */
  stop(): void;
  /** The last resourceVersion seen (from events, bookmarks or a relist): where a new watch would resume. */
  readonly resourceVersion: string | undefined;
  /** Resolves once the watch has stopped, by stop(), the signal, or a 410 it could not recover from. */
  done: Promise<void>;
}

/** WatchConnector is what startWatch needs from a resource: open one connection, and list. */
export interface WatchConnector<T> {
  connect(
    resourceVersion: string | undefined,
    conn: { signal: AbortSignal; onOpen(): void; onEvent(event: WatchEvent<unknown>): void },
  ): Promise<void>;
  list(): Promise<KubeList<T>>;
}

/** WatchRunOptions are the parts of WatchOptions startWatch itself uses, plus injectable backoff and logger. */
export interface WatchRunOptions {
  resourceVersion?: string;
  relistOnExpired?: boolean;
  signal?: AbortSignal;
  backoff?: Backoff;
  logger?: Logger;
}

/**
 * startWatch runs a watch until stopped. It tracks the last resourceVersion of every event (bookmarks included),
 * reconnects with jittered backoff from it whenever a connection ends, and skips events at or below the last one
 * delivered, so a consumer sees neither gaps nor duplicates across reconnects. A 410 (HTTP or ERROR event) leads to
 * a relist handed to onRelist, then a watch from the list's revision.
 */
export function startWatch<T>(connector: WatchConnector<T>, opts: WatchRunOptions, handlers: WatchHandlers<T>): WatchHandle {
  return new WatchLoop(connector, opts, handlers);
}

class WatchLoop<T> implements WatchHandle {
  readonly done: Promise<void>;
  readonly #connector: WatchConnector<T>;
  readonly #handlers: WatchHandlers<T>;
  readonly #relistOnExpired: boolean;
  readonly #backoff: Backoff;
  readonly #log: Logger;
  readonly #stopController = new AbortController();
  readonly #signal: AbortSignal | undefined;
  #connection: AbortController | undefined;
  #rv: string | undefined;
  /** Whether events at or below #rv are replays to skip; off while the server sends its unordered initial ADDEDs. */
  #dedupe = false;

  constructor(connector: WatchConnector<T>, opts: WatchRunOptions, handlers: WatchHandlers<T>) {
    this.#connector = connector;
    this.#handlers = handlers;
    this.#relistOnExpired = opts.relistOnExpired ?? true;
    this.#backoff = opts.backoff ?? new Backoff();
    this.#log = opts.logger ?? noopLogger;
    this.#rv = opts.resourceVersion;
    this.#signal = opts.signal;
    if (this.#signal?.aborted) this.#stopController.abort();
    else this.#signal?.addEventListener('abort', this.#onAbort, { once: true });
    this.done = this.#run();
  }

  get resourceVersion(): string | undefined {
    return this.#rv;
  }

  stop(): void {
    if (this.#stopped) return;
    this.#stopController.abort();
    this.#connection?.abort();
  }

  get #stopped(): boolean {
    return this.#stopController.signal.aborted;
  }

  readonly #onAbort = (): void => this.stop();

  async #run(): Promise<void> {
    let expiredInARow = 0;
    try {
      while (!this.#stopped) {
        const outcome = await this.#connectOnce();
        if (this.#stopped) break;
        if (outcome.delivered) expiredInARow = 0;
        if (outcome.kind === 'expired') {
          if (!this.#relistOnExpired || !this.#handlers.onRelist) {
            this.#report(outcome.error);
            break;
          }
          // A server that answers 410 to the revision its own list just gave is broken; do not spin on it.
          if (++expiredInARow > 1) await this.#sleep(this.#backoff.next());
          await this.#relist();
          continue;
        }
        if (outcome.kind === 'failed') {
          // An api-server that restarts refuses every informer's watch at once: that is one line each at info, with no
          // stack; an error the server answered with stays a warning.
          const err = outcome.error;
          if (err instanceof ApiError) this.#log.warn({ code: err.code, reason: err.reason, error: err.message, resourceVersion: this.#rv }, 'watch connection failed');
          else this.#log.info({ error: describeConnectionError(err), resourceVersion: this.#rv }, 'watch connection failed');
          this.#report(outcome.error);
        } else {
          this.#log.debug({ resourceVersion: this.#rv }, 'watch connection closed');
        }
        await this.#sleep(this.#backoff.next());
      }
    } finally {
      this.#signal?.removeEventListener('abort', this.#onAbort);
      this.#connection = undefined;
    }
  }

  async #connectOnce(): Promise<
    | { kind: 'closed'; delivered: boolean }
    | { kind: 'failed'; error: unknown; delivered: boolean }
    | { kind: 'expired'; error: ApiError; delivered: boolean }
  > {
    const connection = new AbortController();
    this.#connection = connection;
    this.#dedupe = isConcreteResourceVersion(this.#rv);
    let expired: ApiError | undefined;
    let delivered = false;
    const onEvent = (event: WatchEvent<unknown>): void => {
      if (this.#stopped || connection.signal.aborted) return;
      if (event.type === 'ERROR') {
        const err = ApiError.fromStatus(event.object as Partial<Status>);
        if (err.code === 410) {
          expired = err;
          connection.abort();
        } else {
          this.#report(err);
        }
        return;
      }
      if (this.#accept(event as WatchEvent<T>)) delivered = true;
    };
    const onOpen = (): void => {
      if (this.#stopped || connection.signal.aborted) return;
      this.#backoff.reset();
      this.#log.debug({ resourceVersion: this.#rv }, 'watch connected');
      this.#call(() => this.#handlers.onConnect?.());
    };
    try {
      await this.#connector.connect(this.#rv, { signal: connection.signal, onOpen, onEvent });
    } catch (err) {
      if (expired) return { kind: 'expired', error: expired, delivered };
      if (isGone(err)) return { kind: 'expired', error: err as ApiError, delivered };
      return { kind: 'failed', error: err, delivered };
    } finally {
      connection.abort();
    }
    if (expired) return { kind: 'expired', error: expired, delivered };
    return { kind: 'closed', delivered };
  }

  /** #accept records the event's revision and delivers it unless it is a replay of one already delivered. */
  #accept(event: WatchEvent<T>): boolean {
    const rv = (event.object as { metadata?: { resourceVersion?: string } }).metadata?.resourceVersion;
    if (rv) {
      const order = isConcreteResourceVersion(this.#rv) ? compareResourceVersions(rv, this.#rv) : 1;
      if (order > 0) {
        this.#rv = rv;
      } else if (this.#dedupe && (order < 0 || event.type !== 'BOOKMARK')) {
        // A replay of something already delivered. (A bookmark at the current revision is not: it says the stream is alive.)
        this.#log.debug({ resourceVersion: rv, last: this.#rv, type: event.type }, 'watch skipped replayed event');
        return false;
      }
    }
    this.#call(() => this.#handlers.onEvent(event));
    return true;
  }

  async #relist(): Promise<void> {
    while (!this.#stopped) {
      try {
        this.#log.info({ resourceVersion: this.#rv }, 'watch expired, relisting');
        const list = await this.#connector.list();
        if (this.#stopped) return;
        this.#rv = list.metadata.resourceVersion;
        this.#call(() => this.#handlers.onRelist?.(list));
        return;
      } catch (err) {
        if (this.#stopped) return;
        this.#log.warn({ err }, 'watch relist failed');
        this.#report(err);
        await this.#sleep(this.#backoff.next());
      }
    }
  }

  #report(err: unknown): void {
    if (this.#stopped) return;
    const onError = this.#handlers.onError;
    if (!onError) return;
    try {
      onError(err);
    } catch (handlerErr) {
      this.#log.error({ err: handlerErr }, 'watch onError handler threw');
    }
  }

  /** #call runs a consumer handler; one that throws must not kill the watch, so its error goes to onError. */
  #call(fn: () => void): void {
    if (this.#stopped) return;
    try {
      fn();
    } catch (err) {
      this.#report(err);
    }
  }

  #sleep(ms: number): Promise<void> {
    const signal = this.#stopController.signal;
    if (signal.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}

/** describeConnectionError is a one-line account of a failed connection: its code and message, and its cause's. */
function describeConnectionError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as NodeJS.ErrnoException).code;
  const own = code && !err.message.includes(code) ? `${code}: ${err.message}` : err.message;
  return err.cause !== undefined && err.cause !== err ? `${own} (${describeConnectionError(err.cause)})` : own;
}
