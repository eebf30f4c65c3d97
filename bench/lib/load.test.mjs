import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newPool, request } from './load.mjs';

// A real HTTP server that answers with the content-type it received.
let server;
let pool;
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.end(JSON.stringify({ contentType: req.headers['content-type'] ?? null })));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  pool = newPool(`http://127.0.0.1:${server.address().port}`, 2);
});
afterAll(async () => {
  await pool?.close();
  await new Promise((r) => server?.close(r));
});

const received = async (...args) => JSON.parse((await request(pool, ...args)).body).contentType;

describe('request', () => {
  it('keeps the content-type the caller gives, whatever its case', async () => {
    expect(await received('PATCH', '/p', '{"a":1}', { 'content-type': 'application/merge-patch+json' })).toBe('application/merge-patch+json');
    expect(await received('PATCH', '/p', '[]', { 'Content-Type': 'application/json-patch+json' })).toBe('application/json-patch+json');
  });

  it('sends a body as JSON when the caller names no content-type', async () => {
    expect(await received('POST', '/p', '{}')).toBe('application/json');
    expect(await received('POST', '/p', '{}', { authorization: 'Bearer x' })).toBe('application/json');
  });

  it('sends no content-type without a body', async () => {
    expect(await received('GET', '/p')).toBe(null);
  });
});
