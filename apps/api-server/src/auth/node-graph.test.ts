import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { KubeObject } from '@skiff/api';
import { waitFor } from '@skiff/testing';
import { SqliteStore } from '../storage/sqlite-store.js';
import { NodeGraph } from './node-graph.js';

function pod(i: number, nodeName?: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `p-${i}`, namespace: 'ns' },
    spec: { ...(nodeName ? { nodeName } : {}), containers: [{ name: 'c', image: 'busybox', envFrom: [{ secretRef: { name: `s-${i}` } }] }] },
  } as KubeObject;
}

const key = (i: number) => ({ resource: 'pods', namespace: 'ns', name: `p-${i}` });

describe('NodeGraph.fromStore', () => {
  let dir: string;
  let store: SqliteStore;
  const stops: Array<() => void> = [];
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-node-graph-'));
  });
  afterEach(() => {
    for (const stop of stops.splice(0)) stop();
    store?.close();
    vi.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  /** reopened stores `count` pods (every third unbound) and opens the file again, as an api-server starts on it. */
  async function reopened(count: number): Promise<SqliteStore> {
    const path = join(dir, 'pods.db');
    const first = SqliteStore.open({ path, synchronous: 'NORMAL' });
    for (let i = 0; i < count; i++) first.create(key(i), pod(i, i % 3 === 2 ? undefined : `node-${i % 2}`));
    await first.sync();
    first.close();
    return (store = SqliteStore.open({ path }));
  }

  function graphOf(s: SqliteStore, slice?: number): NodeGraph {
    const { graph, stop } = NodeGraph.fromStore(s, slice === undefined ? {} : { slice });
    stops.push(stop);
    return graph;
  }

  it('parses no stored pod at start-up, then indexes them all in the background', async () => {
    const s = await reopened(300);
    const parse = vi.spyOn(JSON, 'parse');
    const graph = graphOf(s, 50);
    // The api-server waits for this call before it serves: it must read the list, not parse 100,000 pods.
    expect(parse).not.toHaveBeenCalled();
    // The bound pods (two in three) are parsed between other work, with no query forcing it.
    await waitFor(() => parse.mock.calls.length >= 200, { what: 'every bound pod indexed' });
    parse.mockRestore();
    expect(graph.uses('node-0', 'secrets', 'ns', 's-0')).toBe(true);
    expect(graph.uses('node-1', 'secrets', 'ns', 's-0')).toBe(false);
    expect(graph.nodeOf('ns', 'p-298')).toBe('node-0');
    expect(graph.nodeOf('ns', 'p-2')).toBeUndefined();
  });

  it('answers a query before the background index is done from every stored pod, and from changes made meanwhile', async () => {
    const s = await reopened(300);
    const graph = graphOf(s, 10);
    // Written after the list was taken and before the slices reached them: the changes win over the listed entries.
    s.delete(key(298));
    s.update(key(297), pod(297, 'node-9'));
    s.create(key(1000), pod(1000, 'node-0'));
    await s.sync();
    expect(graph.uses('node-0', 'secrets', 'ns', 's-298')).toBe(false);
    expect(graph.nodeOf('ns', 'p-298')).toBeUndefined();
    expect(graph.nodeOf('ns', 'p-297')).toBe('node-9');
    expect(graph.uses('node-1', 'secrets', 'ns', 's-297')).toBe(false);
    expect(graph.nodeOf('ns', 'p-1000')).toBe('node-0');
    // The last pod of the list, which the slices had not reached: the query completed the index.
    expect(graph.nodeOf('ns', 'p-295')).toBe('node-1');
    expect(graph.uses('node-1', 'secrets', 'ns', 's-295')).toBe(true);
  });
});
