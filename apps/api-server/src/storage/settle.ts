/**
 * @module Waiting until a store has no pending writes at all.
 */
import type { Storage } from './storage.js';

/**
 * settle resolves once nothing is pending: every revision the store has applied is durable and its listeners have
 * heard it. A watch starts from here, because it replays current state and then relies on listeners for the rest;
 * starting with a commit pending would show it uncommitted objects. Rejects if a commit fails.
 */
export async function settle(store: Storage): Promise<void> {
  // Writes made while we waited form a new batch; under steady load this loops once, since the continuation runs
  // right after the commit, before any other request is read.
  while (store.durableRevision() < store.currentRevision()) await store.sync();
}
