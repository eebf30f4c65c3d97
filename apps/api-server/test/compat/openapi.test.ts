import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../harness.js';
import { Kubectl } from './kubectl.js';

let s: RunningServer;
let k: Kubectl;
beforeAll(async () => {
  s = await startServer();
  k = new Kubectl(s.url);
});
afterAll(async () => {
  k?.cleanup();
  await s?.close();
});

const get = (path: string, headers: Record<string, string> = {}): Promise<Response> => fetch(s.url + path, { headers, redirect: 'manual' });

describe('OpenAPI over HTTP', () => {
  it('serves each v3 document at its ?hash= URL as immutable, redirects an old hash and answers If-None-Match with 304', async () => {
    const root = (await (await get('/openapi/v3')).json()) as { paths: Record<string, { serverRelativeURL: string }> };
    const url = root.paths['api/v1']!.serverRelativeURL;
    const hash = url.split('hash=')[1]!;
    const r = await get(url);
    expect(r.status).toBe(200);
    expect(r.headers.get('etag')).toBe(`"${hash}"`);
    expect(r.headers.get('cache-control')).toBe('public, immutable');
    expect(Date.parse(r.headers.get('expires')!)).toBeGreaterThan(Date.now() + 300 * 24 * 3600 * 1000);
    const doc = (await r.json()) as { components: { schemas: Record<string, unknown> } };
    expect(doc.components.schemas['io.k8s.api.core.v1.Pod']).toBeDefined();

    const old = await get('/openapi/v3/api/v1?hash=0123');
    expect(old.status).toBe(301);
    expect(old.headers.get('location')).toBe(url);

    const plain = await get('/openapi/v3/api/v1');
    expect(plain.status).toBe(200);
    expect(plain.headers.get('cache-control')).toBeNull();
    expect((await get('/openapi/v3/api/v1', { 'If-None-Match': `"${hash}"` })).status).toBe(304);
    expect((await get('/openapi/v3/apis/nothing/v1')).status).toBe(404);
  });

  it('serves /openapi/v2 as JSON or as gnostic protobuf by Accept, with an ETag per encoding, and 406 for anything else', async () => {
    const json = await get('/openapi/v2', { Accept: 'application/json' });
    expect(json.status).toBe(200);
    expect(json.headers.get('content-type')).toBe('application/json');
    expect(((await json.json()) as { swagger: string }).swagger).toBe('2.0');

    // client-go's discovery asks for the '@' spelling; the answer is labelled with the spelling Go's mime parser reads.
    const pb = await get('/openapi/v2', { Accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' });
    expect(pb.status).toBe(200);
    expect(pb.headers.get('content-type')).toBe('application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    expect(pb.headers.get('vary')).toBe('Accept');
    expect([...new Uint8Array(await pb.arrayBuffer()).subarray(0, 5)]).toEqual([0x0a, 3, 0x32, 0x2e, 0x30]);
    expect(pb.headers.get('etag')).not.toBe(json.headers.get('etag'));

    expect((await get('/openapi/v2', { Accept: 'application/json;q=0.5, application/com.github.proto-openapi.spec.v2@v1.0+protobuf' })).headers.get('content-type')).toMatch(/protobuf/);
    expect((await get('/openapi/v2', { Accept: '*/*' })).headers.get('content-type')).toBe('application/json');
    expect((await get('/openapi/v2', { 'If-None-Match': json.headers.get('etag')! })).status).toBe(304);
    const refused = await get('/openapi/v2', { Accept: 'text/html' });
    expect(refused.status).toBe(406);
    expect(((await refused.json()) as { reason: string }).reason).toBe('NotAcceptable');
  });
});

describe('kubectl 1.32 with the published schemas', () => {
  it('explain pod.spec.containers.ports prints the field docs', async () => {
    const r = await k.run(['explain', 'pod.spec.containers.ports']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/FIELD: ports <\[\]ContainerPort>/);
    expect(r.stdout).toMatch(/List of ports to expose from the container/);
    expect(r.stdout).toMatch(/containerPort\s+<integer>\s+Number of port to expose on the pod's IP address/);
    expect(r.stdout).toMatch(/protocol\s+<string>\s+Protocol for port\. Must be UDP, TCP, or SCTP/);
  });

  it('explain deployment.spec.strategy prints the field docs', async () => {
    const r = await k.run(['explain', 'deployment.spec.strategy']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/GROUP:\s+apps/);
    expect(r.stdout).toMatch(/FIELD: strategy <DeploymentStrategy>/);
    expect(r.stdout).toMatch(/rollingUpdate\s+<RollingUpdateDeployment>\s+Rolling update config params/);
    expect(r.stdout).toMatch(/type\s+<string>\s+Type of deployment\. Can be "Recreate" or "RollingUpdate"/);
  });

  it('explain walks into ObjectMeta', async () => {
    const r = await k.run(['explain', 'deployment.metadata.labels']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/labels\s+<map\[string\]string>/);
    expect(r.stdout).toMatch(/Map of string keys and values that can be used to organize/);
  });

  it('create -f of a manifest with a misspelt field fails, naming the field', async () => {
    const file = k.writeFile(
      'typo.yaml',
      ['apiVersion: apps/v1', 'kind: Deployment', 'metadata: {name: typo}', 'spec:', '  replicass: 2', '  selector: {matchLabels: {app: t}}', '  template:', '    metadata: {labels: {app: t}}', '    spec: {containers: [{name: c, image: busybox}]}', ''].join('\n'),
    );
    const r = await k.run(['create', '-f', file]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unknown field "spec\.replicass"/);
    expect((await k.run(['get', 'deployment', 'typo'])).stderr).toMatch(/NotFound|not found/);
  });

  it('create -f of a PodList or NamespaceList validates and creates the items', async () => {
    const file = k.writeFile(
      'lists.yaml',
      [
        'apiVersion: v1',
        'kind: NamespaceList',
        'items:',
        '- {apiVersion: v1, kind: Namespace, metadata: {name: listed}}',
        '---',
        'apiVersion: v1',
        'kind: PodList',
        'items:',
        '- {apiVersion: v1, kind: Pod, metadata: {name: listed-pod}, spec: {containers: [{name: c, image: busybox}]}}',
        '',
      ].join('\n'),
    );
    const r = await k.run(['create', '-f', file]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('namespace/listed created\npod/listed-pod created\n');
    // The same schemas still catch a typo inside a List's items, client-side.
    const typo = k.writeFile('typo-list.yaml', ['apiVersion: v1', 'kind: PodList', 'items:', '- {apiVersion: v1, kind: Pod, metadata: {name: typo-pod}, spec: {containerz: []}}', ''].join('\n'));
    const bad = await k.run(['create', '-f', typo]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/unknown field "containerz"/);
  });
});
