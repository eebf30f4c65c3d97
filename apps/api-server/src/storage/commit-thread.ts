/**
 * @module The main thread's side of a SqliteStore's commit thread (commit-worker.js).
 */
import { MessageChannel, receiveMessageOnPort, Worker } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { CommitRow } from './commit-rows.js';

/** CommitThreadOptions say which database the thread opens, and how (the per-connection pragmas). */
export interface CommitThreadOptions {
  path: string;
  pragmas: readonly string[];
  /** How long open waits for the thread to load and open its connection. */
  startTimeoutMs?: number;
}

interface Reply {
  result?: unknown;
  error?: { message: string; code?: string };
}

type Settle = (err: Error | undefined, result?: unknown) => void;

/** COMMIT_THREAD_EXITED is the code of the error every commit gets once the thread is gone (isFatalCommitError). */
export const COMMIT_THREAD_EXITED = 'SKIFF_COMMIT_THREAD_EXITED';

/** How long one Atomics.wait sleeps before checking again whether the thread ended. */
const WAIT_SLICE_MS = 1000;

/**
 * CommitThread runs a second connection to a SqliteStore's file on a worker thread: `commit` hands it a batch of
 * rows and returns at once, and `done` is called from an event once the transaction and its fsync are over, so the
 * event loop keeps serving requests meanwhile. `wait` blocks until every request has been answered (compaction and
 * close need the file quiet, synchronously). Requests are answered in order.
 *
 * A batch travels as an array of rows (structured clone): about 3 µs a row of 2 KB on the main thread
 * (bench/README.md, "Commits on a thread"), less than encoding them into one transferred buffer.
 */
export class CommitThread {
  readonly #worker: Worker;
  readonly #port: MessagePort;
  /** [0]: replies posted by the thread; [1]: 1 once the thread has ended. */
  readonly #state: Int32Array;
  readonly #waiting: Settle[] = [];
  #exited: Error | undefined;

  private constructor(worker: Worker, port: MessagePort, state: Int32Array) {
    this.#worker = worker;
    this.#port = port;
    this.#state = state;
    port.on('message', (reply: Reply) => this.#settle(reply));
    // Referenced only while a request is out: an idle store does not keep the process alive, a busy one does.
    port.unref();
    worker.unref();
    worker.on('error', (err) => this.#ended(err));
    worker.on('exit', (code) => this.#ended(new Error(`the thread ended with exit code ${code}`)));
  }

  /** open starts the thread and waits until its connection is open; throws what kept it from opening. */
  static open(opts: CommitThreadOptions): CommitThread {
    const { port1, port2 } = new MessageChannel();
    const state = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
    const worker = new Worker(new URL('./commit-worker.js', import.meta.url), {
      workerData: { path: opts.path, pragmas: opts.pragmas, port: port2, state },
      transferList: [port2],
    });
    const thread = new CommitThread(worker, port1, state);
    let opened: Error | undefined;
    thread.#send(undefined, (err) => (opened = err));
    const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
    try {
      thread.wait(deadline);
    } catch (err) {
      void worker.terminate();
      throw err;
    }
    if (opened) {
      void worker.terminate();
      throw opened;
    }
    return thread;
  }

  /** commit writes `rows` in one transaction on the thread and calls `done` once it is durable, or failed. */
  commit(rows: readonly CommitRow[], done: (err: Error | undefined) => void): void {
    this.#send({ rows }, done);
  }

  /** pragma runs a pragma on the thread's connection and returns its result (tests set max_page_count with it). */
  pragma(source: string): unknown {
    if (this.#exited) throw this.#exited;
    let out: { err: Error | undefined; result: unknown } | undefined;
    this.#send({ pragma: source }, (err, result) => (out = { err, result }));
    this.wait();
    if (out?.err) throw out.err;
    return out?.result;
  }

  /**
   * wait blocks until every request sent so far has been answered and its callback called. Past `deadline`
   * (epoch ms) it throws; a thread that ended fails what it left unanswered instead of hanging.
   */
  wait(deadline = Infinity): void {
    while (this.#waiting.length > 0) {
      const seen = Atomics.load(this.#state, 0);
      // Read before the queue: a thread that ended posted its last replies before saying so.
      const ended = Atomics.load(this.#state, 1) === 1;
      const got = receiveMessageOnPort(this.#port) as { message: Reply } | undefined;
      if (got) {
        this.#settle(got.message);
        continue;
      }
      if (ended) {
        this.#ended(new Error('the thread ended'));
        return;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('the SQLite commit thread did not answer in time');
      Atomics.wait(this.#state, 0, seen, Math.min(left, WAIT_SLICE_MS));
    }
  }

  /** close waits for the commit in flight, closes the thread's connection and lets the thread end. */
  close(): void {
    if (this.#exited) return;
    this.#send({ close: true }, () => {});
    this.wait();
    this.#port.close();
    this.#exited = threadGone('it was closed');
  }

  #send(msg: object | undefined, settle: Settle): void {
    if (this.#exited) {
      const err = this.#exited;
      // Later, as a reply would come: callers get one behaviour whether the thread ended before or after.
      queueMicrotask(() => settle(err));
      return;
    }
    this.#waiting.push(settle);
    if (msg) this.#port.postMessage(msg);
    this.#port.ref();
  }

  #settle(reply: Reply): void {
    const settle = this.#waiting.shift();
    if (this.#waiting.length === 0) this.#port.unref();
    if (!settle) return;
    settle(reply.error ? sqliteError(reply.error) : undefined, reply.result);
  }

  /** #ended fails every request still waiting: the thread will not answer them. */
  #ended(cause: Error): void {
    if (this.#exited) return;
    this.#exited = threadGone(cause.message, cause);
    this.#port.unref();
    for (const settle of this.#waiting.splice(0)) settle(this.#exited);
  }
}

/** sqliteError rebuilds the thread's error as the SqliteError the main thread's connection would have thrown. */
function sqliteError(e: { message: string; code?: string }): Error {
  return e.code ? new Database.SqliteError(e.message, e.code) : new Error(e.message);
}

/** threadGone is the error of a request to a thread that is gone: every later commit fails alike. */
function threadGone(why: string, cause?: Error): Error {
  return Object.assign(new Error(`the SQLite commit thread stopped: ${why}`, { cause }), { code: COMMIT_THREAD_EXITED });
}
