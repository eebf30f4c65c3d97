import { createServer } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { requestCounts, untilEventsDrain } from './api-metrics.mjs';

// A real HTTP server whose /metrics counts events the way the api-server does, growing by `step` a scrape up to `max`.
let server;
async function metricsServer(step, max) {
  let events = 0;
  server = createServer((req, res) => {
    const body = `apiserver_request_total{verb="POST",resource="events",code="201"} ${events}\napiserver_request_total{verb="POST",resource="pods",code="201"} 10\n`;
    events = Math.min(max, events + step);
    res.end(body);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${server.address().port}`;
}
afterEach(() => new Promise((r) => (server ? server.close(r) : r())));

describe('untilEventsDrain', () => {
  it('waits until the events a run expects have reached the api-server', async () => {
    const url = await metricsServer(10, 40);
    const before = await requestCounts(url);
    const delta = await untilEventsDrain(url, before, 40, 30_000);
    expect(Object.fromEntries(delta)).toEqual({ 'POST events': 40 });
  });

  it('returns once the counts stop moving, when fewer events come than expected', async () => {
    const url = await metricsServer(10, 20);
    const before = await requestCounts(url);
    const delta = await untilEventsDrain(url, before, 1000, 30_000);
    expect(Object.fromEntries(delta)).toEqual({ 'POST events': 20 });
  });
});
