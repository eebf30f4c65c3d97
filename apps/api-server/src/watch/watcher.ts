/**
 * @module Watcher: one open watch stream (chunked HTTP or WebSocket) and what it has been sent.
 */
import type { ResourceInfo } from '@skiff/api';
import type { ListFilter } from '../registry/registry.js';

/** WatchSink is where a watcher's lines go; each transport implements it. */
export interface WatchSink {
  /** Send one serialized event (JSON text without the trailing newline). */
  send(text: string): void;
  /** Bytes queued in the socket and not yet taken by the peer: how far behind this watcher is. */
  buffered(): number;
  close(): void;
}

/** WatchRequest is a parsed watch: what to watch and how to render it. */
export interface WatchRequest {
  info: ResourceInfo;
  /** Group-qualified resource string used by the store ("pods", "deployments.apps"). */
  resource: string;
  namespace?: string;
  filter: ListFilter;
  /** Undefined or 0: start with ADDED for every current object. */
  resourceVersion?: number;
  allowBookmarks: boolean;
  timeoutSeconds?: number;
  /** Render events as one-row Tables (kubectl get -w). */
  table?: { includeObject: 'None' | 'Metadata' | 'Object'; apiVersion: string };
}

/** Watcher tracks one stream: the last revision it was sent, so no event is sent twice or skipped. */
export class Watcher {
  lastRevision = 0;
  closed = false;
  headersSent = false;
  timer: unknown;

  constructor(
    readonly request: WatchRequest,
    readonly sink: WatchSink,
    readonly onClose: () => void,
  ) {}

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sink.close();
    this.onClose();
  }
}
