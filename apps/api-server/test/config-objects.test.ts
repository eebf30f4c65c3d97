import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, pod, startServer, type RunningServer } from './harness.js';

let s: RunningServer;
beforeAll(async () => {
  s = await startServer({ storage: 'sqlite' });
});
afterAll(() => s.close());

const NS = '/api/v1/namespaces/default';
const b64 = (v: string) => Buffer.from(v).toString('base64');
const TABLE = { Accept: 'application/json;as=Table;v=v1;g=meta.k8s.io' };

describe('ConfigMaps and Secrets over HTTP', () => {
  it('merges stringData into data and never returns it', async () => {
    const r = await api(s.url, 'POST', `${NS}/secrets`, { metadata: { name: 'merged' }, data: { a: b64('old'), b: b64('b') }, stringData: { a: 'new' } });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ type: 'Opaque', data: { a: b64('new'), b: b64('b') } });
    expect(r.body.stringData).toBeUndefined();
    // A patch may use stringData too.
    const p = await api(s.url, 'PATCH', `${NS}/secrets/merged`, { stringData: { c: 'see' } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(p.body.data).toEqual({ a: b64('new'), b: b64('b'), c: b64('see') });
  });

  it('refuses data that is not base64 with 400 naming the key', async () => {
    const r = await api(s.url, 'POST', `${NS}/secrets`, { metadata: { name: 'bad64' }, data: { k: 'not base64!' } });
    expect(r.status).toBe(400);
    expect(r.body.message).toContain('error decoding "data.k": illegal base64 data at input byte 3');
  });

  it('refuses a Secret without the keys its type requires, and any change to an immutable one, with 422', async () => {
    const tls = await api(s.url, 'POST', `${NS}/secrets`, { metadata: { name: 'tls' }, type: 'kubernetes.io/tls', data: { 'tls.crt': b64('c') } });
    expect(tls.status).toBe(422);
    expect(tls.body.message).toBe('Secret "tls" is invalid: data[tls.key]: Required value');

    expect((await api(s.url, 'POST', `${NS}/configmaps`, { metadata: { name: 'frozen' }, data: { a: '1' }, immutable: true })).status).toBe(201);
    const change = await api(s.url, 'PUT', `${NS}/configmaps/frozen`, { metadata: { name: 'frozen' }, data: { a: '2' }, immutable: true });
    expect(change.status).toBe(422);
    expect(change.body.message).toBe('ConfigMap "frozen" is invalid: data: Forbidden: field is immutable when `immutable` is set');
  });

  it('refuses bad keys and more than 1 MiB of data', async () => {
    const key = await api(s.url, 'POST', `${NS}/configmaps`, { metadata: { name: 'badkey' }, data: { 'a/b': 'x' } });
    expect(key.status).toBe(422);
    expect(key.body.details.causes[0]).toMatchObject({ field: 'data[a/b]', reason: 'FieldValueInvalid' });
    const big = await api(s.url, 'POST', `${NS}/configmaps`, { metadata: { name: 'big' }, data: { a: 'x'.repeat(1024 * 1024 + 1) } });
    expect(big.status).toBe(422);
    expect(big.body.message).toContain('Too long: may not be more than 1048576 bytes');
  });

  it('prints the kubectl 1.32 columns of cm, secret and sa', async () => {
    await api(s.url, 'POST', `${NS}/configmaps`, { metadata: { name: 'two' }, data: { a: '1' }, binaryData: { b: b64('2') } });
    await api(s.url, 'POST', `${NS}/serviceaccounts`, { metadata: { name: 'robot' }, secrets: [{ name: 's' }] });
    const cm = await api(s.url, 'GET', `${NS}/configmaps/two`, undefined, TABLE);
    expect(cm.body.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Data', 'Age']);
    expect(cm.body.rows[0].cells.slice(0, 2)).toEqual(['two', 2]);
    const secret = await api(s.url, 'GET', `${NS}/secrets/merged`, undefined, TABLE);
    expect(secret.body.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Type', 'Data', 'Age']);
    expect(secret.body.rows[0].cells.slice(0, 3)).toEqual(['merged', 'Opaque', 3]);
    const sa = await api(s.url, 'GET', `${NS}/serviceaccounts/robot`, undefined, TABLE);
    expect(sa.body.columnDefinitions.map((c: any) => c.name)).toEqual(['Name', 'Secrets', 'Age']);
    expect(sa.body.rows[0].cells.slice(0, 2)).toEqual(['robot', 1]);
  });
});

describe('pods and ServiceAccounts', () => {
  it('defaults serviceAccountName to default, and refuses with 403 a pod naming an account that does not exist', async () => {
    const plain = await api(s.url, 'POST', `${NS}/pods`, pod('sa-default'));
    expect(plain.status).toBe(201);
    expect(plain.body.spec).toMatchObject({ serviceAccountName: 'default', serviceAccount: 'default' });

    const named = pod('sa-builder');
    (named.spec as any).serviceAccountName = 'builder';
    const refused = await api(s.url, 'POST', `${NS}/pods`, named);
    expect(refused.status).toBe(403);
    expect(refused.body.message).toBe('pods "sa-builder" is forbidden: error looking up service account default/builder: serviceaccount "builder" not found');
    expect((await api(s.url, 'POST', `${NS}/serviceaccounts`, { metadata: { name: 'builder' } })).status).toBe(201);
    expect((await api(s.url, 'POST', `${NS}/pods`, named)).status).toBe(201);
  });
});

describe('pod volumes and env from ConfigMaps and Secrets', () => {
  const withSpec = (name: string, spec: Record<string, unknown>, container: Record<string, unknown> = {}) => {
    const p = pod(name) as any;
    Object.assign(p.spec, spec);
    Object.assign(p.spec.containers[0], container);
    return p;
  };

  it('accepts configMap, secret, projected and downwardAPI volumes with items, and envFrom', async () => {
    const r = await api(
      s.url,
      'POST',
      `${NS}/pods`,
      withSpec(
        'full',
        {
          volumes: [
            { name: 'cfg', configMap: { name: 'app', items: [{ key: 'app.conf', path: 'conf/app.conf', mode: 0o600 }], defaultMode: 0o644 } },
            { name: 'sec', secret: { secretName: 'creds', optional: true } },
            { name: 'proj', projected: { sources: [{ configMap: { name: 'app' } }, { serviceAccountToken: { path: 'token', expirationSeconds: 3600 } }, { downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } }] } },
            { name: 'down', downwardAPI: { items: [{ path: 'name', fieldRef: { fieldPath: 'metadata.name' } }] } },
          ],
        },
        {
          envFrom: [{ configMapRef: { name: 'app' }, prefix: 'APP_' }, { secretRef: { name: 'creds', optional: true } }],
          env: [{ name: 'PW', valueFrom: { secretKeyRef: { name: 'creds', key: 'password' } } }],
          volumeMounts: [{ name: 'cfg', mountPath: '/etc/app.conf', subPath: 'conf/app.conf' }],
        },
      ),
    );
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.spec.volumes[0].configMap.items).toEqual([{ key: 'app.conf', path: 'conf/app.conf', mode: 0o600 }]);
    expect(r.body.spec.containers[0].envFrom[0]).toEqual({ configMapRef: { name: 'app' }, prefix: 'APP_' });
  });

  it.each([
    ['a volume type Skiff does not serve', { volumes: [{ name: 'data', nfs: { server: 'x', path: '/' } }] }, {}, 'spec.volumes[0].nfs: Unsupported value: "nfs": supported values: "configMap", "downwardAPI", "emptyDir", "hostPath", "persistentVolumeClaim", "projected", "secret"'],
    ['an item path with ..', { volumes: [{ name: 'c', configMap: { name: 'app', items: [{ key: 'k', path: '../etc/passwd' }] } }] }, {}, "spec.volumes[0].configMap.items[0].path: Invalid value: \"../etc/passwd\": must not contain '..'"],
    ['an absolute subPath', { volumes: [{ name: 'c', configMap: { name: 'app' } }] }, { volumeMounts: [{ name: 'c', mountPath: '/x', subPath: '/etc' }] }, 'spec.containers[0].volumeMounts[0].subPath: Invalid value: "/etc": must be a relative path'],
    ['a mode above 0777', { volumes: [{ name: 's', secret: { secretName: 'creds', defaultMode: 0o1000 } }] }, {}, 'spec.volumes[0].secret.defaultMode: Invalid value: 512: must be a number between 0 and 0777 (octal), both inclusive'],
    ['a secret volume without a name', { volumes: [{ name: 's', secret: {} }] }, {}, 'spec.volumes[0].secret.secretName: Required value'],
    ['envFrom with both sources', {}, { envFrom: [{ configMapRef: { name: 'a' }, secretRef: { name: 'b' } }] }, 'spec.containers[0].envFrom[0]: Invalid value: "": may not have more than one field specified at a time'],
  ])('refuses %s with 422 naming the field', async (_what, spec, container, message) => {
    const r = await api(s.url, 'POST', `${NS}/pods`, withSpec(`bad-${Math.random().toString(36).slice(2, 7)}`, spec, container));
    expect(r.status).toBe(422);
    expect(r.body.message).toContain(message);
  });
});
