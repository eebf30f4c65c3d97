import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import WebSocket from 'ws';
import { FakeClock } from '@skiff/api';
import { silentLogger } from '@skiff/controller-kit';
import { waitFor } from '@skiff/testing';
import { createPortForwardServer, type PortForwardServer } from './port-forward.js';
import { encodeData, encodePing, encodeRstStream, encodeSynStream, FLAG_FIN, FrameReader, type Frame } from './spdy-frames.js';
import { HeaderCompressor, HeaderDecompressor } from './spdy-header-codec.js';

// Real sockets all the way: a TCP "pod", the agent's endpoint on an HTTP server, and a SPDY client built from the
// framing module (what kubectl's spdystream sends: an error stream, then a data stream, per requestID).

const cleanups: (() => void | Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function listen<T extends Server | HttpServer>(s: T): Promise<number> {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => s.close(() => r())));
  return (s.address() as AddressInfo).port;
}

/** pod starts a TCP server standing in for a pod's port; `onConn` decides what it does with each connection. */
async function pod(onConn: (s: Socket) => void): Promise<{ port: number; sockets: Socket[] }> {
  const sockets: Socket[] = [];
  const srv = createServer((s) => {
    sockets.push(s);
    s.on('error', () => undefined);
    onConn(s);
  });
  cleanups.push(() => sockets.forEach((s) => s.destroy()));
  return { port: await listen(srv), sockets };
}

/** deadPort is a loopback port nothing listens on (it was just closed). */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

interface Agent {
  port: number;
  metrics: Registry;
  clock: FakeClock;
  server: PortForwardServer;
}

async function agent(maxStreamsPerConnection?: number): Promise<Agent> {
  const metrics = new Registry();
  const clock = new FakeClock();
  const resolve = (ns: string, name: string) => (name === 'p' ? { ip: '127.0.0.1', uid: 'uid-1' } : { code: 404, message: `pod ${ns}/${name} is not on this node` });
  const server = createPortForwardServer({ resolve, clock, logger: silentLogger, metrics, ...(maxStreamsPerConnection ? { maxStreamsPerConnection } : {}) });
  const http = createHttpServer((_req, res) => void res.end());
  http.on('upgrade', (req, socket, head) => server.handleUpgrade(req, socket, head));
  cleanups.push(() => {
    server.close();
    http.closeAllConnections();
  });
  return { port: await listen(http), metrics, clock, server };
}

async function gauge(a: Agent, name: string): Promise<number> {
  const m = (await a.metrics.getMetricsAsJSON()).find((x) => x.name === name);
  return (m?.values ?? []).reduce((sum, v) => sum + Number(v.value), 0);
}

/** SpdyClient is kubectl's side of the connection, kept to what the tests need. */
class SpdyClient {
  readonly frames: Frame[] = [];
  readonly received = new Map<number, Buffer[]>();
  readonly headers = new HeaderCompressor();
  readonly inflate = new HeaderDecompressor();
  readonly reader = new FrameReader();
  closed = false;
  #next = 1;

  constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.reader.push(d);
      for (let f = this.reader.next(); f; f = this.reader.next()) {
        this.frames.push(f);
        if (f.type === 'data') this.received.set(f.streamId, [...(this.received.get(f.streamId) ?? []), f.data]);
      }
    });
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => undefined);
  }

  static async connect(port: number, path = '/portForward/default/p'): Promise<SpdyClient> {
    const socket = connect(port, '127.0.0.1');
    cleanups.push(() => void socket.destroy());
    socket.write(`POST ${path} HTTP/1.1\r\nHost: agent\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\n\r\n`);
    let head = Buffer.alloc(0);
    while (!head.includes('\r\n\r\n')) {
      const chunk = await new Promise<Buffer>((r, j) => {
        socket.once('data', r);
        socket.once('error', j);
      });
      head = Buffer.concat([head, chunk]);
    }
    const end = head.indexOf('\r\n\r\n') + 4;
    expect(head.subarray(0, end).toString()).toMatch(/^HTTP\/1\.1 101 [\s\S]*X-Stream-Protocol-Version: portforward\.k8s\.io/);
    if (head.length > end) socket.unshift(head.subarray(end));
    return new SpdyClient(socket);
  }

  /** open sends SYN_STREAM and returns its id (odd, increasing, as a client's are). */
  async open(headers: [string, string][], fin = false): Promise<number> {
    const id = this.#next;
    this.#next += 2;
    this.socket.write(encodeSynStream(id, await this.headers.compress(headers), { fin }));
    return id;
  }

  /** pair opens the error stream (half-closed at once, as kubectl does) and the data stream of one request. */
  async pair(port: number, requestID = '0'): Promise<{ error: number; data: number }> {
    const error = await this.open([['streamType', 'error'], ['port', String(port)], ['requestID', requestID]], true);
    const data = await this.open([['streamType', 'data'], ['port', String(port)], ['requestID', requestID]]);
    return { error, data };
  }

  text(id: number): string {
    return Buffer.concat(this.received.get(id) ?? []).toString();
  }

  bytes(id: number): number {
    return (this.received.get(id) ?? []).reduce((n, b) => n + b.length, 0);
  }

  has(pred: (f: Frame) => boolean): boolean {
    return this.frames.some(pred);
  }

  finished(id: number): boolean {
    return this.has((f) => f.type === 'data' && f.streamId === id && (f.flags & FLAG_FIN) !== 0);
  }
}

describe('port-forward over SPDY/3.1', () => {
  it('accepts the stream pair, forwards both ways and passes half-closes on', async () => {
    const p = await pod((s) => {
      s.on('data', (d) => s.write(`echo:${d}`));
      s.on('end', () => s.end('bye'));
    });
    const a = await agent();
    const c = await SpdyClient.connect(a.port);
    const { error, data } = await c.pair(p.port);
    await waitFor(() => c.has((f) => f.type === 'syn_reply' && f.streamId === data) && c.has((f) => f.type === 'syn_reply' && f.streamId === error), { what: 'SYN_REPLY for both streams' });
    c.socket.write(encodeData(data, Buffer.from('hello')));
    await waitFor(() => c.text(data) === 'echo:hello', { what: 'the echo' });
    c.socket.write(encodeData(data, Buffer.alloc(0), true));
    await waitFor(() => c.finished(data) && c.finished(error), { what: 'FIN on data and error after the pod closed' });
    expect(c.text(data)).toBe('echo:hellobye');
    expect(c.text(error)).toBe('');
    expect(c.has((f) => f.type === 'rst_stream')).toBe(false);
    await waitFor(async () => (await gauge(a, 'skiff_node_agent_port_forward_pod_sockets')) === 0, { what: 'the pod socket to close' });
    expect(await gauge(a, 'skiff_node_agent_port_forward_connections')).toBe(1);
    c.socket.destroy();
    await waitFor(async () => (await gauge(a, 'skiff_node_agent_port_forward_connections')) === 0, { what: 'the connection to close' });
  });

  it('ends the data stream with FIN, never RST, when the pod closes first (spdystream drops unread data on RST)', async () => {
    const big = Buffer.alloc(1024 * 1024, 'x');
    const p = await pod((s) => s.end(big));
    const a = await agent();
    const c = await SpdyClient.connect(a.port);
    const { data } = await c.pair(p.port);
    await waitFor(() => c.finished(data), { what: 'FIN after all the data' });
    expect(c.bytes(data)).toBe(big.length);
    await waitFor(async () => (await gauge(a, 'skiff_node_agent_port_forward_pod_sockets')) === 0, { what: 'the pod socket to close' });
    // Frames leave in order: anything the agent sent on the pod's close arrives before this PING's echo.
    c.socket.write(encodePing(3));
    await waitFor(() => c.has((f) => f.type === 'ping' && f.id === 3), { what: 'the PING echo' });
    expect(c.has((f) => f.type === 'rst_stream')).toBe(false);
  });

  it('keeps order and loses nothing when the pod reads slowly (back-pressure pauses the connection)', async () => {
    let got = 0;
    let podSocket: Socket | undefined;
    const p = await pod((s) => {
      podSocket = s;
      s.pause();
      s.on('data', (d) => (got += d.length));
    });
    const a = await agent();
    const c = await SpdyClient.connect(a.port);
    const { data } = await c.pair(p.port);
    const chunk = Buffer.alloc(256 * 1024, 'y');
    const total = 64;
    for (let i = 0; i < total; i++) if (!c.socket.write(encodeData(data, chunk))) await new Promise((r) => c.socket.once('drain', r));
    await waitFor(() => podSocket !== undefined, { what: 'the pod connection' });
    podSocket!.resume();
    await waitFor(() => got === total * chunk.length, { what: 'every byte at the pod', timeoutMs: 20_000 });
    // The connection still answers after the stall.
    c.socket.write(encodePing(7));
    await waitFor(() => c.has((f) => f.type === 'ping' && f.id === 7), { what: 'the PING echo' });
  });

  it('answers a broken peer with GOAWAY and closes, keeping the process and the other connections up', async () => {
    const p = await pod((s) => s.on('data', (d) => s.write(d)));
    const a = await agent();
    const good = await SpdyClient.connect(a.port);
    const { data } = await good.pair(p.port);
    for (const garbage of [
      Buffer.from('8002000600000004' + '00000001', 'hex'), // SPDY/2
      encodeSynStream(1, Buffer.from('not zlib at all')), // a header block that does not inflate
      Buffer.from('8003000300000004' + '00000001', 'hex'), // a RST_STREAM 4 bytes short
    ]) {
      const bad = await SpdyClient.connect(a.port);
      bad.socket.write(garbage);
      await waitFor(() => bad.closed, { what: `the broken connection to close after ${garbage.toString('hex')}` });
      expect(bad.has((f) => f.type === 'goaway' && f.status === 1)).toBe(true);
    }
    good.socket.write(encodeData(data, Buffer.from('still here')));
    await waitFor(() => good.text(data) === 'still here', { what: 'the healthy connection to keep working' });
  });

  it('refuses streams beyond the per-connection limit and takes new ones once others close', async () => {
    const p = await pod((s) => s.on('data', (d) => s.write(d)));
    const a = await agent(4);
    const c = await SpdyClient.connect(a.port);
    const first = await c.pair(p.port, '0');
    await c.pair(p.port, '1');
    const extra = await c.open([['streamType', 'error'], ['port', String(p.port)], ['requestID', '2']], true);
    await waitFor(() => c.has((f) => f.type === 'rst_stream' && f.streamId === extra && f.status === 3), { what: 'REFUSED_STREAM for the fifth stream' });
    c.socket.write(encodeRstStream(first.data, 5));
    c.socket.write(encodeRstStream(first.error, 5));
    await waitFor(async () => (await gauge(a, 'skiff_node_agent_port_forward_pod_sockets')) === 1, { what: 'the reset pair to be gone' });
    const again = await c.pair(p.port, '3');
    c.socket.write(encodeData(again.data, Buffer.from('room again')));
    await waitFor(() => c.text(again.data) === 'room again', { what: 'a new pair to work' });
  });

  it('answers PINGs with the same id', async () => {
    const a = await agent();
    const c = await SpdyClient.connect(a.port);
    c.socket.write(encodePing(1));
    await waitFor(() => c.has((f) => f.type === 'ping' && f.id === 1), { what: 'the PING echo' });
  });

  it("refuses streams with kubelet's header checks, and reports a pod port that refuses on the error stream", async () => {
    const a = await agent();
    const c = await SpdyClient.connect(a.port);
    const noPort = await c.open([['streamType', 'data'], ['requestID', '9']]);
    const badType = await c.open([['streamType', 'stdin'], ['port', '80'], ['requestID', '9']]);
    const zero = await c.open([['streamType', 'data'], ['port', '0'], ['requestID', '9']]);
    await waitFor(() => [noPort, badType, zero].every((id) => c.has((f) => f.type === 'rst_stream' && f.streamId === id)), { what: 'RST_STREAM for each bad stream' });

    const dead = await deadPort();
    const { error, data } = await c.pair(dead, '1');
    await waitFor(() => c.finished(error), { what: 'the error stream to end', timeoutMs: 15_000 });
    expect(c.text(error)).toMatch(new RegExp(`^error forwarding port ${dead} to pod default/p, uid uid-1: connect ECONNREFUSED`));
    expect(c.has((f) => f.type === 'rst_stream' && f.streamId === data)).toBe(true);
    await waitFor(async () => (await gauge(a, 'skiff_node_agent_port_forward_pod_sockets')) === 0, { what: 'no pod socket left' });
  });

  it('dials nothing for a request whose data stream was reset before its error stream came', async () => {
    let dialed = 0;
    const p = await pod(() => dialed++);
    const a = await agent();
    const c = await SpdyClient.connect(a.port);
    const data = await c.open([['streamType', 'data'], ['port', String(p.port)], ['requestID', '7']]);
    c.socket.write(encodeRstStream(data, 5));
    const error = await c.open([['streamType', 'error'], ['port', String(p.port)], ['requestID', '7']], true);
    await waitFor(() => c.finished(error), { what: 'the error stream to end' });
    // A PING's echo comes after anything the agent did for the streams before it.
    c.socket.write(encodePing(9));
    await waitFor(() => c.has((f) => f.type === 'ping' && f.id === 9), { what: 'the PING echo' });
    expect(await gauge(a, 'skiff_node_agent_port_forward_pod_sockets')).toBe(0);
    expect(dialed).toBe(0);
  });

  it('gives up on a request whose data stream never comes (kubelet streamCreationTimeout)', async () => {
    const a = await agent();
    const c = await SpdyClient.connect(a.port);
    const error = await c.open([['streamType', 'error'], ['port', '80'], ['requestID', '5']], true);
    await waitFor(() => c.has((f) => f.type === 'syn_reply' && f.streamId === error), { what: 'SYN_REPLY' });
    a.clock.advance(29_999);
    expect(c.finished(error)).toBe(false);
    a.clock.advance(1);
    await waitFor(() => c.finished(error), { what: 'the error stream to end' });
    expect(c.text(error)).toBe('timed out waiting for streams of request 5');
  });

  it('closes the pod socket when the client goes away mid-transfer, and when it resets the stream', async () => {
    const p = await pod((s) => {
      const spew = (): void => {
        while (s.write(Buffer.alloc(64 * 1024))) if (s.destroyed) return;
      };
      s.on('drain', spew);
      spew();
    });
    const a = await agent();
    const c = await SpdyClient.connect(a.port);
    const first = await c.pair(p.port, '0');
    const second = await c.pair(p.port, '1');
    await waitFor(() => c.bytes(first.data) > 0 && c.bytes(second.data) > 0, { what: 'data flowing on both' });
    expect(await gauge(a, 'skiff_node_agent_port_forward_pod_sockets')).toBe(2);
    c.socket.write(encodeRstStream(first.data, 5));
    await waitFor(() => p.sockets[0]!.closed, { what: 'the reset stream\'s pod socket to close' });
    expect(await gauge(a, 'skiff_node_agent_port_forward_pod_sockets')).toBe(1);
    c.socket.destroy();
    await waitFor(async () => (await gauge(a, 'skiff_node_agent_port_forward_pod_sockets')) === 0 && (await gauge(a, 'skiff_node_agent_port_forward_connections')) === 0, { what: 'every socket closed' });
    await waitFor(() => p.sockets[1]!.closed, { what: 'the pod to see the close' });
  });

  it('answers an unknown pod and an unsupported offer in plain text before upgrading', async () => {
    const a = await agent();
    const answer = async (path: string, headers: string): Promise<string> => {
      const s = connect(a.port, '127.0.0.1');
      s.write(`GET ${path} HTTP/1.1\r\nHost: agent\r\nConnection: Upgrade\r\n${headers}\r\n`);
      let out = '';
      for await (const d of s) out += String(d);
      return out;
    };
    expect(await answer('/portForward/default/nope', 'Upgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\n')).toMatch(/^HTTP\/1\.1 404[\s\S]*pod default\/nope is not on this node$/);
    expect(await answer('/portForward/default/p', 'Upgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: channel.k8s.io\r\n')).toMatch(/^HTTP\/1\.1 400[\s\S]*Skiff speaks/);
  });
});

describe('port-forward over v4.channel.k8s.io (the Python client)', () => {
  it('sends each channel its port first, forwards data on channel 0 and closes when the pod does', async () => {
    const p = await pod((s) => s.on('data', (d) => s.end(`echo:${d}`)));
    const a = await agent();
    const ws = new WebSocket(`ws://127.0.0.1:${a.port}/portForward/default/p?ports=${p.port}`, ['v4.channel.k8s.io']);
    cleanups.push(() => ws.terminate());
    const msgs: Buffer[] = [];
    ws.on('message', (m: Buffer) => msgs.push(m));
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    await new Promise((r, j) => ws.once('open', r).once('error', j));
    expect(ws.protocol).toBe('v4.channel.k8s.io');
    const port = Buffer.alloc(2);
    port.writeUInt16LE(p.port, 0);
    await waitFor(() => msgs.length >= 2, { what: 'the port on both channels' });
    expect(msgs.slice(0, 2)).toEqual([Buffer.concat([Buffer.of(0), port]), Buffer.concat([Buffer.of(1), port])]);
    ws.send(Buffer.concat([Buffer.of(0), Buffer.from('hi')]));
    expect(await closed).toBe(1000);
    expect(Buffer.concat(msgs.slice(2).filter((m) => m[0] === 0).map((m) => m.subarray(1))).toString()).toBe('echo:hi');
    await waitFor(async () => (await gauge(a, 'skiff_node_agent_port_forward_connections')) === 0 && (await gauge(a, 'skiff_node_agent_port_forward_pod_sockets')) === 0, { what: 'every socket closed' });
  });

  it('requires ?ports=', async () => {
    const a = await agent();
    const ws = new WebSocket(`ws://127.0.0.1:${a.port}/portForward/default/p`, ['v4.channel.k8s.io']);
    const status = await new Promise<number>((r) => ws.on('unexpected-response', (_req, res) => r(res.statusCode ?? 0)));
    expect(status).toBe(400);
  });
});
