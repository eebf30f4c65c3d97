import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { silentLogger } from '@skiff/controller-kit';
import { waitFor } from '@skiff/testing';
import type { ContainerStream } from '../runtime/container-runtime.js';
import { runChannelSession } from './channel-session.js';

/** FakeStream is a ContainerStream whose process the test plays: it writes the output and reads stdin. */
function fakeStream(exitCode: number | undefined) {
  const stdout = new PassThrough({ highWaterMark: 64 * 1024 });
  const stderr = new PassThrough();
  const stdin = new PassThrough();
  const calls = { resize: [] as [number, number][], closed: 0 };
  const stream: ContainerStream = {
    stdout,
    stderr,
    stdin,
    tty: false,
    resize: async (w, h) => void calls.resize.push([w, h]),
    exitCode: async () => exitCode,
    close: async () => {
      calls.closed++;
      stdout.destroy();
      stderr.destroy();
    },
  };
  return { stream, stdout, stderr, stdin, calls };
}

let server: Server | undefined;
const clients: WebSocket[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.terminate();
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

/** serve runs one session for `stream` behind a real WebSocket server and connects a client to it. */
async function serve(stream: ContainerStream, protocol = 'v5.channel.k8s.io', client = { autoPong: true, heartbeatMs: 30_000 }): Promise<{ client: WebSocket; done: Promise<void>; got: Collected }> {
  const wss = new WebSocketServer({ noServer: true, handleProtocols: () => protocol });
  let done!: Promise<void>;
  server = createServer();
  server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => (done = runChannelSession(ws, stream, { protocol, readyChannel: 1, logger: silentLogger, heartbeatMs: client.heartbeatMs }))));
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const ws = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}/`, [protocol], { autoPong: client.autoPong });
  clients.push(ws);
  const got = collect(ws);
  await new Promise((r) => ws.once('open', r));
  await waitFor(() => done !== undefined, { what: 'the session' });
  return { client: ws, done, got };
}

interface Collected {
  frames: Buffer[];
  bytes(ch: number): number;
  text(ch: number): string;
}

function collect(client: WebSocket): Collected {
  const frames: Buffer[] = [];
  client.on('message', (d: Buffer) => frames.push(d));
  const of = (ch: number) => frames.filter((f) => f[0] === ch).map((f) => f.subarray(1));
  return { frames, bytes: (ch) => of(ch).reduce((n, b) => n + b.length, 0), text: (ch) => Buffer.concat(of(ch)).toString() };
}

describe('runChannelSession', () => {
  it('announces the streams, keeps stdout and stderr apart and ends with the exit code Status and 1000', async () => {
    const f = fakeStream(3);
    const { client, done, got } = await serve(f.stream);
    const closed = new Promise<number>((r) => client.once('close', (code) => r(code)));
    f.stdout.end('out');
    f.stderr.end('err');
    expect(await closed).toBe(1000);
    await done;
    expect(got.frames[0]).toEqual(Buffer.from([1]));
    expect(got.text(1)).toBe('out');
    expect(got.text(2)).toBe('err');
    expect(JSON.parse(got.text(3))).toEqual({
      metadata: {},
      status: 'Failure',
      message: 'command terminated with non-zero exit code: error executing command, exit code 3',
      reason: 'NonZeroExitCode',
      details: { causes: [{ reason: 'ExitCode', message: '3' }] },
    });
  });

  it('pauses the output while the client does not read, and loses nothing', async () => {
    const f = fakeStream(0);
    const { client, done, got } = await serve(f.stream);
    client.pause(); // the client stops reading its socket
    const chunk = Buffer.alloc(64 * 1024, 7);
    let written = 0;
    // The process writes until its pipe is full: without back-pressure every write would be taken at once.
    while (f.stdout.write(chunk)) {
      written += chunk.length;
      if (written > 64 << 20) throw new Error('the session never pushed back');
      await new Promise((r) => setImmediate(r));
    }
    written += chunk.length;
    expect(written).toBeLessThan(32 << 20);
    client.resume();
    f.stdout.end();
    f.stderr.end();
    await done;
    await waitFor(() => got.bytes(3) > 0, { what: 'the end Status' });
    expect(got.bytes(1)).toBe(written);
    expect(JSON.parse(got.text(3))).toEqual({ metadata: {}, status: 'Success' });
  });

  it('writes stdin, resizes, and closes stdin on the v5 close signal', async () => {
    const f = fakeStream(0);
    const { client } = await serve(f.stream);
    let input = '';
    f.stdin.on('data', (d: Buffer) => (input += d.toString()));
    const ended = new Promise((r) => f.stdin.once('end', r));
    client.send(Buffer.from([0, ...Buffer.from('hello')]));
    client.send(Buffer.from([4, ...Buffer.from('{"Width":120,"Height":40}')]));
    client.send(Buffer.from([4, ...Buffer.from('not json')]));
    client.send(Buffer.from([255, 0]));
    await ended;
    expect(input).toBe('hello');
    expect(f.calls.resize).toEqual([[120, 40]]);
  });

  it('v4 has no close signal: a 255 frame leaves stdin open', async () => {
    const f = fakeStream(0);
    const { client } = await serve(f.stream, 'v4.channel.k8s.io');
    let input = '';
    f.stdin.on('data', (d: Buffer) => (input += d.toString()));
    client.send(Buffer.from([255, 0]));
    client.send(Buffer.from([0, ...Buffer.from('after')]));
    await waitFor(() => input === 'after', { what: 'stdin after the 255 frame' });
    expect(f.stdin.writableEnded).toBe(false);
  });

  it('ends the session of a client that stops answering pings (a half-open connection)', async () => {
    const answering = fakeStream(0);
    const alive = await serve(answering.stream, 'v5.channel.k8s.io', { autoPong: true, heartbeatMs: 20 });
    let pings = 0;
    alive.client.on('ping', () => pings++);
    await waitFor(() => pings >= 5, { what: 'five pings answered' });
    expect(answering.calls.closed).toBe(0);
    alive.client.terminate();
    await alive.done;

    const f = fakeStream(0);
    const { done } = await serve(f.stream, 'v5.channel.k8s.io', { autoPong: false, heartbeatMs: 20 });
    await done;
    expect(f.calls.closed).toBe(1);
  });

  it('closes the container stream when the client goes first', async () => {
    const f = fakeStream(0);
    const { client, done } = await serve(f.stream);
    client.terminate();
    await done;
    expect(f.calls.closed).toBe(1);
  });
});
