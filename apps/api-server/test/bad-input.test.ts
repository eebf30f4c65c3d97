import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, pod, startServer, type RunningServer } from './harness.js';

let s: RunningServer;
beforeAll(async () => {
  s = await startServer({ storage: 'sqlite' });
});
afterAll(() => s.close());

const PODS = '/api/v1/namespaces/default/pods';

interface Case {
  name: string;
  method: string;
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  code: number;
  reason: string;
  message: RegExp;
}

const cases: Case[] = [
  { name: 'malformed JSON', method: 'POST', path: PODS, body: '{"apiVersion": "v1", "kind": ', code: 400, reason: 'BadRequest', message: /not valid JSON/ },
  { name: 'a JSON array instead of an object', method: 'POST', path: PODS, body: '[1,2]', code: 400, reason: 'BadRequest', message: /./ },
  { name: 'wrong field type', method: 'POST', path: PODS, body: { ...pod('t1'), spec: { containers: 'nginx' } }, code: 400, reason: 'BadRequest', message: /spec\.containers/ },
  {
    name: 'unknown field under Strict',
    method: 'POST',
    path: `${PODS}?fieldValidation=Strict`,
    body: { ...pod('t2'), spec: { containers: [{ name: 'c', image: 'busybox', imagee: 'x' }] } },
    code: 400,
    reason: 'BadRequest',
    message: /unknown field "spec\.containers\[0\]\.imagee"/,
  },
  { name: 'an invalid name', method: 'POST', path: PODS, body: pod('Bad_Name'), code: 422, reason: 'Invalid', message: /metadata\.name: Invalid value: "Bad_Name"/ },
  { name: 'a missing image', method: 'POST', path: PODS, body: { ...pod('noimg'), spec: { containers: [{ name: 'c' }] } }, code: 422, reason: 'Invalid', message: /spec\.containers\[0\]\.image: Required value/ },
  { name: 'an unknown path', method: 'GET', path: '/api/v1/widgets', code: 404, reason: 'NotFound', message: /could not find the requested resource/ },
  { name: 'an unknown group', method: 'GET', path: '/apis/batch/v1/jobs', code: 404, reason: 'NotFound', message: /./ },
  { name: 'a wrong method', method: 'PUT', path: PODS, body: pod('x'), code: 405, reason: 'MethodNotAllowed', message: /does not allow this method/ },
  { name: 'POST to an object', method: 'POST', path: `${PODS}/x`, body: pod('x'), code: 405, reason: 'MethodNotAllowed', message: /./ },
  { name: 'an unsupported content type', method: 'POST', path: PODS, body: 'a=b', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, code: 415, reason: 'UnsupportedMediaType', message: /application\/json/ },
  { name: 'a patch with a wrong content type', method: 'PATCH', path: `${PODS}/x`, body: {}, headers: { 'Content-Type': 'text/plain' }, code: 415, reason: 'UnsupportedMediaType', message: /merge-patch/ },
  { name: 'a bad label selector', method: 'GET', path: `${PODS}?labelSelector=${encodeURIComponent('app in (a')}`, code: 400, reason: 'BadRequest', message: /./ },
  { name: 'an unknown field selector', method: 'GET', path: `${PODS}?fieldSelector=spec.color%3Dred`, code: 400, reason: 'BadRequest', message: /"spec\.color" is not a known field selector/ },
  { name: 'a bad resourceVersion', method: 'GET', path: `${PODS}?watch=true&resourceVersion=abc`, code: 400, reason: 'BadRequest', message: /invalid resource version/ },
  { name: 'a bad limit', method: 'GET', path: `${PODS}?limit=many`, code: 400, reason: 'BadRequest', message: /limit/ },
  { name: 'a forged continue token', method: 'GET', path: `${PODS}?limit=5&continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEiLCJydiI6MSwibnMiOiIiLCJzdGFydCI6IngifQ.AAAAAAAAAAAAAAAAAAAAAA`, code: 400, reason: 'BadRequest', message: /invalid continue token/ },
  { name: 'a bad timeoutSeconds', method: 'GET', path: `${PODS}?watch=true&timeoutSeconds=soon`, code: 400, reason: 'BadRequest', message: /timeoutSeconds/ },
  { name: 'a JSON patch that is not a list', method: 'PATCH', path: `${PODS}/victim`, body: { op: 'add' }, headers: { 'Content-Type': 'application/json-patch+json' }, code: 400, reason: 'BadRequest', message: /./ },
  { name: 'a merge patch that is not an object', method: 'PATCH', path: `${PODS}/victim`, body: '"text"', headers: { 'Content-Type': 'application/merge-patch+json' }, code: 400, reason: 'BadRequest', message: /./ },
  { name: 'a kind that does not match the path', method: 'POST', path: PODS, body: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } }, code: 400, reason: 'BadRequest', message: /./ },
  { name: 'a namespace that does not match the path', method: 'POST', path: PODS, body: { ...pod('ns'), metadata: { name: 'ns', namespace: 'kube-system' } }, code: 400, reason: 'BadRequest', message: /does not match the namespace/ },
  { name: 'a bad dryRun value', method: 'POST', path: `${PODS}?dryRun=Some`, body: pod('dr'), code: 400, reason: 'BadRequest', message: /dryRun/ },
  { name: 'a bad propagationPolicy', method: 'DELETE', path: `${PODS}/victim`, body: { propagationPolicy: 'Sometimes' }, code: 400, reason: 'BadRequest', message: /propagationPolicy/ },
];

describe('bad input gets a Status with the right code', () => {
  beforeAll(async () => {
    expect((await api(s.url, 'POST', PODS, pod('victim'))).status).toBe(201);
  });

  it.each(cases)('$name → $code $reason', async (c) => {
    const before = s.store.currentRevision();
    const r = await api(s.url, c.method, c.path, c.body, c.headers);
    expect(r.status).toBe(c.code);
    expect(r.body).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: c.reason, code: c.code });
    expect(r.body.message).toMatch(c.message);
    // Nothing half-written, and the server still answers.
    expect(s.store.currentRevision()).toBe(before);
    expect((await api(s.url, 'GET', `${PODS}/victim`)).status).toBe(200);
  });

  it('refuses bodies over 3 MiB with 413', async () => {
    const big = { ...pod('huge'), metadata: { name: 'huge', annotations: { a: 'x'.repeat(3 * 1024 * 1024 + 10) } } };
    const r = await api(s.url, 'POST', PODS, big);
    expect(r.status).toBe(413);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'RequestEntityTooLarge', code: 413 });
    expect((await api(s.url, 'GET', '/readyz')).status).toBe(200);
  });

  it('survives a client that disconnects mid-body', async () => {
    await new Promise<void>((resolve) => {
      const req = request(`${s.url}${PODS}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': '1000' } });
      req.on('error', () => resolve());
      req.write('{"apiVersion":"v1",');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
    expect((await api(s.url, 'GET', '/readyz')).status).toBe(200);
  });
});
