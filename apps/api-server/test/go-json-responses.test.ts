/**
 * Response bytes escaped as kube-apiserver's (Go's encoding/json escapes & < > U+2028 U+2029), for stored objects and
 * for objects the store never wrote: a dry run's, and a Status. Clients that compare bytes (kubectl rollout undo
 * against ControllerRevision.data) see the same text either way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from './harness.js';

let s: RunningServer;
beforeAll(async () => {
  s = await startServer({ storage: 'sqlite' });
});
afterAll(() => s.close());

const CMS = '/api/v1/namespaces/default/configmaps';
const configMap = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { page: '<b>a & b</b>\u2028' } });
const ESCAPED = '\\u003cb\\u003ea \\u0026 b\\u003c/b\\u003e\\u2028';

async function raw(method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(s.url + path, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, text: await res.text() };
}

describe('response bodies are Go-escaped', () => {
  it('for a stored object and for the same object from a dry run, which the store never wrote', async () => {
    const created = await raw('POST', CMS, configMap('stored'));
    expect(created.status).toBe(201);
    expect(created.text).toContain(ESCAPED);
    const dryRun = await raw('POST', `${CMS}?dryRun=All`, configMap('dry'));
    expect(dryRun.status).toBe(201);
    expect(dryRun.text).toContain(ESCAPED);
    expect(JSON.parse(dryRun.text).data.page).toBe('<b>a & b</b>\u2028');
    expect((await raw('GET', `${CMS}/dry`)).status).toBe(404);
  });

  it('for a Status naming the object', async () => {
    const missing = await raw('GET', `${CMS}/a%3Cb%3E`);
    expect(missing.status).toBe(404);
    expect(missing.text).toContain('\\u003cb\\u003e');
    expect(JSON.parse(missing.text).message).toContain('"a<b>"');
  });
});

describe('watch events are Go-escaped', () => {
  it('for a table and for metadata-only events, which the store never wrote', async () => {
    await raw('POST', CMS, { ...configMap('watched'), metadata: { name: 'watched', annotations: { note: '<b>a & b</b>\u2028' } } });
    const read = async (accept: string) => {
      const ac = new AbortController();
      const res = await fetch(`${s.url}${CMS}?watch=1&fieldSelector=metadata.name%3Dwatched`, { headers: { accept }, signal: ac.signal });
      const reader = res.body!.getReader();
      let text = '';
      while (!text.includes('\n')) text += new TextDecoder().decode((await reader.read()).value);
      ac.abort();
      return text;
    };
    const meta = await read('application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1');
    expect(JSON.parse(meta).object.kind).toBe('PartialObjectMetadata');
    expect(meta).toContain(ESCAPED);
    const table = await read('application/json;as=Table;g=meta.k8s.io;v=v1');
    expect(JSON.parse(table).object.kind).toBe('Table');
    // The table's rows carry the object's metadata, annotations included.
    expect(table).toContain(ESCAPED);
  });
});
