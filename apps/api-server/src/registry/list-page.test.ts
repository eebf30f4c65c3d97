import { describe, expect, it } from 'vitest';
import { parseLabelSelector, RESOURCES, type KubeObject } from '@skiff/api';
import { MemoryStore } from '../storage/memory-store.js';
import { SqliteStore } from '../storage/sqlite-store.js';
import type { Storage } from '../storage/storage.js';
import { ExpiredPage, readPage, type Page, type PageRequest } from './list-page.js';
import type { ListFilter } from './registry.js';

const pod = (ns: string, name: string, labels: Record<string, string> = {}): KubeObject => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { namespace: ns, name, labels },
  spec: { containers: [{ name: 'c', image: 'busybox' }] },
});
const key = (ns: string, name: string) => ({ resource: 'pods', namespace: ns, name });
const names = (items: KubeObject[]) => items.map((o) => `${o.metadata.namespace}/${o.metadata.name}@${o.metadata.labels?.['v'] ?? ''}`);

/** readAll follows pages to the end, calling between(i) before page i > 0, and returns every page. */
function readAll(store: Storage, limit: number, filter: ListFilter = {}, between: (i: number) => void = () => {}, namespace?: string): Page[] {
  const pages: Page[] = [];
  const base: PageRequest = { resource: 'pods', info: RESOURCES.pods, namespace, filter, limit };
  let page = readPage(store, base);
  pages.push(page);
  while (page.next) {
    between(pages.length);
    page = readPage(store, { ...base, rv: page.next.rv, after: page.next.start });
    pages.push(page);
  }
  return pages;
}

const stores: [string, () => Storage][] = [
  ['MemoryStore', () => new MemoryStore()],
  ['SqliteStore', () => SqliteStore.open({ path: ':memory:', windowSize: 4 })],
];

describe.each(stores)('readPage over %s', (_name, makeStore) => {
  it('pages through a list with remainingItemCount and no repeats', () => {
    const s = makeStore();
    for (let i = 0; i < 7; i++) s.create(key(i < 4 ? 'a' : 'b', `p${i}`), pod(i < 4 ? 'a' : 'b', `p${i}`));
    const pages = readAll(s, 3);
    expect(pages.map((p) => p.items.length)).toEqual([3, 3, 1]);
    expect(pages.map((p) => p.remainingItemCount)).toEqual([4, 1, undefined]);
    expect(pages.flatMap((p) => names(p.items))).toEqual(names(s.list('pods').items));
    expect(new Set(pages.map((p) => p.revision))).toEqual(new Set([7]));
    expect(readAll(s, 2, {}, () => {}, 'b').flatMap((p) => names(p.items))).toEqual(['b/p4@', 'b/p5@', 'b/p6@']);
  });

  it('reads every page as the list was at the first page, whatever is written between pages', () => {
    const s = makeStore();
    for (let i = 0; i < 8; i++) s.create(key('a', `p${i}`), pod('a', `p${i}`, { v: '1' }));
    const before = names(s.list('pods').items);
    // More writes than the SQLite store's window holds, so older history is read back from its table.
    const pages = readAll(s, 3, {}, (i) => {
      if (i !== 1) return;
      s.delete(key('a', 'p4'));
      s.update(key('a', 'p5'), pod('a', 'p5', { v: '2' }));
      s.update(key('a', 'p5'), pod('a', 'p5', { v: '3' }));
      s.create(key('a', 'p45'), pod('a', 'p45', { v: '1' }));
      s.delete(key('a', 'p7'));
      s.create(key('a', 'p7'), pod('a', 'p7', { v: '2' }));
      s.delete(key('a', 'p0'));
    });
    expect(pages.flatMap((p) => names(p.items))).toEqual(before);
    expect(pages.map((p) => p.remainingItemCount)).toEqual([5, 2, undefined]);
    expect(pages.every((p) => p.revision === 8)).toBe(true);
    // A new list sees the writes.
    expect(readAll(s, 100)[0]!.items.map((o) => o.metadata.name)).toEqual(['p1', 'p2', 'p3', 'p45', 'p5', 'p6', 'p7']);
  });

  it('fills pages with matching objects only and gives no remainingItemCount under a selector', () => {
    const s = makeStore();
    for (let i = 0; i < 10; i++) s.create(key('a', `p${i}`), pod('a', `p${i}`, { odd: String(i % 2 === 1) }));
    const pages = readAll(s, 2, { labelSelector: parseLabelSelector('odd=true') });
    expect(pages.map((p) => p.items.map((o) => o.metadata.name))).toEqual([['p1', 'p3'], ['p5', 'p7'], ['p9']]);
    expect(pages.every((p) => p.remainingItemCount === undefined)).toBe(true);
  });

  it('refuses a page whose revision was compacted away', () => {
    const s = makeStore();
    for (let i = 0; i < 6; i++) s.create(key('a', `p${i}`), pod('a', `p${i}`));
    const first = readPage(s, { resource: 'pods', info: RESOURCES.pods, namespace: 'a', filter: {}, limit: 2 });
    s.update(key('a', 'p3'), pod('a', 'p3'));
    s.update(key('a', 'p3'), pod('a', 'p3'));
    s.compact({ keepRevisions: 1, keepMs: 0 });
    const next = { resource: 'pods', info: RESOURCES.pods, namespace: 'a', filter: {}, limit: 2, after: first.next!.start };
    expect(() => readPage(s, { ...next, rv: first.revision })).toThrow(ExpiredPage);
    // rv -1 continues from the same key at the latest revision.
    expect(readPage(s, { ...next, rv: -1 }).items.map((o) => o.metadata.name)).toEqual(['p2', 'p3']);
  });
});
