/**
 * @module automountServiceAccountToken: the ServiceAccount admission plugin's `kube-api-access-XXXXX` volume
 * (plugin/pkg/admission/serviceaccount/admission.go): a bound token, the cluster CA and the namespace, mounted
 * where client libraries look for in-cluster credentials.
 */
import type { Container, Pod, Volume } from '../pod.js';
import type { ServiceAccount } from './service-account.js';

/** Where in-cluster clients read token, ca.crt and namespace (rest.InClusterConfig). */
export const SERVICE_ACCOUNT_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';
export const KUBE_API_ACCESS_PREFIX = 'kube-api-access-';
/** The ConfigMap the root-ca-cert-publisher writes into every namespace. */
export const ROOT_CA_CONFIG_MAP = 'kube-root-ca.crt';
/** kube's warning-free token lifetime for the automounted token: one hour plus 7 s of jitter room. */
export const AUTOMOUNT_TOKEN_EXPIRATION_SECONDS = 3607;

const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

/** shouldAutomount: the pod's own setting wins, then the ServiceAccount's; both unset means yes. */
function shouldAutomount(pod: Pod, sa: ServiceAccount | undefined): boolean {
  return pod.spec.automountServiceAccountToken ?? sa?.automountServiceAccountToken ?? true;
}

/** kubeApiAccessVolume is the projected volume kube adds (names and modes as kube's TokenVolumeSource). */
export function kubeApiAccessVolume(name: string): Volume {
  return {
    name,
    projected: {
      defaultMode: 0o644,
      sources: [
        { serviceAccountToken: { expirationSeconds: AUTOMOUNT_TOKEN_EXPIRATION_SECONDS, path: 'token' } },
        // Optional, unlike kube's: a pod is not held in ContainerCreating when no controller-manager publishes the
        // ConfigMap (as Skiff admits pods naming `default` before its ServiceAccount exists); ca.crt appears on the
        // node agent's next sync once it does.
        { configMap: { name: ROOT_CA_CONFIG_MAP, items: [{ key: 'ca.crt', path: 'ca.crt' }], optional: true } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

/**
 * automountServiceAccountToken adds the kube-api-access volume to a new pod and mounts it read-only in every
 * container (init containers too) that has nothing at the mount path already, unless automounting is off.
 * `random` picks the 5-character suffix (tests pass their own).
 */
export function automountServiceAccountToken(pod: Pod, sa: ServiceAccount | undefined, random: () => number = Math.random): void {
  if (!shouldAutomount(pod, sa)) return;
  const volumes = (pod.spec.volumes ??= []);
  let name = volumes.find((v) => v.name.startsWith(KUBE_API_ACCESS_PREFIX) && v.projected?.sources?.some((s) => s.serviceAccountToken))?.name;
  const containers: Container[] = [...(pod.spec.initContainers ?? []), ...pod.spec.containers];
  const needs = containers.filter((c) => !(c.volumeMounts ?? []).some((m) => m.mountPath.replace(/\/+$/, '') === SERVICE_ACCOUNT_MOUNT_PATH));
  if (needs.length === 0) return;
  if (!name) {
    const taken = new Set(volumes.map((v) => v.name));
    do {
      name = KUBE_API_ACCESS_PREFIX + Array.from({ length: 5 }, () => ALPHABET[Math.floor(random() * ALPHABET.length)]).join('');
    } while (taken.has(name));
    volumes.push(kubeApiAccessVolume(name));
  }
  for (const c of needs) (c.volumeMounts ??= []).push({ name, readOnly: true, mountPath: SERVICE_ACCOUNT_MOUNT_PATH });
}
