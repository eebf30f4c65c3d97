/**
 * @module UserInfo: who a request comes from (kube's user.Info), and the well-known users and groups.
 */

/** UserInfo is an authenticated (or anonymous) identity: what authorization and admission decide on. */
export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  /** Extra attributes an authenticator adds (a ServiceAccount token's pod name and uid, say). */
  extra?: Record<string, string[]>;
}

/** Names Kubernetes gives special meaning to (k8s.io/apiserver/pkg/authentication/user). */
export const SYSTEM_MASTERS = 'system:masters';
export const SYSTEM_AUTHENTICATED = 'system:authenticated';
export const SYSTEM_UNAUTHENTICATED = 'system:unauthenticated';
export const ANONYMOUS_USER = 'system:anonymous';
export const NODES_GROUP = 'system:nodes';
export const NODE_USER_PREFIX = 'system:node:';
export const SERVICE_ACCOUNT_USER_PREFIX = 'system:serviceaccount:';
export const SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts';

/** anonymousUser is who a request without credentials is, when anonymous requests are allowed. */
export const anonymousUser = (): UserInfo => ({ username: ANONYMOUS_USER, groups: [SYSTEM_UNAUTHENTICATED] });

/**
 * UNSECURED_USER is everyone on a server built without authentication (in-process tests, the loopback-only
 * insecure port): kube's old insecure port answered as this user, in system:masters.
 */
export const UNSECURED_USER: UserInfo = Object.freeze({ username: 'system:unsecured', groups: [SYSTEM_MASTERS, SYSTEM_AUTHENTICATED] }) as UserInfo;

/** nodeNameOf is the node a `system:node:NAME` user in `system:nodes` speaks for, or undefined. */
export function nodeNameOf(user: UserInfo): string | undefined {
  if (!user.username.startsWith(NODE_USER_PREFIX) || !user.groups.includes(NODES_GROUP)) return undefined;
  return user.username.slice(NODE_USER_PREFIX.length) || undefined;
}
