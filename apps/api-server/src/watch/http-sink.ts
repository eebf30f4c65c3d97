/**
 * @module The chunked-HTTP transport of a watch: one JSON event per line.
 */
import type { ServerResponse } from 'node:http';
import type { WatchSink } from './watcher.js';

/** httpWatchSink writes newline-delimited events to a chunked response (client-node splits on newlines). */
export function httpWatchSink(res: ServerResponse): WatchSink {
  return {
    send(text) {
      if (!res.writableEnded) res.write(text + '\n');
    },
    buffered: () => res.writableLength,
    close() {
      if (!res.writableEnded) res.end();
    },
  };
}
