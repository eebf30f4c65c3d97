import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, pod, startServer, type RunningServer } from './harness.js';

// Writes reach the resource handler without Express's routing (routes/create-app.ts): they must get the same target
// checks, 404s and metrics as the reads that still go through it.
let s: RunningServer;
beforeAll(async () => {
  s = await startServer({ storage: 'sqlite' });
});
afterAll(() => s.close());

describe('writes outside Express', () => {
  it('answers a path nothing serves with the 404 Status a read gets, naming the method and the path', async () => {
    for (const method of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
      const r = await api(s.url, method, '/nope/x?limit=1', method === 'GET' || method === 'DELETE' ? undefined : {});
      expect(r.status, method).toBe(404);
      expect(r.body).toMatchObject({ kind: 'Status', reason: 'NotFound', code: 404, message: 'the server could not find the requested resource' });
      expect(r.body.details.causes).toEqual([{ reason: 'UnexpectedServerResponse', message: `404 page not found: ${method} /nope/x` }]);
    }
    // The fixed routes answer reads only, as Express's get routes did.
    const post = await api(s.url, 'POST', '/healthz', {});
    expect(post.status).toBe(404);
    expect((await api(s.url, 'GET', '/healthz')).status).toBe(200);
  });

  it('refuses a bad percent-escape in a write target with 400, as for a read', async () => {
    const r = await api(s.url, 'POST', '/api/v1/namespaces/%zz/pods', pod('a'));
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'BadRequest', message: 'invalid URL escape "%zz"' });
  });

  it('serves a create, its errors as Statuses, and counts both in apiserver_request_total', async () => {
    expect((await api(s.url, 'POST', '/api/v1/namespaces/default/pods', pod('w1'))).status).toBe(201);
    const again = await api(s.url, 'POST', '/api/v1/namespaces/default/pods', pod('w1'));
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ kind: 'Status', reason: 'AlreadyExists' });
    expect((await api(s.url, 'DELETE', '/api/v1/namespaces/default/pods/w1')).status).toBe(200);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    const count = (code: string): number =>
      Number(new RegExp(`apiserver_request_total\\{verb="POST",dry_run="",group="",version="v1",resource="pods",subresource="",scope="namespace",component="apiserver",code="${code}"\\} (\\d+)`).exec(metrics)?.[1] ?? 0);
    expect(count('201')).toBeGreaterThanOrEqual(1);
    expect(count('409')).toBeGreaterThanOrEqual(1);
  });
});
