import { describe, expect, it } from 'vitest';
import type { Container, PodSpec } from '@skiff/api';
import { checkPod, formatViolations } from './policy-checks.js';

const c = (name: string, extra: Partial<Container> = {}): Container => ({ name, image: 'busybox:1.36', ...extra });
const spec = (extra: Partial<PodSpec> = {}, containers: Container[] = [c('c')]): PodSpec => ({ containers, ...extra });
const check = (level: 'baseline' | 'restricted', s: PodSpec, annotations?: Record<string, string>): string => formatViolations(checkPod(level, annotations ? { annotations } : {}, s));

/** A pod that passes restricted: what kube's docs show as the compliant example. */
const restrictedOK = (): Container =>
  c('c', { securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } } });

describe('Pod Security Standards checks (kube wording)', () => {
  it('lets a plain busybox pod pass baseline and fails it on restricted with the four reasons kube gives', () => {
    expect(check('baseline', spec())).toBe('');
    expect(check('restricted', spec())).toBe(
      'allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false), ' +
        'unrestricted capabilities (container "c" must set securityContext.capabilities.drop=["ALL"]), ' +
        'runAsNonRoot != true (pod or container "c" must set securityContext.runAsNonRoot=true), ' +
        'seccompProfile (pod or container "c" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    );
    expect(check('restricted', spec({}, [restrictedOK()]))).toBe('');
  });

  it('names every baseline escape in kube order', () => {
    const s = spec(
      {
        hostNetwork: true,
        hostPID: true,
        hostIPC: true,
        volumes: [{ name: 'sock', hostPath: { path: '/var/run/docker.sock' } }, { name: 'root', hostPath: { path: '/' } }],
        securityContext: { sysctls: [{ name: 'kernel.msgmax', value: '1' }, { name: 'net.ipv4.tcp_syncookies', value: '1' }], seccompProfile: { type: 'Unconfined' } },
      },
      [
        c('a', { ports: [{ containerPort: 80, hostPort: 80 }], securityContext: { privileged: true, capabilities: { add: ['SYS_ADMIN', 'NET_ADMIN', 'CHOWN'] } } }),
        c('b', { ports: [{ containerPort: 81, hostPort: 8081 }], securityContext: { procMount: 'Unmasked', capabilities: { add: ['ALL'] }, seLinuxOptions: { type: 'spc_t' } } }),
      ],
    );
    expect(check('baseline', s, { 'container.apparmor.security.beta.kubernetes.io/a': 'unconfined' })).toBe(
      [
        'forbidden AppArmor profile (container.apparmor.security.beta.kubernetes.io/a="unconfined")',
        'non-default capabilities (containers "a", "b" must not include "ALL", "NET_ADMIN", "SYS_ADMIN" in securityContext.capabilities.add)',
        'host namespaces (hostNetwork=true, hostPID=true, hostIPC=true)',
        'hostPath volumes (volumes "sock", "root")',
        'hostPort (containers "a", "b" use hostPorts 80, 8081)',
        'privileged (container "a" must not set securityContext.privileged=true)',
        'procMount (container "b" must not set securityContext.procMount to "Unmasked")',
        'seLinuxOptions (container "b" set forbidden securityContext.seLinuxOptions: type "spc_t")',
        'seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")',
        'forbidden sysctls (kernel.msgmax)',
      ].join(', '),
    );
  });

  it('restricted replaces the baseline capability, hostPath and seccomp checks with its own', () => {
    const s = spec({ volumes: [{ name: 'h', hostPath: { path: '/tmp' } }], securityContext: { runAsUser: 0, runAsNonRoot: true } }, [
      c('c', { securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'], add: ['NET_BIND_SERVICE', 'SYS_TIME'] }, seccompProfile: { type: 'Unconfined' } } }),
    ]);
    expect(check('restricted', s)).toBe(
      [
        'unrestricted capabilities (container "c" must not include "SYS_TIME" in securityContext.capabilities.add)',
        'restricted volume types (volume "h" uses restricted volume type "hostPath")',
        'runAsUser=0 (pod must not set runAsUser=0)',
        'seccompProfile (container "c" must not set securityContext.seccompProfile.type to "Unconfined")',
      ].join(', '),
    );
  });

  it('allows the baseline capability list, safe sysctls, RuntimeDefault and the container SELinux types', () => {
    const s = spec({ securityContext: { sysctls: [{ name: 'net.ipv4.ip_local_port_range', value: '1024 65000' }], seccompProfile: { type: 'RuntimeDefault' }, seLinuxOptions: { type: 'container_t', level: 's0:c1' } } }, [
      c('c', { securityContext: { capabilities: { add: ['NET_BIND_SERVICE', 'CHOWN', 'KILL'] }, procMount: 'Default' } }),
    ]);
    expect(check('baseline', s)).toBe('');
  });

  it('a pod-level runAsNonRoot covers containers that do not set it, an explicit false does not pass', () => {
    const base = restrictedOK();
    const noFlag = c('d', { securityContext: { ...base.securityContext, runAsNonRoot: undefined } });
    expect(check('restricted', spec({ securityContext: { runAsNonRoot: true } }, [noFlag]))).toBe('');
    expect(check('restricted', spec({ securityContext: { runAsNonRoot: true } }, [c('e', { securityContext: { ...base.securityContext, runAsNonRoot: false } })]))).toBe(
      'runAsNonRoot != true (container "e" must not set securityContext.runAsNonRoot=false)',
    );
  });
});
