import { describe, expect, it } from 'vitest';
import { DeletedFinalStateUnknown } from './cache/deleted-final-state-unknown.js';
import { controllerOwnerKey, handlerFor } from './handler-for.js';

interface Obj {
  metadata: {
    name: string;
    namespace?: string;
    ownerReferences?: Array<{ apiVersion: string; kind: string; name: string; uid: string; controller?: boolean }>;
  };
}

const owned = (name: string, owner?: string, kind = 'ReplicaSet'): Obj => ({
  metadata: {
    name,
    namespace: 'ns',
    ...(owner ? { ownerReferences: [{ apiVersion: 'apps/v1', kind, name: owner, uid: `uid-${owner}`, controller: true }] } : {}),
  },
});

describe('handlerFor', () => {
  it('enqueues objectKey by default and unwraps tombstones', () => {
    const keys: string[] = [];
    const h = handlerFor<Obj>({ add: (k) => keys.push(k) });
    h.onAdd?.(owned('a'), false);
    h.onUpdate?.(owned('a'), owned('a'));
    h.onDelete?.(new DeletedFinalStateUnknown('ns/b', owned('b')));
    expect(keys).toEqual(['ns/a', 'ns/a', 'ns/a', 'ns/b']);
  });

  it('maps dependents to their controller owner, waking old and new owners on update', () => {
    const keys: string[] = [];
    const h = handlerFor<Obj, string>({ add: (k) => keys.push(k) }, controllerOwnerKey('ReplicaSet'));
    h.onAdd?.(owned('p1', 'rs1'), false);
    h.onAdd?.(owned('p2'), false);
    h.onAdd?.(owned('p3', 'd1', 'Deployment'), false);
    h.onUpdate?.(owned('p1', 'rs1'), owned('p1', 'rs2'));
    h.onDelete?.(owned('p1', 'rs2'));
    expect(keys).toEqual(['ns/rs1', 'ns/rs1', 'ns/rs2', 'ns/rs2']);
  });
});
