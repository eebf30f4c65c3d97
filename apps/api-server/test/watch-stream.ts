/**
 * @module Test helpers that read a watch as a stream of parsed events, over chunked HTTP or WebSocket.
 */
import { request } from 'node:http';
import WebSocket from 'ws';

export interface EventStream {
  events: any[];
  /** Resolves when `n` events have arrived in total (or rejects after timeoutMs). */
  waitFor(n: number, timeoutMs?: number): Promise<any[]>;
  ended: Promise<void>;
  close(): void;
  /** Stop reading from the socket (a slow consumer). */
  pause(): void;
}

function makeStream(): { s: EventStream; push: (e: any) => void; end: () => void } {
  const events: any[] = [];
  let waiters: { n: number; resolve: (e: any[]) => void }[] = [];
  let endResolve!: () => void;
  const ended = new Promise<void>((r) => (endResolve = r));
  const s: EventStream = {
    events,
    ended,
    waitFor(n, timeoutMs = 5000) {
      if (events.length >= n) return Promise.resolve(events.slice(0, n));
      return new Promise((resolve, reject) => {
        const w = { n, resolve };
        waiters.push(w);
        setTimeout(() => reject(new Error(`timed out waiting for ${n} events; got ${events.length}: ${JSON.stringify(events.map((e) => e.type))}`)), timeoutMs);
      });
    },
    close() {},
    pause() {},
  };
  return {
    s,
    push(e) {
      events.push(e);
      waiters = waiters.filter((w) => (events.length >= w.n ? (w.resolve(events.slice(0, w.n)), false) : true));
    },
    end: () => endResolve(),
  };
}

/** httpWatch opens a chunked watch and parses newline-delimited events. */
export function httpWatch(url: string, headers: Record<string, string> = {}): Promise<EventStream & { status: number }> {
  return new Promise((resolve, reject) => {
    const { s, push, end } = makeStream();
    const req = request(url, { headers: { Accept: 'application/json', ...headers } }, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i: number;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i);
          buf = buf.slice(i + 1);
          if (line.trim()) push(JSON.parse(line));
        }
      });
      res.on('end', end);
      res.on('close', end);
      s.close = () => req.destroy();
      s.pause = () => res.pause();
      resolve(Object.assign(s, { status: res.statusCode ?? 0 }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** wsWatch opens the same watch over a WebSocket upgrade: one event per message. */
export function wsWatch(url: string): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const { s, push, end } = makeStream();
    const ws = new WebSocket(url.replace(/^http/, 'ws'));
    ws.on('message', (data) => push(JSON.parse(data.toString())));
    ws.on('close', end);
    ws.on('open', () => {
      s.close = () => ws.close();
      s.pause = () => (ws as any)._socket.pause();
      resolve(s);
    });
    ws.on('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
    ws.on('error', reject);
  });
}
