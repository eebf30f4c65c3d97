/**
 * @module writeBootstrapKubeconfig: the kubeconfig node agents join with (kubeadm's bootstrap-kubelet.conf): the
 * cluster CA and a bootstrap token, good only for asking for a node client certificate.
 */
import { stringify } from 'yaml';
import { readOptional } from './read-optional.js';
import { writeFileAtomic } from './write-file-atomic.js';

export const BOOTSTRAP_KUBECONFIG = 'bootstrap.kubeconfig';

/** bootstrapKubeconfigYaml is the text of a bootstrap kubeconfig for `server`, trusting `caCert`, with `token`. */
export function bootstrapKubeconfigYaml(server: string, caCert: string, token: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'kubernetes', cluster: { 'certificate-authority-data': Buffer.from(caCert).toString('base64'), server } }],
    contexts: [{ name: 'tls-bootstrap-token-user@kubernetes', context: { cluster: 'kubernetes', user: 'tls-bootstrap-token-user' } }],
    'current-context': 'tls-bootstrap-token-user@kubernetes',
    preferences: {},
    users: [{ name: 'tls-bootstrap-token-user', user: { token } }],
  });
}

/**
 * writeBootstrapKubeconfig writes it (0600, atomically) unless the file already says the same; it answers whether
 * it wrote. The token's Secret stays the one authority: deleting it revokes this file.
 */
export function writeBootstrapKubeconfig(path: string, server: string, caCert: string, token: string): boolean {
  const text = bootstrapKubeconfigYaml(server, caCert, token);
  if (readOptional(path) === text) return false;
  writeFileAtomic(path, text, { mode: 0o600 });
  return true;
}
