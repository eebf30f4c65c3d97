/**
 * @module --authorization-mode: the authorizers kube-apiserver chains, by name, after system:masters.
 */
import { privilegedGroupAuthorizer, unionAuthorizer, type Authorizer } from './authorizer.js';

export const AUTHORIZATION_MODES = ['Node', 'RBAC', 'AlwaysAllow', 'AlwaysDeny'] as const;
export type AuthorizationMode = (typeof AUTHORIZATION_MODES)[number];

/** parseAuthorizationModes reads `Node,RBAC`; an unknown or repeated name throws (the process exits with it). */
export function parseAuthorizationModes(text: string): AuthorizationMode[] {
  const modes = text.split(',').map((m) => m.trim()).filter(Boolean);
  if (modes.length === 0) throw new Error('--authorization-mode must name at least one mode');
  for (const m of modes) {
    if (!(AUTHORIZATION_MODES as readonly string[]).includes(m)) throw new Error(`--authorization-mode: unknown mode "${m}"; supported: ${AUTHORIZATION_MODES.join(', ')}`);
  }
  if (new Set(modes).size !== modes.length) throw new Error(`--authorization-mode: "${text}" names a mode twice`);
  return modes as AuthorizationMode[];
}

const alwaysDeny: Authorizer = { authorize: () => ({ decision: 'deny', reason: '' }) };

/**
 * modeAuthorizer is the server's authorizer: system:masters first (kube's privileged group), then each mode in
 * order. `built` holds the authorizers main.ts made; a mode listed but not built is skipped.
 */
export function modeAuthorizer(modes: readonly AuthorizationMode[], built: Partial<Record<AuthorizationMode, Authorizer>>): Authorizer {
  const list = modes.flatMap((m): Authorizer[] => (m === 'AlwaysDeny' ? [alwaysDeny] : built[m] ? [built[m]] : []));
  return unionAuthorizer([privilegedGroupAuthorizer, ...list]);
}
