/**
 * @module NodeSupport admission: what Skiff's node agent cannot do is refused at the API, never dropped on the node.
 * The agent runs each pod as Docker containers around a pause sandbox; it has no way to give a pod the host's
 * network, PID or IPC namespace, a user namespace of its own (hostUsers: false), SELinux labels, Localhost seccomp or AppArmor profiles, an unmasked /proc or
 * sysctls. A hostPath that reaches the container engine's socket is refused at every Pod Security level: it is root
 * on the node.
 */
import { ApiError, errors, hostPathExposesDockerSocket, type StatusCause } from '@skiff/api';
import type { AdmissionPlugin } from '../admission.js';
import { podTemplateOf, WORKLOAD_RESOURCES } from './pod-template.js';

const forbiddenCause = (field: string, why: string): StatusCause => ({ reason: 'FieldValueForbidden', field, message: `Forbidden: ${why}` });

/** nodeSupportAdmission refuses pods and pod templates the node agent could not run as written. */
export function nodeSupportAdmission(): AdmissionPlugin {
  return {
    name: 'NodeSupport',
    // pods/ephemeralcontainers too: `kubectl debug` adds containers to a running pod.
    handles: (info, subresource) => (info.plural === 'pods' ? info.group === '' && (subresource === '' || subresource === 'ephemeralcontainers') : subresource === '' && WORKLOAD_RESOURCES.has(info.plural)),
    validate(a) {
      if (a.operation === 'DELETE') return;
      const t = podTemplateOf(a.info.plural, a.object);
      if (!t) return;
      // A pod's spec is immutable but for images, a few fields and its ephemeral containers: check it on create and
      // when ephemeral containers are added.
      if (a.operation === 'UPDATE' && a.info.plural === 'pods' && a.subresource !== 'ephemeralcontainers') return;
      const specPath = a.info.plural === 'pods' ? 'spec' : a.info.plural === 'cronjobs' ? 'spec.jobTemplate.spec.template.spec' : a.info.plural === 'podtemplates' ? 'template.spec' : 'spec.template.spec';
      const spec = t.spec;

      const socketVolumes = (spec.volumes ?? []).filter((v) => v.hostPath && hostPathExposesDockerSocket(v.hostPath.path));
      if (socketVolumes.length) {
        const what = socketVolumes.map((v) => `hostPath volume "${v.name}" (path "${v.hostPath!.path}")`).join(', ');
        const resource = a.info.group ? `${a.info.plural}.${a.info.group}` : a.info.plural;
        throw new ApiError({
          reason: 'Forbidden',
          message: `${resource} "${a.name}" is forbidden: ${what} would expose the container engine's socket (/var/run/docker.sock), which no pod may mount at any Pod Security level`,
          details: { name: a.name, kind: a.info.plural },
        });
      }

      const causes: StatusCause[] = [];
      for (const f of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
        if (spec[f]) causes.push(forbiddenCause(`${specPath}.${f}`, `the node agent runs every pod in its own Docker sandbox and cannot share the node's ${f.slice(4)} namespace`));
      }
      // Asked-for isolation the node cannot give is refused too: the pod would run with the host's user IDs.
      if (spec.hostUsers === false) causes.push(forbiddenCause(`${specPath}.hostUsers`, 'the node agent cannot give a pod its own user namespace'));
      if (spec.securityContext?.sysctls?.length) causes.push(forbiddenCause(`${specPath}.securityContext.sysctls`, 'the node agent does not set sysctls'));
      const contexts: Array<[string, { seLinuxOptions?: unknown; seccompProfile?: { type: string }; appArmorProfile?: { type: string }; procMount?: string } | undefined]> = [[`${specPath}.securityContext`, spec.securityContext]];
      (spec.initContainers ?? []).forEach((c, i) => contexts.push([`${specPath}.initContainers[${i}].securityContext`, c.securityContext]));
      (spec.containers ?? []).forEach((c, i) => contexts.push([`${specPath}.containers[${i}].securityContext`, c.securityContext]));
      (spec.ephemeralContainers ?? []).forEach((c, i) => contexts.push([`${specPath}.ephemeralContainers[${i}].securityContext`, c.securityContext]));
      for (const [path, sc] of contexts) {
        if (!sc) continue;
        if (sc.seLinuxOptions) causes.push(forbiddenCause(`${path}.seLinuxOptions`, 'the node agent does not apply SELinux labels'));
        if (sc.seccompProfile?.type === 'Localhost') causes.push(forbiddenCause(`${path}.seccompProfile.type`, 'the node agent has no local seccomp profiles (use RuntimeDefault or Unconfined)'));
        if (sc.appArmorProfile?.type === 'Localhost') causes.push(forbiddenCause(`${path}.appArmorProfile.type`, 'the node agent has no local AppArmor profiles (use RuntimeDefault or Unconfined)'));
        if (sc.procMount !== undefined && sc.procMount !== 'Default') causes.push(forbiddenCause(`${path}.procMount`, 'the node agent always masks /proc (only Default is supported)'));
      }
      for (const [k, v] of Object.entries(t.meta.annotations ?? {})) {
        if (k.startsWith('container.apparmor.security.beta.kubernetes.io/') && v.startsWith('localhost/')) {
          causes.push(forbiddenCause(`${specPath.replace(/spec$/, 'metadata')}.annotations[${k}]`, 'the node agent has no local AppArmor profiles (use runtime/default or unconfined)'));
        }
      }
      if (causes.length) throw errors.invalid(a.info.kind, a.info.group, a.name, causes);
    },
  };
}
