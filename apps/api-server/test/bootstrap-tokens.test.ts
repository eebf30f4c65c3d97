/**
 * Bootstrap tokens over real HTTP: the default token Secret made once, `<id>.<secret>` authenticating as
 * system:bootstrap:<id>, and every way a token stops being usable answered 401.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { realClock, RESOURCES, type Clock } from '@skiff/api';
import { unionAuthenticator } from '../src/auth/authenticator.js';
import { ALLOW, type Attributes } from '../src/auth/authorizer.js';
import { bootstrapTokenAuthenticator } from '../src/auth/bootstrap-token-authenticator.js';
import { parseTokenFile, tokenFileAuthenticator } from '../src/auth/token-file-authenticator.js';
import { DEFAULT_NODE_TOKEN_GROUP, ensureBootstrapToken } from '../src/bootstrap/bootstrap-token.js';
import { MemoryStore } from '../src/storage/memory-store.js';
import { startServer, type RunningServer } from './harness.js';

let server: RunningServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const clockState = { ms: Date.parse('2026-11-30T06:00:00Z') };
// The process's timers, a clock the test moves.
const clock: Clock = { ...realClock, now: () => clockState.ms };
let seen: Attributes | undefined;
const admin = { authorization: 'Bearer admin-token', 'content-type': 'application/json' };

async function start(): Promise<RunningServer> {
  const store = new MemoryStore();
  const authenticate = unionAuthenticator([tokenFileAuthenticator(parseTokenFile('admin-token,admin,1,system:masters\n')), bootstrapTokenAuthenticator({ store, clock })], { anonymous: true });
  server = await startServer({
    store,
    clock,
    auth: {
      authenticate,
      authorizer: {
        authorize: (a) => {
          seen = a;
          return ALLOW;
        },
      },
    },
  });
  return server;
}

const get = (s: RunningServer, token: string) => fetch(`${s.url}/api/v1/nodes`, { headers: { authorization: `Bearer ${token}` } });
const b64 = (v: string) => Buffer.from(v).toString('base64');

async function putSecret(s: RunningServer, id: string, data: Record<string, string>, type = 'bootstrap.kubernetes.io/token'): Promise<void> {
  const body = { apiVersion: 'v1', kind: 'Secret', metadata: { name: `bootstrap-token-${id}` }, type, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, b64(v)])) };
  const r = await fetch(`${s.url}/api/v1/namespaces/kube-system/secrets`, { method: 'POST', headers: admin, body: JSON.stringify(body) });
  expect(r.status).toBe(201);
}

describe('bootstrap tokens', () => {
  it('makes the default token once and authenticates it as system:bootstrap:<id>', async () => {
    const s = await start();
    const token = ensureBootstrapToken(s.api.registry, clock);
    expect(token).toMatch(/^[a-z0-9]{6}\.[a-z0-9]{16}$/);
    expect(ensureBootstrapToken(s.api.registry, clock)).toBe(token);
    const id = token.slice(0, 6);
    const { items } = s.api.registry.list(RESOURCES.secrets, 'kube-system');
    expect(items.map((i) => i.metadata.name)).toEqual([`bootstrap-token-${id}`]);

    expect((await get(s, token)).status).toBe(200);
    expect(seen?.user).toEqual({ username: `system:bootstrap:${id}`, groups: ['system:bootstrappers', DEFAULT_NODE_TOKEN_GROUP, 'system:authenticated'] });
    expect((await get(s, `${id}.0000000000000000`)).status).toBe(401);

    // Revoked: deleting the Secret kills the token, and the next start makes a new one.
    expect((await fetch(`${s.url}/api/v1/namespaces/kube-system/secrets/bootstrap-token-${id}`, { method: 'DELETE', headers: admin })).status).toBe(200);
    expect((await get(s, token)).status).toBe(401);
    const next = ensureBootstrapToken(s.api.registry, clock);
    expect(next).not.toBe(token);
    expect((await get(s, next)).status).toBe(200);
  });

  it('refuses expired tokens, tokens not for authentication, wrong types and bad extra groups', async () => {
    const s = await start();
    const base = { 'usage-bootstrap-authentication': 'true' };
    await putSecret(s, 'aaaaaa', { ...base, 'token-id': 'aaaaaa', 'token-secret': 'aaaaaaaaaaaaaaaa', expiration: '2026-11-30T07:00:00Z', 'auth-extra-groups': 'system:bootstrappers:worker' });
    await putSecret(s, 'bbbbbb', { 'token-id': 'bbbbbb', 'token-secret': 'bbbbbbbbbbbbbbbb', 'usage-bootstrap-signing': 'true' });
    await putSecret(s, 'cccccc', { ...base, 'token-id': 'cccccc', 'token-secret': 'cccccccccccccccc' }, 'Opaque');
    await putSecret(s, 'dddddd', { ...base, 'token-id': 'dddddd', 'token-secret': 'dddddddddddddddd', 'auth-extra-groups': 'system:masters' });
    await putSecret(s, 'eeeeee', { ...base, 'token-id': 'zzzzzz', 'token-secret': 'eeeeeeeeeeeeeeee' });

    expect((await get(s, 'aaaaaa.aaaaaaaaaaaaaaaa')).status).toBe(200);
    expect(seen?.user.groups).toEqual(['system:bootstrappers', 'system:bootstrappers:worker', 'system:authenticated']);
    for (const t of ['bbbbbb.bbbbbbbbbbbbbbbb', 'cccccc.cccccccccccccccc', 'dddddd.dddddddddddddddd', 'eeeeee.eeeeeeeeeeeeeeee']) expect((await get(s, t)).status, t).toBe(401);
    clockState.ms = Date.parse('2026-11-30T07:00:01Z');
    expect((await get(s, 'aaaaaa.aaaaaaaaaaaaaaaa')).status).toBe(401);
  });
});
