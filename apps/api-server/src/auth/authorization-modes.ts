/**
 * @module authorizerForModes: kube-apiserver's --authorization-mode list turned into one Authorizer.
 */
import type { AuthorizationMode } from '../options.js';
import { alwaysAllowAuthorizer, privilegedGroupAuthorizer, unionAuthorizer, type Authorizer } from './authorizer.js';

/** kube's AlwaysDeny: no opinion, so the union ends in a denial with this reason. */
export const alwaysDenyAuthorizer: Authorizer = { authorize: () => ({ decision: 'noOpinion', reason: 'Everything is forbidden.' }) };

/**
 * authorizerForModes chains system:masters first (kube's privileged group authorizer, which no mode can override)
 * and then each mode in the order given. `built` supplies the modes that need state (Node, RBAC); a mode without an
 * authorizer is reported to `missing` and decides nothing, so its requests are denied unless another mode allows.
 */
export function authorizerForModes(modes: readonly AuthorizationMode[], built: Partial<Record<AuthorizationMode, Authorizer>>, missing: (mode: AuthorizationMode) => void): Authorizer {
  const known: Partial<Record<AuthorizationMode, Authorizer>> = { AlwaysAllow: alwaysAllowAuthorizer, AlwaysDeny: alwaysDenyAuthorizer, ...built };
  const chain: Authorizer[] = [privilegedGroupAuthorizer];
  for (const mode of modes) {
    const a = known[mode];
    if (a) chain.push(a);
    else missing(mode);
  }
  return unionAuthorizer(chain);
}
