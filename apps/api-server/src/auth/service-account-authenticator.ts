/**
 * @module serviceAccountTokenAuthenticator: bearer ServiceAccount JWTs (kube's pkg/serviceaccount JWTTokenAuthenticator
 * with its bound-token validator).
 */
import { groupResource, type KubeObject } from '@skiff/api';
import type { Storage } from '../storage/storage.js';
import { bearerToken, unauthorized, type Authenticator } from './authenticator.js';
import type { ServiceAccountTokens } from './service-account-tokens.js';
import { SERVICE_ACCOUNT_USER_PREFIX, SERVICE_ACCOUNTS_GROUP, type UserInfo } from './user-info.js';

/** kube keeps a token valid this long after its object's deletionTimestamp, so a terminating pod can clean up. */
const DELETION_GRACE_MS = 60_000;

export interface ServiceAccountAuthenticatorOptions {
  tokens: ServiceAccountTokens;
  /** Where the ServiceAccounts and bound objects are read (the api-server's own store). */
  store: Pick<Storage, 'get'>;
  clock: { now(): number };
  /** Logs why a token was refused: the client only ever hears 401. */
  onRejected?: (reason: string) => void;
}

/**
 * serviceAccountTokenAuthenticator answers `system:serviceaccount:NS:NAME` in system:serviceaccounts and
 * system:serviceaccounts:NS for a valid token from our issuer: good signature, our audience, not expired, and its
 * ServiceAccount (and bound pod or secret) still there with the same uid and not deleted. Tokens from other
 * issuers, and non-JWTs, are left to the next authenticator.
 */
export function serviceAccountTokenAuthenticator(opts: ServiceAccountAuthenticatorOptions): Authenticator {
  const get = (plural: string, namespace: string, name: string): KubeObject | undefined => opts.store.get({ resource: groupResource(plural, ''), namespace, name });
  const reject = (reason: string): never => {
    opts.onRejected?.(reason);
    throw unauthorized();
  };
  /** live is the object the claim names, if it still exists with that uid and is not past its deletion grace. */
  function live(plural: string, namespace: string, ref: { name: string; uid: string }): void {
    const obj = get(plural, namespace, ref.name);
    if (!obj) return reject(`${plural} "${namespace}/${ref.name}" the token is bound to does not exist`);
    if (obj.metadata.uid !== ref.uid) return reject(`${plural} "${namespace}/${ref.name}" has uid ${obj.metadata.uid ?? ''}, the token was issued for ${ref.uid}`);
    const deleted = obj.metadata.deletionTimestamp;
    if (deleted && Date.parse(deleted) + DELETION_GRACE_MS < opts.clock.now()) reject(`${plural} "${namespace}/${ref.name}" has been deleted`);
  }
  return async (req) => {
    const token = bearerToken(req);
    if (!token || !(await opts.tokens.handles(token))) return undefined;
    let verified;
    try {
      verified = await opts.tokens.verify(token);
    } catch (err) {
      return reject(`invalid ServiceAccount token: ${(err as Error).message}`);
    }
    const { claim } = verified;
    live('serviceaccounts', claim.namespace, claim.serviceaccount);
    if (claim.pod) live('pods', claim.namespace, claim.pod);
    if (claim.secret) live('secrets', claim.namespace, claim.secret);
    const user: UserInfo = {
      username: `${SERVICE_ACCOUNT_USER_PREFIX}${claim.namespace}:${claim.serviceaccount.name}`,
      uid: claim.serviceaccount.uid,
      groups: [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${claim.namespace}`],
    };
    const extra: Record<string, string[]> = {};
    if (claim.pod) {
      extra['authentication.kubernetes.io/pod-name'] = [claim.pod.name];
      extra['authentication.kubernetes.io/pod-uid'] = [claim.pod.uid];
    }
    if (claim.node) {
      extra['authentication.kubernetes.io/node-name'] = [claim.node.name];
      extra['authentication.kubernetes.io/node-uid'] = [claim.node.uid];
    }
    if (verified.jti) extra['authentication.kubernetes.io/credential-id'] = [`JTI=${verified.jti}`];
    if (Object.keys(extra).length) user.extra = extra;
    return user;
  };
}
