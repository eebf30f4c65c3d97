import { describe, expect, it } from 'vitest';
import type { Namespace } from '@skiff/api';
import { createFakeInformers } from '../../testing/fake-informers.js';
import { RecordingClient } from '../../testing/recording-client.js';
import { ServiceAccountsController } from './service-accounts-controller.js';

const ns = (name: string, extra: Partial<Namespace> = {}): Namespace => ({ apiVersion: 'v1', kind: 'Namespace', metadata: { name }, status: { phase: 'Active' }, ...extra });

describe('ServiceAccountsController', () => {
  it('creates default in an active namespace that has none, and nothing where it exists', async () => {
    const informers = createFakeInformers();
    const client = new RecordingClient();
    informers.namespaces.indexer.add(ns('team'));
    informers.namespaces.indexer.add(ns('done'));
    informers.serviceaccounts.indexer.add({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: 'done' } });
    const c = new ServiceAccountsController({ informers, client });
    await c.reconcile('team');
    await c.reconcile('done');
    expect(client.actions()).toEqual([{ verb: 'create', resource: 'serviceaccounts', namespace: 'team', name: 'default' }]);
  });

  it('leaves terminating and missing namespaces alone', async () => {
    const informers = createFakeInformers();
    const client = new RecordingClient();
    informers.namespaces.indexer.add(ns('going', { metadata: { name: 'going', deletionTimestamp: '2026-01-01T00:00:00Z' }, status: { phase: 'Terminating' } }));
    const c = new ServiceAccountsController({ informers, client });
    await c.reconcile('going');
    await c.reconcile('absent');
    expect(client.actions()).toEqual([]);
  });
});
