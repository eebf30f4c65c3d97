/**
 * @module Watch over a WebSocket upgrade of the watch URL: one JSON event per text message (kube's HandleWS).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { errors, type ApiError } from '@skiff/api';
import { parseApiPath } from '../http/api-path.js';
import { boolParam } from '../http/query.js';
import { toApiError } from '../http/send.js';
import { watchRequest } from '../routes/api-handler.js';
import type { WatchHub } from './watch-hub.js';
import type { WatchSink } from './watcher.js';

/** WebSocketWatch accepts upgrades of watch URLs and refuses every other upgrade with a Status. */
export class WebSocketWatch {
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, perMessageDeflate: false });
  readonly #hub: WatchHub;

  constructor(hub: WatchHub) {
    this.#hub = hub;
  }

  /** handleUpgrade is the http.Server 'upgrade' listener. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    let request;
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const path = parseApiPath(url.pathname);
      if (!path?.info || path.name !== undefined || path.subresource) throw errors.notFound('', '', url.pathname);
      if (!boolParam(url.searchParams, 'watch')) throw errors.badRequest('WebSocket upgrades are served only for watch requests (?watch=true)');
      request = watchRequest(path, path.info, url.searchParams, req.headers.accept);
    } catch (err) {
      refuse(socket, toApiError(err));
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      const watcher = this.#hub.start(request, wsSink(ws));
      ws.on('close', () => watcher.close());
      ws.on('error', () => watcher.close());
    });
  }

  close(): void {
    for (const ws of this.#wss.clients) ws.terminate();
    this.#wss.close();
  }
}

function wsSink(ws: WebSocket): WatchSink {
  return {
    send(text) {
      if (ws.readyState === ws.OPEN) ws.send(text);
    },
    buffered: () => ws.bufferedAmount,
    close() {
      if (ws.readyState === ws.OPEN) ws.close(1000);
    },
  };
}

function refuse(socket: Duplex, err: ApiError): void {
  const body = JSON.stringify(err.toStatus());
  socket.end(
    `HTTP/1.1 ${err.code} ${err.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
