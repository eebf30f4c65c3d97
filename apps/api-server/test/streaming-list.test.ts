/**
 * Streaming lists (sendInitialEvents, KEP-3157) and resourceVersionMatch: a watch that starts with the current
 * state, ends it with the initial-events-end bookmark, then streams changes; the validation kube applies; and
 * lists read exactly at, or not older than, a resourceVersion.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from './harness.js';
import { httpWatch, wsWatch } from './watch-stream.js';

let s: RunningServer;
beforeEach(async () => {
  s = await startServer();
});
afterEach(() => s.close());

const path = '/api/v1/namespaces/default/configmaps';
async function put(name: string, value: string): Promise<string> {
  const res = await fetch(`${s.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ metadata: { name }, data: { v: value } }) });
  expect(res.status).toBe(201);
  return ((await res.json()) as { metadata: { resourceVersion: string } }).metadata.resourceVersion;
}
const STREAM = 'watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true';

describe('sendInitialEvents', () => {
  it.each(['http', 'websocket'] as const)('sends the current state, the initial-events-end bookmark, then changes (%s)', async (transport) => {
    await put('a', '1');
    const rv = await put('b', '1');
    const w = transport === 'http' ? await httpWatch(`${s.url}${path}?${STREAM}`) : await wsWatch(`${s.url}${path}?${STREAM}`);
    const first = await w.waitFor(3);
    expect(first.slice(0, 2).map((e) => `${e.type} ${e.object.metadata.name}`).sort()).toEqual(['ADDED a', 'ADDED b']);
    expect(first[2]).toEqual({ type: 'BOOKMARK', object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { resourceVersion: rv, annotations: { 'k8s.io/initial-events-end': 'true' } } } });
    await put('c', '1');
    const [, , , next] = await w.waitFor(4);
    expect(`${next.type} ${next.object.metadata.name}`).toBe('ADDED c');
    w.close();
  });

  it('with sendInitialEvents=false and no resourceVersion, sends only what changes from now on', async () => {
    await put('old', '1');
    const w = await httpWatch(`${s.url}${path}?watch=1&sendInitialEvents=false&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true`);
    await put('new', '1');
    const [e] = await w.waitFor(1);
    expect(`${e.type} ${e.object.metadata.name}`).toBe('ADDED new');
    w.close();
  });

  it('refuses a streaming list without its required parameters, with kube\'s 422', async () => {
    const res = await fetch(`${s.url}${path}?watch=1&sendInitialEvents=true`);
    expect(res.status).toBe(422);
    expect(((await res.json()) as { message: string }).message).toBe(
      'ListOptions.meta.k8s.io "" is invalid: [resourceVersionMatch: Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan, allowWatchBookmarks: Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true]',
    );
  });
});

describe('resourceVersionMatch on lists', () => {
  it('reads exactly at a resourceVersion with Exact, and the latest state with NotOlderThan', async () => {
    const rv1 = await put('a', '1');
    await fetch(`${s.url}${path}/a`, { method: 'PATCH', headers: { 'content-type': 'application/merge-patch+json' }, body: JSON.stringify({ data: { v: '2' } }) });
    const exact = (await (await fetch(`${s.url}${path}?resourceVersion=${rv1}&resourceVersionMatch=Exact`)).json()) as { metadata: { resourceVersion: string }; items: { data: { v: string } }[] };
    expect(exact.metadata.resourceVersion).toBe(rv1);
    expect(exact.items.map((i) => i.data.v)).toEqual(['1']);
    const latest = (await (await fetch(`${s.url}${path}?resourceVersion=${rv1}&resourceVersionMatch=NotOlderThan&limit=10`)).json()) as { items: { data: { v: string } }[] };
    expect(latest.items.map((i) => i.data.v)).toEqual(['2']);
    const bad = await fetch(`${s.url}${path}?resourceVersionMatch=Exact`);
    expect(bad.status).toBe(422);
  });
});
