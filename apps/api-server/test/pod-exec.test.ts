import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket, WebSocketServer } from 'ws';
import { waitFor } from '@skiff/testing';
import { api, startServer, type RunningServer } from './harness.js';

/**
 * A stand-in node agent: a WebSocket endpoint that echoes stdin frames back on stdout, and the agent's plain-text
 * refusals for the containers named after them. The api-server must tunnel the first and turn the others into
 * Statuses.
 */
let agent: Server;
let wss: WebSocketServer;
const agentSeen: { url: string; protocol: string }[] = [];
const agentSockets: WebSocket[] = [];
let s: RunningServer;
let deadPort = 0;

const PODS = '/api/v1/namespaces/default/pods';

function refuse(req: IncomingMessage): [number, string] | undefined {
  const container = new URL(req.url ?? '/', 'http://agent').pathname.split('/')[4];
  if (container === 'stopped') return [400, 'container stopped is not running in pod p'];
  if (container === 'gone') return [404, 'pod default/p is not on this node'];
  return undefined;
}

beforeAll(async () => {
  agent = createServer();
  wss = new WebSocketServer({ noServer: true, handleProtocols: (p) => (p.has('v5.channel.k8s.io') ? 'v5.channel.k8s.io' : false) });
  agent.on('upgrade', (req, socket, head) => {
    const no = refuse(req);
    if (no) return void socket.end(`HTTP/1.1 ${no[0]} No\r\nContent-Type: text/plain\r\nContent-Length: ${no[1].length}\r\nConnection: close\r\n\r\n${no[1]}`);
    wss.handleUpgrade(req, socket, head, (ws) => {
      agentSeen.push({ url: req.url ?? '', protocol: ws.protocol });
      agentSockets.push(ws);
      ws.on('message', (data: Buffer) => {
        if (data[0] === 0 && data.subarray(1).toString() === 'bye') return ws.close(1000);
        if (data[0] === 0) ws.send(Buffer.concat([Buffer.from([1]), data.subarray(1)]));
      });
    });
  });
  await new Promise<void>((r) => agent.listen(0, '127.0.0.1', r));
  const dead = createServer();
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
  deadPort = (dead.address() as AddressInfo).port;
  await new Promise((r) => dead.close(r));
  s = await startServer();
  for (const [node, port] of [['exec-node', (agent.address() as AddressInfo).port], ['dead-node', deadPort]] as const) {
    expect((await api(s.url, 'POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: node } })).status).toBe(201);
    const status = { status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } } };
    expect((await api(s.url, 'PATCH', `/api/v1/nodes/${node}/status`, status, { 'Content-Type': 'application/merge-patch+json' })).status).toBe(200);
  }
  const pods: [string, string | undefined, string[]][] = [
    ['p', 'exec-node', ['main', 'stopped', 'gone']],
    ['far', 'dead-node', ['main']],
    ['unbound', undefined, ['main']],
  ];
  for (const [name, nodeName, containers] of pods) {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { ...(nodeName ? { nodeName } : {}), containers: containers.map((c) => ({ name: c, image: 'busybox:1.36' })) } };
    expect((await api(s.url, 'POST', PODS, pod)).status).toBe(201);
  }
  const waiting = { status: { phase: 'Running', containerStatuses: [{ name: 'stopped', state: { terminated: { exitCode: 0 } } }] } };
  expect((await api(s.url, 'PATCH', `${PODS}/p/status`, waiting, { 'Content-Type': 'application/merge-patch+json' })).status).toBe(200);
});
afterAll(async () => {
  await s?.close();
  for (const ws of wss?.clients ?? []) ws.terminate();
  await new Promise((r) => agent?.close(r));
});

const wsUrl = (path: string): string => `${s.url.replace('http', 'ws')}${PODS}/${path}`;

/** open connects a WebSocket client and resolves once it is open, or with the refusal's code and Status. */
function open(path: string, protocols: string[] = ['v5.channel.k8s.io']): Promise<{ ws?: WebSocket; code?: number; status?: { reason: string; message: string; code: number } }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsUrl(path), protocols);
    ws.on('open', () => resolve({ ws }));
    ws.on('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, status: JSON.parse(body) as { reason: string; message: string; code: number } }));
    });
    ws.on('error', reject);
  });
}

/** rawUpgrade sends an upgrade request with the given method and headers and returns the refusal. */
function rawUpgrade(path: string, method: string, headers: Record<string, string>): Promise<{ code: number; status: { reason: string; message: string } }> {
  return new Promise((resolve, reject) => {
    const req = request(`${s.url}${PODS}/${path}`, { method, headers: { Connection: 'Upgrade', ...headers } });
    req.on('response', (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ code: res.statusCode ?? 0, status: JSON.parse(body) as { reason: string; message: string } }));
    });
    req.on('upgrade', (_r, socket) => {
      socket.destroy();
      reject(new Error('upgraded'));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('pods/exec and pods/attach tunnel a WebSocket to the node agent', () => {
  it('negotiates the agent subprotocol and carries frames both ways, with the options in one spelling', async () => {
    const { ws } = await open('p/exec?container=main&command=sh&command=-c&command=echo%20a&stdin=True&stdout=1&tty=false');
    expect(ws!.protocol).toBe('v5.channel.k8s.io');
    const got = new Promise<Buffer>((r) => ws!.once('message', (d: Buffer) => r(d)));
    ws!.send(Buffer.from([0, ...Buffer.from('ping')]));
    expect((await got).toString()).toBe('\x01ping');
    const seen = agentSeen.at(-1)!;
    expect(seen.protocol).toBe('v5.channel.k8s.io');
    expect(seen.url).toBe('/exec/default/p/main?command=sh&command=-c&command=echo+a&stdin=true&stdout=true&stderr=false&tty=false');
    ws!.close();
  });

  it('closes the agent side when the client leaves, and the client side when the agent does', async () => {
    const before = agentSockets.length;
    const { ws } = await open('p/attach?container=main&stdout=true');
    await waitFor(() => agentSockets.length > before, { what: 'the agent session' });
    const agentSide = agentSockets.at(-1)!;
    ws!.terminate();
    await waitFor(() => agentSide.readyState === WebSocket.CLOSED, { what: 'the agent side to close' });

    const second = await open('p/exec?container=main&command=cat&stdin=true');
    const closed = new Promise<number>((r) => second.ws!.once('close', (code) => r(code)));
    second.ws!.send(Buffer.from([0, ...Buffer.from('bye')]));
    expect(await closed).toBe(1000);
  });

  it('turns the agent refusals into Statuses with their codes', async () => {
    const stopped = await open('p/exec?container=stopped&command=true&stdout=true');
    expect(stopped.code).toBe(400);
    expect(stopped.status).toMatchObject({ reason: 'BadRequest', message: 'container stopped is not running in pod p' });
    const gone = await open('p/exec?container=gone&command=true&stdout=true');
    expect(gone.code).toBe(404);
    expect(gone.status?.reason).toBe('NotFound');
  });

  it('answers 503 naming the node when its agent cannot be reached', async () => {
    const r = await open('far/exec?command=true&stdout=true');
    expect(r.code).toBe(503);
    expect(r.status).toMatchObject({ reason: 'ServiceUnavailable' });
    expect(r.status?.message).toContain(`cannot reach the node agent of dead-node at 127.0.0.1:${deadPort}`);
  });

  it('validates before dialling: pod, command, streams, container, node', async () => {
    expect(await open('nope/exec?command=true&stdout=true')).toMatchObject({ code: 404, status: { reason: 'NotFound', message: 'pods "nope" not found' } });
    expect(await open('p/exec?container=main&stdout=true')).toMatchObject({ code: 400, status: { message: 'you must specify at least one command for the container' } });
    expect(await open('p/exec?container=main&command=true')).toMatchObject({ code: 400, status: { message: 'you must specify at least 1 of stdin, stdout, stderr' } });
    expect(await open('p/exec?command=true&stdout=true')).toMatchObject({ code: 400, status: { message: 'a container name must be specified for pod p, choose one of: [main stopped gone]' } });
    expect(await open('p/exec?container=other&command=true&stdout=true')).toMatchObject({ code: 400, status: { message: 'container other is not valid for pod p' } });
    expect(await open('unbound/exec?command=true&stdout=true')).toMatchObject({ code: 400, status: { message: 'pod unbound does not have a host assigned' } });
  });

  it('refuses a client that offers only protocols the agents do not speak, naming those they do', async () => {
    const spdy = await rawUpgrade('p/exec?container=main&command=true&stdout=true', 'POST', { Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'v4.channel.k8s.io' });
    expect(spdy.code).toBe(400);
    expect(spdy.status.message).toBe(
      'unable to upgrade connection for pods/exec: the client offered SPDY/3.1 (v4.channel.k8s.io); Skiff serves it over WebSocket with subprotocols v5.channel.k8s.io, v4.channel.k8s.io',
    );
    const old = await open('p/exec?container=main&command=true&stdout=true', ['channel.k8s.io', 'base64.channel.k8s.io']);
    expect(old.code).toBe(400);
    expect(old.status?.message).toContain('the client offered WebSocket subprotocols [channel.k8s.io, base64.channel.k8s.io]');
    // kubectl retries a failed WebSocket upgrade over SPDY: that answer must still say what is wrong with the pod.
    const fallback = await rawUpgrade('p/exec?container=stopped&command=true&stdout=true', 'POST', { Upgrade: 'SPDY/3.1' });
    expect(fallback).toMatchObject({ code: 400, status: { message: 'container stopped is not running in pod p' } });
  });

  it('answers plain requests and other methods with Statuses', async () => {
    const plain = await api(s.url, 'POST', `${PODS}/p/exec?container=main&command=true&stdout=true`);
    expect(plain.status).toBe(400);
    expect((plain.body as { message: string }).message).toBe('Upgrade request required');
    const put = await rawUpgrade('p/exec?container=main&command=true&stdout=true', 'PUT', { Upgrade: 'websocket' });
    expect(put.code).toBe(405);
  });
});
