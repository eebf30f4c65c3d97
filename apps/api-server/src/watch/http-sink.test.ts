import { createServer, get, Agent, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { realClock, RESOURCES, type KubeObject } from '@skiff/api';
import { waitFor } from '@skiff/testing';
import { MemoryStore } from '../storage/memory-store.js';
import { chunkFrame, httpWatchSink } from './http-sink.js';
import { WatchHub } from './watch-hub.js';
import type { WatchSink } from './watcher.js';

// A real node:http server whose handler opens a chunked response the way startHttpWatch does and hands the test
// its sink; clients are node:http (a strict chunked parser) or a raw socket (to see the bytes and pipeline).
let server: Server | undefined;
afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
  server = undefined;
});

interface Opened {
  sink: WatchSink;
  res: ServerResponse;
  path: string;
}

async function listen(onOpen: (o: Opened) => void): Promise<number> {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/plain') return void res.end('plain');
    res.statusCode = 200;
    res.setHeader('Content-Type', 'application/json');
    res.setHeader('Transfer-Encoding', 'chunked');
    res.flushHeaders();
    onOpen({ sink: httpWatchSink(res), res, path: req.url ?? '' });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

const line = (s: string): Buffer => Buffer.from(`${JSON.stringify({ type: 'ADDED', object: { s } })}\n`);

function readBody(port: number, path: string, agent?: Agent): Promise<{ body: Promise<string>; socket: Socket }> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      const body = new Promise<string>((ok, fail) => {
        res.on('end', () => ok(text));
        res.on('error', fail);
      });
      resolve({ body, socket: res.socket });
    }).on('error', reject);
  });
}

describe('httpWatchSink', () => {
  it('writes each event as one prebuilt chunk, the same bytes for every watcher, in one socket write', async () => {
    const opened: Opened[] = [];
    const port = await listen((o) => opened.push(o));
    const clients = await Promise.all([readBody(port, '/a'), readBody(port, '/b')]);
    await waitFor(() => opened.length === 2);
    const writes = opened.map((o) => {
      const seen: unknown[] = [];
      const socket = o.res.socket!;
      const write = socket.write.bind(socket) as (...a: unknown[]) => boolean;
      socket.write = ((...args: unknown[]) => (seen.push(args[0]), write(...args))) as typeof socket.write;
      return seen;
    });
    const one = line('one');
    for (const o of opened) o.sink.send([one]);
    // Node's res.write made four writes an event (size line, CRLF, data, CRLF) for each watcher.
    expect(writes.map((w) => w.length)).toEqual([1, 1]);
    expect(writes[0]![0]).toBe(writes[1]![0]);
    expect(writes[0]![0]).toBe(chunkFrame(one));
    expect((writes[0]![0] as Buffer).toString()).toBe(`${one.length.toString(16)}\r\n${one.toString()}\r\n`);
    // Several queued events: still one write, each event its own chunk.
    const two = line('two');
    const three = line('x'.repeat(70_000));
    for (const o of opened) o.sink.send([two, three]);
    expect(writes.map((w) => w.length)).toEqual([2, 2]);
    for (const o of opened) o.sink.close();
    const bodies = await Promise.all(clients.map((c) => c.body));
    expect(bodies).toEqual([0, 1].map(() => `${one}${two}${three}`));
  });

  it('ends with a last chunk that leaves the connection ready for the next request', async () => {
    const port = await listen(({ sink }) => {
      sink.send([line('first')]);
      setImmediate(() => {
        sink.send([line('second')]);
        sink.close();
      });
    });
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const watch = await readBody(port, '/w', agent);
    expect(await watch.body).toBe(`${line('first')}${line('second')}`);
    const next = await readBody(port, '/plain', agent);
    expect(await next.body).toBe('plain');
    expect(next.socket).toBe(watch.socket); // the same kept-alive connection
    agent.destroy();
  });

  it('keeps the events of a pipelined watch behind the response ahead of it', async () => {
    const opened: Opened[] = [];
    const port = await listen((o) => opened.push(o));
    const raw = connect(port, '127.0.0.1');
    let received = '';
    raw.setEncoding('latin1');
    raw.on('data', (c: string) => (received += c));
    await new Promise((r) => raw.on('connect', r));
    raw.write('GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => opened.length === 2);
    const [first, second] = opened as [Opened, Opened];
    expect(second.res.socket).toBeNull(); // it waits for the first response to end
    second.sink.send([line('second')]);
    first.sink.send([line('first')]);
    first.sink.close();
    await waitFor(() => received.includes('"second"'));
    second.sink.close();
    await waitFor(() => received.split('0\r\n\r\n').length === 3);
    const firstAt = received.indexOf('"first"');
    const secondHeaders = received.indexOf('HTTP/1.1 200', 1);
    expect(firstAt).toBeGreaterThan(0);
    expect(secondHeaders).toBeGreaterThan(firstAt);
    expect(received.indexOf('"second"')).toBeGreaterThan(secondHeaders);
    raw.destroy();
  });

  it('writes the shared chunks by reference to a socket that is behind, and cuts a dropped watcher off', async () => {
    // A WatchHub over real sockets: one watcher reads (node:http), one never reads (a paused raw socket).
    const store = new MemoryStore();
    const hub = new WatchHub({ store, clock: realClock, maxBufferedBytes: 1024 * 1024, stallTimeoutMs: 3_600_000 });
    const request = { info: RESOURCES.pods, resource: 'pods', namespace: 'a', filter: {}, allowBookmarks: false, sendInitialEvents: false };
    const opened: Opened[] = [];
    const port = await listen((o) => (opened.push(o), hub.start(request, o.sink)));
    const reader = await readBody(port, '/reads');
    await waitFor(() => opened.length === 1);
    const stalledClient = connect(port, '127.0.0.1');
    stalledClient.on('error', () => undefined);
    stalledClient.write('GET /stalled HTTP/1.1\r\nHost: x\r\n\r\n');
    stalledClient.pause();
    await waitFor(() => opened.length === 2);
    const stalled = opened[1]!.res.socket!;
    const written: unknown[] = [];
    const write = stalled.write.bind(stalled) as (...a: unknown[]) => boolean;
    stalled.write = ((...args: unknown[]) => (written.push(args[0]), write(...args))) as typeof stalled.write;
    const pod = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'a', name, annotations: { pad: 'x'.repeat(100_000) } } });
    // Until the kernel's buffers are full, one pod a turn; then two a turn, so a flush holds two events.
    let n = 0;
    for (; n < 2000 && hub.size === 2; n++) {
      store.create({ resource: 'pods', namespace: 'a', name: `p${n}` }, pod(`p${n}`));
      if (stalled.writableLength > 0 && n % 2 === 0) continue;
      await new Promise((r) => setImmediate(r));
    }
    // Dropped past maxBufferedBytes, and its connection cut rather than left holding the megabyte it did not read.
    await waitFor(() => hub.size === 1, { what: 'the stalled watcher to be dropped' });
    await waitFor(() => stalled.destroyed, { what: "the stalled watcher's socket to be destroyed" });
    // While it was behind, its writes were the events' shared chunks, not joined copies of them.
    const copies = written.filter((b) => (b as Buffer).length > 200_000);
    expect(written.length).toBeGreaterThan(1);
    expect(copies).toEqual([]);
    // The reader got every event.
    opened[0]!.sink.close();
    const body = await reader.body;
    expect(body.split('\n').filter(Boolean).length).toBe(n);
    stalledClient.destroy();
    hub.close();
  });
});
