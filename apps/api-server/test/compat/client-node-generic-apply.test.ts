/**
 * @kubernetes/client-node's KubernetesObjectApi, the generic client tools build "kubectl apply" on: server-side apply
 * through PatchStrategy.ServerSideApply (create, conflict, force, drop), then read and replace of what it read.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiException, KubeConfig, KubernetesObjectApi, PatchStrategy, type KubernetesObject, type V1ConfigMap, type V1Deployment, type V1ManagedFieldsEntry } from '@kubernetes/client-node';
import { startServer, type RunningServer } from '../harness.js';

let s: RunningServer;
let client: KubernetesObjectApi;
beforeAll(async () => {
  s = await startServer({ storage: 'sqlite' });
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'skiff', server: s.url, skipTLSVerify: true }],
    users: [{ name: 'skiff' }],
    contexts: [{ name: 'skiff', cluster: 'skiff', user: 'skiff', namespace: 'default' }],
    currentContext: 'skiff',
  });
  client = KubernetesObjectApi.makeApiClient(kc);
});
afterAll(() => s?.close());

const namespace = 'default';

function deployment(name: string, spec: Partial<NonNullable<V1Deployment['spec']>> = {}, labels?: Record<string, string>): KubernetesObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, ...(labels ? { labels } : {}) },
    spec: { selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image: 'busybox:1.36' }] } }, ...spec },
  } as KubernetesObject;
}

/** apply is what a generic "apply" tool sends: the whole intent, as application/apply-patch+yaml. */
const apply = <T extends KubernetesObject>(obj: KubernetesObject, manager: string, force = false): Promise<T> =>
  client.patch<T>(obj as T, undefined, undefined, manager, force, PatchStrategy.ServerSideApply);

const managers = (obj: KubernetesObject): Array<[string | undefined, string | undefined]> => (obj.metadata?.managedFields ?? []).map((e: V1ManagedFieldsEntry) => [e.manager, e.operation]);
const fieldsOf = (obj: KubernetesObject, manager: string, operation = 'Apply'): unknown => obj.metadata?.managedFields?.find((e) => e.manager === manager && e.operation === operation)?.fieldsV1;

async function rejection(p: Promise<unknown>): Promise<ApiException<string>> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiException) return e as ApiException<string>;
    throw e;
  }
  throw new Error('expected the request to fail');
}

describe('KubernetesObjectApi server-side apply', () => {
  it('creates with an apply, records the Apply entry, and applies the same intent again without a change', async () => {
    const created = await apply<V1Deployment>(deployment('gen-ssa', { replicas: 2 }, { tier: 'web' }), 'tool-a');
    expect(created.metadata?.uid).toBeTruthy();
    expect(created.spec?.replicas).toBe(2);
    expect(managers(created)).toEqual([['tool-a', 'Apply']]);
    expect(fieldsOf(created, 'tool-a')).toEqual({
      'f:metadata': { 'f:labels': { 'f:tier': {} } },
      'f:spec': {
        'f:replicas': {},
        'f:selector': {},
        'f:template': { 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:spec': { 'f:containers': { 'k:{"name":"main"}': { '.': {}, 'f:image': {}, 'f:name': {} } } } },
      },
    });
    const again = await apply<V1Deployment>(deployment('gen-ssa', { replicas: 2 }, { tier: 'web' }), 'tool-a');
    expect(again.metadata?.resourceVersion).toBe(created.metadata?.resourceVersion);
  });

  it('a second tool changing an owned field gets a 409 ApiException with the conflict causes; force takes the field', async () => {
    await apply(deployment('gen-conflict', { replicas: 2 }), 'tool-a');
    const intent = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'gen-conflict', namespace }, spec: { replicas: 5 } } as KubernetesObject;
    const err = await rejection(apply(intent, 'tool-b'));
    expect(err.code).toBe(409);
    const status = JSON.parse(err.body) as { reason: string; message: string; details: { causes: unknown[] } };
    expect(status.reason).toBe('Conflict');
    expect(status.message).toBe('Apply failed with 1 conflict: conflict with "tool-a": .spec.replicas');
    expect(status.details.causes).toEqual([{ reason: 'FieldManagerConflict', message: 'conflict with "tool-a"', field: '.spec.replicas' }]);

    const forced = await apply<V1Deployment>(intent, 'tool-b', true);
    expect(forced.spec?.replicas).toBe(5);
    expect(fieldsOf(forced, 'tool-b')).toEqual({ 'f:spec': { 'f:replicas': {} } });
    expect((fieldsOf(forced, 'tool-a') as { 'f:spec': Record<string, unknown> })['f:spec']['f:replicas']).toBeUndefined();
  });

  it('a label the only applier drops is removed', async () => {
    await apply(deployment('gen-drop', {}, { keep: 'y', drop: 'y' }), 'tool-a');
    const after = await apply<V1Deployment>(deployment('gen-drop', {}, { keep: 'y' }), 'tool-a');
    expect(after.metadata?.labels).toEqual({ keep: 'y' });
  });

  it('applies to a core kind (ConfigMap) a create made, and lets read + replace record the replacer as an Update manager', async () => {
    const cm: V1ConfigMap = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'gen-cm', namespace }, data: { a: '1' } };
    await client.create(cm, undefined, undefined, 'creator');
    await apply(cm as KubernetesObject, 'tool-a');
    const read = await client.read<V1ConfigMap>({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'gen-cm', namespace } });
    expect(read.data).toEqual({ a: '1' });
    // The client sends back what it read, managedFields included, with one value changed.
    const replaced = await client.replace<V1ConfigMap>({ ...read, data: { a: '1', b: '2' } }, undefined, undefined, 'editor');
    expect(replaced.data).toEqual({ a: '1', b: '2' });
    // kube's order: Apply entries first, then Updates oldest first (names break ties within a second).
    expect(managers(replaced)).toEqual([
      ['tool-a', 'Apply'],
      ['creator', 'Update'],
      ['editor', 'Update'],
    ]);
    expect(fieldsOf(replaced, 'editor', 'Update')).toEqual({ 'f:data': { 'f:b': {} } });
    // data.a was applied with the value it had: the applier shares it with its creator.
    expect(fieldsOf(replaced, 'tool-a')).toEqual({ 'f:data': { 'f:a': {} } });
    expect(fieldsOf(replaced, 'creator', 'Update')).toEqual({ 'f:data': { '.': {}, 'f:a': {} } });

    // A replace from a stale read is a 409 Conflict, as the generic client's optimistic concurrency expects.
    const stale = await rejection(client.replace<V1ConfigMap>({ ...read, data: { a: 'stale' } }, undefined, undefined, 'editor'));
    expect(stale.code).toBe(409);
  });
});
