/**
 * @module writeAdminCredentialFiles: the admin kubeconfig's client certificate and key also as files, for tools
 * that take files rather than a kubeconfig (`curl --cert --key`).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readKubeconfig } from './kubeconfig.js';
import { readOptional } from './read-optional.js';
import { writeFileAtomic } from './write-file-atomic.js';

/** writeAdminCredentialFiles copies the credential of `kubeconfig` to DATA_DIR/pki/admin.crt|key when they differ. */
export function writeAdminCredentialFiles(dataDir: string, kubeconfig: string): { certFile: string; keyFile: string } {
  const credential = readKubeconfig(readFileSync(kubeconfig, 'utf8'))?.credential;
  if (!credential) throw new Error(`${kubeconfig} holds no client certificate`);
  const certFile = join(dataDir, 'pki', 'admin.crt');
  const keyFile = join(dataDir, 'pki', 'admin.key');
  // Key first, as everywhere in pki/: a pair cut in half is rewritten whole on the next start.
  if (readOptional(keyFile) !== credential.key) writeFileAtomic(keyFile, credential.key, { mode: 0o600 });
  if (readOptional(certFile) !== credential.cert) writeFileAtomic(certFile, credential.cert, { mode: 0o644 });
  return { certFile, keyFile };
}
