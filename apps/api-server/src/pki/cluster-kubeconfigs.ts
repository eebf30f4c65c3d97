/**
 * @module The kubeconfigs the api-server writes into its data dir for the cluster's own users (kubeadm's
 * admin.conf, scheduler.conf and controller-manager.conf), each with its own client certificate.
 */
import { join } from 'node:path';
import type { CertKey, CertSpec } from './certificate.js';
import { ensureKubeconfig } from './kubeconfig.js';

export const ADMIN_KUBECONFIG = 'admin.kubeconfig';

/** Who each kubeconfig speaks for: the identities Kubernetes' bootstrap RBAC policy names. */
export const CLUSTER_KUBECONFIGS: ReadonlyArray<{ file: string; spec: CertSpec }> = [
  { file: ADMIN_KUBECONFIG, spec: { commonName: 'kubernetes-admin', organizations: ['system:masters'], usages: ['client'] } },
  { file: 'scheduler.kubeconfig', spec: { commonName: 'system:kube-scheduler', usages: ['client'] } },
  { file: 'controller-manager.kubeconfig', spec: { commonName: 'system:kube-controller-manager', usages: ['client'] } },
];

/**
 * writeClusterKubeconfigs makes or refreshes every kubeconfig of CLUSTER_KUBECONFIGS in `dir`, pointing at
 * `server`; `onWrite` hears each file written and why.
 */
export async function writeClusterKubeconfigs(dir: string, opts: { server: string; ca: CertKey; now: Date; onWrite?: (file: string, why: string) => void }): Promise<void> {
  for (const { file, spec } of CLUSTER_KUBECONFIGS) {
    const path = join(dir, file);
    const why = await ensureKubeconfig(path, { server: opts.server, ca: opts.ca, spec, now: opts.now });
    if (why) opts.onWrite?.(path, why);
  }
}
