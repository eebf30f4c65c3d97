import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, pod, startServer, type RunningServer } from './harness.js';
import { httpWatch, wsWatch } from './watch-stream.js';

let s: RunningServer;
/** A server that waits only 50 ms for a resourceVersion it has not reached (kube waits 3 s). */
let quick: RunningServer;
beforeAll(async () => {
  s = await startServer({ storage: 'sqlite', watchBookmarkIntervalMs: 100 });
  quick = await startServer({ blockTimeoutMs: 50 });
});
afterAll(async () => {
  await s.close();
  await quick.close();
});

const PODS = '/api/v1/namespaces/default/pods';

describe('boolean query parameters are read as kube-apiserver reads them', () => {
  it.each(['True', 'TRUE', '1', 't', ''])('watch=%j watches', async (v) => {
    const name = `bool-${v.toLowerCase() || 'empty'}`;
    await api(s.url, 'POST', PODS, pod(name));
    const w = await httpWatch(`${s.url}${PODS}?watch=${v}&fieldSelector=metadata.name%3D${name}`);
    const [ev] = await w.waitFor(1);
    expect(ev).toMatchObject({ type: 'ADDED', object: { metadata: { name } } });
    w.close();
  });

  it.each(['False', 'FALSE', '0', 'false'])('watch=%s lists', async (v) => {
    const r = await api(s.url, 'GET', `${PODS}?watch=${v}`);
    expect(r.status).toBe(200);
    expect(r.body.kind).toBe('PodList');
  });

  it('allowWatchBookmarks=True sends bookmarks', async () => {
    const w = await httpWatch(`${s.url}${PODS}?watch=True&allowWatchBookmarks=True&labelSelector=none%3Dnone`);
    const [ev] = await w.waitFor(1);
    expect(ev.type).toBe('BOOKMARK');
    w.close();
  });
});

describe('watch timeoutSeconds', () => {
  it.each(['0', '3000000', '99999999999', '1e400'.replace('1e400', '9'.repeat(30))])('timeoutSeconds=%s keeps the watch open', async (t) => {
    const name = `timeout-${t.length}-${t[0]}`;
    const w = await httpWatch(`${s.url}${PODS}?watch=true&timeoutSeconds=${t}&fieldSelector=metadata.name%3D${name}`);
    expect(w.status).toBe(200);
    // A watch closed at once by an overflowed timer never sees this pod.
    await api(s.url, 'POST', PODS, pod(name));
    const [ev] = await w.waitFor(1);
    expect(ev).toMatchObject({ type: 'ADDED', object: { metadata: { name } } });
    w.close();
  });

  it('a negative timeoutSeconds ends the watch at once, as in kube', async () => {
    const w = await httpWatch(`${s.url}${PODS}?watch=true&timeoutSeconds=-1&labelSelector=none%3Dnone`);
    await w.ended;
    expect(w.events).toEqual([]);
  });
});

describe('a resourceVersion the store has not reached', () => {
  const tooLarge = (rv: number) => ({
    kind: 'Status',
    status: 'Failure',
    reason: 'Timeout',
    code: 504,
    message: expect.stringMatching(new RegExp(`^Timeout: Too large resource version: ${rv}, current: \\d+$`)),
    details: { causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }], retryAfterSeconds: 1 },
  });

  it('ends a watch with a 504 Timeout ERROR event after the wait', async () => {
    const rv = quick.store.currentRevision() + 1000;
    for (const open of [httpWatch, wsWatch]) {
      const w = await open(`${quick.url}${PODS}?watch=true&resourceVersion=${rv}`);
      await w.ended;
      expect(w.events).toHaveLength(1);
      expect(w.events[0]).toMatchObject({ type: 'ERROR', object: tooLarge(rv) });
    }
  });

  it('answers a list or get with 504 and Retry-After', async () => {
    await api(quick.url, 'POST', PODS, pod('future-get'));
    const rv = quick.store.currentRevision() + 1000;
    for (const path of [`${PODS}?resourceVersion=${rv}`, `${PODS}?resourceVersion=${rv}&limit=10`, `${PODS}/future-get?resourceVersion=${rv}`]) {
      const r = await api(quick.url, 'GET', path);
      expect(r.status, path).toBe(504);
      expect(r.body).toMatchObject(tooLarge(rv));
      expect(r.headers.get('retry-after')).toBe('1');
    }
    // One the store has reached is served.
    expect((await api(quick.url, 'GET', `${PODS}/future-get?resourceVersion=${quick.store.currentRevision()}`)).status).toBe(200);
  });

  it('serves a watch whose resourceVersion is reached while it waits', async () => {
    const patient = await startServer({ blockTimeoutMs: 60_000 });
    try {
      const rv = patient.store.currentRevision() + 2;
      const opening = httpWatch(`${patient.url}${PODS}?watch=true&resourceVersion=${rv}`);
      for (const name of ['r1', 'r2', 'r3']) expect((await api(patient.url, 'POST', PODS, pod(name))).status).toBe(201);
      const w = await opening;
      const ev = await w.waitFor(1);
      expect(ev.map((e) => [e.type, e.object.metadata.name])).toEqual([['ADDED', 'r3']]);
      w.close();
    } finally {
      await patient.close();
    }
  });
});
