import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createHealthServer, type HealthServerOptions } from './health-server.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

async function serve(opts: HealthServerOptions): Promise<string> {
  server = createHealthServer(opts);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('createHealthServer', () => {
  it('answers ok while every check passes and 503 naming the failed one, readyz adding its own checks', async () => {
    let leading = false;
    let alive = true;
    const url = await serve({
      live: [{ name: 'ping', check: () => true }, { name: 'loop', check: () => alive }],
      ready: [{ name: 'leader', check: () => leading }],
      details: () => ({ identity: 'cm-1' }),
    });
    const get = async (p: string): Promise<[number, string]> => {
      const r = await fetch(url + p);
      return [r.status, await r.text()];
    };
    expect(await get('/healthz')).toEqual([200, 'ok']);
    expect(await get('/readyz')).toEqual([503, '[-]leader failed: reason withheld\nreadyz check failed\n']);
    leading = true;
    expect(await get('/readyz')).toEqual([200, 'ok']);
    expect(await get('/readyz?verbose')).toEqual([200, '[+]ping ok\n[+]loop ok\n[+]leader ok\n[+]identity: cm-1\nreadyz check passed\n']);
    alive = false;
    expect(await get('/livez')).toEqual([503, '[-]loop failed: reason withheld\nlivez check failed\n']);
    expect((await get('/readyz'))[0]).toBe(503);
    expect((await get('/nope'))[0]).toBe(404);
  });

  it('counts a throwing check as failed and serves metrics from the source', async () => {
    const url = await serve({
      live: [{ name: 'db', check: () => { throw new Error('closed'); } }],
      metrics: { contentType: 'text/plain; version=0.0.4', metrics: async () => 'up 1\n' },
    });
    expect((await fetch(`${url}/healthz`)).status).toBe(503);
    const m = await fetch(`${url}/metrics`);
    expect(m.headers.get('content-type')).toBe('text/plain; version=0.0.4');
    expect(await m.text()).toBe('up 1\n');
  });
});
