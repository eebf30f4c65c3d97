import { createServer, request, type IncomingHttpHeaders, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '@skiff/testing';
import { api, freePort, startServer, type RunningServer } from '../../test/harness.js';

// The node agent is a plain HTTP server here: these tests are about what the api-server checks and how it pipes;
// the protocols themselves end at the agent (apps/node-agent/src/streaming) and run end to end in packages/e2e.

let server: RunningServer | undefined;
let agent: Server | undefined;

afterEach(async () => {
  agent?.closeAllConnections();
  await new Promise((r) => (agent ? agent.close(r) : r(undefined)));
  agent = undefined;
  await server?.close();
  server = undefined;
});

const TUNNEL = { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Protocol': 'SPDY/3.1+portforward.k8s.io' };
const SPDY = { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'portforward.k8s.io' };

/** podOnNode creates a Node advertising 127.0.0.1:`port` and a pod bound to it, in `phase`. */
async function podOnNode(url: string, port: number, phase = 'Running'): Promise<void> {
  expect((await api(url, 'POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } })).status).toBe(201);
  const status = { status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } } };
  expect((await api(url, 'PATCH', '/api/v1/nodes/n1/status', status, { 'Content-Type': 'application/merge-patch+json' })).status).toBe(200);
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox:1.36' }] } };
  expect((await api(url, 'POST', '/api/v1/namespaces/default/pods', pod)).status).toBe(201);
  expect((await api(url, 'PATCH', '/api/v1/namespaces/default/pods/p/status', { status: { phase } }, { 'Content-Type': 'application/merge-patch+json' })).status).toBe(200);
}

type Answer = { status: number; headers: IncomingHttpHeaders; body: string; socket?: Socket };

/** upgrade sends an upgrade request and returns either the 101 with its socket or the refusal with its body. */
function upgrade(url: string, path: string, headers: Record<string, string>, method = 'GET'): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(`${url}${path}`, { method, headers });
    req.on('upgrade', (res, socket, head) => {
      socket.on('error', () => undefined);
      if (head.length) socket.unshift(head);
      resolve({ status: res.statusCode ?? 0, headers: res.headers, body: '', socket });
    });
    req.on('response', (res: IncomingMessage) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** echoAgent accepts every upgrade with 101 and echoes bytes; it records the requests and their sockets. */
async function echoAgent(): Promise<{ port: number; requests: IncomingMessage[]; sockets: Socket[] }> {
  const requests: IncomingMessage[] = [];
  const sockets: Socket[] = [];
  agent = createServer((_req, res) => void res.writeHead(426).end('upgrade please'));
  agent.on('upgrade', (req: IncomingMessage, socket: Socket) => {
    requests.push(req);
    sockets.push(socket);
    socket.on('error', () => undefined);
    socket.write('HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: portforward.k8s.io\r\n\r\n');
    socket.pipe(socket);
  });
  await new Promise<void>((r) => agent!.listen(0, '127.0.0.1', r));
  return { port: (agent.address() as AddressInfo).port, requests, sockets };
}

async function gauge(url: string): Promise<number> {
  const line = (await (await fetch(`${url}/metrics`)).text()).split('\n').find((l) => l.startsWith('apiserver_port_forward_connections '));
  return Number(line?.split(' ')[1] ?? NaN);
}

const PATH = '/api/v1/namespaces/default/pods/p/portforward';

describe('pods/portforward proxy', () => {
  it('pipes a SPDY upgrade to the agent both ways, forwarding no credentials, and closes the agent side when the client leaves', async () => {
    const a = await echoAgent();
    server = await startServer();
    await podOnNode(server.url, a.port);
    const res = await upgrade(server.url, PATH, { ...SPDY, Authorization: 'Bearer secret' }, 'POST');
    expect(res.status).toBe(101);
    expect(res.headers['x-stream-protocol-version']).toBe('portforward.k8s.io');
    expect(a.requests[0]!.url).toBe('/portForward/default/p');
    expect(a.requests[0]!.headers['authorization']).toBeUndefined();
    expect(a.requests[0]!.headers['x-stream-protocol-version']).toBe('portforward.k8s.io');
    const echoed = new Promise<string>((r) => res.socket!.once('data', (d: Buffer) => r(d.toString())));
    res.socket!.write('ping-bytes');
    expect(await echoed).toBe('ping-bytes');
    expect(await gauge(server.url)).toBe(1);
    res.socket!.destroy();
    await waitFor(() => a.sockets[0]!.destroyed, { what: 'the agent side to be closed' });
    await waitFor(async () => (await gauge(server!.url)) === 0, { what: 'the gauge to drop to 0' });
  });

  it('closes the client side when the agent goes away', async () => {
    const a = await echoAgent();
    server = await startServer();
    await podOnNode(server.url, a.port);
    const res = await upgrade(server.url, PATH, TUNNEL);
    expect(res.status).toBe(101);
    const closed = new Promise<void>((r) => res.socket!.once('close', () => r()));
    a.sockets[0]!.destroy();
    await closed;
    await waitFor(async () => (await gauge(server!.url)) === 0, { what: 'the gauge to drop to 0' });
  });

  it('ends proxied connections when the api-server closes (upgraded sockets are no longer the HTTP server\'s)', async () => {
    const a = await echoAgent();
    server = await startServer();
    await podOnNode(server.url, a.port);
    const res = await upgrade(server.url, PATH, TUNNEL);
    expect(res.status).toBe(101);
    const closed = new Promise<void>((r) => res.socket!.once('close', () => r()));
    server.api.close();
    await closed;
    await waitFor(() => a.sockets[0]!.destroyed, { what: 'the agent side to be closed' });
  });

  it('refuses an offer of only protocols Skiff does not speak with a 400 Status naming those it does', async () => {
    const a = await echoAgent();
    server = await startServer();
    await podOnNode(server.url, a.port);
    for (const headers of [
      { ...TUNNEL, 'Sec-WebSocket-Protocol': 'v5.channel.k8s.io, v4.base64.channel.k8s.io' },
      { ...SPDY, 'X-Stream-Protocol-Version': 'v4.channel.k8s.io' },
      { Connection: 'Upgrade', Upgrade: 'h2c' },
    ]) {
      const res = await upgrade(server.url, PATH, headers);
      expect(res.status).toBe(400);
      const status = JSON.parse(res.body);
      expect(status).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400 });
      expect(status.message).toContain('SPDY/3.1+portforward.k8s.io');
      expect(status.message).toContain('v4.channel.k8s.io');
      expect(status.message).toContain('X-Stream-Protocol-Version: portforward.k8s.io');
    }
    expect(JSON.parse((await upgrade(server.url, PATH, { ...TUNNEL, 'Sec-WebSocket-Protocol': 'v5.channel.k8s.io' })).body).message).toContain('[v5.channel.k8s.io]');
    expect(a.requests).toHaveLength(0);
  });

  it('answers a missing pod, a pod not running and an unreachable agent with a Status each', async () => {
    const dead = await freePort();
    server = await startServer();
    const missing = await upgrade(server.url, PATH, TUNNEL);
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ kind: 'Status', reason: 'NotFound', details: { name: 'p', kind: 'pods' } });

    await podOnNode(server.url, dead, 'Pending');
    const pending = await upgrade(server.url, PATH, TUNNEL);
    expect(pending.status).toBe(400);
    expect(JSON.parse(pending.body).message).toBe('unable to forward port because pod is not running. Current status=Pending');

    expect((await api(server.url, 'PATCH', '/api/v1/namespaces/default/pods/p/status', { status: { phase: 'Running' } }, { 'Content-Type': 'application/merge-patch+json' })).status).toBe(200);
    const unreachable = await upgrade(server.url, PATH, SPDY, 'POST');
    expect(unreachable.status).toBe(503);
    const status = JSON.parse(unreachable.body);
    expect(status).toMatchObject({ kind: 'Status', reason: 'ServiceUnavailable', code: 503 });
    expect(status.message).toContain(`cannot reach the node agent of n1 at 127.0.0.1:${dead}`);
  });

  it("turns the agent's plain-text refusal into a Status", async () => {
    agent = createServer();
    agent.on('upgrade', (_req: IncomingMessage, socket: Socket) => {
      const text = 'pod default/p has no running sandbox with a network address';
      socket.end(`HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nContent-Length: ${text.length}\r\nConnection: close\r\n\r\n${text}`);
    });
    await new Promise<void>((r) => agent!.listen(0, '127.0.0.1', r));
    server = await startServer();
    await podOnNode(server.url, (agent.address() as AddressInfo).port);
    const res = await upgrade(server.url, PATH, TUNNEL);
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toMatchObject({ kind: 'Status', reason: 'BadRequest', message: 'pod default/p has no running sandbox with a network address' });
  });

  it('answers a request without an upgrade with 400 "Upgrade request required", as kube does', async () => {
    server = await startServer();
    const res = await api(server.url, 'POST', PATH);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ kind: 'Status', reason: 'BadRequest', message: 'Upgrade request required' });
  });
});
