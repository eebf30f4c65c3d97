/**
 * @module A watch over chunked HTTP: newline-delimited JSON events in one long response.
 */
import { NdjsonSplitter } from './ndjson-splitter.js';
import type { RestTransport } from './rest-transport.js';
import { parseWatchEvent, type WatchConnectionOptions } from './watch-connection.js';

/**
 * openHttpWatch is the chunked-HTTP transport of openWatchConnection, the one kubectl and client-node use. It reads
 * the body as a stream and hands each complete line to onEvent, stopping at once if onEvent aborted the signal.
 */
export async function openHttpWatch(transport: RestTransport, opts: WatchConnectionOptions): Promise<void> {
  const { signal } = opts;
  if (signal.aborted) return;
  let body;
  try {
    body = await transport.stream({ method: 'GET', path: opts.path, signal });
  } catch (err) {
    if (signal.aborted) return;
    throw err;
  }
  opts.onOpen();
  const splitter = new NdjsonSplitter();
  try {
    for await (const chunk of body) {
      for (const line of splitter.push(chunk as Buffer)) {
        opts.onEvent(parseWatchEvent(line));
        if (signal.aborted) return;
      }
    }
    for (const line of splitter.end()) {
      opts.onEvent(parseWatchEvent(line));
      if (signal.aborted) return;
    }
  } catch (err) {
    if (signal.aborted) return;
    throw err;
  } finally {
    if (!body.destroyed) body.destroy();
  }
}
