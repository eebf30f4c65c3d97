import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startServer, type RunningServer } from './harness.js';
import { Kubectl } from './compat/kubectl.js';

/**
 * A stand-in for a node agent's log server, answering as apps/node-agent/src/log-server.ts does: text/plain
 * errors with the agent's status code.
 */
let agent: Server;
const agentRequests: URL[] = [];
let s: RunningServer;
let k: Kubectl;

const PODS = '/api/v1/namespaces/default/pods';

function answer(req: IncomingMessage): [number, string] {
  const url = new URL(req.url ?? '/', 'http://agent');
  agentRequests.push(url);
  const [, , , pod, container] = url.pathname.split('/');
  if (pod === 'elsewhere') return [404, 'pod default/elsewhere is not on this node'];
  if (container === 'waiting') return [400, 'container "waiting" in pod "logs" is waiting to start: ContainerCreating'];
  if (container === 'broken') return [500, 'failed to read logs: Error response from daemon: no such container'];
  if (container === 'busy') return [503, 'agent is shutting down'];
  if (container === 'throttled') return [429, 'too many log streams'];
  return [200, 'hello\n'];
}

beforeAll(async () => {
  agent = createServer((req, res) => {
    const [code, text] = answer(req);
    res.writeHead(code, { 'Content-Type': 'text/plain; charset=utf-8' }).end(text);
  });
  await new Promise<void>((r) => agent.listen(0, '127.0.0.1', r));
  const port = (agent.address() as AddressInfo).port;
  s = await startServer();
  k = new Kubectl(s.url);
  const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'log-node' } };
  expect((await api(s.url, 'POST', '/api/v1/nodes', node)).status).toBe(201);
  const status = { status: { addresses: [{ type: 'InternalIP', address: '127.0.0.1' }], daemonEndpoints: { kubeletEndpoint: { Port: port } } } };
  expect((await api(s.url, 'PATCH', '/api/v1/nodes/log-node/status', status, { 'Content-Type': 'application/merge-patch+json' })).status).toBe(200);
  for (const [name, containers] of [
    ['logs', ['main', 'waiting', 'broken', 'busy', 'throttled']],
    ['elsewhere', ['main']],
  ] as const) {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { nodeName: 'log-node', containers: containers.map((c) => ({ name: c, image: 'busybox:1.36' })) } };
    expect((await api(s.url, 'POST', PODS, pod)).status).toBe(201);
  }
});
afterAll(async () => {
  k?.cleanup();
  await s?.close();
  await new Promise((r) => agent?.close(r));
});

describe('pods/log options are validated as kube validates PodLogOptions', () => {
  it.each([
    ['tailLines=-1', 'tailLines', 'tailLines: Invalid value: -1: must be greater than or equal to 0'],
    ['limitBytes=0', 'limitBytes', 'limitBytes: Invalid value: 0: must be greater than 0'],
    ['sinceSeconds=0', 'sinceSeconds', 'sinceSeconds: Invalid value: 0: must be greater than 0'],
    ['sinceSeconds=10&sinceTime=2025-01-01T00:00:00Z', undefined, 'Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified'],
  ])('%s is 422 Invalid naming the field', async (query, field, message) => {
    const before = agentRequests.length;
    const r = await api(s.url, 'GET', `${PODS}/logs/log?container=main&${query}`);
    expect(r.status).toBe(422);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'Invalid', code: 422, message: `PodLogOptions "logs" is invalid: ${message}`, details: { name: 'logs', kind: 'PodLogOptions' } });
    expect(r.body.details.causes[0].field).toBe(field);
    expect(agentRequests.length).toBe(before);
  });

  it.each([
    ['tailLines=ten', /tailLines/],
    ['limitBytes=1.5', /limitBytes/],
    ['sinceTime=yesterday', /sinceTime/],
    ['container=nope', /^container nope is not valid for pod logs$/],
  ])('%s is 400 BadRequest', async (query, message) => {
    const r = await api(s.url, 'GET', `${PODS}/logs/log?${query.startsWith('container') ? '' : 'container=main&'}${query}`);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
    expect(r.body.message).toMatch(message);
  });

  it('passes valid options to the agent, booleans in any spelling kube accepts', async () => {
    const r = await api(s.url, 'GET', `${PODS}/logs/log?container=main&follow=True&timestamps=1&previous=false&tailLines=3&limitBytes=100`);
    expect(r.status).toBe(200);
    expect(r.body).toBe('hello\n');
    const sent = agentRequests[agentRequests.length - 1]!;
    expect(Object.fromEntries(sent.searchParams)).toEqual({ follow: 'true', timestamps: 'true', tailLines: '3', limitBytes: '100' });
  });
});

describe('pods/log errors from the agent are Status bodies with its code', () => {
  it.each([
    ['waiting', 400, 'BadRequest', 'container "waiting" in pod "logs" is waiting to start: ContainerCreating'],
    ['broken', 500, 'InternalError', 'Internal error occurred: failed to read logs: Error response from daemon: no such container'],
    ['busy', 503, 'ServiceUnavailable', 'the server is currently unable to handle the request ( pods/log logs)'],
  ])('agent %s → %i %s', async (container, code, reason, message) => {
    const r = await api(s.url, 'GET', `${PODS}/logs/log?container=${container}`);
    expect(r.status).toBe(code);
    expect(r.headers.get('content-type')).toMatch(/^application\/json/);
    expect(r.body).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, code, message });
  });

  it('a 429 from the agent is TooManyRequests without Retry-After (only a throttling api-server sets one)', async () => {
    const r = await api(s.url, 'GET', `${PODS}/logs/log?container=throttled`);
    expect(r.status).toBe(429);
    expect(r.body).toMatchObject({ reason: 'TooManyRequests', code: 429, message: 'the server has received too many requests and has asked us to try again later ( pods/log logs)' });
    expect(r.body.details.retryAfterSeconds).toBeUndefined();
    // kube's NewGenericServerResponse carries retryAfterSeconds 0, so ErrorNegotiated writes no header: with one,
    // client-go would silently retry the request itself.
    expect(r.headers.get('retry-after')).toBeNull();
  });

  it('a 404 from the agent is NotFound on pods/log', async () => {
    const r = await api(s.url, 'GET', `${PODS}/elsewhere/log`);
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ reason: 'NotFound', code: 404, message: 'the server could not find the requested resource ( pods/log elsewhere)', details: { name: 'elsewhere', kind: 'pods/log' } });
    expect(r.body.details.causes[0].message).toBe('pod default/elsewhere is not on this node');
  });

  it('kubectl logs prints the reason and the agent message, not "unknown"', async () => {
    const r = await k.run(['logs', 'logs', '-c', 'waiting']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Error from server (BadRequest): container "waiting" in pod "logs" is waiting to start: ContainerCreating');
  });
});
