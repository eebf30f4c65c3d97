import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, pod, spawnServer, startServer, type RunningServer, type ServerProcess } from './harness.js';

let s: RunningServer;
beforeAll(async () => {
  s = await startServer({ storage: 'sqlite' });
});
afterAll(() => s.close());

const PODS = '/api/v1/namespaces/default/pods';
const JSON_PATCH = { 'Content-Type': 'application/json-patch+json' };
const MERGE_PATCH = { 'Content-Type': 'application/merge-patch+json' };
const STRATEGIC_PATCH = { 'Content-Type': 'application/strategic-merge-patch+json' };
const APPLY_PATCH = { 'Content-Type': 'application/apply-patch+yaml' };
const YAML = { 'Content-Type': 'application/yaml' };

/** nested is `depth` levels of JSON arrays around 1. */
const nested = (depth: number): string => `${'['.repeat(depth)}1${']'.repeat(depth)}`;
/** podJson is a valid pod as JSON text with `extra` spliced in as more top-level members. */
const podJson = (name: string, extra: string): string => `${JSON.stringify(pod(name)).slice(0, -1)},${extra}}`;

/** BILLION_LAUGHS is 9 levels of 9 aliases: a few hundred bytes that expand to 9^9 strings. */
const BILLION_LAUGHS = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
  .concat('bcdefghi'.split('').map((k, i) => `${k}: &${k} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`))
  .join('\n');

/** aliasedPod is a pod whose container args repeat one `size`-byte anchored string `times` times. */
const aliasedPod = (name: string, size: number, times: number): string =>
  `apiVersion: v1\nkind: Pod\nmetadata:\n  name: ${name}\n  annotations: {a: &a "${'x'.repeat(size)}"}\nspec:\n  containers:\n  - name: c\n    image: busybox\n    args: [${Array(times).fill('*a').join(',')}]\n`;

/** copyDoubling is a JSON patch whose every op appends the args list to itself, doubling it. */
const copyDoubling = (ops: number): unknown[] => Array.from({ length: ops }, () => ({ op: 'copy', from: '/spec/containers/0/args', path: '/spec/containers/0/args/-' }));

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
  {
    name: 'a pod of more than 100 containers',
    method: 'POST',
    path: PODS,
    body: { ...pod('huge'), spec: { containers: Array.from({ length: 101 }, (_, i) => ({ name: `c${i}`, image: 'busybox:1.36' })) } },
    code: 422,
    reason: 'Invalid',
    message: /^Pod "huge" is invalid: spec\.containers: Too many: 101: must have at most 100 items$/,
  },
  {
    name: 'a Deployment whose pod template has more than 100 init containers',
    method: 'POST',
    path: '/apis/apps/v1/namespaces/default/deployments',
    body: {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'huge' },
      spec: {
        selector: { matchLabels: { app: 'huge' } },
        template: {
          metadata: { labels: { app: 'huge' } },
          spec: { initContainers: Array.from({ length: 150 }, (_, i) => ({ name: `i${i}`, image: 'busybox:1.36' })), containers: [{ name: 'c', image: 'busybox:1.36' }] },
        },
      },
    },
    code: 422,
    reason: 'Invalid',
    message: /spec\.template\.spec\.initContainers: Too many: 150: must have at most 100 items/,
  },
  { name: 'an unknown path', method: 'GET', path: '/api/v1/widgets', code: 404, reason: 'NotFound', message: /could not find the requested resource/ },
  { name: 'an unknown group', method: 'GET', path: '/apis/example.com/v1/widgets', code: 404, reason: 'NotFound', message: /./ },
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
  // A bad percent-escape in the path is the client's mistake, not a 500 "URI malformed".
  { name: 'a bad percent-escape in the path', method: 'GET', path: `${PODS}/%zz`, code: 400, reason: 'BadRequest', message: /^invalid URL escape "%zz"$/ },
  { name: 'a bad percent-escape outside /api', method: 'GET', path: '/openapi/v3/%zz', code: 400, reason: 'BadRequest', message: /^invalid URL escape "%zz"$/ },
  // Nesting beyond the limit is a 400 on every decoding path, not a 500 "Maximum call stack size exceeded".
  ...[
    { via: 'create', method: 'POST', path: PODS, body: podJson('deep', `"x":${nested(100_000)}`) },
    { via: 'update', method: 'PUT', path: `${PODS}/victim`, body: podJson('victim', `"x":${nested(100_000)}`) },
    { via: 'merge patch', method: 'PATCH', path: `${PODS}/victim`, body: `{"x":${nested(100_000)}}`, headers: MERGE_PATCH },
    { via: 'strategic merge patch', method: 'PATCH', path: `${PODS}/victim`, body: `{"x":${nested(100_000)}}`, headers: STRATEGIC_PATCH },
    { via: 'JSON patch', method: 'PATCH', path: `${PODS}/victim`, body: `[{"op":"add","path":"/x","value":${nested(100_000)}}]`, headers: JSON_PATCH },
    { via: 'apply (JSON)', method: 'PATCH', path: `${PODS}/victim?fieldManager=t`, body: podJson('victim', `"x":${nested(100_000)}`), headers: APPLY_PATCH },
    { via: 'apply (YAML flow)', method: 'PATCH', path: `${PODS}/victim?fieldManager=t`, body: `kind: Pod\nx: ${'['.repeat(100_000)}`, headers: APPLY_PATCH },
    { via: 'YAML create', method: 'POST', path: PODS, body: `kind: Pod\nx: ${'{a: '.repeat(100_000)}`, headers: YAML },
  ].map((c) => ({ name: `JSON nested 100000 deep (${c.via})`, code: 400, reason: 'BadRequest', message: /exceeded max depth/, ...c })),
  { name: 'JSON nested just past the limit', method: 'POST', path: PODS, body: podJson('deep', `"x":${nested(1000)}`), code: 400, reason: 'BadRequest', message: /^the request body is nested too deeply: exceeded max depth of 1000$/ },
  // Integers are range-checked against their Go type while decoding, as Go's JSON decoder does (400, naming the field).
  {
    name: 'an int32 field out of range',
    method: 'POST',
    path: PODS,
    body: { ...pod('i32'), spec: { containers: [{ name: 'c', image: 'busybox', ports: [{ containerPort: 2147483648 }] }] } },
    code: 400,
    reason: 'BadRequest',
    message: /error decoding "spec\.containers\[0\]\.ports\[0\]\.containerPort": cannot unmarshal number 2147483648 into a field of type int32/,
  },
  {
    name: 'an int64 field beyond what the server keeps exactly',
    method: 'POST',
    path: PODS,
    body: '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"i64","generation":18446744073709551616},"spec":{"containers":[{"name":"c","image":"busybox"}]}}',
    code: 400,
    reason: 'BadRequest',
    message: /error decoding "metadata\.generation": cannot unmarshal number 18446744073709552000 into a field of type int64/,
  },
  {
    name: 'a negative pod runAsUser',
    method: 'POST',
    path: PODS,
    body: { ...pod('uid'), spec: { securityContext: { runAsUser: -1 }, containers: [{ name: 'c', image: 'busybox' }] } },
    code: 422,
    reason: 'Invalid',
    message: /^Pod "uid" is invalid: spec\.securityContext\.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive$/,
  },
  {
    name: 'a negative container runAsGroup and pod fsGroup',
    method: 'POST',
    path: PODS,
    body: { ...pod('gid'), spec: { securityContext: { fsGroup: -2 }, containers: [{ name: 'c', image: 'busybox', securityContext: { runAsGroup: -1 } }] } },
    code: 422,
    reason: 'Invalid',
    message: /spec\.containers\[0\]\.securityContext\.runAsGroup: Invalid value: -1: must be between 0 and 2147483647, inclusive.*spec\.securityContext\.fsGroup: Invalid value: -2/,
  },
  // Duplicate keys: JSON.parse silently keeps the last one; kubectl's fieldValidation=Strict must see them.
  {
    name: 'a duplicate JSON key under Strict',
    method: 'POST',
    path: `${PODS}?fieldValidation=Strict`,
    body: JSON.stringify(pod('dup')).replace('"name":"dup"', '"name":"dup","name":"dup2"'),
    code: 400,
    reason: 'BadRequest',
    message: /^Pod in version "v1" cannot be handled as a Pod: strict decoding error: duplicate field "metadata\.name"$/,
  },
  {
    name: 'a duplicate YAML key under Strict',
    method: 'POST',
    path: `${PODS}?fieldValidation=Strict`,
    body: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: dup\n  name: dup2\nspec:\n  containers:\n  - name: c\n    image: busybox\n',
    headers: YAML,
    code: 400,
    reason: 'BadRequest',
    message: /strict decoding error: line 5: key "name" already set in map$/,
  },
  {
    name: 'a duplicate key in a merge patch under Strict',
    method: 'PATCH',
    path: `${PODS}/victim?fieldValidation=Strict`,
    body: '{"metadata":{"labels":{"tier":"a","tier":"b"}}}',
    headers: MERGE_PATCH,
    code: 400,
    reason: 'BadRequest',
    message: /strict decoding error: duplicate field "metadata\.labels\.tier"$/,
  },
  {
    name: 'a duplicate key in a JSON patch operation under Strict',
    method: 'PATCH',
    path: `${PODS}/victim?fieldValidation=Strict`,
    body: '[{"op":"add","path":"/metadata/labels/x","path":"/metadata/labels/y","value":"v"}]',
    headers: JSON_PATCH,
    code: 400,
    reason: 'BadRequest',
    message: /strict decoding error: json patch duplicate field "\[0\]\.path"$/,
  },
  // What one request may cost is bounded before the memory is spent.
  { name: 'a JSON patch of more than 10000 operations', method: 'PATCH', path: `${PODS}/victim`, body: Array(10_001).fill({ op: 'test', path: '/kind', value: 'Pod' }), headers: JSON_PATCH, code: 413, reason: 'RequestEntityTooLarge', message: /^The allowed maximum operations in a JSON patch is 10000, got 10001$/ },
  { name: 'JSON patch copies that double the object', method: 'PATCH', path: `${PODS}/victim`, body: [{ op: 'add', path: '/spec/containers/0/args', value: ['x'.repeat(1200)] }, ...copyDoubling(22)], headers: JSON_PATCH, code: 422, reason: 'Invalid', message: /Unable to complete the copy, the accumulated size increase of copy exceeds the limit 3145728 bytes/ },
  // 90000 containers (2.7 MB): a search per element made this 20 minutes of CPU; the container limit and the
  // pod-update rule then refuse it.
  {
    name: 'a strategic merge patch with 90000 list elements',
    method: 'PATCH',
    path: `${PODS}/victim`,
    body: { spec: { containers: Array.from({ length: 90_000 }, (_, i) => ({ name: `c${i}`, image: 'x' })) } },
    headers: STRATEGIC_PATCH,
    code: 422,
    reason: 'Invalid',
    message: /^Pod "victim" is invalid: \[spec\.containers: Too many: 90001: must have at most 100 items, spec: Forbidden: pod updates may not change fields other than/,
  },
  // A varint that never ends grew a BigInt quadratically: 3 MB of 0xff bytes was minutes of CPU.
  {
    name: 'a protobuf body that is one endless varint',
    method: 'POST',
    path: '/api/v1/namespaces',
    body: Buffer.concat([Buffer.from('k8s\0'), Buffer.alloc(3_000_000, 0xff)]),
    headers: { 'Content-Type': 'application/vnd.kubernetes.protobuf' },
    code: 400,
    reason: 'BadRequest',
    message: /^malformed protobuf request body: a varint is longer than 10 bytes$/,
  },
  { name: 'a YAML billion laughs (create)', method: 'POST', path: PODS, body: BILLION_LAUGHS, headers: YAML, code: 400, reason: 'BadRequest', message: /^the request body is not valid YAML: document contains excessive aliasing \(more than 100 alias expansions\)$/ },
  { name: 'a YAML billion laughs (apply)', method: 'PATCH', path: `${PODS}/victim?fieldManager=t`, body: BILLION_LAUGHS, headers: APPLY_PATCH, code: 400, reason: 'BadRequest', message: /excessive aliasing/ },
  { name: 'YAML aliases expanding 100 KB past 3 MiB', method: 'POST', path: PODS, body: aliasedPod('wide', 100_000, 60), headers: YAML, code: 413, reason: 'RequestEntityTooLarge', message: /^Request entity too large: the decoded body exceeds the limit of 3145728 bytes$/ },
  { name: 'an object over the 1.5 MiB store limit (YAML aliases)', method: 'POST', path: PODS, body: aliasedPod('big', 40_000, 60), headers: YAML, code: 413, reason: 'RequestEntityTooLarge', message: /^Request entity too large: pods "big" is \d+ bytes once encoded, and the limit for a stored object is 1572864 bytes$/ },
  { name: 'an object over the 1.5 MiB store limit (JSON)', method: 'POST', path: PODS, body: { ...pod('big2'), spec: { containers: [{ name: 'c', image: 'busybox', args: ['x'.repeat(2 * 1024 * 1024)] }] } }, code: 413, reason: 'RequestEntityTooLarge', message: /limit for a stored object is 1572864 bytes/ },
  { name: 'a patch growing an object past the store limit', method: 'PATCH', path: `${PODS}/victim/status`, body: { status: { message: 'x'.repeat(2 * 1024 * 1024) } }, headers: MERGE_PATCH, code: 413, reason: 'RequestEntityTooLarge', message: /pods "victim" is \d+ bytes once encoded/ },
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

  it('warns about a duplicate key under fieldValidation=Warn and stores the last value', async () => {
    const body = JSON.stringify(pod('dupwarn')).replace('"labels":{"app":"web"}', '"labels":{"app":"web","app":"api"}');
    const r = await api(s.url, 'POST', `${PODS}?fieldValidation=Warn`, body);
    expect(r.status).toBe(201);
    expect(r.headers.get('warning')).toBe('299 - "duplicate field \\"metadata.labels.app\\""');
    expect(r.body.metadata.labels).toEqual({ app: 'api' });
  });

  it('warns about unknown and duplicate fields when the request names no fieldValidation (kube defaults to Warn)', async () => {
    const body = JSON.stringify({ ...pod('nodirective'), spec: { ...(pod('nodirective').spec as object), bogus: 1 } }).replace('"labels":{"app":"web"}', '"labels":{"app":"web","app":"api"}');
    const r = await api(s.url, 'POST', PODS, body);
    expect(r.status).toBe(201);
    expect(r.headers.get('warning')).toContain('299 - "unknown field \\"spec.bogus\\""');
    expect(r.headers.get('warning')).toContain('299 - "duplicate field \\"metadata.labels.app\\""');
    const ignored = await api(s.url, 'POST', `${PODS}?fieldValidation=Ignore`, body.replace('nodirective', 'ignored'));
    expect(ignored.status).toBe(201);
    expect(ignored.headers.get('warning')).toBeNull();
  });

  it('answers an unknown method, a missing Host header, a bad upgrade path and malformed requests with a Status', async () => {
    const foo = await rawRequest(s.port, `FOO ${PODS} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(foo.head).toMatch(/^HTTP\/1\.1 405 Method Not Allowed\r\n/);
    expect(foo.head).toMatch(/\r\nContent-Type: application\/json\r\n/i);
    expect(foo.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'MethodNotAllowed', code: 405, message: expect.stringMatching(/unknown HTTP method/) });

    const noHost = await rawRequest(s.port, `GET ${PODS} HTTP/1.1\r\nConnection: close\r\n\r\n`);
    expect(noHost.head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(noHost.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400, message: 'missing required Host header' });

    // HTTP/1.0 needs no Host.
    const old = await rawRequest(s.port, `GET ${PODS} HTTP/1.0\r\n\r\n`);
    expect(old.head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);

    // A WebSocket watch upgrade never reaches the app's routes: its path is checked where it is parsed.
    const upgrade = await rawRequest(
      s.port,
      'GET /api/v1/namespaces/%zz/pods?watch=true HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    expect(upgrade.head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(upgrade.body).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400, message: 'invalid URL escape "%zz"' });

    const badLength = await rawRequest(s.port, `POST ${PODS} HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n`);
    expect(badLength.head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(badLength.body).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400, message: expect.stringMatching(/^malformed HTTP request: .*Content-Length.*\(HPE_INVALID_CONTENT_LENGTH\)$/) });

    const hugeHeader = await rawRequest(s.port, `GET ${PODS} HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`);
    expect(hugeHeader.head).toMatch(/^HTTP\/1\.1 431 Request Header Fields Too Large\r\n/);
    expect(hugeHeader.body).toMatchObject({ kind: 'Status', code: 431, message: 'Request Header Fields Too Large' });
  });

  it('survives a client that disconnects mid-body', async () => {
    await new Promise<void>((resolve) => {
      const req = request(`${s.url}${PODS}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'Content-Length': '1000' } });
      req.on('error', () => resolve());
      // Cut the connection once the first part of the body is on the wire, 1000 bytes promised.
      req.write('{"apiVersion":"v1",', () => {
        req.destroy();
        resolve();
      });
    });
    expect((await api(s.url, 'GET', '/readyz')).status).toBe(200);
  });
});

/** rawRequest writes bytes to the server and reads the response until the connection closes. */
async function rawRequest(port: number, raw: string): Promise<{ head: string; body: any }> {
  const text = await new Promise<string>((resolve, reject) => {
    const sock = connect(port, '127.0.0.1', () => sock.write(raw));
    let out = '';
    sock.on('data', (d) => (out += d.toString()));
    sock.on('end', () => resolve(out));
    // The server may answer and close while a long request is still being written: keep what it answered.
    sock.on('error', (err) => (out ? resolve(out) : reject(err)));
    sock.on('close', () => resolve(out));
  });
  const split = text.indexOf('\r\n\r\n');
  const body = text.slice(split + 4);
  return { head: text.slice(0, split + 2), body: body ? JSON.parse(body) : undefined };
}

/** peakRssBytes is the high-water mark of a process's resident memory (Linux VmHWM). */
function peakRssBytes(pid: number): number {
  const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) * 1024;
}

describe('requests that cost far more than they weigh, against the real process', () => {
  let proc: ServerProcess;
  beforeAll(async () => {
    proc = await spawnServer(['--storage', 'memory']);
  });
  afterAll(async () => {
    await proc?.kill('SIGKILL');
  });

  it('refuses a billion laughs, alias amplification and copy doubling without the memory they ask for', async () => {
    expect((await api(proc.url, 'POST', PODS, pod('target'))).status).toBe(201);
    const before = peakRssBytes(proc.child.pid!);

    const laughs = await api(proc.url, 'POST', PODS, BILLION_LAUGHS, YAML);
    expect(laughs.status).toBe(400);
    expect(laughs.body).toMatchObject({ reason: 'BadRequest', message: expect.stringMatching(/excessive aliasing/) });
    const apply = await api(proc.url, 'PATCH', `${PODS}/target?fieldManager=t`, BILLION_LAUGHS, APPLY_PATCH);
    expect(apply.status).toBe(400);
    // 111 KB of YAML that used to become a stored 50 MB pod: 500 aliases are more than the 100 allowed, and 60 of
    // them would still expand past the decoded-size limit.
    const amplified = await api(proc.url, 'POST', PODS, aliasedPod('amplified', 100_000, 500), YAML);
    expect(amplified.status).toBe(400);
    expect(amplified.body).toMatchObject({ reason: 'BadRequest', message: expect.stringMatching(/excessive aliasing/) });
    const wide = await api(proc.url, 'POST', PODS, aliasedPod('wide', 100_000, 60), YAML);
    expect(wide.status).toBe(413);
    expect(wide.body).toMatchObject({ reason: 'RequestEntityTooLarge', message: expect.stringMatching(/decoded body exceeds the limit of 3145728 bytes/) });
    // 22 copies of 1.2 KB: 2^22 × 1.2 KB unbounded.
    const copies = await api(proc.url, 'PATCH', `${PODS}/target`, [{ op: 'add', path: '/spec/containers/0/args', value: ['x'.repeat(1200)] }, ...copyDoubling(22)], JSON_PATCH);
    expect(copies.status).toBe(422);
    expect(copies.body.message).toMatch(/accumulated size increase of copy exceeds the limit 3145728 bytes/);

    // Each attack asked for gigabytes; the process's peak grew by far less than one of them would take.
    expect(peakRssBytes(proc.child.pid!) - before).toBeLessThan(256 * 1024 * 1024);
    const target = await api(proc.url, 'GET', `${PODS}/target`);
    expect(target.status).toBe(200);
    expect(target.body.spec.containers[0].args).toBeUndefined();
    expect((await api(proc.url, 'GET', PODS)).body.items.map((p: any) => p.metadata.name)).toEqual(['target']);
  });
});
