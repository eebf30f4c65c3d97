import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RESOURCES } from '@skiff/api';
import { api, pod, startServer, type RunningServer } from './harness.js';

let s: RunningServer;
beforeAll(async () => {
  s = await startServer({ storage: 'sqlite' });
  // Written in-process: 1,234 POSTs would only slow the test down; what is under test is reading them back.
  // No HTTP before the loop either: on a loaded machine the loop blocks this process (client and server) past the
  // server's keep-alive timeout, and a kept-alive socket from an earlier request would then be reset under the
  // first GET (the server's idle timer and the client's reuse race once the loop returns).
  for (const ns of ['paging', 'sel', 'compact', 'table']) s.api.registry.create(RESOURCES.namespaces, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
  for (let i = 0; i < 1234; i++) s.api.registry.create(RESOURCES.pods, 'paging', pod(`p-${String(i).padStart(4, '0')}`, { metadata: { name: `p-${String(i).padStart(4, '0')}`, labels: { v: '1' } } }));
  await s.store.sync();
});
afterAll(() => s.close());

const merge = { 'Content-Type': 'application/merge-patch+json' };
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

/** readPages follows continue tokens from `path` (which has a limit), calling between() before each later page. */
async function readPages(path: string, between: (i: number) => Promise<void> = async () => {}, headers: Record<string, string> = {}): Promise<any[]> {
  const pages: any[] = [];
  let r = await api(s.url, 'GET', path, undefined, headers);
  for (;;) {
    expect(r.status, JSON.stringify(r.body).slice(0, 300)).toBe(200);
    pages.push(r.body);
    const token = r.body.metadata.continue;
    if (!token) return pages;
    await between(pages.length);
    r = await api(s.url, 'GET', `${path}&continue=${encodeURIComponent(token)}`, undefined, headers);
  }
}

describe('list paging (limit and continue)', () => {
  it('serves a long list in pages, all at the first page resourceVersion, whatever changes between pages', async () => {
    const all = (await api(s.url, 'GET', '/api/v1/namespaces/paging/pods')).body;
    expect(all.items).toHaveLength(1234);
    expect(all.metadata.continue).toBeUndefined();
    const pages = await readPages('/api/v1/namespaces/paging/pods?limit=500', async (i) => {
      if (i !== 1) return;
      // Writes to objects on later pages: none of them may show up in this list.
      expect((await api(s.url, 'DELETE', '/api/v1/namespaces/paging/pods/p-0600')).status).toBe(200);
      expect((await api(s.url, 'PATCH', '/api/v1/namespaces/paging/pods/p-0700', { metadata: { labels: { v: '2' } } }, merge)).status).toBe(200);
      expect((await api(s.url, 'POST', '/api/v1/namespaces/paging/pods', pod('p-0800a'))).status).toBe(201);
    });
    expect(pages.map((p) => p.items.length)).toEqual([500, 500, 234]);
    expect(pages.map((p) => p.metadata.remainingItemCount)).toEqual([734, 234, undefined]);
    expect(new Set(pages.map((p) => p.metadata.resourceVersion))).toEqual(new Set([all.metadata.resourceVersion]));
    const items = pages.flatMap((p) => p.items);
    expect(items.map((o: any) => o.metadata.name)).toEqual(all.items.map((o: any) => o.metadata.name));
    expect(items.find((o: any) => o.metadata.name === 'p-0700').metadata.labels.v).toBe('1');
    expect(pages[0].kind).toBe('PodList');
    // A new list sees the changes.
    const after = (await api(s.url, 'GET', '/api/v1/namespaces/paging/pods?limit=2000')).body;
    expect(after.items).toHaveLength(1234);
    expect(after.items.some((o: any) => o.metadata.name === 'p-0600')).toBe(false);
  });

  it('pages with label and field selectors', async () => {
    for (let i = 0; i < 9; i++) s.api.registry.create(RESOURCES.pods, 'sel', pod(`s-${i}`, { metadata: { name: `s-${i}`, labels: { odd: String(i % 2 === 1) } } }));
    const pages = await readPages('/api/v1/namespaces/sel/pods?limit=2&labelSelector=odd%3Dtrue');
    expect(pages.flatMap((p) => p.items.map((o: any) => o.metadata.name))).toEqual(['s-1', 's-3', 's-5', 's-7']);
    expect(pages.every((p) => p.metadata.remainingItemCount === undefined)).toBe(true);
    const byName = await readPages('/api/v1/pods?limit=1&fieldSelector=metadata.namespace%3Dsel,metadata.name!%3Ds-0');
    expect(byName.flatMap((p) => p.items.map((o: any) => o.metadata.name))).toHaveLength(8);
  });

  it('carries continue and remainingItemCount on Tables (kubectl get)', async () => {
    for (let i = 0; i < 5; i++) s.api.registry.create(RESOURCES.pods, 'table', pod(`t-${i}`));
    const pages = await readPages('/api/v1/namespaces/table/pods?limit=2', async () => {}, { Accept: TABLE });
    expect(pages.map((p) => [p.kind, p.rows.length, p.metadata.remainingItemCount])).toEqual([
      ['Table', 2, 3],
      ['Table', 2, 1],
      ['Table', 1, undefined],
    ]);
    expect(pages.flatMap((p) => p.rows.map((r: any) => r.cells[0]))).toEqual(['t-0', 't-1', 't-2', 't-3', 't-4']);
  });

  it('reads the first page exactly at a given resourceVersion', async () => {
    const first = (await api(s.url, 'GET', '/api/v1/namespaces/table/pods?limit=10')).body;
    await api(s.url, 'DELETE', '/api/v1/namespaces/table/pods/t-0');
    const at = (await api(s.url, 'GET', `/api/v1/namespaces/table/pods?limit=10&resourceVersion=${first.metadata.resourceVersion}`)).body;
    expect(at.metadata.resourceVersion).toBe(first.metadata.resourceVersion);
    expect(at.items.map((o: any) => o.metadata.name)).toEqual(['t-0', 't-1', 't-2', 't-3', 't-4']);
  });

  it('answers 400 for a token that was tampered with, belongs to another list, or comes with a resourceVersion', async () => {
    const page = (await api(s.url, 'GET', '/api/v1/namespaces/paging/pods?limit=10')).body;
    const token: string = page.metadata.continue;
    const [body, mac] = token.split('.') as [string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...payload, start: 'p-1000' })).toString('base64url');
    for (const [path, message] of [
      [`/api/v1/namespaces/paging/pods?limit=10&continue=${forged}.${mac}`, /invalid continue token/],
      [`/api/v1/namespaces/paging/pods?limit=10&continue=garbage`, /invalid continue token/],
      [`/api/v1/namespaces/sel/pods?limit=10&continue=${token}`, /invalid continue token/],
      [`/apis/apps/v1/namespaces/paging/deployments?limit=10&continue=${token}`, /invalid continue token/],
      [`/api/v1/namespaces/paging/pods?limit=10&resourceVersion=5&continue=${token}`, /specifying resource version is not allowed when using continue/],
    ] as const) {
      const r = await api(s.url, 'GET', path);
      expect(r.status, path).toBe(400);
      expect(r.body).toMatchObject({ kind: 'Status', reason: 'BadRequest', code: 400 });
      expect(r.body.message).toMatch(message);
    }
    // resourceVersion=0 with continue is allowed (kube treats it as the token's).
    expect((await api(s.url, 'GET', `/api/v1/namespaces/paging/pods?limit=10&resourceVersion=0&continue=${token}`)).status).toBe(200);
  });

  it('answers 410 Expired once the token revision is compacted, with a token that continues at the latest revision', async () => {
    for (let i = 0; i < 6; i++) s.api.registry.create(RESOURCES.pods, 'compact', pod(`c-${i}`));
    const first = (await api(s.url, 'GET', '/api/v1/namespaces/compact/pods?limit=2')).body;
    await api(s.url, 'POST', '/api/v1/namespaces/compact/pods', pod('c-2a'));
    s.store.compact({ keepRevisions: 0, keepMs: 0 });
    const r = await api(s.url, 'GET', `/api/v1/namespaces/compact/pods?limit=2&continue=${encodeURIComponent(first.metadata.continue)}`);
    expect(r.status).toBe(410);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'Expired', code: 410 });
    expect(r.body.message).toMatch(/^The provided continue parameter is too old to display a consistent list result/);
    const rest = await api(s.url, 'GET', `/api/v1/namespaces/compact/pods?limit=10&continue=${encodeURIComponent(r.body.metadata.continue)}`);
    expect(rest.status).toBe(200);
    expect(rest.body.items.map((o: any) => o.metadata.name)).toEqual(['c-2', 'c-2a', 'c-3', 'c-4', 'c-5']);
    const old = await api(s.url, 'GET', `/api/v1/namespaces/compact/pods?limit=2&resourceVersion=${first.metadata.resourceVersion}`);
    expect(old.status).toBe(410);
    expect(old.body.message).toBe('The resourceVersion for the provided list is too old.');
  });
});
