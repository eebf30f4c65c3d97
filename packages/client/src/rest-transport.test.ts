import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ApiError, isAlreadyExists, isConflict, isGone, isInvalid, isNotFound, type Pod } from '@skiff/api';
import { failureStatus, startFakeApiServer, type FakeApiServer } from './__tests__/fake-api-server.js';
import { createClient, type Clientset } from './create-client.js';

describe('error answers', () => {
  let server: FakeApiServer;
  let client: Clientset;
  beforeEach(async () => {
    server = await startFakeApiServer();
    client = createClient({ server: server.url });
  });
  afterEach(async () => {
    await client.close();
    await server.close();
  });

  it('turns Status bodies into ApiErrors with working predicates', async () => {
    server.respond(() => ({ status: 404, body: failureStatus(404, 'NotFound', 'pods "nope" not found', { name: 'nope', kind: 'pods' }) }));
    const notFound = await client.pods.get('nope', { namespace: 'ns' }).catch((e: unknown) => e);
    expect(notFound).toBeInstanceOf(ApiError);
    expect(isNotFound(notFound)).toBe(true);
    expect((notFound as ApiError).message).toBe('pods "nope" not found');
    expect((notFound as ApiError).details).toEqual({ name: 'nope', kind: 'pods' });

    server.respond(() => ({ status: 409, body: failureStatus(409, 'AlreadyExists', 'pods "p" already exists') }));
    expect(isAlreadyExists(await client.pods.create({ metadata: { name: 'p', namespace: 'ns' } } as Pod).catch((e: unknown) => e))).toBe(true);

    server.respond(() => ({ status: 409, body: failureStatus(409, 'Conflict', 'Operation cannot be fulfilled on pods "p"') }));
    const conflict = await client.pods.update({ metadata: { name: 'p', namespace: 'ns' } } as Pod).catch((e: unknown) => e);
    expect(isConflict(conflict)).toBe(true);
    expect(isAlreadyExists(conflict)).toBe(false);

    const causes = [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers[0].image' }];
    server.respond(() => ({ status: 422, body: failureStatus(422, 'Invalid', 'Pod "p" is invalid', { name: 'p', kind: 'Pod', causes }) }));
    const invalid = await client.pods.create({ metadata: { name: 'p', namespace: 'ns' } } as Pod).catch((e: unknown) => e);
    expect(isInvalid(invalid)).toBe(true);
    expect((invalid as ApiError).details?.causes?.[0]?.field).toBe('spec.containers[0].image');

    server.respond(() => ({ status: 410, body: failureStatus(410, 'Expired', 'too old resource version: 1 (5)') }));
    expect(isGone(await client.pods.list({ namespace: 'ns' }).catch((e: unknown) => e))).toBe(true);
  });

  it('keeps the status code and text of a non-JSON error body', async () => {
    server.respond(() => ({ status: 502, body: 'upstream exploded', contentType: 'text/plain' }));
    const err = await client.nodes.get('n1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).code).toBe(502);
    expect((err as ApiError).message).toBe('upstream exploded');

    server.respond(() => ({ status: 404, body: '', contentType: 'text/plain' }));
    const empty = await client.nodes.get('n1').catch((e: unknown) => e);
    expect(isNotFound(empty)).toBe(true);
  });

  it('lets network errors through as they are', async () => {
    // A port that was free a moment ago: connection refused.
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const { port } = probe.address() as { port: number };
    await new Promise<void>((r) => probe.close(() => r()));
    const dead = createClient({ server: `http://127.0.0.1:${port}` });
    const err = await dead.nodes.list().catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(ApiError);
    expect((err as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    await dead.close();
  });

  it('times out requests that get no answer', async () => {
    const slow = createClient({ server: server.url, timeoutMs: 100 });
    server.respond(() => undefined);
    // A watch request on the collection never finishes; as an ordinary request it must time out.
    const err = await slow.raw('GET', '/api/v1/namespaces/default/pods?watch=true').catch((e: unknown) => e);
    expect(err).not.toBeInstanceOf(ApiError);
    expect((err as { code?: string }).code).toBe('UND_ERR_BODY_TIMEOUT');
    await slow.close();
  });
});
