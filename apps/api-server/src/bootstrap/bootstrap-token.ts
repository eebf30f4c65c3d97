/**
 * @module ensureBootstrapToken: the cluster's default bootstrap token (kubeadm init's), which bootstrap.kubeconfig
 * carries so node agents can join. Only its Secret holds it; every start reads it back from there.
 */
import { randomInt } from 'node:crypto';
import { realClock, RESOURCES, type Clock } from '@skiff/api';
import {
  BOOTSTRAP_TOKEN_SECRET_PREFIX,
  BOOTSTRAP_TOKEN_SECRET_TYPE,
  isBootstrapTokenExpired,
  secretValue,
  type BootstrapSecret,
} from '../auth/bootstrap-token-authenticator.js';
import type { Registry } from '../registry/registry.js';

/** The description that marks the default token's Secret, as kubeadm marks its own. */
export const DEFAULT_BOOTSTRAP_TOKEN_DESCRIPTION = "The default bootstrap token, written into bootstrap.kubeconfig for joining node agents.";
/** kubeadm's group for the nodes that join with its default token (the CSR approver grants it node client certs). */
export const DEFAULT_NODE_TOKEN_GROUP = 'system:bootstrappers:kubeadm:default-node-token';

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';
const randomString = (n: number): string => Array.from({ length: n }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');
const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/**
 * ensureBootstrapToken answers `<id>.<secret>` of the default bootstrap token, creating its Secret in kube-system
 * when there is none usable (absent, deleted, expired or no longer allowed to authenticate). It does not expire:
 * bootstrap.kubeconfig is how nodes join at any time (kubeadm's `--token-ttl 0`); delete the Secret to revoke it
 * and a new one is made on the next start.
 */
export function ensureBootstrapToken(registry: Registry, clock: Clock = realClock): string {
  const now = clock.now();
  const { items } = registry.list(RESOURCES.secrets, 'kube-system');
  for (const s of items as BootstrapSecret[]) {
    if (s.type !== BOOTSTRAP_TOKEN_SECRET_TYPE || s.metadata.deletionTimestamp) continue;
    if (secretValue(s, 'description') !== DEFAULT_BOOTSTRAP_TOKEN_DESCRIPTION) continue;
    if (isBootstrapTokenExpired(s, now) || secretValue(s, 'usage-bootstrap-authentication') !== 'true') continue;
    const id = secretValue(s, 'token-id');
    const secret = secretValue(s, 'token-secret');
    if (`${BOOTSTRAP_TOKEN_SECRET_PREFIX}${id}` === s.metadata.name && /^[a-z0-9]{16}$/.test(secret)) return `${id}.${secret}`;
  }
  const id = randomString(6);
  const secret = randomString(16);
  registry.create(RESOURCES.secrets, 'kube-system', {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: { name: BOOTSTRAP_TOKEN_SECRET_PREFIX + id, namespace: 'kube-system' },
    type: BOOTSTRAP_TOKEN_SECRET_TYPE,
    data: {
      description: b64(DEFAULT_BOOTSTRAP_TOKEN_DESCRIPTION),
      'token-id': b64(id),
      'token-secret': b64(secret),
      'usage-bootstrap-authentication': b64('true'),
      'usage-bootstrap-signing': b64('true'),
      'auth-extra-groups': b64(DEFAULT_NODE_TOKEN_GROUP),
    },
  });
  return `${id}.${secret}`;
}
