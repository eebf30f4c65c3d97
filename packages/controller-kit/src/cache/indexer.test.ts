import { describe, expect, it } from 'vitest';
import { NAMESPACE_INDEX, NODE_NAME_INDEX, OWNER_UID_INDEX, namespaceIndex, nodeNameIndex, ownerUidIndex } from './index-funcs.js';
import { Indexer } from './indexer.js';

interface Obj {
  metadata: { name: string; namespace?: string; ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string }> };
  spec?: { nodeName?: string };
}

const pod = (namespace: string, name: string, nodeName?: string, owners: string[] = []): Obj => ({
  metadata: {
    name,
    namespace,
    ownerReferences: owners.map((uid) => ({ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: uid, uid })),
  },
  spec: nodeName === undefined ? {} : { nodeName },
});

const byName = (objs: Obj[]): string[] => objs.map((o) => o.metadata.name).sort();

describe('Indexer', () => {
  const indexers = { [NAMESPACE_INDEX]: namespaceIndex, [NODE_NAME_INDEX]: nodeNameIndex, [OWNER_UID_INDEX]: ownerUidIndex };

  it('stores by namespace/name key and answers each built-in index', () => {
    const idx = new Indexer<Obj>({ indexers });
    idx.add(pod('a', 'p1', 'n1', ['rs1']));
    idx.add(pod('a', 'p2', 'n2', ['rs1', 'rs2']));
    idx.add(pod('b', 'p3'));
    expect(idx.get('a/p1')?.metadata.name).toBe('p1');
    expect(idx.listKeys().sort()).toEqual(['a/p1', 'a/p2', 'b/p3']);
    expect(byName(idx.byIndex(NAMESPACE_INDEX, 'a'))).toEqual(['p1', 'p2']);
    expect(byName(idx.byIndex(NODE_NAME_INDEX, 'n2'))).toEqual(['p2']);
    expect(byName(idx.byIndex(OWNER_UID_INDEX, 'rs1'))).toEqual(['p1', 'p2']);
    expect(idx.listIndexFuncValues(NODE_NAME_INDEX).sort()).toEqual(['n1', 'n2']);
  });

  it('moves an object between index values on update and drops it on delete', () => {
    const idx = new Indexer<Obj>({ indexers });
    idx.add(pod('a', 'p1', 'n1'));
    idx.update(pod('a', 'p1', 'n2'));
    expect(idx.byIndex(NODE_NAME_INDEX, 'n1')).toEqual([]);
    expect(byName(idx.byIndex(NODE_NAME_INDEX, 'n2'))).toEqual(['p1']);
    expect(idx.listIndexFuncValues(NODE_NAME_INDEX)).toEqual(['n2']);
    idx.delete(pod('a', 'p1'));
    expect(idx.get('a/p1')).toBeUndefined();
    expect(idx.listIndexFuncValues(NODE_NAME_INDEX)).toEqual([]);
  });

  it('replace swaps all content and rebuilds indexes', () => {
    const idx = new Indexer<Obj>({ indexers });
    idx.add(pod('a', 'old', 'n1'));
    idx.replace([pod('a', 'new1', 'n1'), pod('c', 'new2', 'n3')]);
    expect(byName(idx.list())).toEqual(['new1', 'new2']);
    expect(byName(idx.byIndex(NODE_NAME_INDEX, 'n1'))).toEqual(['new1']);
    expect(byName(idx.byIndex(NAMESPACE_INDEX, 'c'))).toEqual(['new2']);
  });

  it('indexes existing content when an indexer is added later, and rejects unknown indexes', () => {
    const idx = new Indexer<Obj>();
    idx.add(pod('a', 'p1', 'n1'));
    expect(() => idx.byIndex(NODE_NAME_INDEX, 'n1')).toThrow(/does not exist/);
    idx.addIndexers({ [NODE_NAME_INDEX]: nodeNameIndex });
    expect(byName(idx.byIndex(NODE_NAME_INDEX, 'n1'))).toEqual(['p1']);
    idx.addIndexers({ [NODE_NAME_INDEX]: nodeNameIndex });
    expect(() => idx.addIndexers({ [NODE_NAME_INDEX]: () => [] })).toThrow(/already exists/);
  });

  it('keys cluster-scoped objects by name alone', () => {
    const idx = new Indexer<Obj>({ indexers });
    idx.add({ metadata: { name: 'node-1' } });
    expect(idx.get('node-1')).toBeDefined();
    expect(byName(idx.byIndex(NAMESPACE_INDEX, ''))).toEqual(['node-1']);
  });
});
