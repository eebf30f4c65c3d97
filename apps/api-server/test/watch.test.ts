import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, pod, startServer, type RunningServer } from './harness.js';
import { httpWatch, wsWatch, type EventStream } from './watch-stream.js';
import { waitFor } from '@skiff/testing';

let s: RunningServer;
beforeAll(async () => {
  s = await startServer({ storage: 'sqlite', watchBookmarkIntervalMs: 200 });
});
afterAll(() => s.close());

const PODS = '/api/v1/namespaces/default/pods';
const merge = { 'Content-Type': 'application/merge-patch+json' };

const transports: [string, (url: string) => Promise<EventStream>][] = [
  ['chunked HTTP', (u) => httpWatch(u)],
  ['WebSocket', (u) => wsWatch(u)],
];

describe.each(transports)('watch over %s', (name, open) => {
  const prefix = name === 'WebSocket' ? 'ws' : 'http';

  it('replays current objects for resourceVersion 0, then streams changes in order', async () => {
    await api(s.url, 'POST', PODS, pod(`${prefix}-w0`));
    const w = await open(`${s.url}${PODS}?watch=true&resourceVersion=0&fieldSelector=metadata.name%3D${prefix}-w0`);
    await w.waitFor(1);
    await api(s.url, 'PATCH', `${PODS}/${prefix}-w0`, { metadata: { labels: { x: '1' } } }, merge);
    await api(s.url, 'DELETE', `${PODS}/${prefix}-w0`);
    const ev = await w.waitFor(3);
    expect(ev.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    expect(ev[1].object.metadata.labels.x).toBe('1');
    const rvs = ev.map((e) => Number(e.object.metadata.resourceVersion));
    expect(rvs[2]).toBeGreaterThan(rvs[1]!);
    w.close();
  });

  it('resumes from a resourceVersion with every later change', async () => {
    const created = await api(s.url, 'POST', PODS, pod(`${prefix}-resume`));
    const from = created.body.metadata.resourceVersion;
    await api(s.url, 'PATCH', `${PODS}/${prefix}-resume`, { metadata: { labels: { step: '1' } } }, merge);
    await api(s.url, 'PATCH', `${PODS}/${prefix}-resume`, { metadata: { labels: { step: '2' } } }, merge);
    const w = await open(`${s.url}${PODS}?watch=true&resourceVersion=${from}&fieldSelector=metadata.name%3D${prefix}-resume`);
    const ev = await w.waitFor(2);
    expect(ev.map((e) => [e.type, e.object.metadata.labels.step])).toEqual([
      ['MODIFIED', '1'],
      ['MODIFIED', '2'],
    ]);
    w.close();
  });

  it('sends DELETED when an object stops matching the selector, ADDED when it starts', async () => {
    await api(s.url, 'POST', PODS, pod(`${prefix}-sel`, { metadata: { name: `${prefix}-sel`, labels: { watched: prefix } } }));
    const w = await open(`${s.url}${PODS}?watch=true&labelSelector=watched%3D${prefix}`);
    await w.waitFor(1);
    await api(s.url, 'PATCH', `${PODS}/${prefix}-sel`, { metadata: { labels: { watched: 'no' } } }, merge);
    await api(s.url, 'PATCH', `${PODS}/${prefix}-sel`, { metadata: { labels: { watched: prefix } } }, merge);
    const ev = (await w.waitFor(3)).filter((e) => e.object.metadata.name === `${prefix}-sel`);
    expect(ev.map((e) => e.type)).toEqual(['ADDED', 'DELETED', 'ADDED']);
    w.close();
  });

  it('sends bookmarks when allowed and ends at timeoutSeconds', async () => {
    const w = await open(`${s.url}${PODS}?watch=true&resourceVersion=1&allowWatchBookmarks=true&timeoutSeconds=1&labelSelector=none%3Dnone`);
    await w.ended;
    const bookmarks = w.events.filter((e) => e.type === 'BOOKMARK');
    expect(bookmarks.length).toBeGreaterThan(0);
    expect(bookmarks[0].object).toEqual({ kind: 'Pod', apiVersion: 'v1', metadata: { resourceVersion: expect.stringMatching(/^\d+$/) } });
  });
});

describe('watch history', () => {
  it('answers 410 Expired for a revision before the kept history', async () => {
    for (let i = 0; i < 5; i++) await api(s.url, 'POST', PODS, pod(`old-${i}`));
    s.store.compact({ keepRevisions: 1, keepMs: 0 });
    const w = await httpWatch(`${s.url}${PODS}?watch=true&resourceVersion=2`);
    await w.ended;
    expect(w.events).toHaveLength(1);
    expect(w.events[0]).toMatchObject({ type: 'ERROR', object: { kind: 'Status', reason: 'Expired', code: 410 } });
  });

  it('keeps serving others while a watcher does not read', async () => {
    const slow = await httpWatch(`${s.url}${PODS}?watch=true&resourceVersion=0`);
    slow.pause();
    const fast = await wsWatch(`${s.url}${PODS}?watch=true&labelSelector=burst%3Dyes`);
    const big = 'x'.repeat(200_000);
    for (let i = 0; i < 20; i++) {
      const r = await api(s.url, 'POST', PODS, pod(`burst-${i}`, { metadata: { name: `burst-${i}`, labels: { burst: 'yes' }, annotations: { big } } }));
      expect(r.status).toBe(201);
    }
    const ev = await fast.waitFor(20);
    expect(ev.every((e) => e.type === 'ADDED')).toBe(true);
    fast.close();
    slow.close();
  });

  it('drops a watcher that falls too far behind instead of buffering without bound', async () => {
    const small = await startServer({ maxWatchBufferedBytes: 256 * 1024 });
    try {
      const slow = await httpWatch(`${small.url}${PODS}?watch=true&resourceVersion=0`);
      slow.pause();
      const big = 'x'.repeat(100_000);
      for (let i = 0; i < 60; i++) {
        const r = await api(small.url, 'POST', PODS, pod(`lag-${i}`, { metadata: { name: `lag-${i}`, annotations: { big } } }));
        expect(r.status).toBe(201);
      }
      await waitFor(() => small.api.hub.size === 0, { what: 'the lagging watcher to be dropped' });
      slow.close();
    } finally {
      await small.close();
    }
  });

  it('answers a Table per event for kubectl get -w', async () => {
    const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
    const w = await httpWatch(`${s.url}${PODS}?watch=true&resourceVersion=0&fieldSelector=metadata.name%3Dtable-w`, { Accept: accept });
    await api(s.url, 'POST', PODS, pod('table-w'));
    await api(s.url, 'PATCH', `${PODS}/table-w`, { metadata: { labels: { a: 'b' } } }, merge);
    const ev = await w.waitFor(2);
    expect(ev[0].object.kind).toBe('Table');
    expect(ev[0].object.columnDefinitions.length).toBeGreaterThan(0);
    expect(ev[0].object.rows[0].cells[0]).toBe('table-w');
    expect(ev[1].object.rows[0].cells[0]).toBe('table-w');
    w.close();
  });
});
