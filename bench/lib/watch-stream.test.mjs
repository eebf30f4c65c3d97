import { createServer } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWatchEvents } from './watch-stream.mjs';

// A real HTTP server streaming a watch the way the api-server does (chunked, one JSON event a line, left open).
let server;
let url;
const sockets = new Set();
beforeAll(async () => {
  server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write(JSON.stringify({ type: 'ADDED', object: { metadata: { name: 'a' } } }) + '\n');
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${server.address().port}/api/v1/pods?watch=true`;
});
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => server?.close(r));
});

async function until(check, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 20));
  }
  return true;
}

describe('readWatchEvents', () => {
  it('hands over each event and closes its connection when aborted', async () => {
    const ac = new AbortController();
    const events = [];
    const done = readWatchEvents(url, ac.signal, (ev) => events.push(ev)).catch((err) => err);
    expect(await until(() => events.length === 1, 10_000)).toBe(true);
    expect(events[0].object.metadata.name).toBe('a');
    expect(sockets.size).toBe(1);
    ac.abort();
    expect((await done)?.name).toBe('AbortError');
    // The server sees the connection go: an open one held up the api-server's SIGTERM by its 5 s limit.
    expect(await until(() => sockets.size === 0, 10_000)).toBe(true);
  });
});
