/**
 * @module One watch connection (WebSocket or chunked HTTP): open it, parse its events, report how it ended.
 * Reconnecting, resuming and relisting are watch.ts's job; this file only speaks the wire format.
 */
import type { WatchEvent, WatchEventType } from '@skiff/api';
import { openHttpWatch } from './http-watch-connection.js';
import type { RestTransport } from './rest-transport.js';
import { openWebSocketWatch } from './ws-watch-connection.js';

/** WatchTransport chooses the wire: a WebSocket upgrade of the watch URL, or a chunked HTTP response of NDJSON. */
export type WatchTransport = 'websocket' | 'http';

/** WatchConnectionOptions describes one connection attempt. */
export interface WatchConnectionOptions {
  /** API path with its query string, `watch=true` included. */
  path: string;
  /** Aborting closes the connection; the promise then resolves. */
  signal: AbortSignal;
  /** Called once the server has accepted the watch (HTTP 200 or WebSocket open). */
  onOpen(): void;
  /** Called for every event, in order. */
  onEvent(event: WatchEvent<unknown>): void;
}

const EVENT_TYPES: ReadonlySet<string> = new Set<WatchEventType>(['ADDED', 'MODIFIED', 'DELETED', 'BOOKMARK', 'ERROR']);

/**
 * openWatchConnection runs one watch connection to its end. It resolves when the server closes the stream or the
 * signal aborts, and rejects with an ApiError when the server refuses the watch (e.g. 410 Gone), or with the network
 * or parse error that broke it.
 */
export function openWatchConnection(transport: RestTransport, kind: WatchTransport, opts: WatchConnectionOptions): Promise<void> {
  return kind === 'http' ? openHttpWatch(transport, opts) : openWebSocketWatch(transport, opts);
}

/** parseWatchEvent decodes one event; a malformed one throws, which ends the connection (to resume from the last RV). */
export function parseWatchEvent(text: string): WatchEvent<unknown> {
  const parsed: unknown = JSON.parse(text);
  if (parsed === null || typeof parsed !== 'object') throw new SyntaxError(`malformed watch event: ${text.slice(0, 200)}`);
  const { type, object } = parsed as { type?: unknown; object?: unknown };
  if (typeof type !== 'string' || !EVENT_TYPES.has(type) || object === null || typeof object !== 'object') {
    throw new SyntaxError(`malformed watch event: ${text.slice(0, 200)}`);
  }
  return { type: type as WatchEventType, object };
}
