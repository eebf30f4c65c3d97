/**
 * Status bodies as kube-apiserver encodes them, byte for byte: metav1.Status's field order (details before code)
 * and the trailing newline of Go's json.Encoder. Some clients compare error bodies as text.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from './harness.js';

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('Status encoding', () => {
  it('answers 409 AlreadyExists and 404 NotFound with the exact text kube-apiserver sends', async () => {
    server = await startServer();
    const create = () =>
      fetch(`${server!.url}/api/v1/namespaces`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } }) });
    expect((await create()).status).toBe(201);
    const conflict = await create();
    expect(conflict.status).toBe(409);
    expect(await conflict.text()).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"namespaces \\"team\\" already exists","reason":"AlreadyExists","details":{"name":"team","kind":"namespaces"},"code":409}\n',
    );
    const missing = await fetch(`${server.url}/apis/apps/v1/namespaces/team/deployments/web`);
    expect(await missing.text()).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"deployments.apps \\"web\\" not found","reason":"NotFound","details":{"name":"web","group":"apps","kind":"deployments"},"code":404}\n',
    );
  });

  it('ends a successful delete Status the same way', async () => {
    server = await startServer();
    await fetch(`${server.url}/api/v1/namespaces/default/configmaps`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metadata: { name: 'c' } }) });
    const del = await fetch(`${server.url}/api/v1/namespaces/default/configmaps/c`, { method: 'DELETE' });
    const text = await del.text();
    const uid = (JSON.parse(text) as { details: { uid: string } }).details.uid;
    expect(text).toBe(`{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Success","details":{"name":"c","kind":"configmaps","uid":"${uid}"},"code":200}\n`);
  });
});
