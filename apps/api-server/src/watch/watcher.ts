/**
 * @module Watcher: one open watch stream (chunked HTTP or WebSocket) and what it has been sent.
 */
import type { KubeObject, ResourceInfo, TimerHandle } from '@skiff/api';
import type { ListFilter } from '../registry/registry.js';

/** WatchSink is where a watcher's lines go; each transport implements it. */
export interface WatchSink {
  /**
   * Send serialized events, oldest first: each Buffer is one event's JSON text and a trailing newline. The buffers
   * are shared with every other watcher of the event, so a sink never changes them, and the array is reused once
   * the call returns. One call is meant to cost one write to the socket, however many events it carries.
   */
  send(lines: readonly Buffer[]): void;
  /** Bytes queued in the socket and not yet taken by the peer: how far behind this watcher is. */
  buffered(): number;
  /** End the stream cleanly after what is already queued. */
  close(): void;
  /**
   * End the connection now, discarding what the peer has not taken: for a watcher dropped for falling behind,
   * whose queued bytes it may never read (a dead client would hold them, and the socket, for good).
   */
  abort(): void;
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
  /**
   * Streaming list (sendInitialEvents): true sends the current state (not older than resourceVersion) as ADDED
   * events, then a BOOKMARK annotated k8s.io/initial-events-end; false sends only changes after resourceVersion
   * (or from now when there is none). Undefined keeps the legacy meaning of resourceVersion.
   */
  sendInitialEvents?: boolean;
  allowBookmarks: boolean;
  timeoutSeconds?: number;
  /** Render events as one-row Tables (kubectl get -w). */
  table?: { includeObject: 'None' | 'Metadata' | 'Object'; apiVersion: string };
  /** Send PartialObjectMetadata (of this apiVersion) instead of whole objects: a metadata-only watch. */
  metadataOnly?: string;
  /** Converts each object from the storage version to the one watched, when they differ (autoscaling/v1 HPA). */
  convert?: (obj: KubeObject) => KubeObject;
}

/**
 * Watcher tracks one stream: the last revision it was sent, so no event is sent twice or skipped, and the lines
 * queued for it since the hub last wrote to its socket (the outbox), so a burst of events costs one write.
 */
export class Watcher {
  lastRevision = 0;
  closed = false;
  headersSent = false;
  timer: TimerHandle | undefined;
  /** The sink's buffered bytes right after the last flush: fewer at the next event means the peer took some. */
  bufferedAfterFlush = 0;
  /** Since when (clock ms) the peer has had bytes waiting and taken none of them; undefined while it keeps up. */
  stalledSince: number | undefined;
  #outbox: Buffer[] = [];
  #spare: Buffer[] = [];
  #outboxBytes = 0;

  /**
   * The canonical text of the watch's selectors (undefined without any): watchers whose selectors print alike
   * select alike, so a change is matched once per distinct selector, not once per watcher.
   */
  readonly filterKey: string | undefined;

  constructor(
    readonly request: WatchRequest,
    readonly sink: WatchSink,
    readonly onClose: () => void,
  ) {
    const { labelSelector, fieldSelector } = request.filter;
    if (!labelSelector && !fieldSelector) return;
    // Selector.nothing() prints "" as everything() does (as kube's); no parsed selector prints "!nothing".
    const labels = labelSelector && !labelSelector.empty && labelSelector.requirements.length === 0 ? '!nothing' : (labelSelector?.toString() ?? '');
    this.filterKey = `${labels}\n${fieldSelector?.toString() ?? ''}`;
  }

  /** queuedBytes is what the outbox holds: with the socket's own buffer, how far behind this watcher is. */
  get queuedBytes(): number {
    return this.#outboxBytes;
  }

  /** queue appends a line to the outbox; it is sent by the next flush. */
  queue(line: Buffer): void {
    this.#outbox.push(line);
    this.#outboxBytes += line.length;
  }

  /** flush hands everything queued to the sink in one call. */
  flush(): void {
    if (this.closed || this.#outbox.length === 0) return;
    // Two arrays take turns (sinks use theirs only during the call): no new array a watcher an event, and anything
    // queued while the sink writes goes to the other one.
    const lines = this.#outbox;
    this.#outbox = this.#spare;
    this.#spare = lines;
    this.#outboxBytes = 0;
    this.sink.send(lines);
    lines.length = 0;
    this.bufferedAfterFlush = this.sink.buffered();
  }

  /**
   * close ends the stream, first sending what is queued (a closing bookmark, say) unless `drop`: a watcher closed
   * for being too far behind is sent nothing more, and its connection is cut (sink.abort) rather than left holding
   * the bytes it has not read; the client re-watches from the last revision it got, as after any broken watch.
   */
  close(drop = false): void {
    if (this.closed) return;
    if (!drop) this.flush();
    this.#outbox.length = 0;
    this.#outboxBytes = 0;
    this.closed = true;
    if (drop) this.sink.abort();
    else this.sink.close();
    this.onClose();
  }
}
