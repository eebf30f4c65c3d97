import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiException,
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  ListWatch,
  makeInformer,
  PatchStrategy,
  setHeaderOptions,
  Watch,
  type KubernetesObject,
  type V1Deployment,
  type V1Pod,
} from '@kubernetes/client-node';
import { api, startServer, type RunningServer } from '../harness.js';
import { waitFor } from '@skiff/testing';

let s: RunningServer;
let kc: KubeConfig;
let core: CoreV1Api;
let apps: AppsV1Api;
beforeAll(async () => {
  s = await startServer({ storage: 'sqlite' });
  kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'skiff', server: s.url, skipTLSVerify: true }],
    users: [{ name: 'skiff' }],
    contexts: [{ name: 'skiff', cluster: 'skiff', user: 'skiff', namespace: 'default' }],
    currentContext: 'skiff',
  });
  core = kc.makeApiClient(CoreV1Api);
  apps = kc.makeApiClient(AppsV1Api);
});
afterAll(() => s?.close());

const namespace = 'default';

function podBody(name: string, labels: Record<string, string> = { app: 'cn' }): V1Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } };
}

function deploymentBody(name: string, replicas = 1): V1Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image: 'nginx:1.27' }] } },
    },
  };
}

async function apiError(p: Promise<unknown>): Promise<ApiException<string>> {
  try {
    await p;
  } catch (err) {
    if (err instanceof ApiException) return err as ApiException<string>;
    throw err;
  }
  throw new Error('expected an ApiException');
}

describe('CoreV1Api', () => {
  it('creates, reads and lists pods', async () => {
    const created = await core.createNamespacedPod({ namespace, body: podBody('cn-1') });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.creationTimestamp).toBeInstanceOf(Date);
    expect(created.status?.phase).toBe('Pending');
    const read = await core.readNamespacedPod({ name: 'cn-1', namespace });
    expect(read.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
    const gen = await core.createNamespacedPod({ namespace, body: { ...podBody(''), metadata: { generateName: 'cn-', labels: { app: 'cn' } } } });
    expect(gen.metadata?.name).toMatch(/^cn-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const list = await core.listNamespacedPod({ namespace, labelSelector: 'app=cn' });
    expect(list.kind).toBe('PodList');
    expect(Number(list.metadata?.resourceVersion)).toBeGreaterThanOrEqual(Number(gen.metadata?.resourceVersion));
    expect(list.items.map((p) => p.metadata?.name).sort()).toEqual(['cn-1', gen.metadata?.name].sort());
    const byField = await core.listNamespacedPod({ namespace, fieldSelector: 'metadata.name=cn-1' });
    expect(byField.items.map((p) => p.metadata?.name)).toEqual(['cn-1']);
  });

  it('throws ApiException with the Status body for 404 and 409', async () => {
    const missing = await apiError(core.readNamespacedPod({ name: 'nope', namespace }));
    expect(missing.code).toBe(404);
    expect(typeof missing.body).toBe('string');
    expect(JSON.parse(missing.body)).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'NotFound', code: 404, message: 'pods "nope" not found' });
    const dup = await apiError(core.createNamespacedPod({ namespace, body: podBody('cn-1') }));
    expect(dup.code).toBe(409);
    expect(JSON.parse(dup.body)).toMatchObject({ reason: 'AlreadyExists', message: 'pods "cn-1" already exists', details: { name: 'cn-1', kind: 'pods' } });
    const stale = await core.readNamespacedPod({ name: 'cn-1', namespace });
    stale.metadata!.resourceVersion = '1';
    const conflict = await apiError(core.replaceNamespacedPod({ name: 'cn-1', namespace, body: stale }));
    expect(conflict.code).toBe(409);
    expect(JSON.parse(conflict.body).reason).toBe('Conflict');
  });

  it('patches with JSON patch by default and merge patch by header', async () => {
    const json = await core.patchNamespacedPod({ name: 'cn-1', namespace, body: [{ op: 'add', path: '/metadata/labels/tier', value: 'front' }] });
    expect(json.metadata?.labels).toEqual({ app: 'cn', tier: 'front' });
    const merged = await core.patchNamespacedPod(
      { name: 'cn-1', namespace, body: { metadata: { labels: { tier: null, team: 'a' } } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    expect(merged.metadata?.labels).toEqual({ app: 'cn', team: 'a' });
    const smp = await core.patchNamespacedPod(
      { name: 'cn-1', namespace, body: { spec: { containers: [{ name: 'c', image: 'busybox:1.37' }] } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(smp.spec?.containers.map((c) => [c.name, c.image, c.imagePullPolicy])).toEqual([['c', 'busybox:1.37', 'IfNotPresent']]);
  });

  it('binds a pod and deletes it', async () => {
    await core.createNamespacedPod({ namespace, body: podBody('cn-bind') });
    await core.createNamespacedPodBinding({
      name: 'cn-bind',
      namespace,
      body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'cn-bind' }, target: { apiVersion: 'v1', kind: 'Node', name: 'node-1' } },
    });
    const bound = await core.readNamespacedPod({ name: 'cn-bind', namespace });
    expect(bound.spec?.nodeName).toBe('node-1');
    expect(bound.status?.conditions?.find((c) => c.type === 'PodScheduled')?.status).toBe('True');
    const again = await apiError(
      core.createNamespacedPodBinding({ name: 'cn-bind', namespace, body: { metadata: { name: 'cn-bind' }, target: { kind: 'Node', name: 'node-2' } } }),
    );
    expect(again.code).toBe(409);
    const graceful = await core.deleteNamespacedPod({ name: 'cn-bind', namespace });
    expect(graceful.metadata?.deletionTimestamp).toBeInstanceOf(Date);
    await core.deleteNamespacedPod({ name: 'cn-bind', namespace, gracePeriodSeconds: 0 });
    expect((await apiError(core.readNamespacedPod({ name: 'cn-bind', namespace }))).code).toBe(404);
  });
});

describe('CoreV1Api status, all-namespace lists and collections', () => {
  it('writes pod status through the status subresource only', async () => {
    await core.createNamespacedPod({ namespace, body: podBody('cn-st', { app: 'coll' }) });
    const patched = await core.patchNamespacedPodStatus(
      { name: 'cn-st', namespace, body: { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] }, spec: { nodeName: 'sneaky' } } },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
    expect(patched.status?.phase).toBe('Running');
    expect(patched.spec?.nodeName).toBeUndefined();
    const read = await core.readNamespacedPodStatus({ name: 'cn-st', namespace });
    read.status!.phase = 'Succeeded';
    const replaced = await core.replaceNamespacedPodStatus({ name: 'cn-st', namespace, body: read });
    expect(replaced.status?.phase).toBe('Succeeded');
    expect(replaced.status?.conditions?.[0]?.type).toBe('Ready');
  });

  it('lists across namespaces and deletes a collection', async () => {
    await core.createNamespace({ body: { metadata: { name: 'cn-other' } } });
    await core.createNamespacedPod({ namespace: 'cn-other', body: podBody('cn-o', { app: 'coll' }) });
    const all = await core.listPodForAllNamespaces({ labelSelector: 'app=coll' });
    expect(all.items.map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`).sort()).toEqual(['cn-other/cn-o', 'default/cn-st']);
    await core.deleteCollectionNamespacedPod({ namespace: 'cn-other', labelSelector: 'app=coll' });
    expect((await core.listNamespacedPod({ namespace: 'cn-other' })).items).toEqual([]);
    expect((await core.listPodForAllNamespaces({ labelSelector: 'app=coll' })).items.map((p) => p.metadata?.name)).toEqual(['cn-st']);
  });
});

describe('AppsV1Api and CoordinationV1Api', () => {
  it('creates a deployment and scales it through the scale subresource', async () => {
    await apps.createNamespacedDeployment({ namespace, body: deploymentBody('cn-web') });
    const d = await apps.readNamespacedDeployment({ name: 'cn-web', namespace });
    expect(d.spec?.replicas).toBe(1);
    const scale = await apps.readNamespacedDeploymentScale({ name: 'cn-web', namespace });
    expect(scale).toMatchObject({ kind: 'Scale', apiVersion: 'autoscaling/v1', spec: { replicas: 1 }, status: { selector: 'app=cn-web' } });
    scale.spec = { replicas: 4 };
    const written = await apps.replaceNamespacedDeploymentScale({ name: 'cn-web', namespace, body: scale });
    expect(written.spec?.replicas).toBe(4);
    const after = await apps.readNamespacedDeployment({ name: 'cn-web', namespace });
    expect(after.spec?.replicas).toBe(4);
    expect(after.metadata?.generation).toBe(2);
  });

  it('creates and renews a lease with MicroTime fields', async () => {
    const coord = kc.makeApiClient(CoordinationV1Api);
    const ns = 'kube-node-lease';
    const lease = await coord.createNamespacedLease({
      namespace: ns,
      body: { metadata: { name: 'node-1' }, spec: { holderIdentity: 'node-1', leaseDurationSeconds: 40, renewTime: new Date() as never } },
    });
    expect(lease.spec?.holderIdentity).toBe('node-1');
    const raw = await api(s.url, 'GET', `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/node-1`);
    expect(raw.body.spec.renewTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/);
    const later = new Date(Date.now() + 10_000);
    lease.spec!.renewTime = later as never;
    const renewed = await coord.replaceNamespacedLease({ name: 'node-1', namespace: ns, body: lease });
    expect(new Date(renewed.spec!.renewTime as unknown as string).getTime()).toBe(later.getTime());
    expect(Number(renewed.metadata?.resourceVersion)).toBeGreaterThan(Number(lease.metadata?.resourceVersion));
    const stale = await apiError(coord.replaceNamespacedLease({ name: 'node-1', namespace: ns, body: lease }));
    expect(stale.code).toBe(409);
  });
});

describe('KubernetesObjectApi', () => {
  it('creates, reads, lists and deletes through kind resolution', async () => {
    const client = KubernetesObjectApi.makeApiClient(kc);
    const created = await client.create<KubernetesObject>(deploymentBody('cn-generic') as KubernetesObject);
    expect(created.metadata?.uid).toBeTruthy();
    const read = await client.read<V1Deployment>({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'cn-generic', namespace } });
    expect(read.spec?.template.spec?.containers[0]?.image).toBe('nginx:1.27');
    const pod = await client.create<V1Pod>(podBody('cn-generic-pod'));
    expect(pod.metadata?.namespace).toBe('default');
    const list = await client.list('apps/v1', 'Deployment', namespace);
    expect(list.items.map((d) => d.metadata?.name)).toContain('cn-generic');
    const patched = await client.patch<V1Deployment>(
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'cn-generic', namespace }, spec: { replicas: 3 } } as KubernetesObject,
      undefined,
      undefined,
      undefined,
      undefined,
      PatchStrategy.MergePatch,
    );
    expect(patched.spec?.replicas).toBe(3);
    await client.delete({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'cn-generic', namespace } });
    expect((await apiError(client.read({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'cn-generic', namespace } }))).code).toBe(404);
  });
});

describe('Watch', () => {
  it('receives ADDED, MODIFIED and DELETED in order, and BOOKMARKs when asked', async () => {
    const start = await core.listNamespacedPod({ namespace });
    const events: { type: string; name: string | undefined; rv: string | undefined }[] = [];
    let doneErr: unknown = 'not done';
    const req = await new Watch(kc).watch(
      '/api/v1/namespaces/default/pods',
      { resourceVersion: start.metadata?.resourceVersion, allowWatchBookmarks: true, labelSelector: 'app=watched' },
      (type, obj: V1Pod) => events.push({ type, name: obj.metadata?.name, rv: obj.metadata?.resourceVersion }),
      (err) => (doneErr = err),
    );
    await core.createNamespacedPod({ namespace, body: podBody('cn-w', { app: 'watched' }) });
    await core.patchNamespacedPod({ name: 'cn-w', namespace, body: [{ op: 'add', path: '/metadata/annotations', value: { a: 'b' } }] });
    await core.deleteNamespacedPod({ name: 'cn-w', namespace });
    await waitFor(() => events.filter((e) => e.type !== 'BOOKMARK').length >= 3, { what: 'three events' });
    const changes = events.filter((e) => e.type !== 'BOOKMARK');
    expect(changes.map((e) => `${e.type} ${e.name}`)).toEqual(['ADDED cn-w', 'MODIFIED cn-w', 'DELETED cn-w']);
    const rvs = changes.map((e) => Number(e.rv));
    expect(rvs[0]! < rvs[1]! && rvs[1]! < rvs[2]!).toBe(true);
    req.abort();
    await waitFor(() => doneErr !== 'not done', { what: 'done callback' });
  });

  it('gets a 410 Expired ERROR for a compacted resourceVersion', async () => {
    await core.createNamespacedPod({ namespace, body: podBody('cn-old-1', { app: 'old' }) });
    await core.patchNamespacedPod({ name: 'cn-old-1', namespace, body: [{ op: 'add', path: '/metadata/annotations', value: { x: 'y' } }] });
    s.store.compact({ keepRevisions: 1, keepMs: 0 });
    const events: { type: string; obj: any }[] = [];
    let doneErr: unknown = 'not done';
    await new Watch(kc).watch('/api/v1/namespaces/default/pods', { resourceVersion: '1' }, (type, obj) => events.push({ type, obj }), (err) => (doneErr = err));
    await waitFor(() => doneErr !== 'not done', { what: 'the stream to end' });
    const ended = doneErr as { statusCode?: number } | null;
    if (ended === null) {
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ type: 'ERROR', obj: { kind: 'Status', code: 410, reason: 'Expired' } });
    } else expect(ended.statusCode).toBe(410);
  });
});

describe('informer', () => {
  it('fires add, update and delete and keeps a cache of the pods', async () => {
    const informer = makeInformer<V1Pod>(kc, '/api/v1/namespaces/default/pods', () => core.listNamespacedPod({ namespace, labelSelector: 'app=inf' }), 'app=inf');
    const seen: string[] = [];
    informer.on('add', (p) => seen.push(`add ${p.metadata?.name}`));
    informer.on('update', (p) => seen.push(`update ${p.metadata?.name} ${p.metadata?.labels?.v ?? ''}`));
    informer.on('delete', (p) => seen.push(`delete ${p.metadata?.name}`));
    const errors: unknown[] = [];
    // stop() aborts the watch request, which the informer reports as an AbortError: that one is ours.
    informer.on('error', (e) => (e as { type?: string }).type !== 'aborted' && errors.push(e));
    await core.createNamespacedPod({ namespace, body: podBody('inf-1', { app: 'inf' }) });
    await informer.start();
    try {
      await waitFor(() => seen.includes('add inf-1'), { what: 'initial add' });
      await core.createNamespacedPod({ namespace, body: podBody('inf-2', { app: 'inf' }) });
      await core.patchNamespacedPod({ name: 'inf-1', namespace, body: { metadata: { labels: { v: '2' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
      // A no-op patch writes nothing, so it must not produce an update.
      await core.patchNamespacedPod({ name: 'inf-1', namespace, body: { metadata: { labels: { v: '2' } } } }, setHeaderOptions('Content-Type', PatchStrategy.MergePatch));
      await core.deleteNamespacedPod({ name: 'inf-2', namespace });
      await waitFor(() => seen.includes('delete inf-2'), { what: 'delete' });
      expect(seen).toEqual(['add inf-1', 'add inf-2', 'update inf-1 2', 'delete inf-2']);
      expect(informer.list(namespace).map((p) => p.metadata?.name)).toEqual(['inf-1']);
      expect(informer.get('inf-1', namespace)?.metadata?.labels?.v).toBe('2');
      expect(errors).toEqual([]);
    } finally {
      await informer.stop();
    }
  });

  it('filters by field selector through ListWatch (the node agent pattern)', async () => {
    const path = '/api/v1/namespaces/default/pods';
    const list = () => core.listNamespacedPod({ namespace, fieldSelector: 'spec.nodeName=node-lw' });
    const lw = new ListWatch<V1Pod>(path, new Watch(kc), list, false, undefined, 'spec.nodeName=node-lw');
    const seen: string[] = [];
    lw.on('add', (p) => seen.push(`add ${p.metadata?.name}`));
    lw.on('delete', (p) => seen.push(`delete ${p.metadata?.name}`));
    await lw.start();
    try {
      await core.createNamespacedPod({ namespace, body: podBody('lw-1', { app: 'lw' }) });
      await core.createNamespacedPod({ namespace, body: podBody('lw-2', { app: 'lw' }) });
      await core.createNamespacedPodBinding({ name: 'lw-2', namespace, body: { metadata: { name: 'lw-2' }, target: { kind: 'Node', name: 'node-lw' } } });
      await waitFor(() => seen.includes('add lw-2'), { what: 'the bound pod' });
      await core.deleteNamespacedPod({ name: 'lw-2', namespace, gracePeriodSeconds: 0 });
      await waitFor(() => seen.includes('delete lw-2'), { what: 'its deletion' });
      expect(seen).toEqual(['add lw-2', 'delete lw-2']);
    } finally {
      await lw.stop();
    }
  });

  it('relists after a 410 when it re-watches from a compacted resourceVersion', async () => {
    // makeInformer builds a ListWatch; its declared type hides latestResourceVersion(), which this test reads.
    const informer = makeInformer<V1Pod>(kc, '/api/v1/namespaces/default/pods', () => core.listNamespacedPod({ namespace, labelSelector: 'app=relist' }), 'app=relist') as ListWatch<V1Pod>;
    const seen: string[] = [];
    informer.on('add', (p) => seen.push(`add ${p.metadata?.name}`));
    informer.on('delete', (p) => seen.push(`delete ${p.metadata?.name}`));
    const errors: unknown[] = [];
    // stop() aborts the watch request, which the informer reports as an AbortError: that one is ours.
    informer.on('error', (e) => (e as { type?: string }).type !== 'aborted' && errors.push(e));
    await core.createNamespacedPod({ namespace, body: podBody('rl-1', { app: 'relist' }) });
    await core.createNamespacedPod({ namespace, body: podBody('rl-2', { app: 'relist' }) });
    await informer.start();
    try {
      await waitFor(() => seen.length === 2, { what: 'initial adds' });
      const rvBefore = informer.latestResourceVersion();
      // The watch goes away; while it is down, objects change and the history it would resume from is compacted.
      await informer.stop();
      await core.deleteNamespacedPod({ name: 'rl-1', namespace });
      await core.createNamespacedPod({ namespace, body: podBody('rl-3', { app: 'relist' }) });
      await core.createNamespacedPod({ namespace, body: podBody('unrelated', { app: 'other' }) });
      s.store.compact({ keepRevisions: 1, keepMs: 0 });
      expect(s.store.compactedRevision()).toBeGreaterThan(Number(rvBefore));
      await informer.start();
      await waitFor(() => seen.includes('add rl-3') && seen.includes('delete rl-1'), { what: 'relist' });
      expect(informer.list(namespace).map((p) => p.metadata?.name).sort()).toEqual(['rl-2', 'rl-3']);
      expect(Number(informer.latestResourceVersion())).toBeGreaterThan(Number(rvBefore));
      // And it is watching again.
      await core.createNamespacedPod({ namespace, body: podBody('rl-4', { app: 'relist' }) });
      await waitFor(() => seen.includes('add rl-4'), { what: 'a live add after the relist' });
      expect(errors).toEqual([]);
    } finally {
      await informer.stop();
    }
  });
});

describe('client-node list paging', () => {
  it('reads a list in pages with limit and _continue', async () => {
    await core.createNamespace({ body: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'cn-pages' } } });
    for (let i = 0; i < 25; i++) await core.createNamespacedPod({ namespace: 'cn-pages', body: podBody(`pg-${String(i).padStart(2, '0')}`) });
    const names: string[] = [];
    const versions = new Set<string>();
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await core.listNamespacedPod({ namespace: 'cn-pages', limit: 10, ...(token ? { _continue: token } : {}) });
      pages++;
      names.push(...page.items.map((p) => p.metadata!.name!));
      versions.add(page.metadata!.resourceVersion!);
      if (pages === 1) {
        expect(page.metadata!.remainingItemCount).toBe(15);
        // Created after the first page: not part of this list.
        await core.createNamespacedPod({ namespace: 'cn-pages', body: podBody('pg-05a') });
      }
      token = page.metadata!._continue;
    } while (token);
    expect(pages).toBe(3);
    expect(versions.size).toBe(1);
    expect(names).toEqual(Array.from({ length: 25 }, (_, i) => `pg-${String(i).padStart(2, '0')}`));
  });
});
