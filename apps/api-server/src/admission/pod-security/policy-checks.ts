/**
 * @module The Pod Security Standards checks of k8s.io/pod-security-admission (policy version "latest" as of
 * Kubernetes 1.32), worded as kube words them: each failed check gives a reason and a detail, shown to users as
 * `reason (detail)`. The order is kube's: baseline checks, then restricted ones, each level sorted by check ID.
 */
import type { Container, ObjectMeta, PodSpec, SecurityContext } from '@skiff/api';

export type Level = 'privileged' | 'baseline' | 'restricted';

export interface CheckResult {
  reason: string;
  detail: string;
}

interface Check {
  id: string;
  level: Exclude<Level, 'privileged'>;
  /** Baseline checks a restricted check replaces at the restricted level (kube's OverrideCheckIDs). */
  overrides?: string[];
  check(meta: ObjectMeta, spec: PodSpec): CheckResult | undefined;
}

const pluralize = (one: string, many: string, n: number): string => (n === 1 ? one : many);
const joinQuote = (xs: readonly string[]): string => xs.map((x) => JSON.stringify(x)).join(', ');
/** containersPhrase is `container "a"` or `containers "a", "b"`. */
const containersPhrase = (names: readonly string[]): string => `${pluralize('container', 'containers', names.length)} ${joinQuote(names)}`;
const sorted = (xs: Iterable<string>): string[] => [...new Set(xs)].sort();

/** containers are all of a pod's containers, ephemeral ones (`kubectl debug`) too, as kube's checks visit them. */
function containers(spec: PodSpec): Container[] {
  return [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
}

/** badContainers lists the containers `bad` holds for. */
function badContainers(spec: PodSpec, bad: (sc: SecurityContext | undefined, c: Container) => boolean): string[] {
  return containers(spec)
    .filter((c) => bad(c.securityContext, c))
    .map((c) => c.name);
}

/**
 * podAndContainers runs kube's "pod level with container override" pattern (runAsNonRoot, seccomp): returns who set
 * a bad value explicitly, and which containers are left unset without a good pod-level value.
 */
function podAndContainers<T>(spec: PodSpec, get: (sc: { [k: string]: unknown } | undefined) => T | undefined, good: (v: T) => boolean): { setters: string[]; unset: string[]; values: T[] } {
  const setters: string[] = [];
  const values: T[] = [];
  const podValue = get(spec.securityContext as { [k: string]: unknown } | undefined);
  let podGood = false;
  if (podValue !== undefined) {
    if (good(podValue)) podGood = true;
    else {
      setters.push('pod');
      values.push(podValue);
    }
  }
  const explicit: string[] = [];
  const unset: string[] = [];
  for (const c of containers(spec)) {
    const v = get(c.securityContext as { [k: string]: unknown } | undefined);
    if (v === undefined) {
      if (!podGood) unset.push(c.name);
    } else if (!good(v)) {
      explicit.push(c.name);
      values.push(v);
    }
  }
  if (explicit.length) setters.push(containersPhrase(explicit));
  return { setters, unset, values };
}

const BASELINE_CAPABILITIES = new Set(['AUDIT_WRITE', 'CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'FSETID', 'KILL', 'MKNOD', 'NET_BIND_SERVICE', 'SETFCAP', 'SETGID', 'SETPCAP', 'SETUID', 'SYS_CHROOT']);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t']);
const RESTRICTED_VOLUME_TYPES = new Set(['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret']);
const APPARMOR_ANNOTATION_PREFIX = 'container.apparmor.security.beta.kubernetes.io/';

const CHECKS: Check[] = [
  {
    id: 'appArmorProfile',
    level: 'baseline',
    check(meta, spec) {
      const bad: string[] = [];
      for (const [k, v] of Object.entries(meta.annotations ?? {})) {
        if (k.startsWith(APPARMOR_ANNOTATION_PREFIX) && v !== '' && v !== 'runtime/default' && !v.startsWith('localhost/')) bad.push(`${k}=${JSON.stringify(v)}`);
      }
      const badField = (sc: { appArmorProfile?: { type?: string } } | undefined): boolean => sc?.appArmorProfile?.type === 'Unconfined';
      if (badField(spec.securityContext)) bad.push('pod "Unconfined"');
      for (const c of containers(spec)) if (badField(c.securityContext)) bad.push(`container ${JSON.stringify(c.name)} "Unconfined"`);
      if (!bad.length) return undefined;
      bad.sort();
      return { reason: pluralize('forbidden AppArmor profile', 'forbidden AppArmor profiles', bad.length), detail: bad.join(', ') };
    },
  },
  {
    id: 'capabilities_baseline',
    level: 'baseline',
    check(_meta, spec) {
      const caps = new Set<string>();
      const bad = badContainers(spec, (sc) => {
        const extra = (sc?.capabilities?.add ?? []).filter((c) => !BASELINE_CAPABILITIES.has(c));
        extra.forEach((c) => caps.add(c));
        return extra.length > 0;
      });
      if (!bad.length) return undefined;
      return { reason: 'non-default capabilities', detail: `${containersPhrase(bad)} must not include ${joinQuote(sorted(caps))} in securityContext.capabilities.add` };
    },
  },
  {
    id: 'hostNamespaces',
    level: 'baseline',
    check(_meta, spec) {
      const set = (['hostNetwork', 'hostPID', 'hostIPC'] as const).filter((f) => spec[f] === true).map((f) => `${f}=true`);
      return set.length ? { reason: 'host namespaces', detail: set.join(', ') } : undefined;
    },
  },
  {
    id: 'hostPathVolumes',
    level: 'baseline',
    check(_meta, spec) {
      const bad = (spec.volumes ?? []).filter((v) => v.hostPath).map((v) => v.name);
      return bad.length ? { reason: 'hostPath volumes', detail: `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)}` } : undefined;
    },
  },
  {
    id: 'hostPorts',
    level: 'baseline',
    check(_meta, spec) {
      const ports = new Set<string>();
      const bad = badContainers(spec, (_sc, c) => {
        const hp = (c.ports ?? []).filter((p) => p.hostPort);
        hp.forEach((p) => ports.add(String(p.hostPort)));
        return hp.length > 0;
      });
      if (!bad.length) return undefined;
      const list = sorted(ports);
      return { reason: 'hostPort', detail: `${containersPhrase(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('hostPort', 'hostPorts', list.length)} ${list.join(', ')}` };
    },
  },
  {
    id: 'privileged',
    level: 'baseline',
    check(_meta, spec) {
      const bad = badContainers(spec, (sc) => sc?.privileged === true);
      return bad.length ? { reason: 'privileged', detail: `${containersPhrase(bad)} must not set securityContext.privileged=true` } : undefined;
    },
  },
  {
    id: 'procMount',
    level: 'baseline',
    check(_meta, spec) {
      const values = new Set<string>();
      const bad = badContainers(spec, (sc) => {
        const m = sc?.procMount;
        if (m === undefined || m === 'Default') return false;
        values.add(m);
        return true;
      });
      return bad.length ? { reason: 'procMount', detail: `${containersPhrase(bad)} must not set securityContext.procMount to ${joinQuote(sorted(values))}` } : undefined;
    },
  },
  {
    id: 'seLinuxOptions',
    level: 'baseline',
    check(_meta, spec) {
      const types = new Set<string>();
      let user = false;
      let role = false;
      const bad = (sc: { seLinuxOptions?: { type?: string; user?: string; role?: string } } | undefined): boolean => {
        const o = sc?.seLinuxOptions;
        if (!o) return false;
        let ok = true;
        if (!SELINUX_TYPES.has(o.type ?? '')) {
          types.add(o.type ?? '');
          ok = false;
        }
        if (o.user) {
          user = true;
          ok = false;
        }
        if (o.role) {
          role = true;
          ok = false;
        }
        return !ok;
      };
      const setters: string[] = [];
      if (bad(spec.securityContext)) setters.push('pod');
      const badC = badContainers(spec, (sc) => bad(sc));
      if (badC.length) setters.push(containersPhrase(badC));
      if (!setters.length) return undefined;
      const data: string[] = [];
      // kube names a set user or role only beside a bad type (so a bad user alone gets an empty detail); we always do.
      if (types.size) data.push(`${pluralize('type', 'types', types.size)} ${joinQuote(sorted(types))}`);
      if (user) data.push('user may not be set');
      if (role) data.push('role may not be set');
      return { reason: 'seLinuxOptions', detail: `${setters.join(' and ')} set forbidden securityContext.seLinuxOptions: ${data.join('; ')}` };
    },
  },
  {
    id: 'seccompProfile_baseline',
    level: 'baseline',
    check(_meta, spec) {
      const { setters } = podAndContainers<string>(spec, (sc) => (sc?.['seccompProfile'] as { type?: string } | undefined)?.type, (t) => t !== 'Unconfined');
      return setters.length ? { reason: 'seccompProfile', detail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to "Unconfined"` } : undefined;
    },
  },
  {
    id: 'sysctls',
    level: 'baseline',
    check(_meta, spec) {
      const bad = (spec.securityContext?.sysctls ?? []).map((s) => s.name).filter((n) => !SAFE_SYSCTLS.has(n));
      return bad.length ? { reason: 'forbidden sysctls', detail: bad.join(', ') } : undefined;
    },
  },
  {
    id: 'allowPrivilegeEscalation',
    level: 'restricted',
    check(_meta, spec) {
      const bad = badContainers(spec, (sc) => sc?.allowPrivilegeEscalation !== false);
      return bad.length ? { reason: 'allowPrivilegeEscalation != false', detail: `${containersPhrase(bad)} must set securityContext.allowPrivilegeEscalation=false` } : undefined;
    },
  },
  {
    id: 'capabilities_restricted',
    level: 'restricted',
    overrides: ['capabilities_baseline'],
    check(_meta, spec) {
      const missingDrop = badContainers(spec, (sc) => !(sc?.capabilities?.drop ?? []).includes('ALL'));
      const caps = new Set<string>();
      const adding = badContainers(spec, (sc) => {
        const extra = (sc?.capabilities?.add ?? []).filter((c) => c !== 'NET_BIND_SERVICE');
        extra.forEach((c) => caps.add(c));
        return extra.length > 0;
      });
      const details: string[] = [];
      if (missingDrop.length) details.push(`${containersPhrase(missingDrop)} must set securityContext.capabilities.drop=["ALL"]`);
      if (adding.length) details.push(`${containersPhrase(adding)} must not include ${joinQuote(sorted(caps))} in securityContext.capabilities.add`);
      return details.length ? { reason: 'unrestricted capabilities', detail: details.join('; ') } : undefined;
    },
  },
  {
    id: 'restrictedVolumes',
    level: 'restricted',
    overrides: ['hostPathVolumes'],
    check(_meta, spec) {
      const types = new Set<string>();
      const bad: string[] = [];
      for (const v of spec.volumes ?? []) {
        const kinds = Object.keys(v).filter((k) => k !== 'name' && v[k] !== undefined && v[k] !== null);
        const forbidden = kinds.filter((k) => !RESTRICTED_VOLUME_TYPES.has(k));
        if (!forbidden.length) continue;
        bad.push(v.name);
        forbidden.forEach((k) => types.add(k));
      }
      if (!bad.length) return undefined;
      const t = sorted(types);
      return {
        reason: 'restricted volume types',
        detail: `${pluralize('volume', 'volumes', bad.length)} ${joinQuote(bad)} ${pluralize('uses', 'use', bad.length)} ${pluralize('restricted volume type', 'restricted volume types', t.length)} ${joinQuote(t)}`,
      };
    },
  },
  {
    id: 'runAsNonRoot',
    level: 'restricted',
    check(_meta, spec) {
      const { setters, unset } = podAndContainers<boolean>(spec, (sc) => sc?.['runAsNonRoot'] as boolean | undefined, (v) => v);
      if (setters.length) return { reason: 'runAsNonRoot != true', detail: `${setters.join(' and ')} must not set securityContext.runAsNonRoot=false` };
      if (unset.length) return { reason: 'runAsNonRoot != true', detail: `pod or ${containersPhrase(unset)} must set securityContext.runAsNonRoot=true` };
      return undefined;
    },
  },
  {
    id: 'runAsUser',
    level: 'restricted',
    check(_meta, spec) {
      const setters: string[] = [];
      if (spec.securityContext?.runAsUser === 0) setters.push('pod');
      const bad = badContainers(spec, (sc) => sc?.runAsUser === 0);
      if (bad.length) setters.push(containersPhrase(bad));
      return setters.length ? { reason: 'runAsUser=0', detail: `${setters.join(' and ')} must not set runAsUser=0` } : undefined;
    },
  },
  {
    id: 'seccompProfile_restricted',
    level: 'restricted',
    overrides: ['seccompProfile_baseline'],
    check(_meta, spec) {
      const valid = (t: string): boolean => t === 'RuntimeDefault' || t === 'Localhost';
      const { setters, unset, values } = podAndContainers<string>(spec, (sc) => (sc?.['seccompProfile'] as { type?: string } | undefined)?.type, valid);
      if (setters.length) return { reason: 'seccompProfile', detail: `${setters.join(' and ')} must not set securityContext.seccompProfile.type to ${joinQuote(sorted(values))}` };
      if (unset.length) return { reason: 'seccompProfile', detail: `pod or ${containersPhrase(unset)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"` };
      return undefined;
    },
  },
];

const BY_LEVEL: Record<Level, Check[]> = (() => {
  const baseline = CHECKS.filter((c) => c.level === 'baseline');
  const restricted = CHECKS.filter((c) => c.level === 'restricted');
  const overridden = new Set(restricted.flatMap((c) => c.overrides ?? []));
  return { privileged: [], baseline, restricted: [...baseline.filter((c) => !overridden.has(c.id)), ...restricted] };
})();

/** checkPod evaluates a pod (or a workload's pod template) against a level; an empty list means allowed. */
export function checkPod(level: Level, meta: ObjectMeta, spec: PodSpec): CheckResult[] {
  const out: CheckResult[] = [];
  for (const c of BY_LEVEL[level]) {
    const r = c.check(meta, spec);
    if (r) out.push(r);
  }
  return out;
}

/** formatViolations joins failed checks as kube does: `reason (detail), reason (detail)`. */
export function formatViolations(results: readonly CheckResult[]): string {
  return results.map((r) => (r.detail ? `${r.reason} (${r.detail})` : r.reason)).join(', ');
}
