import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { api, freePort, startServer, type RunningServer } from '../../test/harness.js';
import { waitFor } from '@skiff/testing';

// The node agent side is a plain HTTP server here: these tests are about what the proxy does when the agent or the
// client misbehaves, which a real agent cannot be made to do on cue.

let server: RunningServer | undefined;
let agent: Server | undefined;

afterEach(async () => {
  agent?.closeAllConnections();
  await new Promise((r) => (agent ? agent.close(r) : r(undefined)));
  agent = undefined;
  await server?.close();
  server = undefined;
});

/** fakeAgent listens on 127.0.0.1 and answers every request with `handler`. */
async function fakeAgent(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<number> {
  agent = createServer(handler);
  await new Promise<void>((r) => agent!.listen(0, '127.0.0.1', r));
  return (agent.address() as AddressInfo).port;
}

/** podOnNode creates a Node advertising 127.0.0.1:`port` and a pod bound to it. */
async function podOnNode(url: string, port: number): Promise<void> {
  const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } };
  expect((await api(url, 'POST', '/api/v1/nodes', node)).status).toBe(201);
  const status = { status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } } };
  expect((await api(url, 'PATCH', '/api/v1/nodes/n1/status', status, { 'Content-Type': 'application/merge-patch+json' })).status).toBe(200);
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: { nodeName: 'n1', containers: [{ name: 'c', image: 'busybox:1.36' }] } };
  expect((await api(url, 'POST', '/api/v1/namespaces/default/pods', pod)).status).toBe(201);
}

/** settle reads the rest of a body and says how it ended: 'end', 'error', or 'open' when it was still open after `ms`. */
async function settle(body: ReadableStream<Uint8Array>, ms = 10_000): Promise<'end' | 'error' | 'open'> {
  const reader = body.getReader();
  let timer: NodeJS.Timeout | undefined;
  const open = new Promise<'open'>((r) => (timer = setTimeout(() => r('open'), ms)));
  const read = (async (): Promise<'end' | 'error'> => {
    try {
      for (;;) if ((await reader.read()).done) return 'end';
    } catch {
      return 'error';
    }
  })();
  const how = await Promise.race([read, open]);
  clearTimeout(timer);
  if (how === 'open') await reader.cancel().catch(() => undefined);
  return how;
}

describe('pods/log proxy', () => {
  it('closes the node agent request when the client leaves a followed stream', async () => {
    let agentSawClose = false;
    const port = await fakeAgent((req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('line 1\n');
      req.socket.on('close', () => (agentSawClose = true));
    });
    server = await startServer();
    await podOnNode(server.url, port);
    const ac = new AbortController();
    const res = await fetch(`${server.url}/api/v1/namespaces/default/pods/p/log?follow=true`, { signal: ac.signal });
    expect(res.status).toBe(200);
    const first = await res.body!.getReader().read();
    expect(Buffer.from(first.value!).toString()).toBe('line 1\n');
    ac.abort();
    await waitFor(() => agentSawClose);
    // The api-server keeps serving.
    expect((await api(server.url, 'GET', '/api/v1/namespaces/default/pods/p')).status).toBe(200);
  });

  it('cuts the client stream when the node agent goes away mid-stream, instead of leaving it hanging', async () => {
    const port = await fakeAgent((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.write('line 1\n');
    });
    server = await startServer();
    await podOnNode(server.url, port);
    const res = await fetch(`${server.url}/api/v1/namespaces/default/pods/p/log?follow=true`);
    expect(res.status).toBe(200);
    const body = res.body!;
    const reader = body.getReader();
    expect(Buffer.from((await reader.read()).value!).toString()).toBe('line 1\n');
    reader.releaseLock();
    agent!.closeAllConnections();
    // A cut stream, not a clean end: the client must not mistake a dead agent for the end of the logs.
    expect(await settle(body)).toBe('error');
    expect((await api(server.url, 'GET', '/api/v1/namespaces/default/pods/p')).status).toBe(200);
  });

  it('answers 503 ServiceUnavailable naming the node when its agent is unreachable', async () => {
    server = await startServer();
    await podOnNode(server.url, await freePort());
    const res = await api(server.url, 'GET', '/api/v1/namespaces/default/pods/p/log');
    expect(res.status).toBe(503);
    expect(res.body).toMatchObject({ kind: 'Status', reason: 'ServiceUnavailable' });
    expect(res.body.message).toContain('cannot reach the node agent of n1 at 127.0.0.1');
  });

  it('answers 503 when the node agent accepts but never answers within the dial timeout', async () => {
    const port = await fakeAgent(() => undefined);
    server = await startServer({ podLogDialTimeoutMs: 200 });
    await podOnNode(server.url, port);
    const res = await api(server.url, 'GET', '/api/v1/namespaces/default/pods/p/log');
    expect(res.status).toBe(503);
    expect(res.body.message).toContain('timed out connecting to the node agent');
  });

  it('keeps a followed stream open while the container is quiet for longer than the dial timeout', async () => {
    let write: ((s: string) => void) | undefined;
    const port = await fakeAgent((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' });
      res.flushHeaders();
      write = (s) => res.write(s);
    });
    server = await startServer({ podLogDialTimeoutMs: 200 });
    await podOnNode(server.url, port);
    const res = await fetch(`${server.url}/api/v1/namespaces/default/pods/p/log?follow=true`);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    // Quiet for five dial timeouts: the proxy's socket timeout must not apply once the agent answered.
    await new Promise((r) => setTimeout(r, 1000));
    write!('late line\n');
    const next = await Promise.race([reader.read(), new Promise<'cut'>((r) => setTimeout(() => r('cut'), 10_000).unref())]);
    expect(next).not.toBe('cut');
    expect(next).toMatchObject({ done: false });
    expect(Buffer.from((next as { value: Uint8Array }).value).toString()).toBe('late line\n');
    await reader.cancel();
  });
});
