import { describe, expect, it } from 'vitest';
import type { KubeObject } from '@skiff/api';
import { FakeListerWatcher, SharedInformerFactory } from '@skiff/controller-kit';
import { createInformers, NODE_LEASE_NAMESPACE } from './informers.js';
import { createFakeCluster } from './testing/fake-informers.js';

describe('createInformers', () => {
  it('opens one watch per kind: Leases too, shared by the garbage collector and the node lifecycle controller', async () => {
    const { informers, source, start } = createFakeCluster();
    const stop = new AbortController();
    try {
      await start(stop.signal);
      // One cluster-wide watch (no namespace), where a second informer scoped to kube-node-lease would add another.
      expect(source('leases').watchCalls.map((w) => w.namespace ?? '(all namespaces)')).toEqual(['(all namespaces)']);
      expect(informers.leases).toBe(informers.resources.get('leases'));
    } finally {
      stop.abort();
    }
  });

  it('keeps node heartbeats readable by their kube-node-lease key from the shared cache', () => {
    const informers = createInformers(new SharedInformerFactory(), () => new FakeListerWatcher<KubeObject>());
    informers.resources.get('leases')!.indexer.add({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'n1', namespace: NODE_LEASE_NAMESPACE } });
    expect(informers.leases.indexer.get(`${NODE_LEASE_NAMESPACE}/n1`)?.metadata.name).toBe('n1');
  });
});
