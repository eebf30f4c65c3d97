/**
 * @module Authenticators (kube's authenticator.Request) and the union that tries them in turn.
 */
import type { IncomingMessage } from 'node:http';
import { ApiError } from '@skiff/api';
import { anonymousUser, SYSTEM_AUTHENTICATED, type UserInfo } from './user-info.js';

/**
 * Authenticator reads one kind of credential from a request. It answers the user, `undefined` when the request
 * carries no credential of its kind, or throws `unauthorized()` when it carries one that is not valid.
 */
export type Authenticator = (req: IncomingMessage) => UserInfo | undefined | Promise<UserInfo | undefined>;

/** unauthorized is kube's 401 Status: it never says which credential failed or why. */
export function unauthorized(): ApiError {
  return new ApiError({ reason: 'Unauthorized', message: 'Unauthorized' });
}

/** bearerToken is the token of an `Authorization: Bearer ...` header, if any. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (!h) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m?.[1];
}

export interface UnionAuthenticatorOptions {
  /** Requests with no credential become system:anonymous (kube's --anonymous-auth, on by default). */
  anonymous: boolean;
}

/**
 * unionAuthenticator tries each authenticator in order; the first to name a user wins, and every authenticated
 * user is in system:authenticated. A request with no credential at all is anonymous (or 401 without anonymous
 * auth); an invalid credential is 401 even when anonymous requests are allowed, as in Kubernetes.
 */
export function unionAuthenticator(list: Authenticator[], opts: UnionAuthenticatorOptions): (req: IncomingMessage) => Promise<UserInfo> {
  return async (req) => {
    for (const authenticate of list) {
      const user = await authenticate(req);
      if (!user) continue;
      return user.groups.includes(SYSTEM_AUTHENTICATED) ? user : { ...user, groups: [...user.groups, SYSTEM_AUTHENTICATED] };
    }
    if (req.headers.authorization !== undefined || !opts.anonymous) throw unauthorized();
    return anonymousUser();
  };
}
