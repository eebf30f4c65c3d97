/**
 * @module Responses that may show stored state, sent only once that state is durable.
 */
import type { ServerResponse } from 'node:http';
import type { Storage } from '../storage/storage.js';
import { storedJson } from '../storage/stored-json.js';
import { sendJson } from './send.js';

/**
 * sendDurable waits until every write made so far is durable (at once when none is pending), then sends `body` as
 * JSON, reusing the text the store made at write time for stored objects. With group commit a response computed
 * from the in-memory state may show writes whose commit is pending, its own or other requests'; waiting for all of
 * them is what makes "never reveal a write that could be lost" hold. A failed commit rejects (the caller answers 500).
 */
export async function sendDurable(store: Storage, res: ServerResponse, code: number, body: unknown, warnings?: string[]): Promise<void> {
  await store.sync();
  sendJson(res, code, typeof body === 'object' && body !== null ? storedJson(body) : body, warnings);
}
