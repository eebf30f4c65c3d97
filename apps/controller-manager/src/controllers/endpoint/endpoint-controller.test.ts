import type { EndpointSlice, Endpoints } from '@skiff/api';
import { describe, expect, it } from 'vitest';
import { createFakeInformers } from '../../testing/fake-informers.js';
import { iso, newService, servingPod } from '../../testing/fixtures.js';
import { RecordingClient } from '../../testing/recording-client.js';
import { EndpointController } from './endpoint-controller.js';

function setup() {
  const informers = createFakeInformers();
  const client = new RecordingClient();
  const ctl = new EndpointController({ informers, client });
  /** settle copies what the controller wrote into the informer caches, as the watch would. */
  const settle = (): void => {
    for (const ep of client.endpoints.objects.values()) informers.endpoints.indexer.update(ep);
    for (const s of client.endpointslices.objects.values()) informers.endpointslices.indexer.update(s);
    for (const s of informers.endpointslices.indexer.list()) if (!client.endpointslices.objects.has(`${s.metadata.namespace}/${s.metadata.name}`)) informers.endpointslices.indexer.delete(s);
    client.clearActions();
  };
  return { informers, client, ctl, settle };
}

const endpoints = (client: RecordingClient): Endpoints => client.endpoints.objects.get('default/web')!;
const slices = (client: RecordingClient): EndpointSlice[] => [...client.endpointslices.objects.values()];

describe('EndpointController', () => {
  it("writes a selecting Service's Endpoints and EndpointSlice from its pods, and nothing when they already agree", async () => {
    const { informers, client, ctl, settle } = setup();
    informers.services.indexer.add(newService());
    informers.pods.indexer.add(servingPod('a', '10.244.0.5'));
    informers.pods.indexer.add(servingPod('b', '10.244.0.6', { ready: false }));
    const other = servingPod('other', '10.244.0.9');
    other.metadata.labels = { app: 'db' };
    informers.pods.indexer.add(other);
    await ctl.reconcile('default/web');
    expect(client.actions()).toEqual([
      { verb: 'create', resource: 'endpoints', namespace: 'default', name: 'web' },
      { verb: 'create', resource: 'endpointslices', namespace: 'default', name: expect.stringMatching(/^web-[0-9a-f]{5}$/) },
    ]);
    expect(endpoints(client).subsets?.[0]?.addresses?.map((a) => a.ip)).toEqual(['10.244.0.5']);
    expect(endpoints(client).subsets?.[0]?.notReadyAddresses?.map((a) => a.ip)).toEqual(['10.244.0.6']);
    expect(slices(client)[0]?.endpoints.map((e) => [e.addresses[0], e.conditions?.ready])).toEqual([
      ['10.244.0.5', true],
      ['10.244.0.6', false],
    ]);
    settle();
    await ctl.reconcile('default/web');
    expect(client.actions()).toEqual([]);
  });

  it('moves a pod that turns unready, then terminating, out of the ready addresses', async () => {
    const { informers, client, ctl, settle } = setup();
    informers.services.indexer.add(newService());
    const pod = servingPod('a', '10.244.0.5');
    informers.pods.indexer.add(pod);
    informers.pods.indexer.add(servingPod('b', '10.244.0.6'));
    await ctl.reconcile('default/web');
    settle();
    informers.pods.indexer.update({ ...pod, status: { ...pod.status, conditions: [{ type: 'Ready', status: 'False' }] } });
    await ctl.reconcile('default/web');
    expect(client.actions().map((a) => `${a.verb} ${a.resource}`)).toEqual(['update endpoints', 'update endpointslices']);
    expect(endpoints(client).subsets?.[0]?.addresses?.map((a) => a.ip)).toEqual(['10.244.0.6']);
    settle();
    informers.pods.indexer.update({ ...pod, metadata: { ...pod.metadata, deletionTimestamp: iso() } });
    await ctl.reconcile('default/web');
    expect(endpoints(client).subsets?.[0]?.notReadyAddresses).toBeUndefined();
    expect(slices(client)[0]?.endpoints.find((e) => e.addresses[0] === '10.244.0.5')?.conditions).toEqual({ ready: false, serving: true, terminating: true });
  });

  it("removes what it wrote when the Service goes, and leaves a selector-less Service's Endpoints alone", async () => {
    const { informers, client, ctl, settle } = setup();
    const svc = newService();
    informers.services.indexer.add(svc);
    informers.pods.indexer.add(servingPod('a', '10.244.0.5'));
    await ctl.reconcile('default/web');
    settle();
    informers.services.indexer.delete(svc);
    await ctl.reconcile('default/web');
    expect(client.actions().map((a) => `${a.verb} ${a.resource}`).sort()).toEqual(['delete endpoints', 'delete endpointslices']);

    const manual = setup();
    manual.informers.services.indexer.add(newService('ext-db', { selector: {} }));
    manual.informers.endpoints.indexer.add({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'ext-db', namespace: 'default' }, subsets: [{ addresses: [{ ip: '192.0.2.10' }] }] });
    // The api-server's slice of the `kubernetes` Service carries this controller's managed-by label.
    manual.informers.endpointslices.indexer.add({
      apiVersion: 'discovery.k8s.io/v1',
      kind: 'EndpointSlice',
      metadata: { name: 'ext-db', namespace: 'default', labels: { 'kubernetes.io/service-name': 'ext-db', 'endpointslice.kubernetes.io/managed-by': 'endpointslice-controller.k8s.io' } },
      addressType: 'IPv4',
      endpoints: [{ addresses: ['192.0.2.10'], conditions: { ready: true } }],
    });
    await manual.ctl.reconcile('default/ext-db');
    expect(manual.client.actions()).toEqual([]);
  });
});
