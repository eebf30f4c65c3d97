import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { connect, type AddressInfo, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { realClock, type KubeObject } from '@skiff/api';
import { waitFor } from '@skiff/testing';
import { MemoryStore } from '../storage/memory-store.js';
import { WatchHub } from './watch-hub.js';
import { textFrame, WebSocketWatch } from './websocket-watch.js';

// ws's own frame parser, as a client uses it: a frame it accepts is one every WebSocket client accepts.
const { Receiver } = createRequire(import.meta.url)('ws') as { Receiver: new (opts: { isServer: boolean }) => NodeJS.WritableStream & { on(ev: 'message', f: (data: Buffer, isBinary: boolean) => void): void; on(ev: 'error', f: (err: Error) => void): void } };

describe('textFrame', () => {
  it.each([0, 1, 125, 126, 65535, 65536, 300_000])('frames a %i-byte event as one text message a client reads back whole', async (size) => {
    const text = `{"type":"ADDED","object":${JSON.stringify('x'.repeat(Math.max(0, size - 27)))}}`.slice(0, size).padEnd(size, ' ');
    const line = Buffer.from(text + '\n');
    const receiver = new Receiver({ isServer: false });
    const got = new Promise<{ data: string; isBinary: boolean }>((resolve, reject) => {
      receiver.on('message', (data, isBinary) => resolve({ data: data.toString(), isBinary }));
      receiver.on('error', reject);
    });
    const frame = textFrame(line);
    expect(textFrame(line)).toBe(frame); // made once, shared by every watcher of the event
    receiver.write(frame);
    const { data, isBinary } = await got;
    expect(isBinary).toBe(false);
    expect(data).toBe(text);
  });
});

describe('WebSocketWatch', () => {
  it('cuts the connection of a watcher dropped for falling behind, not a close frame queued behind what it did not read', async () => {
    const store = new MemoryStore();
    const hub = new WatchHub({ store, clock: realClock, maxBufferedBytes: 1024 * 1024, stallTimeoutMs: 3_600_000 });
    const wsw = new WebSocketWatch(hub, store);
    let serverSide: Duplex | undefined;
    const server = createServer((_req, res) => res.end());
    server.on('upgrade', (req, socket: Duplex, head: Buffer) => {
      serverSide = socket;
      wsw.handleUpgrade(req, socket, head);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const client: Socket = connect((server.address() as AddressInfo).port, '127.0.0.1');
    client.on('error', () => undefined);
    client.write('GET /api/v1/namespaces/a/pods?watch=true HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n');
    client.pause(); // reads nothing: its buffers fill, then the server's for it
    await waitFor(() => hub.size === 1, { what: 'the watch to start' });
    const pod = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { namespace: 'a', name, annotations: { pad: 'x'.repeat(100_000) } } });
    for (let n = 0; n < 2000 && hub.size === 1; n++) {
      store.create({ resource: 'pods', namespace: 'a', name: `p${n}` }, pod(`p${n}`));
      await new Promise((r) => setImmediate(r));
    }
    expect(hub.size).toBe(0);
    await waitFor(() => serverSide!.destroyed, { what: "the dropped watcher's socket to be destroyed" });
    client.destroy();
    wsw.close();
    hub.close();
    await new Promise((r) => server.close(r));
  });
});
