import { readFile } from 'node:fs/promises';
import type { Logger } from '@skiff/controller-kit';
import { ClusterSigner } from './cluster-signer.js';

/**
 * loadClusterSigner reads --cluster-signing-cert-file and --cluster-signing-key-file. Without them csrsigning does
 * not run (kube-controller-manager skips its signers the same way); a file that cannot be read or parsed throws,
 * so a misconfigured signer stops the process instead of leaving nodes waiting forever.
 */
export async function loadClusterSigner(certFile: string, keyFile: string, logger: Logger): Promise<ClusterSigner | undefined> {
  if (!certFile || !keyFile) {
    logger.info('csrsigning: --cluster-signing-cert-file and --cluster-signing-key-file are not set; not signing certificates');
    return undefined;
  }
  return ClusterSigner.load(await readFile(certFile, 'utf8'), await readFile(keyFile, 'utf8'));
}
