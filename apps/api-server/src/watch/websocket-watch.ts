/**
 * @module Watch over a WebSocket upgrade of the watch URL: one JSON event per text message (kube's HandleWS).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { errors, type ApiError } from '@skiff/api';
import { parseApiPath } from '../http/api-path.js';
import { boolParam } from '../http/query.js';
import { endSocketWithStatus, toApiError } from '../http/send.js';
import { watchRequest } from '../routes/api-handler.js';
import { settle } from '../storage/settle.js';
import type { Storage } from '../storage/storage.js';
import type { WatchHub } from './watch-hub.js';
import type { WatchSink } from './watcher.js';

/** WebSocketWatch accepts upgrades of watch URLs and refuses every other upgrade with a Status. */
export class WebSocketWatch {
  readonly #wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024, perMessageDeflate: false });
  readonly #hub: WatchHub;
  readonly #store: Storage;

  constructor(hub: WatchHub, store: Storage) {
    this.#hub = hub;
    this.#store = store;
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
    const watch = request;
    // The watch starts from current state: wait until none of it is pending a commit (see settle), and for a
    // resourceVersion the store has not reached yet (see WatchHub.waitUntilFresh).
    const fresh = watch.resourceVersion ? this.#hub.waitUntilFresh(watch.resourceVersion) : Promise.resolve(true);
    fresh.then(() => settle(this.#store)).then(
      () => {
        this.#wss.handleUpgrade(req, socket, head, (ws) => {
          const watcher = this.#hub.start(watch, wsSink(ws, socket));
          ws.on('close', () => watcher.close());
          ws.on('error', () => watcher.close());
        });
      },
      (err: unknown) => refuse(socket, toApiError(err)),
    );
  }

  close(): void {
    for (const ws of this.#wss.clients) ws.terminate();
    this.#wss.close();
  }
}

/**
 * wsSink sends each event as one text message, framing the shared buffer without its newline (a view, no copy).
 * Messages are separate frames, so the socket is corked around them: the frames of one call leave in one writev.
 */
function wsSink(ws: WebSocket, socket: Duplex): WatchSink {
  return {
    send(lines) {
      if (ws.readyState !== ws.OPEN) return;
      socket.cork();
      try {
        for (const line of lines) ws.send(line.subarray(0, line.length - 1), { binary: false });
      } finally {
        socket.uncork();
      }
    },
    buffered: () => ws.bufferedAmount,
    close() {
      if (ws.readyState === ws.OPEN) ws.close(1000);
    },
  };
}

function refuse(socket: Duplex, err: ApiError): void {
  endSocketWithStatus(socket, err);
}
