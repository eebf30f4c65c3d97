// @ts-check
/**
 * @module The commit thread of a SqliteStore (see commit-thread.ts): a second connection to the same WAL file that
 * writes each batch and waits out its fsync, so the main thread goes on serving requests meanwhile.
 *
 * Protocol: every message on `port` is answered, in order, by one reply `{ result }` or `{ error: { message, code } }`,
 * posted before `state[0]` is incremented and notified, so a main thread that blocks on `state` (Atomics.wait) finds
 * the reply with receiveMessageOnPort. The first reply says whether the connection opened. `state[1]` becomes 1
 * when this thread ends, so nobody waits on it forever.
 */
import { workerData } from 'node:worker_threads';

/** @type {{ path: string, pragmas: string[], port: import('node:worker_threads').MessagePort, state: Int32Array }} */
const { path, pragmas, port, state } = workerData;

/** @param {unknown} reply */
function answer(reply) {
  port.postMessage(reply);
  Atomics.add(state, 0, 1);
  Atomics.notify(state, 0);
}

/** @param {unknown} err */
function failure(err) {
  const e = /** @type {{ message?: unknown, code?: unknown }} */ (err ?? {});
  return { error: { message: String(e.message ?? err), code: typeof e.code === 'string' ? e.code : undefined } };
}

process.on('exit', () => {
  Atomics.store(state, 1, 1);
  Atomics.notify(state, 0);
});

/** @type {import('better-sqlite3').Database} */
let db;
/** @type {(rows: readonly import('./commit-rows.js').CommitRow[]) => void} */
let commit;
try {
  // Imported here, not statically, so a failure to load them is answered rather than lost.
  const { default: Database } = await import('better-sqlite3');
  const { committer } = await import('./commit-rows.js');
  db = new Database(path);
  for (const pragma of pragmas) db.pragma(pragma);
  commit = committer(db);
  answer({});
} catch (err) {
  answer(failure(err));
  port.close();
}

port.on('message', (/** @type {{ rows?: import('./commit-rows.js').CommitRow[], pragma?: string, close?: true }} */ msg) => {
  try {
    if (msg.rows) {
      commit(msg.rows);
      answer({});
    } else if (msg.pragma !== undefined) {
      answer({ result: db.pragma(msg.pragma) });
    } else if (msg.close) {
      db.close();
      answer({});
      port.close();
    }
  } catch (err) {
    answer(failure(err));
  }
});
