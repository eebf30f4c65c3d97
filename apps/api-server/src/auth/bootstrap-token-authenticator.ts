/**
 * @module Bootstrap tokens (kube's plugin/pkg/auth/authenticator/token/bootstrap and k8s.io/cluster-bootstrap):
 * `<id>.<secret>` bearer tokens backed by Secrets `bootstrap-token-<id>` of type bootstrap.kubernetes.io/token in
 * kube-system, which node agents join with.
 */
import { timingSafeEqual } from 'node:crypto';
import { groupResource, type KubeObject } from '@skiff/api';
import type { Storage } from '../storage/storage.js';
import { bearerToken, type Authenticator } from './authenticator.js';
import type { UserInfo } from './user-info.js';

export const BOOTSTRAP_TOKEN_SECRET_TYPE = 'bootstrap.kubernetes.io/token';
export const BOOTSTRAP_TOKEN_SECRET_PREFIX = 'bootstrap-token-';
export const BOOTSTRAP_USER_PREFIX = 'system:bootstrap:';
export const BOOTSTRAPPERS_GROUP = 'system:bootstrappers';
/** The format of a token and of extra group names (bootstrapapi.BootstrapTokenPattern, BootstrapGroupPattern). */
export const BOOTSTRAP_TOKEN_PATTERN = /^([a-z0-9]{6})\.([a-z0-9]{16})$/;
const GROUP_PATTERN = /^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$/;

export interface BootstrapSecret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}

/** secretValue is one data key of a bootstrap token Secret, decoded. */
export function secretValue(s: BootstrapSecret, key: string): string {
  const v = s.data?.[key];
  return v === undefined ? '' : Buffer.from(v, 'base64').toString('utf8');
}

/** isExpired: the Secret's `expiration` (RFC 3339) is in the past; no expiration never expires. */
export function isBootstrapTokenExpired(s: BootstrapSecret, nowMs: number): boolean {
  const exp = secretValue(s, 'expiration');
  if (!exp) return false;
  const t = Date.parse(exp);
  // An unparseable expiration is treated as expired, as kube's tokencleaner and authenticator do.
  return Number.isNaN(t) || t <= nowMs;
}

export interface BootstrapTokenAuthenticatorOptions {
  store: Pick<Storage, 'get'>;
  clock: { now(): number };
  onRejected?: (reason: string) => void;
}

/**
 * bootstrapTokenAuthenticator answers `system:bootstrap:<id>` in system:bootstrappers and the token's
 * auth-extra-groups for a token whose Secret exists, is not being deleted or expired, allows
 * `usage-bootstrap-authentication` and holds the same secret. Bearer tokens of another shape are not its business.
 */
export function bootstrapTokenAuthenticator(opts: BootstrapTokenAuthenticatorOptions): Authenticator {
  // Not ours to refuse outright (kube answers "not authenticated" and lets the union try the rest): a static
  // token of the same shape may still be known to another authenticator; the union answers 401 if none is.
  const reject = (reason: string): undefined => {
    opts.onRejected?.(reason);
    return undefined;
  };
  return (req) => {
    const token = bearerToken(req);
    const m = token ? BOOTSTRAP_TOKEN_PATTERN.exec(token) : null;
    if (!m) return undefined;
    const [, id = '', secret = ''] = m;
    const name = BOOTSTRAP_TOKEN_SECRET_PREFIX + id;
    const s = opts.store.get({ resource: groupResource('secrets', ''), namespace: 'kube-system', name }) as BootstrapSecret | undefined;
    if (!s) return reject(`bootstrap token secret kube-system/${name} not found`);
    if (s.type !== BOOTSTRAP_TOKEN_SECRET_TYPE) return reject(`secret kube-system/${name} has type ${s.type ?? ''}, not ${BOOTSTRAP_TOKEN_SECRET_TYPE}`);
    if (s.metadata.deletionTimestamp) return reject(`bootstrap token ${id} is being deleted`);
    const want = Buffer.from(secretValue(s, 'token-secret'));
    const got = Buffer.from(secret);
    if (want.length !== got.length || !timingSafeEqual(want, got)) return reject(`bootstrap token ${id}: wrong secret`);
    if (secretValue(s, 'token-id') !== id) return reject(`bootstrap token ${id}: the secret's token-id does not match its name`);
    if (isBootstrapTokenExpired(s, opts.clock.now())) return reject(`bootstrap token ${id} has expired`);
    if (secretValue(s, 'usage-bootstrap-authentication') !== 'true') return reject(`bootstrap token ${id} is not marked for authentication (usage-bootstrap-authentication)`);
    const extra = secretValue(s, 'auth-extra-groups').split(',').map((g) => g.trim()).filter(Boolean);
    const bad = extra.find((g) => !GROUP_PATTERN.test(g));
    if (bad) return reject(`bootstrap token ${id}: auth-extra-groups entry "${bad}" does not match ${GROUP_PATTERN.source}`);
    const user: UserInfo = { username: BOOTSTRAP_USER_PREFIX + id, groups: [BOOTSTRAPPERS_GROUP, ...extra.filter((g) => g !== BOOTSTRAPPERS_GROUP)] };
    return user;
  };
}
