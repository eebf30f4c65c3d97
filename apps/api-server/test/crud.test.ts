import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, pod, startServer, type RunningServer } from './harness.js';

let s: RunningServer;
beforeAll(async () => {
  s = await startServer({ storage: 'sqlite' });
});
afterAll(() => s.close());

const PODS = '/api/v1/namespaces/default/pods';
const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments';

function deployment(name: string, replicas = 2) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'web', image: 'busybox:1.36', ports: [{ containerPort: 80 }] }] } },
    },
  };
}

describe('namespaces', () => {
  it('creates the system namespaces at start', async () => {
    const { body } = await api(s.url, 'GET', '/api/v1/namespaces');
    expect(body.items.map((n: any) => n.metadata.name).sort()).toEqual(['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    expect(body.items[0].status.phase).toBe('Active');
  });

  it('keeps a deleted namespace Terminating until it is finalized', async () => {
    await api(s.url, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'doomed' } });
    const del = await api(s.url, 'DELETE', '/api/v1/namespaces/doomed');
    expect(del.status).toBe(200);
    expect(del.body.status.phase).toBe('Terminating');
    expect(del.body.spec.finalizers).toEqual(['kubernetes']);
    const refused = await api(s.url, 'POST', '/api/v1/namespaces/doomed/pods', pod('late'));
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain('because it is being terminated');
    const sneaky = await api(s.url, 'PATCH', '/api/v1/namespaces/doomed', { spec: { finalizers: [] } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(sneaky.body.spec.finalizers).toEqual(['kubernetes']);
    const ns = sneaky.body;
    ns.spec.finalizers = [];
    const fin = await api(s.url, 'PUT', '/api/v1/namespaces/doomed/finalize', ns);
    expect(fin.status).toBe(200);
    expect((await api(s.url, 'GET', '/api/v1/namespaces/doomed')).status).toBe(404);
  });

  it('refuses objects in a missing namespace', async () => {
    const r = await api(s.url, 'POST', '/api/v1/namespaces/nope/pods', pod('p'));
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'NotFound', message: 'namespaces "nope" not found' });
  });
});

describe('create and get', () => {
  it('stamps server metadata and applies defaults', async () => {
    const r = await api(s.url, 'POST', PODS, pod('p1'));
    expect(r.status).toBe(201);
    const m = r.body.metadata;
    expect(m.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(m.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Number(m.resourceVersion)).toBeGreaterThan(0);
    expect(m.namespace).toBe('default');
    expect(r.body.spec.restartPolicy).toBe('Always');
    expect(r.body.spec.containers[0].imagePullPolicy).toBe('IfNotPresent');
    expect(r.body.status.phase).toBe('Pending');
    const got = await api(s.url, 'GET', `${PODS}/p1`);
    expect(got.body).toEqual(r.body);
  });

  it('answers AlreadyExists for a taken name', async () => {
    await api(s.url, 'POST', PODS, pod('dup'));
    const r = await api(s.url, 'POST', PODS, pod('dup'));
    expect(r.status).toBe(409);
    expect(r.body).toMatchObject({ reason: 'AlreadyExists', message: 'pods "dup" already exists', details: { name: 'dup', kind: 'pods' } });
  });

  it('generates names from generateName', async () => {
    const r = await api(s.url, 'POST', PODS, { ...pod(''), metadata: { generateName: 'gen-' } });
    expect(r.status).toBe(201);
    expect(r.body.metadata.name).toMatch(/^gen-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('answers NotFound with the kube message', async () => {
    const r = await api(s.url, 'GET', `${PODS}/missing`);
    expect(r.status).toBe(404);
    expect(r.body).toMatchObject({ reason: 'NotFound', message: 'pods "missing" not found', code: 404 });
    const d = await api(s.url, 'GET', `${DEPLOYS}/missing`);
    expect(d.body.message).toBe('deployments.apps "missing" not found');
  });

  it('uses one global, increasing resourceVersion across resources', async () => {
    const a = await api(s.url, 'POST', PODS, pod('rv-a'));
    const b = await api(s.url, 'POST', DEPLOYS, deployment('rv-b'));
    const c = await api(s.url, 'POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'rv-node' } });
    const rvs = [a, b, c].map((x) => Number(x.body.metadata.resourceVersion));
    expect(rvs[1]).toBeGreaterThan(rvs[0]!);
    expect(rvs[2]).toBeGreaterThan(rvs[1]!);
  });
});

describe('list', () => {
  it('filters by label and field selectors', async () => {
    await api(s.url, 'POST', PODS, pod('sel-a', { metadata: { name: 'sel-a', labels: { tier: 'front' } } }));
    await api(s.url, 'POST', PODS, pod('sel-b', { metadata: { name: 'sel-b', labels: { tier: 'back' } } }));
    const byLabel = await api(s.url, 'GET', `${PODS}?labelSelector=${encodeURIComponent('tier in (front)')}`);
    expect(byLabel.body.items.map((p: any) => p.metadata.name)).toEqual(['sel-a']);
    const byField = await api(s.url, 'GET', `${PODS}?fieldSelector=metadata.name%3Dsel-b`);
    expect(byField.body.items.map((p: any) => p.metadata.name)).toEqual(['sel-b']);
    expect(byField.body).toMatchObject({ kind: 'PodList', apiVersion: 'v1' });
    expect(Number(byField.body.metadata.resourceVersion)).toBeGreaterThan(0);
  });

  it('lists across namespaces', async () => {
    await api(s.url, 'POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
    await api(s.url, 'POST', '/api/v1/namespaces/other/pods', pod('elsewhere'));
    const all = await api(s.url, 'GET', '/api/v1/pods');
    const names = all.body.items.map((p: any) => `${p.metadata.namespace}/${p.metadata.name}`);
    expect(names).toContain('other/elsewhere');
    expect(names).toContain('default/p1');
  });
});

describe('update', () => {
  it('is a compare-and-swap on resourceVersion', async () => {
    const created = (await api(s.url, 'POST', DEPLOYS, deployment('cas'))).body;
    const first = structuredClone(created);
    first.spec.replicas = 3;
    const ok = await api(s.url, 'PUT', `${DEPLOYS}/cas`, first);
    expect(ok.status).toBe(200);
    expect(ok.body.metadata.generation).toBe(2);
    const stale = structuredClone(created);
    stale.spec.replicas = 4;
    const conflict = await api(s.url, 'PUT', `${DEPLOYS}/cas`, stale);
    expect(conflict.status).toBe(409);
    expect(conflict.body.reason).toBe('Conflict');
    expect(conflict.body.message).toContain('the object has been modified');
    const unconditional = structuredClone(ok.body);
    delete unconditional.metadata.resourceVersion;
    unconditional.spec.replicas = 5;
    expect((await api(s.url, 'PUT', `${DEPLOYS}/cas`, unconditional)).status).toBe(200);
  });

  it('keeps spec and status apart', async () => {
    const d = (await api(s.url, 'POST', DEPLOYS, deployment('split'))).body;
    d.status = { replicas: 7 };
    const main = await api(s.url, 'PUT', `${DEPLOYS}/split`, d);
    expect(main.body.status).toEqual({});
    const st = structuredClone(main.body);
    st.status = { replicas: 2, observedGeneration: 1 };
    st.spec.replicas = 9;
    const status = await api(s.url, 'PUT', `${DEPLOYS}/split/status`, st);
    expect(status.status).toBe(200);
    expect(status.body.status.replicas).toBe(2);
    expect(status.body.spec.replicas).toBe(2);
    expect(status.body.metadata.generation).toBe(1);
  });

  it('bumps generation on spec changes only', async () => {
    const d = (await api(s.url, 'POST', DEPLOYS, deployment('gen'))).body;
    const labelled = await api(s.url, 'PATCH', `${DEPLOYS}/gen`, { metadata: { labels: { extra: 'x' } } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(labelled.body.metadata.generation).toBe(1);
    const scaled = await api(s.url, 'PATCH', `${DEPLOYS}/gen`, { spec: { replicas: 4 } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(scaled.body.metadata.generation).toBe(2);
    expect(d.metadata.uid).toBe(scaled.body.metadata.uid);
  });
});

describe('patch', () => {
  it('supports merge, JSON and strategic merge patches', async () => {
    await api(s.url, 'POST', DEPLOYS, deployment('patchy'));
    const json = await api(s.url, 'PATCH', `${DEPLOYS}/patchy`, [{ op: 'replace', path: '/spec/replicas', value: 6 }], { 'Content-Type': 'application/json-patch+json' });
    expect(json.status).toBe(200);
    expect(json.body.spec.replicas).toBe(6);
    const smp = await api(
      s.url,
      'PATCH',
      `${DEPLOYS}/patchy`,
      { spec: { template: { spec: { containers: [{ name: 'web', image: 'busybox:latest' }] } } } },
      { 'Content-Type': 'application/strategic-merge-patch+json' },
    );
    expect(smp.status).toBe(200);
    const c = smp.body.spec.template.spec.containers;
    expect(c).toHaveLength(1);
    expect(c[0].image).toBe('busybox:latest');
    expect(c[0].ports).toEqual([{ containerPort: 80, protocol: 'TCP' }]);
    const stale = await api(s.url, 'PATCH', `${DEPLOYS}/patchy`, { metadata: { resourceVersion: '1' }, spec: { replicas: 1 } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(stale.status).toBe(409);
  });

  it('creates on server-side apply of a missing object', async () => {
    const r = await api(s.url, 'PATCH', `${DEPLOYS}/applied?fieldManager=kubectl`, deployment('applied'), { 'Content-Type': 'application/apply-patch+yaml' });
    expect(r.status).toBe(201);
    const again = await api(s.url, 'PATCH', `${DEPLOYS}/applied?fieldManager=kubectl`, deployment('applied', 3), { 'Content-Type': 'application/apply-patch+yaml' });
    expect(again.status).toBe(200);
    expect(again.body.spec.replicas).toBe(3);
  });
});

describe('pods/binding', () => {
  it('binds an unbound pod once', async () => {
    const p = (await api(s.url, 'POST', PODS, pod('bind-me'))).body;
    const binding = { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bind-me', uid: p.metadata.uid }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-a' } };
    const r = await api(s.url, 'POST', `${PODS}/bind-me/binding`, binding);
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ kind: 'Status', status: 'Success', code: 201 });
    const bound = (await api(s.url, 'GET', `${PODS}/bind-me`)).body;
    expect(bound.spec.nodeName).toBe('node-a');
    expect(bound.status.conditions).toContainEqual(expect.objectContaining({ type: 'PodScheduled', status: 'True' }));
    const again = await api(s.url, 'POST', `${PODS}/bind-me/binding`, { ...binding, target: { name: 'node-b' } });
    expect(again.status).toBe(409);
    expect(again.body.message).toContain('is already assigned to node "node-a"');
  });
});

describe('delete', () => {
  it('removes unbound pods at once and returns the pod', async () => {
    await api(s.url, 'POST', PODS, pod('gone'));
    const r = await api(s.url, 'DELETE', `${PODS}/gone`, { propagationPolicy: 'Background' });
    expect(r.status).toBe(200);
    expect(r.body.kind).toBe('Pod');
    expect((await api(s.url, 'GET', `${PODS}/gone`)).status).toBe(404);
  });

  it('deletes bound pods gracefully, finished by a delete with grace 0', async () => {
    await api(s.url, 'POST', PODS, pod('graceful', { spec: { nodeName: 'node-a', terminationGracePeriodSeconds: 20, containers: [{ name: 'c', image: 'busybox' }] } }));
    const r = await api(s.url, 'DELETE', `${PODS}/graceful`);
    expect(r.status).toBe(200);
    expect(r.body.metadata.deletionTimestamp).toBeDefined();
    expect(r.body.metadata.deletionGracePeriodSeconds).toBe(20);
    expect((await api(s.url, 'GET', `${PODS}/graceful`)).status).toBe(200);
    const force = await api(s.url, 'DELETE', `${PODS}/graceful`, { gracePeriodSeconds: 0 });
    expect(force.status).toBe(200);
    expect((await api(s.url, 'GET', `${PODS}/graceful`)).status).toBe(404);
  });

  it('waits for finalizers', async () => {
    await api(s.url, 'POST', DEPLOYS, { ...deployment('fin'), metadata: { name: 'fin', finalizers: ['example.com/hold'] } });
    const r = await api(s.url, 'DELETE', `${DEPLOYS}/fin`);
    expect(r.status).toBe(200);
    expect(r.body.metadata.deletionTimestamp).toBeDefined();
    const addMore = await api(s.url, 'PATCH', `${DEPLOYS}/fin`, { metadata: { finalizers: ['example.com/hold', 'x.io/more'] } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(addMore.status).toBe(422);
    const release = await api(s.url, 'PATCH', `${DEPLOYS}/fin`, { metadata: { finalizers: null } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(release.status).toBe(200);
    expect((await api(s.url, 'GET', `${DEPLOYS}/fin`)).status).toBe(404);
  });

  it('returns a Status for other kinds and honours preconditions', async () => {
    const d = (await api(s.url, 'POST', DEPLOYS, deployment('precond'))).body;
    const wrong = await api(s.url, 'DELETE', `${DEPLOYS}/precond`, { preconditions: { uid: 'not-the-uid' } });
    expect(wrong.status).toBe(409);
    const ok = await api(s.url, 'DELETE', `${DEPLOYS}/precond`, { preconditions: { uid: d.metadata.uid } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ kind: 'Status', status: 'Success', details: { name: 'precond', group: 'apps', kind: 'deployments', uid: d.metadata.uid } });
  });

  it('deletes a collection by selector', async () => {
    for (const n of ['dc-1', 'dc-2', 'dc-keep']) {
      await api(s.url, 'POST', PODS, pod(n, { metadata: { name: n, labels: { batch: n === 'dc-keep' ? 'keep' : 'drop' } } }));
    }
    const r = await api(s.url, 'DELETE', `${PODS}?labelSelector=batch%3Ddrop`);
    expect(r.status).toBe(200);
    const left = await api(s.url, 'GET', `${PODS}?labelSelector=batch`);
    expect(left.body.items.map((p: any) => p.metadata.name)).toEqual(['dc-keep']);
  });
});

describe('scale', () => {
  it('reads and writes replicas through the Scale subresource', async () => {
    await api(s.url, 'POST', DEPLOYS, deployment('scaled', 2));
    const scale = await api(s.url, 'GET', `${DEPLOYS}/scaled/scale`);
    expect(scale.body).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 2 }, status: { replicas: 0, selector: 'app=scaled' } });
    const patched = await api(s.url, 'PATCH', `${DEPLOYS}/scaled/scale`, { spec: { replicas: 5 } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(patched.status).toBe(200);
    expect(patched.body.spec.replicas).toBe(5);
    const d = (await api(s.url, 'GET', `${DEPLOYS}/scaled`)).body;
    expect(d.spec.replicas).toBe(5);
    expect(d.metadata.generation).toBe(2);
    const stale = await api(s.url, 'PUT', `${DEPLOYS}/scaled/scale`, { ...scale.body, spec: { replicas: 1 } });
    expect(stale.status).toBe(409);
  });
});

describe('discovery and health', () => {
  it('serves /version, /api, /apis and group resource lists', async () => {
    expect((await api(s.url, 'GET', '/version')).body).toMatchObject({ major: '1', minor: '32' });
    expect((await api(s.url, 'GET', '/api')).body).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const groups = (await api(s.url, 'GET', '/apis')).body.groups.map((g: any) => g.name);
    expect(groups).toEqual(expect.arrayContaining(['apps', 'coordination.k8s.io']));
    const core = (await api(s.url, 'GET', '/api/v1')).body.resources.map((r: any) => r.name);
    expect(core).toEqual(expect.arrayContaining(['pods', 'pods/binding', 'pods/status', 'pods/log', 'nodes', 'namespaces', 'events']));
  });

  it('reports health and metrics', async () => {
    for (const p of ['/healthz', '/livez', '/readyz']) expect((await api(s.url, 'GET', p)).status).toBe(200);
    const verbose = await api(s.url, 'GET', '/readyz?verbose');
    expect(verbose.body).toContain('[+]sqlite ok');
    const metrics = (await api(s.url, 'GET', '/metrics')).body as string;
    expect(metrics).toMatch(/apiserver_request_total\{[^}]*verb="POST"[^}]*resource="pods"[^}]*code="201"[^}]*\} \d+/);
    expect(metrics).toMatch(/apiserver_request_duration_seconds_bucket\{/);
    expect(metrics).toMatch(/apiserver_storage_objects\{resource="pods"\} \d+/);
    expect(metrics).toMatch(/apiserver_storage_size_bytes\{storage_cluster_id="sqlite"\} [1-9]\d*/);
  });

  it('answers Tables when asked', async () => {
    const accept = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
    const r = await api(s.url, 'GET', PODS, undefined, { Accept: accept });
    expect(r.body.kind).toBe('Table');
    expect(r.body.columnDefinitions.map((c: any) => c.name).slice(0, 5)).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age']);
    expect(r.body.rows.find((row: any) => row.cells[0] === 'p1').object.kind).toBe('PartialObjectMetadata');
  });
});
