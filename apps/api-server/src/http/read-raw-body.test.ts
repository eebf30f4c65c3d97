import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '@skiff/api';
import { readRawBody } from './read-body.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

/** serve answers each request with what readRawBody made of its body (limit 16 bytes), and reports it. */
async function serve(outcomes: Array<Buffer | Error>): Promise<number> {
  server = createServer((req: IncomingMessage, res) => {
    readRawBody(req, 16).then(
      (body) => {
        outcomes.push(body);
        res.end(`ok ${body.length}`);
      },
      (err: Error) => {
        outcomes.push(err);
        res.statusCode = err instanceof ApiError ? err.code : 500;
        res.end(err.message);
      },
    );
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

function send(port: number, chunks: string[], headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

describe('readRawBody', () => {
  it('joins a chunked body, and reads an empty one', async () => {
    const outcomes: Array<Buffer | Error> = [];
    const port = await serve(outcomes);
    expect(await send(port, ['{"a":', '1}'])).toEqual({ status: 200, body: 'ok 7' });
    expect(await send(port, [])).toEqual({ status: 200, body: 'ok 0' });
    expect(outcomes.map((o) => (o instanceof Buffer ? o.toString() : o))).toEqual(['{"a":1}', '']);
  });

  it('refuses a chunked body past the limit with 413 and still answers on the connection', async () => {
    const outcomes: Array<Buffer | Error> = [];
    const port = await serve(outcomes);
    const r = await send(port, ['x'.repeat(10), 'x'.repeat(10), 'x'.repeat(10)]);
    expect(r.status).toBe(413);
    expect(r.body).toBe('Request entity too large: limit is 16');
    // Declared too large: refused before reading.
    expect((await send(port, ['x'.repeat(20)], { 'content-length': '20' })).status).toBe(413);
  });

  it('rejects when the client goes away in the middle of the body', async () => {
    const outcomes: Array<Buffer | Error> = [];
    const port = await serve(outcomes);
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/', headers: { 'content-length': '10' } });
    req.on('error', () => {});
    req.write('abc');
    await new Promise((r) => setTimeout(r, 0));
    const deadline = Date.now() + 10_000;
    // Wait until the server has the request, then cut the connection.
    while (server!.listening && Date.now() < deadline) {
      const n = await new Promise<number>((r) => server!.getConnections((_e, c) => r(c)));
      if (n > 0) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    req.destroy();
    while (outcomes.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(outcomes[0]).toBeInstanceOf(Error);
  });
});
