/**
 * ServiceAccount tokens over real HTTP: TokenRequest (serviceaccounts/token) issues kube's claims, the token
 * authenticates as the ServiceAccount, and expired, re-signed, wrong-audience and orphaned tokens are 401.
 */
import { generateKeyPairSync, createPublicKey } from 'node:crypto';
import { realClock, type Clock } from '@skiff/api';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeJwt, SignJWT } from 'jose';
import { unionAuthenticator } from '../src/auth/authenticator.js';
import { ALLOW, privilegedGroupAuthorizer, unionAuthorizer, type Attributes, type Authorizer } from '../src/auth/authorizer.js';
import { serviceAccountTokenAuthenticator } from '../src/auth/service-account-authenticator.js';
import { keyId } from '../src/auth/service-account-keys.js';
import { DEFAULT_SERVICE_ACCOUNT_ISSUER, ServiceAccountTokens } from '../src/auth/service-account-tokens.js';
import { parseTokenFile, tokenFileAuthenticator } from '../src/auth/token-file-authenticator.js';
import { MemoryStore } from '../src/storage/memory-store.js';
import { startServer, type RunningServer } from './harness.js';

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const clockState = { ms: Date.parse('2026-11-30T06:00:00Z') };
// The process's timers, a clock the test moves.
const clock: Clock = { ...realClock, now: () => clockState.ms };
const admin = { authorization: 'Bearer admin-token', 'content-type': 'application/json' };

/** Who the last authorized request came from: the authenticator's answer, as the authorizer saw it. */
let seen: Attributes | undefined;
// ServiceAccounts may list configmaps; anything else falls through to a denial that names the user.
const testAuthorizer: Authorizer = {
  authorize: (a) => {
    seen = a;
    if (a.resource === 'configmaps' && a.verb === 'list') return ALLOW;
    return { decision: 'noOpinion', reason: '' };
  },
};

async function start(): Promise<{ s: RunningServer; tokens: ServiceAccountTokens }> {
  clockState.ms = Date.parse('2026-11-30T06:00:00Z');
  const store = new MemoryStore();
  const tokens = new ServiceAccountTokens({ keys: { signingKey: privateKey, verificationKeys: [createPublicKey(privateKey)] }, issuers: [DEFAULT_SERVICE_ACCOUNT_ISSUER], clock });
  const authenticate = unionAuthenticator(
    [tokenFileAuthenticator(parseTokenFile('admin-token,admin,1,system:masters\n')), serviceAccountTokenAuthenticator({ tokens, store, clock })],
    { anonymous: true },
  );
  server = await startServer({ store, clock, serviceAccountTokens: tokens, auth: { authenticate, authorizer: unionAuthorizer([privilegedGroupAuthorizer, testAuthorizer]) } });
  return { s: server, tokens };
}

const post = (s: RunningServer, path: string, body: unknown, headers: Record<string, string> = admin) =>
  fetch(`${s.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) });

async function createSA(s: RunningServer, name: string): Promise<string> {
  const r = await post(s, '/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name } });
  expect(r.status).toBe(201);
  return ((await r.json()) as { metadata: { uid: string } }).metadata.uid;
}

async function createPod(s: RunningServer, name: string, sa: string): Promise<string> {
  const r = await post(s, '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { serviceAccountName: sa, containers: [{ name: 'c', image: 'busybox' }] } });
  expect(r.status).toBe(201);
  return ((await r.json()) as { metadata: { uid: string } }).metadata.uid;
}

interface TokenAnswer {
  spec: { audiences: string[]; expirationSeconds: number; boundObjectRef?: { uid: string } };
  status: { token: string; expirationTimestamp: string };
}

async function requestToken(s: RunningServer, sa: string, spec: Record<string, unknown> = {}): Promise<TokenAnswer> {
  const r = await post(s, `/api/v1/namespaces/default/serviceaccounts/${sa}/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec });
  expect(r.status).toBe(201);
  return (await r.json()) as TokenAnswer;
}

const listAs = (s: RunningServer, token: string) => fetch(`${s.url}/api/v1/namespaces/default/configmaps`, { headers: { authorization: `Bearer ${token}` } });

describe('ServiceAccount tokens', () => {
  it('issues a token with kube claims that authenticates as the ServiceAccount', async () => {
    const { s } = await start();
    const saUid = await createSA(s, 'robot');
    const podUid = await createPod(s, 'web', 'robot');
    const answer = await requestToken(s, 'robot', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'web' } });
    expect(answer.spec).toMatchObject({ audiences: [DEFAULT_SERVICE_ACCOUNT_ISSUER], expirationSeconds: 3600, boundObjectRef: { uid: podUid } });
    expect(answer.status.expirationTimestamp).toBe('2026-11-30T07:00:00Z');
    const claims = decodeJwt(answer.status.token);
    expect(claims).toMatchObject({
      iss: DEFAULT_SERVICE_ACCOUNT_ISSUER,
      sub: 'system:serviceaccount:default:robot',
      aud: [DEFAULT_SERVICE_ACCOUNT_ISSUER],
      iat: clockState.ms / 1000,
      nbf: clockState.ms / 1000,
      exp: clockState.ms / 1000 + 3600,
      'kubernetes.io': { namespace: 'default', serviceaccount: { name: 'robot', uid: saUid }, pod: { name: 'web', uid: podUid } },
    });

    expect((await listAs(s, answer.status.token)).status).toBe(200);
    expect(seen?.user).toMatchObject({
      username: 'system:serviceaccount:default:robot',
      uid: saUid,
      groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
      extra: { 'authentication.kubernetes.io/pod-name': ['web'], 'authentication.kubernetes.io/pod-uid': [podUid] },
    });
    const denied = await fetch(`${s.url}/api/v1/namespaces/default/secrets`, { headers: { authorization: `Bearer ${answer.status.token}` } });
    expect(denied.status).toBe(403);
    expect(((await denied.json()) as { message: string }).message).toContain('User "system:serviceaccount:default:robot" cannot list resource "secrets"');
  });

  it('refuses bad TokenRequests with 4xx Statuses naming the fault', async () => {
    const { s } = await start();
    await createSA(s, 'robot');
    await createSA(s, 'other');
    const podUid = await createPod(s, 'web', 'other');
    const ask = async (sa: string, spec: unknown) => {
      const r = await post(s, `/api/v1/namespaces/default/serviceaccounts/${sa}/token`, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec });
      return { code: r.status, message: ((await r.json()) as { message: string }).message };
    };
    expect(await ask('robot', { expirationSeconds: 599 })).toEqual({ code: 422, message: 'TokenRequest.authentication.k8s.io "robot" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes' });
    expect((await ask('robot', { expirationSeconds: 2 ** 32 + 1 })).message).toContain('may not specify a duration larger than 2^32 seconds');
    expect((await ask('robot', { boundObjectRef: { kind: 'Node', name: 'n1' } })).message).toContain('spec.boundObjectRef.kind: Unsupported value: "Node"');
    expect(await ask('ghost', {})).toEqual({ code: 404, message: 'serviceaccounts "ghost" not found' });
    expect(await ask('robot', { boundObjectRef: { kind: 'Pod', name: 'nope' } })).toEqual({ code: 404, message: 'pods "nope" not found' });
    expect(await ask('robot', { boundObjectRef: { kind: 'Pod', name: 'web' } })).toEqual({ code: 400, message: 'cannot bind token for serviceaccount "robot" to pod running with different serviceaccount name.' });
    expect((await ask('other', { boundObjectRef: { kind: 'Pod', name: 'web', uid: 'not-' + podUid } })).code).toBe(409);
    const wrongKind = await post(s, '/api/v1/namespaces/default/serviceaccounts/robot/token', { apiVersion: 'v1', kind: 'Pod' });
    expect(wrongKind.status).toBe(400);
    expect((await post(s, '/api/v1/namespaces/default/pods/web/token', {})).status).toBe(404);
  });

  it('answers 401 for expired, re-signed, wrong-audience and orphaned tokens', async () => {
    const { s } = await start();
    await createSA(s, 'robot');
    await createPod(s, 'web', 'robot');
    const plain = (await requestToken(s, 'robot', { expirationSeconds: 600 })).status.token;
    const bound = (await requestToken(s, 'robot', { boundObjectRef: { kind: 'Pod', name: 'web' } })).status.token;
    const vault = (await requestToken(s, 'robot', { audiences: ['vault'] })).status.token;
    expect((await listAs(s, plain)).status).toBe(200);
    expect((await listAs(s, bound)).status).toBe(200);
    expect((await listAs(s, vault)).status).toBe(401);

    // The same claims signed by a key the server does not have (with our key's id, and without one).
    const claims = decodeJwt(plain);
    const { privateKey: stranger } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    for (const kid of [keyId(privateKey), undefined]) {
      const forged = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', ...(kid ? { kid } : {}) }).sign(stranger);
      const r = await listAs(s, forged);
      expect(r.status).toBe(401);
      expect(await r.json()).toMatchObject({ kind: 'Status', reason: 'Unauthorized', message: 'Unauthorized' });
    }
    // A payload changed after signing.
    const [h, , sig] = plain.split('.');
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'system:serviceaccount:kube-system:admin' })).toString('base64url')}.${sig}`;
    expect((await listAs(s, tampered)).status).toBe(401);

    // The bound pod goes (it is unscheduled, so it is deleted at once): its token dies with it.
    expect((await fetch(`${s.url}/api/v1/namespaces/default/pods/web`, { method: 'DELETE', headers: admin })).status).toBe(200);
    expect((await listAs(s, bound)).status).toBe(401);
    expect((await listAs(s, plain)).status).toBe(200);

    // Past exp.
    clockState.ms += 601_000;
    expect((await listAs(s, plain)).status).toBe(401);
  });

  it('stops accepting a token whose ServiceAccount was deleted and recreated under the same name', async () => {
    const { s } = await start();
    await createSA(s, 'robot');
    const token = (await requestToken(s, 'robot')).status.token;
    expect((await listAs(s, token)).status).toBe(200);
    expect((await fetch(`${s.url}/api/v1/namespaces/default/serviceaccounts/robot`, { method: 'DELETE', headers: admin })).status).toBe(200);
    expect((await listAs(s, token)).status).toBe(401);
    await createSA(s, 'robot');
    expect((await listAs(s, token)).status).toBe(401);
  });

  it('mounts kube-api-access into new pods unless the pod or its ServiceAccount turns automounting off', async () => {
    const { s } = await start();
    await createSA(s, 'robot');
    const r = await post(s, '/api/v1/namespaces/default/serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'quiet' }, automountServiceAccountToken: false });
    expect(r.status).toBe(201);
    type PodAnswer = { spec: { volumes?: { name: string; projected?: unknown }[]; initContainers?: { volumeMounts?: unknown[] }[]; containers: { name: string; volumeMounts?: unknown[] }[] } };
    const create = async (name: string, spec: Record<string, unknown>): Promise<PodAnswer> => {
      const res = await post(s, '/api/v1/namespaces/default/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox' }], ...spec } });
      expect(res.status).toBe(201);
      return (await res.json()) as PodAnswer;
    };
    const mount = (name: string) => ({ name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' });

    const plain = await create('plain', { serviceAccountName: 'robot', initContainers: [{ name: 'init', image: 'busybox' }] });
    const vol = plain.spec.volumes?.[0];
    expect(vol?.name).toMatch(/^kube-api-access-[a-z0-9]{5}$/);
    expect(vol?.projected).toEqual({
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }], optional: true } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    });
    expect(plain.spec.containers[0]!.volumeMounts).toEqual([mount(vol!.name)]);
    expect(plain.spec.initContainers?.[0]!.volumeMounts).toEqual([mount(vol!.name)]);

    expect((await create('off', { serviceAccountName: 'robot', automountServiceAccountToken: false })).spec.volumes ?? []).toEqual([]);
    expect((await create('sa-off', { serviceAccountName: 'quiet' })).spec.volumes ?? []).toEqual([]);
    expect((await create('pod-wins', { serviceAccountName: 'quiet', automountServiceAccountToken: true })).spec.volumes).toHaveLength(1);
    const own = await create('own', {
      serviceAccountName: 'robot',
      volumes: [{ name: 'mine', emptyDir: {} }],
      containers: [{ name: 'a', image: 'busybox', volumeMounts: [{ name: 'mine', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount/' }] }, { name: 'b', image: 'busybox' }],
    });
    const access = own.spec.volumes!.find((v) => v.name.startsWith('kube-api-access-'))!;
    expect(own.spec.containers.map((c) => c.volumeMounts)).toEqual([[{ name: 'mine', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount/' }], [mount(access.name)]]);
  });

  it('serves the OIDC discovery document and the key set that verifies the tokens', async () => {
    const { s, tokens } = await start();
    const doc = await (await fetch(`${s.url}/.well-known/openid-configuration`, { headers: admin })).json();
    expect(doc).toMatchObject({ issuer: DEFAULT_SERVICE_ACCOUNT_ISSUER, jwks_uri: `${DEFAULT_SERVICE_ACCOUNT_ISSUER}/openid/v1/jwks`, id_token_signing_alg_values_supported: ['RS256'] });
    const jwks = (await (await fetch(`${s.url}/openid/v1/jwks`, { headers: admin })).json()) as { keys: { kid: string; kty: string }[] };
    expect(jwks.keys).toEqual([expect.objectContaining({ kid: keyId(privateKey), kty: 'RSA', use: 'sig', alg: 'RS256' })]);
    expect(tokens.issuer).toBe(DEFAULT_SERVICE_ACCOUNT_ISSUER);
  });
});
