/**
 * @module Waiting until a store has no pending writes at all.
 */
import type { Storage } from './storage.js';

/** How many commits settle waits for without blocking before it commits the rest itself (Storage.flush). */
const ASYNC_ROUNDS = 2;

/**
 * settle resolves once nothing is pending: every revision the store has applied is durable and its listeners have
 * heard it. A watch starts from here, because it replays current state and then relies on listeners for the rest;
 * starting with a commit pending would show it uncommitted objects. Rejects if a commit fails.
 *
 * Writes go on being applied while a commit is in flight, so under steady writes a commit rarely ends with nothing
 * behind it: after a couple of commits settle flushes, blocking the event loop for the commit in flight and the one
 * behind it, so that a list or watch does not wait for the writes to stop.
 */
export async function settle(store: Storage): Promise<void> {
  for (let round = 0; round < ASYNC_ROUNDS && store.durableRevision() < store.currentRevision(); round++) await store.sync();
  if (store.durableRevision() < store.currentRevision()) store.flush();
}
