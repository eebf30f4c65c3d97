import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RESOURCES, type Deployment, type KubeObject, type Lease, type Node, type Pod, type Scale } from '@skiff/api';
import { startFakeApiServer, type FakeApiServer, type RecordedRequest } from './__tests__/fake-api-server.js';
import { createClient, type Clientset } from './create-client.js';
import { isStatus } from './resource-client.js';

const pod = (name: string, namespace?: string): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, ...(namespace ? { namespace } : {}), resourceVersion: '7' },
  spec: { containers: [{ name: 'app', image: 'nginx' }] },
});

describe('ResourceClient', () => {
  let server: FakeApiServer;
  let client: Clientset;
  const last = (): RecordedRequest => {
    const r = server.requests.at(-1);
    if (!r) throw new Error('no request');
    return r;
  };

  beforeEach(async () => {
    server = await startFakeApiServer();
    // Echo the request body back (or a stub object), so typed answers can be checked too.
    server.respond((req) => ({ body: req.body ? JSON.parse(req.body) : { kind: 'Pod', apiVersion: 'v1', metadata: { name: 'echo' } } }));
    client = createClient({ server: server.url, userAgent: 'test-agent/1' });
  });
  afterEach(async () => {
    await client.close();
    await server.close();
  });

  it('gets a namespaced object with the standard headers', async () => {
    const got = await client.pods.get('web-1', { namespace: 'team-a' });
    expect(got.metadata.name).toBe('echo');
    expect(last()).toMatchObject({ method: 'GET', path: '/api/v1/namespaces/team-a/pods/web-1', body: '' });
    expect(last().headers['accept']).toBe('application/json');
    expect(last().headers['user-agent']).toBe('test-agent/1');
  });

  it('lists with selectors and paging, and across all namespaces', async () => {
    await client.pods.list({ namespace: 'ns', labelSelector: 'app=web,tier in (a,b)', fieldSelector: 'spec.nodeName=n1', limit: 500, continue: 'tok', resourceVersion: '0' });
    expect(last().path).toBe('/api/v1/namespaces/ns/pods');
    expect(last().query).toEqual({ labelSelector: 'app=web,tier in (a,b)', fieldSelector: 'spec.nodeName=n1', limit: '500', continue: 'tok', resourceVersion: '0' });
    await client.pods.list();
    expect(last()).toMatchObject({ path: '/api/v1/pods', query: {} });
  });

  it('creates in the object namespace unless the options name one, with write options as query', async () => {
    const created = await client.pods.create(pod('p1', 'ns1'));
    expect(created.spec.containers[0]?.image).toBe('nginx');
    expect(last()).toMatchObject({ method: 'POST', path: '/api/v1/namespaces/ns1/pods', query: {} });
    expect(last().headers['content-type']).toBe('application/json');
    expect(JSON.parse(last().body)).toEqual(pod('p1', 'ns1'));

    await client.pods.create(pod('p1', 'ns1'), { namespace: 'other', dryRun: true, fieldManager: 'me', fieldValidation: 'Strict' });
    expect(last()).toMatchObject({ path: '/api/v1/namespaces/other/pods', query: { dryRun: 'All', fieldManager: 'me', fieldValidation: 'Strict' } });
  });

  it('refuses object calls on a namespaced resource without a namespace', async () => {
    const before = server.requests.length;
    await expect(client.pods.create(pod('p1'))).rejects.toThrow(TypeError);
    await expect(client.pods.get('p1')).rejects.toThrow(/namespace is required/);
    expect(server.requests.length).toBe(before);
  });

  it('updates the object and its status subresource with PUT', async () => {
    await client.pods.update(pod('p1', 'ns1'));
    expect(last()).toMatchObject({ method: 'PUT', path: '/api/v1/namespaces/ns1/pods/p1' });
    expect(JSON.parse(last().body).metadata.resourceVersion).toBe('7');
    await client.pods.updateStatus(pod('p1', 'ns1'), { fieldManager: 'agent' });
    expect(last()).toMatchObject({ method: 'PUT', path: '/api/v1/namespaces/ns1/pods/p1/status', query: { fieldManager: 'agent' } });
  });

  it('patches with the content type of each patch format', async () => {
    await client.pods.patch('p1', { metadata: { labels: { a: 'b' } } }, { namespace: 'ns' });
    expect(last()).toMatchObject({ method: 'PATCH', path: '/api/v1/namespaces/ns/pods/p1' });
    expect(last().headers['content-type']).toBe('application/merge-patch+json');

    await client.pods.patch('p1', [{ op: 'replace', path: '/spec/x', value: 1 }], { namespace: 'ns', type: 'json' });
    expect(last().headers['content-type']).toBe('application/json-patch+json');
    expect(JSON.parse(last().body)).toEqual([{ op: 'replace', path: '/spec/x', value: 1 }]);

    await client.pods.patch('p1', { status: { phase: 'Running' } }, { namespace: 'ns', type: 'strategic', subresource: 'status' });
    expect(last().path).toBe('/api/v1/namespaces/ns/pods/p1/status');
    expect(last().headers['content-type']).toBe('application/strategic-merge-patch+json');

    await client.pods.patch('p1', pod('p1', 'ns'), { namespace: 'ns', type: 'apply', force: true });
    expect(last().headers['content-type']).toBe('application/apply-patch+yaml');
    expect(last().query).toEqual({ fieldManager: 'skiff', force: 'true' });
  });

  it('deletes with a DeleteOptions body only when options are given, and recognises a Status answer', async () => {
    server.respond(() => ({ body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 } }));
    const answer = await client.pods.delete('p1', { namespace: 'ns', propagationPolicy: 'Background', gracePeriodSeconds: 0 });
    expect(isStatus(answer)).toBe(true);
    expect(last()).toMatchObject({ method: 'DELETE', path: '/api/v1/namespaces/ns/pods/p1' });
    expect(last().headers['content-type']).toBe('application/json');
    expect(JSON.parse(last().body)).toEqual({ propagationPolicy: 'Background', gracePeriodSeconds: 0 });

    await client.pods.delete('p2', { namespace: 'ns' });
    expect(last()).toMatchObject({ body: '' });
    expect(last().headers['content-type']).toBeUndefined();
  });

  it('deletes a collection by selector', async () => {
    await client.pods.deleteCollection({ namespace: 'ns', labelSelector: 'app=web', propagationPolicy: 'Foreground' });
    expect(last()).toMatchObject({ method: 'DELETE', path: '/api/v1/namespaces/ns/pods', query: { labelSelector: 'app=web' } });
    expect(JSON.parse(last().body)).toEqual({ propagationPolicy: 'Foreground' });
  });

  it('builds cluster-scoped paths for nodes and namespaces, ignoring any namespace', async () => {
    const node: Node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } };
    await client.nodes.get('n1', { namespace: 'ignored' });
    expect(last().path).toBe('/api/v1/nodes/n1');
    await client.nodes.create(node);
    expect(last()).toMatchObject({ method: 'POST', path: '/api/v1/nodes' });
    await client.nodes.updateStatus(node);
    expect(last()).toMatchObject({ method: 'PUT', path: '/api/v1/nodes/n1/status' });
    await client.namespaces.list();
    expect(last().path).toBe('/api/v1/namespaces');
    await client.namespaces.delete('team-a');
    expect(last()).toMatchObject({ method: 'DELETE', path: '/api/v1/namespaces/team-a' });
  });

  it('uses group paths for apps/v1 and coordination.k8s.io', async () => {
    await client.deployments.list({ namespace: 'ns' });
    expect(last().path).toBe('/apis/apps/v1/namespaces/ns/deployments');
    await client.replicasets.get('rs1', { namespace: 'ns' });
    expect(last().path).toBe('/apis/apps/v1/namespaces/ns/replicasets/rs1');
    const lease: Lease = { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'node1', namespace: 'kube-node-lease' }, spec: { holderIdentity: 'node1' } };
    await client.leases.update(lease);
    expect(last()).toMatchObject({ method: 'PUT', path: '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/node1' });
    await client.events.list({ namespace: 'ns', fieldSelector: 'involvedObject.name=p1' });
    expect(last()).toMatchObject({ path: '/api/v1/namespaces/ns/events', query: { fieldSelector: 'involvedObject.name=p1' } });
  });

  it('reads and writes the scale subresource of deployments and replicasets', async () => {
    const scale: Scale = { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web', namespace: 'ns', resourceVersion: '9' }, spec: { replicas: 3 } };
    server.respond((req) => ({ body: req.body ? JSON.parse(req.body) : scale }));
    expect((await client.deployments.getScale('web', { namespace: 'ns' })).spec.replicas).toBe(3);
    expect(last()).toMatchObject({ method: 'GET', path: '/apis/apps/v1/namespaces/ns/deployments/web/scale' });
    await client.deployments.updateScale(scale);
    expect(last()).toMatchObject({ method: 'PUT', path: '/apis/apps/v1/namespaces/ns/deployments/web/scale' });
    const patched = await client.replicasets.patchScale('rs1', 5, { namespace: 'ns' });
    expect(patched.spec.replicas).toBe(5);
    expect(last()).toMatchObject({ method: 'PATCH', path: '/apis/apps/v1/namespaces/ns/replicasets/rs1/scale' });
    expect(last().headers['content-type']).toBe('application/merge-patch+json');
  });

  it('binds a pod by posting a v1 Binding', async () => {
    server.respond(() => ({ status: 201, body: { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 201 } }));
    const answer = await client.pods.bind('p1', 'node-7', { namespace: 'ns', uid: 'u-1' });
    expect(answer.status).toBe('Success');
    expect(last()).toMatchObject({ method: 'POST', path: '/api/v1/namespaces/ns/pods/p1/binding' });
    expect(JSON.parse(last().body)).toEqual({
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name: 'p1', namespace: 'ns', uid: 'u-1' },
      target: { apiVersion: 'v1', kind: 'Node', name: 'node-7' },
    });
  });

  it('reads logs as text and as a stream', async () => {
    server.respond(() => ({ body: 'line 1\nline 2\n', contentType: 'text/plain' }));
    const text = await client.pods.log('p1', { namespace: 'ns', container: 'app', tailLines: 10, timestamps: true });
    expect(text).toBe('line 1\nline 2\n');
    expect(last()).toMatchObject({ path: '/api/v1/namespaces/ns/pods/p1/log', query: { container: 'app', tailLines: '10', timestamps: 'true' } });

    const stream = await client.pods.streamLog('p1', { namespace: 'ns', follow: true });
    let streamed = '';
    for await (const chunk of stream) streamed += String(chunk);
    expect(streamed).toBe('line 1\nline 2\n');
    expect(last().query).toEqual({ follow: 'true' });
  });

  it('offers a generic client, raw requests and /version', async () => {
    const generic = client.resource<Deployment>(RESOURCES.deployments);
    await generic.get('web', { namespace: 'ns' });
    expect(last().path).toBe('/apis/apps/v1/namespaces/ns/deployments/web');
    const anyKind = client.resource<KubeObject>(RESOURCES.nodes);
    await anyKind.list();
    expect(last().path).toBe('/api/v1/nodes');

    server.respond((req) => (req.path === '/version' ? undefined : { body: { echoed: req.body, ct: req.headers['content-type'] } }));
    expect(await client.version()).toMatchObject({ major: '1', minor: '32' });
    const raw = await client.raw<{ echoed: string; ct: string }>('POST', '/api/v1/namespaces/ns/pods', { a: 1 }, { 'X-Extra': 'y' });
    expect(raw).toEqual({ echoed: '{"a":1}', ct: 'application/json' });
    expect(last().headers['x-extra']).toBe('y');
    server.respond(() => ({ body: 'ok', contentType: 'text/plain' }));
    expect(await client.raw('GET', '/healthz')).toBe('ok');
  });
});
