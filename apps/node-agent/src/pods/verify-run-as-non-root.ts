/**
 * @module runAsNonRoot as kubelet enforces it (verifyRunAsNonRoot): a container that must not run as root is not
 * created unless its runAsUser, or else its image's USER, is a non-zero numeric uid.
 */
import type { Container, Pod } from '@skiff/api';
import { RuntimeError } from '../runtime/container-runtime.js';

/** formatPod is kubelet's format.Pod: name_namespace(uid). */
function formatPod(pod: Pod): string {
  return `${pod.metadata.name ?? ''}_${pod.metadata.namespace ?? 'default'}(${pod.metadata.uid ?? ''})`;
}

/** mustRunAsNonRoot is the effective runAsNonRoot (the container's over the pod's). */
export function mustRunAsNonRoot(pod: Pod, c: Container): boolean {
  return (c.securityContext?.runAsNonRoot ?? pod.spec.securityContext?.runAsNonRoot) === true;
}

/** needsImageUser says whether verifyRunAsNonRoot has to know the image's user: no runAsUser decides it. */
export function needsImageUser(pod: Pod, c: Container): boolean {
  return mustRunAsNonRoot(pod, c) && (c.securityContext?.runAsUser ?? pod.spec.securityContext?.runAsUser) === undefined;
}

/**
 * verifyRunAsNonRoot throws kubelet's CreateContainerConfigError when the container would run as root. `imageUser`
 * is the image's USER ("" is root; "uid[:gid]" or a name, which cannot be verified).
 */
export function verifyRunAsNonRoot(pod: Pod, c: Container, imageUser: string | undefined): void {
  if (!mustRunAsNonRoot(pod, c)) return;
  const fail = (message: string): never => {
    throw new RuntimeError('CreateContainerConfigError', message);
  };
  const runAsUser = c.securityContext?.runAsUser ?? pod.spec.securityContext?.runAsUser;
  if (runAsUser !== undefined) {
    if (runAsUser === 0) fail(`container's runAsUser breaks non-root policy (pod: ${JSON.stringify(formatPod(pod))}, container: ${c.name})`);
    return;
  }
  const user = (imageUser ?? '').split(':')[0] ?? '';
  if (user === '' || /^0+$/.test(user)) fail(`container has runAsNonRoot and image will run as root (pod: ${JSON.stringify(formatPod(pod))}, container: ${c.name})`);
  if (!/^\d+$/.test(user)) fail(`container has runAsNonRoot and image has non-numeric user (${user}), cannot verify user is non-root (pod: ${JSON.stringify(formatPod(pod))}, container: ${c.name})`);
}
