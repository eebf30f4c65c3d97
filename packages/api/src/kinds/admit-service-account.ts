/**
 * @module admitServiceAccount: the ServiceAccount admission plugin's checks on a new pod.
 */
import type { Pod } from '../pod.js';
import { ApiError } from '../status.js';
import type { KindContext } from './kind.js';
import { automountServiceAccountToken } from './automount-service-account-token.js';
import { isMirrorPod, podReferences } from '../pod-references.js';
import { DEFAULT_SERVICE_ACCOUNT, type ServiceAccount } from './service-account.js';

/**
 * admitServiceAccount sets spec.serviceAccountName (from the deprecated spec.serviceAccount, else `default`) and
 * refuses, with 403 as Kubernetes does, a pod naming an account that does not exist. Unlike Kubernetes, a pod may
 * name `default` before the serviceaccount controller has made it (it does so moments after a namespace appears),
 * so pods in a brand-new namespace are not refused for a race they cannot see. A pod whose account exists gets its
 * token mounted (automountServiceAccountToken).
 */
export function admitServiceAccount(pod: Pod, ctx: KindContext): void {
  if (isMirrorPod(pod)) return admitMirrorPod(pod);
  const name = pod.spec.serviceAccountName || pod.spec.serviceAccount || DEFAULT_SERVICE_ACCOUNT;
  pod.spec.serviceAccountName = name;
  // The deprecated field mirrors the new one, as the v1 API returns it.
  pod.spec.serviceAccount = name;
  const namespace = pod.metadata.namespace ?? 'default';
  const sa = ctx.get('serviceaccounts', namespace, name) as ServiceAccount | undefined;
  // Only with its account: a token for one that does not exist yet could never be issued, so the pod would wait on
  // its volume forever (kube refuses such a pod instead; Skiff admits it, without a token).
  if (sa) {
    if (ctx.options.automountServiceAccountToken) automountServiceAccountToken(pod, sa);
    return;
  }
  if (name === DEFAULT_SERVICE_ACCOUNT) return;
  throw new ApiError({
    reason: 'Forbidden',
    message: `pods "${pod.metadata.name ?? ''}" is forbidden: error looking up service account ${namespace}/${name}: serviceaccount "${name}" not found`,
    details: { name: pod.metadata.name ?? '', kind: 'pods' },
  });
}

/**
 * admitMirrorPod is the plugin's rule for mirror pods: no account is set for them and none may be named, nor a
 * Secret or a token projection, so a node's copy of a static pod never carries credentials of the cluster.
 */
function admitMirrorPod(pod: Pod): void {
  const refused = (why: string) =>
    new ApiError({ reason: 'Forbidden', message: `pods "${pod.metadata.name ?? ''}" is forbidden: ${why}`, details: { name: pod.metadata.name ?? '', kind: 'pods' } });
  if (pod.spec.serviceAccountName || pod.spec.serviceAccount) throw refused('a mirror pod may not reference service accounts');
  if (podReferences(pod).some((r) => r.startsWith('secrets/'))) throw refused('a mirror pod may not reference secrets');
  if (pod.spec.volumes?.some((v) => v.projected?.sources?.some((s) => s.serviceAccountToken))) throw refused('a mirror pod may not use ServiceAccountToken volume projections');
}
