/**
 * The api-server's proxy to node agents: a Node that reports a loopback or link-local address (the issue's
 * "InternalIP 127.0.0.1 turns the log proxy into a request forger") is refused before anything is dialled unless
 * --kubelet-allow-loopback; with a kubelet client certificate the proxy speaks HTTPS and presents it.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { testPki } from '@skiff/testing';
import { api, startServer, type RunningServer } from '../../test/harness.js';
import { refusedAddress } from './agent-dialer.js';

let server: RunningServer | undefined;
let agent: Server | undefined;
afterEach(async () => {
  agent?.closeAllConnections();
  await new Promise((r) => (agent ? agent.close(r) : r(undefined)));
  agent = undefined;
  await server?.close();
  server = undefined;
});

const seen: string[] = [];
const answer = (req: IncomingMessage, res: ServerResponse) => {
  seen.push(req.url ?? '');
  const peer = (req.socket as TLSSocket).getPeerCertificate?.();
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.end(peer?.subject ? `hello ${peer.subject.CN}/${peer.subject.O}` : 'hello');
};

async function listen(s: Server): Promise<number> {
  agent = s;
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return (s.address() as AddressInfo).port;
}

/** nodeWithPod writes Node `name` reporting `address`:`port` and a pod `p-<name>` bound to it. */
async function nodeWithPod(name: string, address: string, port: number): Promise<string> {
  const url = server!.url;
  expect((await api(url, 'POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name } })).status).toBe(201);
  const status = { status: { addresses: [{ type: 'InternalIP', address }], daemonEndpoints: { kubeletEndpoint: { Port: port } } } };
  expect((await api(url, 'PATCH', `/api/v1/nodes/${name}/status`, status, { 'Content-Type': 'application/merge-patch+json' })).status).toBe(200);
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: `p-${name}` }, spec: { nodeName: name, containers: [{ name: 'c', image: 'busybox:1.36' }] } };
  expect((await api(url, 'POST', '/api/v1/namespaces/default/pods', pod)).status).toBe(201);
  return `/api/v1/namespaces/default/pods/p-${name}`;
}

describe('proxy to node agents', () => {
  it('classifies loopback, link-local and unspecified addresses, IPv4-mapped ones included', () => {
    for (const a of ['127.0.0.1', '127.1.2.3', '169.254.169.254', '0.0.0.0', '::1', '::', 'fe80::1', '::ffff:127.0.0.1', '[::1]']) expect(refusedAddress(a), a).toBeDefined();
    for (const a of ['10.0.0.5', '192.168.1.2', '172.18.0.3', '2001:db8::1', 'node-1.example']) expect(refusedAddress(a), a).toBeUndefined();
  });

  it('refuses pods/log and exec to a Node reporting 127.0.0.1 or 169.254.169.254, and dials nothing', async () => {
    const port = await listen(createHttpServer(answer));
    server = await startServer({ kubeletClient: { allowLoopback: false } });
    seen.length = 0;
    const loop = await nodeWithPod('loop', '127.0.0.1', port);
    const res = await api(server.url, 'GET', `${loop}/log`);
    expect(res.status).toBe(503);
    expect(res.body.message).toBe('node loop reports address 127.0.0.1, a loopback address; the api-server does not proxy to it (--kubelet-allow-loopback allows it)');
    const meta = await nodeWithPod('meta', '169.254.169.254', 80);
    const metaRes = await api(server.url, 'GET', `${meta}/log`);
    expect(metaRes.status).toBe(503);
    expect(metaRes.body.message).toContain('169.254.169.254, a link-local address');
    const mapped = await nodeWithPod('mapped', '::ffff:127.0.0.1', port);
    expect((await api(server.url, 'GET', `${mapped}/log`)).status).toBe(503);
    // A host name is checked once resolved: localhost resolves to loopback.
    const named = await nodeWithPod('named', 'localhost', port);
    const namedRes = await api(server.url, 'GET', `${named}/log`);
    expect(namedRes.status).toBe(503);
    expect(namedRes.body.message).toContain('a loopback address');
    const exec = new WebSocket(`${server.url.replace('http', 'ws')}${loop}/exec?command=id&stdout=1`, ['v4.channel.k8s.io']);
    const refused = await new Promise<number>((resolve) => exec.on('unexpected-response', (_req, r) => resolve(r.statusCode ?? 0)).on('error', () => resolve(-1)));
    expect(refused).toBe(503);
    expect(seen).toEqual([]);
  });

  it('dials a loopback agent with --kubelet-allow-loopback', async () => {
    const port = await listen(createHttpServer(answer));
    server = await startServer({ kubeletClient: { allowLoopback: true } });
    const loop = await nodeWithPod('loop', '127.0.0.1', port);
    const res = await api(server.url, 'GET', `${loop}/log`);
    expect(res.status).toBe(200);
    expect(res.body).toBe('hello');
  });

  it('presents the kubelet client certificate to an HTTPS agent that requires one', async () => {
    const pki = await testPki();
    const serving = await pki.issue({ cn: 'agent', ips: ['127.0.0.1'] });
    const client = await pki.issue({ cn: 'kube-apiserver-kubelet-client', groups: ['system:masters'] });
    const port = await listen(createHttpsServer({ ...serving, ca: pki.ca.cert, requestCert: true, rejectUnauthorized: true }, answer));
    server = await startServer({ kubeletClient: { allowLoopback: true, clientCertificate: client, certificateAuthority: pki.ca.cert } });
    const loop = await nodeWithPod('tls', '127.0.0.1', port);
    const res = await api(server.url, 'GET', `${loop}/log`);
    expect(res.status).toBe(200);
    expect(res.body).toBe('hello kube-apiserver-kubelet-client/system:masters');
    // Without the client certificate the agent's TLS handshake refuses the api-server.
    await server.close();
    server = await startServer({ kubeletClient: { allowLoopback: true } });
    const plain = await nodeWithPod('tls', '127.0.0.1', port);
    expect((await api(server.url, 'GET', `${plain}/log`)).status).toBe(503);
  });
});
