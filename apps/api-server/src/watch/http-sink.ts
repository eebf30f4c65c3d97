/**
 * @module The chunked-HTTP transport of a watch: one JSON event per line.
 */
import type { ServerResponse } from 'node:http';
import type { WatchSink } from './watcher.js';

/**
 * httpWatchSink writes newline-delimited events to a chunked response (client-node splits on newlines): the
 * shared buffer itself for one event, one joined chunk for several, so each call is one write.
 */
export function httpWatchSink(res: ServerResponse): WatchSink {
  return {
    send(lines) {
      if (res.writableEnded || lines.length === 0) return;
      res.write(lines.length === 1 ? (lines[0] as Buffer) : Buffer.concat(lines));
    },
    buffered: () => res.writableLength,
    close() {
      if (!res.writableEnded) res.end();
    },
  };
}
