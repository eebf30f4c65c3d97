/**
 * Content negotiation beyond plain JSON: metadata-only reads (`as=PartialObjectMetadata[List];g=meta.k8s.io;v=v1`,
 * what controller-runtime's metadata informers and kube's garbage collector ask for) for get, list and watch, and
 * `Accept: application/yaml`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { startServer, type RunningServer } from './harness.js';

let s: RunningServer;
beforeAll(async () => {
  s = await startServer();
  for (const name of ['a', 'b']) {
    const res = await fetch(`${s.url}/api/v1/namespaces/default/configmaps`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ metadata: { name, labels: { app: name } }, data: { big: 'x'.repeat(1000) } }),
    });
    expect(res.status).toBe(201);
  }
});
afterAll(() => s?.close());

const LIST_META = 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json';
const META = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1,application/json';

describe('metadata-only reads', () => {
  it('answers a list with a PartialObjectMetadataList and no data', async () => {
    const res = await fetch(`${s.url}/api/v1/namespaces/default/configmaps?labelSelector=app%3Da`, { headers: { accept: LIST_META } });
    const body = (await res.json()) as { kind: string; apiVersion: string; metadata: { resourceVersion: string }; items: Array<Record<string, unknown>> };
    expect(body.kind).toBe('PartialObjectMetadataList');
    expect(body.apiVersion).toBe('meta.k8s.io/v1');
    expect(Number(body.metadata.resourceVersion)).toBeGreaterThan(0);
    expect(body.items).toHaveLength(1);
    expect(body.items[0]).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: expect.objectContaining({ name: 'a', labels: { app: 'a' } }) });
  });

  it('answers a get with PartialObjectMetadata', async () => {
    const body = (await (await fetch(`${s.url}/api/v1/namespaces/default/configmaps/b`, { headers: { accept: META } })).json()) as Record<string, unknown>;
    expect(Object.keys(body)).toEqual(['kind', 'apiVersion', 'metadata']);
    expect(body['kind']).toBe('PartialObjectMetadata');
  });

  it('streams PartialObjectMetadata events on a watch', async () => {
    const ac = new AbortController();
    const res = await fetch(`${s.url}/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=0`, { headers: { accept: META }, signal: ac.signal });
    const reader = res.body!.getReader();
    let text = '';
    while ((text.match(/\n/g) ?? []).length < 2) text += new TextDecoder().decode((await reader.read()).value);
    ac.abort();
    const events = text.trim().split('\n').map((l) => JSON.parse(l) as { type: string; object: { kind: string; data?: unknown; metadata: { name: string } } });
    expect(events.map((e) => [e.type, e.object.kind, e.object.metadata.name, e.object.data])).toEqual([
      ['ADDED', 'PartialObjectMetadata', 'a', undefined],
      ['ADDED', 'PartialObjectMetadata', 'b', undefined],
    ]);
  });

  it('serves plain JSON when the metadata clause comes after a plain one', async () => {
    const body = (await (await fetch(`${s.url}/api/v1/namespaces/default/configmaps/b`, { headers: { accept: `application/json,${META}` } })).json()) as Record<string, unknown>;
    expect(body['kind']).toBe('ConfigMap');
  });
});

describe('YAML responses', () => {
  it('answers objects and errors as YAML when asked', async () => {
    const res = await fetch(`${s.url}/api/v1/namespaces/default/configmaps/a`, { headers: { accept: 'application/yaml' } });
    expect(res.headers.get('content-type')).toBe('application/yaml');
    const text = await res.text();
    expect(text.startsWith('apiVersion: v1\ndata:\n')).toBe(true);
    expect(parse(text)).toMatchObject({ kind: 'ConfigMap', metadata: { name: 'a' } });
    const missing = await fetch(`${s.url}/api/v1/namespaces/default/configmaps/nope`, { headers: { accept: 'application/yaml' } });
    expect(missing.status).toBe(404);
    expect(parse(await missing.text())).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404 });
  });
});
