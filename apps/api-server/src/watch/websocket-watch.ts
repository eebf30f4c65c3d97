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
import { writeFrames } from './write-frames.js';
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
 * wsSink sends each event as one text message. The frame of an event is made once (textFrame) and the same bytes
 * go to every WebSocket watcher, straight to the upgraded socket: one write a call, however many events it carries,
 * and none of the ws library's per-message framing for each of a thousand watchers. This is safe beside ws's own
 * sends (close, pong): without permessage-deflate its Sender writes to the socket at once, never queues, so frames
 * stay whole and in order.
 */
function wsSink(ws: WebSocket, socket: Duplex): WatchSink {
  return {
    send(lines) {
      if (ws.readyState !== ws.OPEN || lines.length === 0) return;
      writeFrames(socket, lines, textFrame);
    },
    buffered: () => ws.bufferedAmount,
    close() {
      if (ws.readyState === ws.OPEN) ws.close(1000);
    },
    // No close frame: it would wait behind what the peer has not read, and ws's close handshake for 30 s more.
    abort: () => ws.terminate(),
  };
}

/** The frames made for event lines; an entry lives as long as the line, which is shared by all of an event's watchers. */
const frames = new WeakMap<Buffer, Buffer>();

/**
 * textFrame is the unmasked, final WebSocket text frame (RFC 6455 5.2) whose payload is `line` without its
 * trailing newline. Frames a server sends are never masked, so one frame serves every client.
 */
export function textFrame(line: Buffer): Buffer {
  let frame = frames.get(line);
  if (frame) return frame;
  const length = line.length - 1;
  const head = length < 126 ? 2 : length < 65536 ? 4 : 10;
  frame = Buffer.allocUnsafe(head + length);
  frame[0] = 0x81; // FIN, opcode 1 (text)
  if (head === 2) frame[1] = length;
  else if (head === 4) {
    frame[1] = 126;
    frame.writeUInt16BE(length, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(length), 2);
  }
  line.copy(frame, head, 0, length);
  frames.set(line, frame);
  return frame;
}

function refuse(socket: Duplex, err: ApiError): void {
  endSocketWithStatus(socket, err);
}
