/**
 * @module A small fake api-server for client tests: records every request, answers REST calls through a test-supplied
 * responder, and serves one watchable collection with Kubernetes watch semantics over chunked HTTP and WebSocket.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { KubeObject, ObjectMeta, WatchEvent, WatchEventType } from '@skiff/api';

/** RecordedRequest is what the fake saw of one request. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingMessage['headers'];
  body: string;
  upgrade: boolean;
}

/** FakeResponse is what a responder answers; an object body is sent as JSON. */
export interface FakeResponse {
  status?: number;
  body?: unknown;
  contentType?: string;
}

export type Responder = (req: RecordedRequest) => FakeResponse | undefined;

interface Watcher {
  send(ev: WatchEvent<unknown>): void;
  close(): void;
  bookmarks: boolean;
}

/** FakeApiServerOptions tunes the watchable collection. */
export interface FakeApiServerOptions {
  /** Path of the watchable collection. */
  collection?: string;
  /** How a too-old resourceVersion is refused: HTTP 410, or an ERROR event on an accepted stream. */
  expired?: 'http' | 'event';
  /** Replay this many already-seen events again on resume, as a sloppy server might: the client must skip them. */
  replayOverlap?: number;
}

/** FakeApiServer is the test's handle on the fake. */
export interface FakeApiServer {
  url: string;
  requests: RecordedRequest[];
  watchRequests(): RecordedRequest[];
  respond(responder: Responder): void;
  /** Writes an object to the store with the next revision and fans the event out. */
  put(obj: { apiVersion: string; kind: string; metadata: ObjectMeta }, type?: Exclude<WatchEventType, 'BOOKMARK' | 'ERROR'>): KubeObject;
  remove(name: string): void;
  /** Sends a BOOKMARK at the current revision, or at `rv` (as if other resources had moved the revision on). */
  bookmark(rv?: number): void;
  /** Forgets history: watches from before the current revision now get 410. */
  compact(): void;
  /** Cuts every open watch without a goodbye. */
  dropWatches(): void;
  /** Ends every open watch cleanly, as a server does when timeoutSeconds runs out. */
  endWatches(): void;
  /** Sends a raw event to every watcher. */
  sendToWatchers(ev: WatchEvent<unknown>): void;
  watcherCount(): number;
  revision(): number;
  options: FakeApiServerOptions;
  close(): Promise<void>;
}

/** failureStatus is a metav1.Status failure body as an api-server sends it, written out by hand (not by ApiError). */
export const failureStatus = (code: number, reason: string, message: string, details?: object): object => ({
  kind: 'Status',
  apiVersion: 'v1',
  metadata: {},
  status: 'Failure',
  message,
  reason,
  code,
  ...(details ? { details } : {}),
});

/** startFakeApiServer listens on 127.0.0.1 on a free port. */
export async function startFakeApiServer(options: FakeApiServerOptions = {}): Promise<FakeApiServer> {
  const collection = options.collection ?? '/api/v1/namespaces/default/pods';
  const requests: RecordedRequest[] = [];
  const objects = new Map<string, KubeObject>();
  const log: { rv: number; event: WatchEvent<KubeObject> }[] = [];
  const watchers = new Set<Watcher>();
  let rv = 100;
  let oldest = 0;
  let responder: Responder = () => undefined;

  const record = (req: IncomingMessage, body: string, upgrade: boolean): RecordedRequest => {
    const url = new URL(req.url ?? '/', 'http://fake');
    const rec = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers: req.headers, body, upgrade };
    requests.push(rec);
    return rec;
  };

  const fanOut = (ev: WatchEvent<unknown>): void => {
    for (const w of watchers) w.send(ev);
  };

  /** httpRefusal is the 410 Status for a watch from a compacted revision, when refusals are HTTP answers. */
  const httpRefusal = (rec: RecordedRequest): object | undefined => {
    const n = Number(rec.query['resourceVersion'] ?? 0);
    if (options.expired === 'event' || !(n > 0 && n < oldest)) return undefined;
    return failureStatus(410, 'Expired', `too old resource version: ${n} (${oldest})`);
  };

  /** startWatch registers an accepted watcher and replays what it missed (or sends the ERROR 410 event). */
  const startWatch = (rec: RecordedRequest, watcher: Watcher): void => {
    const n = Number(rec.query['resourceVersion'] ?? 0);
    if (n > 0 && n < oldest) {
      watcher.send({ type: 'ERROR', object: failureStatus(410, 'Expired', `too old resource version: ${n} (${oldest})`) });
      watcher.close();
      return;
    }
    if (n === 0) {
      for (const obj of objects.values()) watcher.send({ type: 'ADDED', object: obj });
    } else {
      const overlap = options.replayOverlap ?? 0;
      const missed = log.filter((e) => e.rv > n);
      const replay = overlap > 0 ? log.filter((e) => e.rv <= n).slice(-overlap) : [];
      for (const e of [...replay, ...missed]) watcher.send(e.event);
    }
    watchers.add(watcher);
    return undefined;
  };

  const send = (res: ServerResponse, code: number, body: unknown, contentType = 'application/json'): void => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(code, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rec = record(req, Buffer.concat(chunks).toString('utf8'), false);
      const answer = responder(rec);
      if (answer) {
        send(res, answer.status ?? 200, answer.body ?? '', answer.contentType);
        return;
      }
      if (rec.method === 'GET' && rec.path === collection && rec.query['watch'] === 'true') {
        const refusal = httpRefusal(rec);
        if (refusal) return send(res, 410, refusal);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.flushHeaders();
        const watcher: Watcher = {
          bookmarks: rec.query['allowWatchBookmarks'] === 'true',
          send: (ev) => void res.write(JSON.stringify(ev) + '\n'),
          close: () => {
            watchers.delete(watcher);
            res.end();
          },
        };
        res.on('close', () => watchers.delete(watcher));
        startWatch(rec, watcher);
        return;
      }
      if (rec.method === 'GET' && rec.path === collection) {
        send(res, 200, { kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: String(rv) }, items: [...objects.values()] });
        return;
      }
      if (rec.method === 'GET' && rec.path === '/version') {
        send(res, 200, { major: '1', minor: '32', gitVersion: 'v1.32.0-fake' });
        return;
      }
      send(res, 404, failureStatus(404, 'NotFound', `the server could not find the requested resource (${rec.path})`));
    });
  });

  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const sockets = new Set<WebSocket>();
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const rec = record(req, '', true);
    const refuse = (code: number, body: object): void => {
      const text = JSON.stringify(body);
      socket.end(`HTTP/1.1 ${code} Refused\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
    };
    const answer = responder(rec);
    if (answer) return refuse(answer.status ?? 500, (answer.body ?? {}) as object);
    if (rec.path !== collection || rec.query['watch'] !== 'true') return refuse(404, failureStatus(404, 'NotFound', 'not a watch'));
    const refusal = httpRefusal(rec);
    if (refusal) return refuse(410, refusal);
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      const watcher: Watcher = {
        bookmarks: rec.query['allowWatchBookmarks'] === 'true',
        send: (ev) => ws.send(JSON.stringify(ev)),
        close: () => {
          watchers.delete(watcher);
          ws.close(1000);
        },
      };
      ws.on('close', () => {
        watchers.delete(watcher);
        sockets.delete(ws);
      });
      startWatch(rec, watcher);
    });
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    options,
    watchRequests: () => requests.filter((r) => r.query['watch'] === 'true'),
    respond(next) {
      responder = next;
    },
    put(obj, type) {
      rv++;
      const stored: KubeObject = { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv) } };
      const name = stored.metadata.name ?? '';
      const eventType = type ?? (objects.has(name) ? 'MODIFIED' : 'ADDED');
      objects.set(name, stored);
      const event = { type: eventType, object: stored };
      log.push({ rv, event });
      fanOut(event);
      return stored;
    },
    remove(name) {
      const obj = objects.get(name);
      if (!obj) return;
      objects.delete(name);
      rv++;
      const event: WatchEvent<KubeObject> = { type: 'DELETED', object: { ...obj, metadata: { ...obj.metadata, resourceVersion: String(rv) } } };
      log.push({ rv, event });
      fanOut(event);
    },
    bookmark(at) {
      if (at !== undefined) rv = Math.max(rv, at);
      for (const w of watchers) {
        if (w.bookmarks) w.send({ type: 'BOOKMARK', object: { kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: String(at ?? rv) } } });
      }
    },
    compact() {
      oldest = rv;
      log.length = 0;
    },
    dropWatches() {
      for (const ws of sockets) ws.terminate();
      server.closeAllConnections();
      watchers.clear();
    },
    endWatches() {
      for (const w of [...watchers]) w.close();
    },
    sendToWatchers: fanOut,
    watcherCount: () => watchers.size,
    revision: () => rv,
    async close() {
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
