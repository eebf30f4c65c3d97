/**
 * @module A watch over a WebSocket upgrade of the watch URL: one JSON event per text message (kube's HandleWS).
 */
import type { IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { apiErrorFromResponse } from './api-error-from-response.js';
import type { RestTransport } from './rest-transport.js';
import { parseWatchEvent, type WatchConnectionOptions } from './watch-connection.js';

/** PING_INTERVAL_MS is how often an idle socket is probed; a missing pong by the next probe means it is dead. */
const PING_INTERVAL_MS = 30_000;

/**
 * openWebSocketWatch is the WebSocket transport of openWatchConnection. A refused upgrade (e.g. HTTP 410 with a
 * Status body) rejects with the server's ApiError. Pings detect half-open connections that TCP alone would keep
 * "open" for minutes after the api-server's host went away.
 */
export function openWebSocketWatch(transport: RestTransport, opts: WatchConnectionOptions): Promise<void> {
  const { signal } = opts;
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve, reject) => {
    const ws = new WebSocket(transport.url(opts.path, 'ws'), {
      ...transport.tlsConnect,
      headers: { ...transport.headers(), accept: 'application/json' },
      perMessageDeflate: false,
      handshakeTimeout: transport.timeoutMs,
    });
    let settled = false;
    let alive = true;
    let pinger: NodeJS.Timeout | undefined;

    const finish = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      clearInterval(pinger);
      signal.removeEventListener('abort', onAbort);
      if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
      if (err === undefined || signal.aborted) resolve();
      else reject(err);
    };
    const onAbort = (): void => finish();
    signal.addEventListener('abort', onAbort, { once: true });

    ws.on('open', () => {
      if (settled) return;
      pinger = setInterval(() => {
        if (!alive) return finish(new Error('watch WebSocket did not answer ping'));
        alive = false;
        ws.ping();
      }, PING_INTERVAL_MS);
      pinger.unref();
      opts.onOpen();
    });
    ws.on('pong', () => {
      alive = true;
    });
    ws.on('message', (data) => {
      if (settled) return;
      alive = true;
      try {
        const text = Buffer.isBuffer(data) ? data.toString('utf8') : Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data).toString('utf8');
        opts.onEvent(parseWatchEvent(text));
      } catch (err) {
        finish(err);
      }
    });
    ws.on('unexpected-response', (req, res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => finish(apiErrorFromResponse(res.statusCode ?? 500, Buffer.concat(chunks).toString('utf8'))));
      res.on('error', (err) => finish(err));
      req.on('error', () => {});
    });
    ws.on('error', (err) => finish(err));
    ws.on('close', () => finish());
  });
}
