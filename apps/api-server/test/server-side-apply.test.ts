import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from './harness.js';

let s: RunningServer;
beforeAll(async () => {
  s = await startServer();
});
afterAll(async () => {
  await s.close();
});

const DEPLOYMENTS = '/apis/apps/v1/namespaces/default/deployments';

interface Entry {
  manager: string;
  operation: string;
  apiVersion: string;
  time: string;
  fieldsType: string;
  fieldsV1: Record<string, unknown>;
  subresource?: string;
}
interface Obj {
  metadata: { name: string; resourceVersion: string; labels?: Record<string, string>; managedFields?: Entry[] };
  spec: { replicas?: number; template: { spec: { containers: { name: string; image: string; imagePullPolicy?: string }[] } } };
  status?: Record<string, unknown>;
}

async function call(method: string, path: string, body: unknown, contentType = 'application/json', ua = 'ssa-test/1.0'): Promise<{ status: number; body: any }> {
  const res = await fetch(s.url + path, { method, headers: { 'content-type': contentType, 'user-agent': ua }, body: body === undefined ? null : typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, body: await res.json() };
}

const apply = (name: string, manager: string, body: unknown, force = false) =>
  call('PATCH', `${DEPLOYMENTS}/${name}?fieldManager=${manager}${force ? '&force=true' : ''}`, body, 'application/apply-patch+yaml');

function deployment(name: string, spec: Record<string, unknown> = {}, labels?: Record<string, string>): unknown {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, ...(labels ? { labels } : {}) },
    spec: {
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } },
      ...spec,
    },
  };
}

const entry = (o: Obj, manager: string, operation = 'Apply', subresource?: string) =>
  o.metadata.managedFields?.find((e) => e.manager === manager && e.operation === operation && e.subresource === subresource);

describe('managedFields on Update operations', () => {
  it('a create records its manager (fieldManager, else the User-Agent prefix) with the fields it set, in FieldsV1', async () => {
    const created = await call('POST', DEPLOYMENTS + '?fieldManager=kubectl-create', deployment('mf-create', { replicas: 2 }, { tier: 'web' }));
    expect(created.status).toBe(201);
    const e = entry(created.body, 'kubectl-create', 'Update')!;
    expect(e).toMatchObject({ manager: 'kubectl-create', operation: 'Update', apiVersion: 'apps/v1', fieldsType: 'FieldsV1' });
    expect(Object.keys(e)).toEqual(['manager', 'operation', 'apiVersion', 'time', 'fieldsType', 'fieldsV1']);
    expect(e.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const f = e.fieldsV1 as any;
    expect(f['f:metadata']).toEqual({ 'f:labels': { '.': {}, 'f:tier': {} } });
    expect(f['f:spec']['f:replicas']).toEqual({});
    expect(f['f:spec']['f:selector']).toEqual({});
    expect(f['f:spec']['f:template']['f:spec']['f:containers']['k:{"name":"c"}']).toMatchObject({ '.': {}, 'f:image': {}, 'f:name': {} });
    expect(f['f:status']).toBeUndefined();

    const byAgent = await call('POST', DEPLOYMENTS, deployment('mf-agent'), 'application/json', 'kubectl-edit/v1.32.0 (linux/amd64)');
    expect(byAgent.body.metadata.managedFields.map((m: Entry) => m.manager)).toEqual(['kubectl-edit']);
  });

  it('an update by another manager takes over only the fields it changes; status writes get their own entry', async () => {
    const created = (await call('POST', DEPLOYMENTS + '?fieldManager=creator', deployment('mf-update', { replicas: 1 }))).body as Obj;
    const next = structuredClone(created);
    next.spec.replicas = 5;
    const updated = (await call('PUT', `${DEPLOYMENTS}/mf-update?fieldManager=scaler`, next)).body as Obj;
    expect(entry(updated, 'scaler', 'Update')!.fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
    expect((entry(updated, 'creator', 'Update')!.fieldsV1 as any)['f:spec']['f:replicas']).toBeUndefined();
    expect((entry(updated, 'creator', 'Update')!.fieldsV1 as any)['f:spec']['f:selector']).toEqual({});

    const st = await call('PATCH', `${DEPLOYMENTS}/mf-update/status?fieldManager=ctrl`, { status: { replicas: 5 } }, 'application/merge-patch+json');
    expect(st.status).toBe(200);
    expect(entry(st.body, 'ctrl', 'Update', 'status')!.fieldsV1).toEqual({ 'f:status': { 'f:replicas': {} } });
    expect(entry(st.body, 'scaler', 'Update')).toBeDefined();
  });

  it('an Update entry marks a pointer struct (`.` on strategy.rollingUpdate) but not an always-serialized list (containers), as kube does', async () => {
    const created = await call('POST', DEPLOYMENTS + '?fieldManager=kubectl-create', deployment('mf-dots', {}, { app: 'mf-dots' }));
    const f = entry(created.body, 'kubectl-create', 'Update')!.fieldsV1 as any;
    // kube 1.32's entry for `kubectl create deployment`: rollingUpdate is *RollingUpdateDeployment, strategy a
    // plain struct; containers has no omitempty (always serialized), labels is a map that appears.
    expect(f['f:spec']['f:strategy']).toEqual({ 'f:rollingUpdate': { '.': {}, 'f:maxSurge': {}, 'f:maxUnavailable': {} }, 'f:type': {} });
    expect(f['f:spec']['f:template']['f:spec']['f:containers']).toEqual({
      'k:{"name":"c"}': { '.': {}, 'f:image': {}, 'f:imagePullPolicy': {}, 'f:name': {}, 'f:resources': {}, 'f:terminationMessagePath': {}, 'f:terminationMessagePolicy': {} },
    });
    expect(f['f:metadata']).toEqual({ 'f:labels': { '.': {}, 'f:app': {} } });
    expect(f['f:spec']['f:template']['f:spec']['f:securityContext']).toEqual({});
  });

  it('what mutating admission adds on create (service account, default tolerations) is owned by nobody', async () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'mf-run', labels: { run: 'mf-run' } }, spec: { containers: [{ name: 'mf-run', image: 'busybox:1.36' }] } };
    const created = await call('POST', '/api/v1/namespaces/default/pods?fieldManager=kubectl-run', pod);
    expect(created.status).toBe(201);
    expect(created.body.spec.serviceAccountName).toBe('default');
    expect(created.body.spec.tolerations).toHaveLength(2);
    const spec = (entry(created.body, 'kubectl-run', 'Update')!.fieldsV1 as any)['f:spec'];
    expect(Object.keys(spec)).not.toContain('f:serviceAccountName');
    expect(Object.keys(spec)).not.toContain('f:serviceAccount');
    expect(Object.keys(spec)).not.toContain('f:tolerations');
    expect(spec).toMatchObject({ 'f:dnsPolicy': {}, 'f:enableServiceLinks': {}, 'f:restartPolicy': {}, 'f:schedulerName': {}, 'f:securityContext': {}, 'f:terminationGracePeriodSeconds': {} });
  });

  it('a scale write records an Update with subresource "scale"', async () => {
    await call('POST', DEPLOYMENTS + '?fieldManager=creator', deployment('mf-scale'));
    const r = await call('PATCH', `${DEPLOYMENTS}/mf-scale/scale?fieldManager=scaler`, { spec: { replicas: 3 } }, 'application/merge-patch+json');
    expect(r.status).toBe(200);
    const d = (await call('GET', `${DEPLOYMENTS}/mf-scale`, undefined)).body as Obj;
    expect(entry(d, 'scaler', 'Update', 'scale')!.fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
  });
});

describe('server-side apply', () => {
  it('an apply without fieldManager is 422 naming fieldManager', async () => {
    const r = await call('PATCH', `${DEPLOYMENTS}/ssa-noman`, deployment('ssa-noman'), 'application/apply-patch+yaml');
    expect(r.status).toBe(422);
    expect(r.body.message).toContain('fieldManager: Required value');
  });

  it('records the applied fields as an Apply entry (no "." on a declared map field)', async () => {
    const r = await apply('ssa-one', 'mgr-a', deployment('ssa-one', { replicas: 2 }, { app: 'x' }));
    expect(r.status).toBe(201);
    const e = entry(r.body, 'mgr-a')!;
    expect(e.fieldsV1).toEqual({
      'f:metadata': { 'f:labels': { 'f:app': {} } },
      'f:spec': {
        'f:replicas': {},
        'f:selector': {},
        'f:template': {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': { 'f:containers': { 'k:{"name":"c"}': { '.': {}, 'f:image': {}, 'f:name': {} } } },
        },
      },
    });
  });

  it('a second applier changing a field another applier owns gets 409 with one cause per field; force takes it over', async () => {
    await apply('ssa-conf', 'mgr-a', deployment('ssa-conf', { replicas: 2 }));
    const c = await apply('ssa-conf', 'mgr-b', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ssa-conf' }, spec: { replicas: 3, template: { spec: { containers: [{ name: 'c', image: 'busybox:latest' }] } } } });
    expect(c.status).toBe(409);
    expect(c.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'Conflict', code: 409 });
    expect(c.body.message).toBe('Apply failed with 2 conflicts: conflicts with "mgr-a":\n- .spec.replicas\n- .spec.template.spec.containers[name="c"].image');
    expect(c.body.details.causes).toEqual([
      { reason: 'FieldManagerConflict', message: 'conflict with "mgr-a"', field: '.spec.replicas' },
      { reason: 'FieldManagerConflict', message: 'conflict with "mgr-a"', field: '.spec.template.spec.containers[name="c"].image' },
    ]);
    const one = await apply('ssa-conf', 'mgr-b', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ssa-conf' }, spec: { replicas: 3 } });
    expect(one.body.message).toBe('Apply failed with 1 conflict: conflict with "mgr-a": .spec.replicas');

    const forced = await apply('ssa-conf', 'mgr-b', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ssa-conf' }, spec: { replicas: 3 } }, true);
    expect(forced.status).toBe(200);
    expect(forced.body.spec.replicas).toBe(3);
    expect(entry(forced.body, 'mgr-b')!.fieldsV1).toEqual({ 'f:spec': { 'f:replicas': {} } });
    expect((entry(forced.body, 'mgr-a')!.fieldsV1 as any)['f:spec']['f:replicas']).toBeUndefined();
  });

  it('conflicts with an Update manager name it with its apiVersion', async () => {
    await call('POST', DEPLOYMENTS + '?fieldManager=kubectl-client-side-apply', deployment('ssa-upd', { replicas: 1 }));
    const c = await apply('ssa-upd', 'kubectl', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ssa-upd' }, spec: { replicas: 4 } });
    expect(c.status).toBe(409);
    expect(c.body.message).toBe('Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1: .spec.replicas');
  });

  it('two appliers setting the same value share it; the field stays until its last applier drops it', async () => {
    await apply('ssa-share', 'mgr-a', deployment('ssa-share', { replicas: 2 }, { team: 'x' }));
    const b = await apply('ssa-share', 'mgr-b', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ssa-share', labels: { team: 'x' } }, spec: { replicas: 2 } });
    expect(b.status).toBe(200);
    expect(entry(b.body, 'mgr-a')!.fieldsV1['f:spec']).toMatchObject({ 'f:replicas': {} });
    expect(entry(b.body, 'mgr-b')!.fieldsV1).toEqual({ 'f:metadata': { 'f:labels': { 'f:team': {} } }, 'f:spec': { 'f:replicas': {} } });

    // mgr-a drops the label and replicas: mgr-b still owns both, so they stay.
    const a2 = await apply('ssa-share', 'mgr-a', deployment('ssa-share'));
    expect(a2.body.metadata.labels).toEqual({ team: 'x' });
    expect(a2.body.spec.replicas).toBe(2);
    // mgr-b drops the label too: nobody owns it any more, so it goes.
    const b2 = await apply('ssa-share', 'mgr-b', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ssa-share' }, spec: { replicas: 2 } });
    expect(b2.body.metadata.labels?.team).toBeUndefined();
    expect(b2.body.spec.replicas).toBe(2);
  });

  it('a field its only applier drops is removed, and a dropped list item goes with it', async () => {
    const two = deployment('ssa-drop', { replicas: 2 }) as any;
    two.spec.template.spec.containers.push({ name: 'd', image: 'busybox:latest' });
    await apply('ssa-drop', 'mgr-a', two);
    const r = await apply('ssa-drop', 'mgr-a', deployment('ssa-drop'));
    expect(r.status).toBe(200);
    expect(r.body.spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual(['c']);
    expect(entry(r.body, 'mgr-a')!.fieldsV1['f:spec']).not.toHaveProperty('f:replicas');
    // replicas defaults back (1), as kube re-defaults a removed field.
    expect(r.body.spec.replicas).toBe(1);
  });

  it('an apply to the status subresource owns status fields only, in an entry of its own', async () => {
    await apply('ssa-status', 'mgr-a', deployment('ssa-status'));
    const r = await call('PATCH', `${DEPLOYMENTS}/ssa-status/status?fieldManager=ctrl`, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ssa-status' }, spec: { replicas: 9 }, status: { replicas: 1 } }, 'application/apply-patch+yaml');
    expect(r.status).toBe(200);
    expect(r.body.status.replicas).toBe(1);
    expect(r.body.spec.replicas).toBe(1);
    expect(entry(r.body, 'ctrl', 'Apply', 'status')!.fieldsV1).toEqual({ 'f:status': { 'f:replicas': {} } });
    expect(entry(r.body, 'mgr-a')).toBeDefined();
  });

  it('force is refused on a non-apply patch', async () => {
    await call('POST', DEPLOYMENTS, deployment('ssa-force'));
    const r = await call('PATCH', `${DEPLOYMENTS}/ssa-force?force=true`, { spec: { replicas: 2 } }, 'application/merge-patch+json');
    expect(r.status).toBe(422);
    expect(r.body.message).toContain('force: Forbidden');
  });
});

describe('objects nobody manages (kube skipNonApplied: managedFields cleared)', () => {
  const get = async (name: string): Promise<Obj> => (await call('GET', `${DEPLOYMENTS}/${name}`, undefined)).body;

  it('managedFields: [{}] or [] in an update clears them, and later updates are not tracked until an apply', async () => {
    for (const [name, reset] of [['mf-reset-a', [{}]], ['mf-reset-b', []]] as const) {
      await call('POST', `${DEPLOYMENTS}?fieldManager=creator`, deployment(name, { replicas: 1 }, { app: 'x' }));
      const cur = await get(name);
      const cleared = await call('PUT', `${DEPLOYMENTS}/${name}?fieldManager=resetter`, { ...cur, metadata: { ...cur.metadata, managedFields: reset } });
      expect(cleared.status).toBe(200);
      expect(cleared.body.metadata.managedFields).toBeUndefined();
      const patched = await call('PATCH', `${DEPLOYMENTS}/${name}?fieldManager=editor`, { metadata: { labels: { extra: 'y' } } }, 'application/merge-patch+json');
      expect(patched.status).toBe(200);
      expect(patched.body.metadata.labels).toEqual({ app: 'x', extra: 'y' });
      expect(patched.body.metadata.managedFields).toBeUndefined();
    }
  });

  it('managedFields a client cannot have read (an invalid entry) leave the stored ones alone', async () => {
    await call('POST', `${DEPLOYMENTS}?fieldManager=creator`, deployment('mf-bad-entry'));
    const cur = await get('mf-bad-entry');
    const r = await call('PUT', `${DEPLOYMENTS}/mf-bad-entry?fieldManager=editor`, { ...cur, metadata: { ...cur.metadata, managedFields: [{ manager: 'x', operation: 'Sideways' }] } });
    expect(r.status).toBe(200);
    expect(r.body.metadata.managedFields.map((e: Entry) => e.manager)).toEqual(['creator']);
  });

  it('the first apply hands every live field to "before-first-apply" and conflicts where it changes one', async () => {
    await call('POST', `${DEPLOYMENTS}?fieldManager=creator`, deployment('mf-bfa', { replicas: 2 }, { app: 'my-nginx' }));
    const cur = await get('mf-bfa');
    await call('PUT', `${DEPLOYMENTS}/mf-bfa`, { ...cur, metadata: { ...cur.metadata, managedFields: [{}] } });

    const config = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'mf-bfa', labels: { app: 'nginx' } }, spec: { replicas: 2 } };
    const c = await apply('mf-bfa', 'applier', config);
    expect(c.status).toBe(409);
    expect(c.body.message).toBe('Apply failed with 1 conflict: conflict with "before-first-apply" using apps/v1: .metadata.labels.app');
    expect(c.body.details.causes).toEqual([{ reason: 'FieldManagerConflict', message: 'conflict with "before-first-apply" using apps/v1', field: '.metadata.labels.app' }]);

    const forced = await apply('mf-bfa', 'applier', config, true);
    expect(forced.status).toBe(200);
    // kube's order: Apply entries before Update ones.
    expect(forced.body.metadata.managedFields!.map((e: Entry) => [e.manager, e.operation])).toEqual([
      ['applier', 'Apply'],
      ['before-first-apply', 'Update'],
    ]);
    const bfa = entry(forced.body, 'before-first-apply', 'Update')!;
    expect(bfa.apiVersion).toBe('apps/v1');
    // It keeps what it had except the label the apply took (the labels map itself stays its: kube's `.`);
    // replicas, set to the same value, is shared.
    expect((bfa.fieldsV1 as any)['f:metadata']).toEqual({ 'f:labels': {} });
    expect((bfa.fieldsV1 as any)['f:spec']).toMatchObject({ 'f:replicas': {}, 'f:selector': {}, 'f:template': { 'f:spec': { 'f:containers': { 'k:{"name":"c"}': { 'f:image': {} } } } } });
    expect(entry(forced.body, 'applier')!.fieldsV1).toEqual({ 'f:metadata': { 'f:labels': { 'f:app': {} } }, 'f:spec': { 'f:replicas': {} } });
  });
});

describe('apply configurations are not strategic merge patches', () => {
  it('a $patch directive anywhere in the configuration is 400, named as an undeclared field', async () => {
    const base = deployment('ssa-directive') as any;
    base.spec.template.spec.containers.push({ name: 'd', image: 'busybox:1.36' });
    expect((await apply('ssa-directive', 'mgr-a', base)).status).toBe(201);

    const del = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ssa-directive' }, spec: { template: { spec: { containers: [{ name: 'd', $patch: 'delete' }] } } } };
    const r = await apply('ssa-directive', 'mgr-b', del);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ kind: 'Status', status: 'Failure', reason: 'BadRequest', code: 400 });
    expect(r.body.message).toBe('failed to create typed patch object (default/ssa-directive; apps/v1, Kind=Deployment): .spec.template.spec.containers[name="d"].$patch: field not declared in schema');

    const two = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'ssa-directive' }, spec: { $patch: 'replace', replicas: 3, template: { metadata: { $retainKeys: ['labels'] } } } };
    const r2 = await apply('ssa-directive', 'mgr-b', two);
    expect(r2.status).toBe(400);
    expect(r2.body.message).toBe(
      'failed to create typed patch object (default/ssa-directive; apps/v1, Kind=Deployment): errors:\n  .spec.$patch: field not declared in schema\n  .spec.template.metadata.$retainKeys: field not declared in schema',
    );
    // Nothing was written: both containers are still there.
    const live = (await call('GET', `${DEPLOYMENTS}/ssa-directive`, undefined)).body;
    expect(live.spec.template.spec.containers.map((c: { name: string }) => c.name)).toEqual(['c', 'd']);
    expect(live.spec.replicas).toBe(1);
  });

  it('a map key that starts with "$" is data, not a directive: validation judges it (422 naming the key)', async () => {
    const r = await apply('ssa-dollar-key', 'mgr-a', { ...(deployment('ssa-dollar-key') as any), metadata: { name: 'ssa-dollar-key', annotations: { $patch: 'kept' } } });
    expect(r.status).toBe(422);
    expect(r.body.message).toContain('metadata.annotations: Invalid value: "$patch"');
  });
});

describe("merge types follow Kubernetes' Go markers", () => {
  const SERVICES = '/api/v1/namespaces/default/services';
  const service = (name: string, selector: Record<string, string>) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector, ports: [{ port: 80 }] } });
  const applySvc = (name: string, manager: string, body: unknown) => call('PATCH', `${SERVICES}/${name}?fieldManager=${manager}`, body, 'application/apply-patch+yaml');

  it('a Service selector (+mapType=atomic) is one field: owned whole, and adding a key to it conflicts', async () => {
    const a = await applySvc('ssa-selector', 'mgr-a', service('ssa-selector', { app: 'x' }));
    expect(a.status).toBe(201);
    expect((entry(a.body, 'mgr-a')!.fieldsV1 as any)['f:spec']['f:selector']).toEqual({});
    const b = await applySvc('ssa-selector', 'mgr-b', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ssa-selector' }, spec: { selector: { app: 'x', tier: 'web' } } });
    expect(b.status).toBe(409);
    expect(b.body.message).toBe('Apply failed with 1 conflict: conflict with "mgr-a": .spec.selector');
  });

  it('an apply replaces an atomic map whole instead of merging its keys', async () => {
    expect((await call('POST', `${SERVICES}?fieldManager=creator`, service('ssa-selector-2', { app: 'x', tier: 'web' }))).status).toBe(201);
    const b = await call('PATCH', `${SERVICES}/ssa-selector-2?fieldManager=mgr-b&force=true`, { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ssa-selector-2' }, spec: { selector: { app: 'y' } } }, 'application/apply-patch+yaml');
    expect(b.status).toBe(200);
    expect(b.body.spec.selector).toEqual({ app: 'y' });
  });

  it('ServiceAccount.secrets (+listType=map by name) merges item by item between managers', async () => {
    const SAS = '/api/v1/namespaces/default/serviceaccounts';
    const sa = (secrets: string[]) => ({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'ssa-sa' }, secrets: secrets.map((name) => ({ name })) });
    expect((await call('PATCH', `${SAS}/ssa-sa?fieldManager=mgr-a`, sa(['one']), 'application/apply-patch+yaml')).status).toBe(201);
    const b = await call('PATCH', `${SAS}/ssa-sa?fieldManager=mgr-b`, sa(['two']), 'application/apply-patch+yaml');
    expect(b.status).toBe(200);
    expect(b.body.secrets).toEqual([{ name: 'one' }, { name: 'two' }]);
    expect(entry(b.body, 'mgr-b')!.fieldsV1).toEqual({ 'f:secrets': { 'k:{"name":"two"}': { '.': {}, 'f:name': {} } } });
  });
});
