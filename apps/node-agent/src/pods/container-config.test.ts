import { describe, expect, it } from 'vitest';
import type { Container, Pod } from '@skiff/api';
import { ConfigObjectCache } from '../config/config-object-cache.js';
import { buildContainerConfig, type ContainerConfigContext } from './container-config.js';

const ctx = (allowPrivileged = true): ContainerConfigContext => ({ nodeName: 'n', hostIP: '10.0.0.1', podIP: '10.0.0.2', allowPrivileged, objects: new ConfigObjectCache(), volumeDir: () => '/tmp/none' });
const pod = (spec: Partial<Pod['spec']> = {}, c: Partial<Container> = {}, annotations?: Record<string, string>): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'p', namespace: 'default', uid: 'u', ...(annotations ? { annotations } : {}) },
  spec: { containers: [{ name: 'c', image: 'busybox:1.36', ...c }], ...spec },
});
const build = (p: Pod, allowPrivileged = true) => buildContainerConfig(p, p.spec.containers[0]!, 'container', 0, ctx(allowPrivileged));

describe('buildContainerConfig: the security context as kubelet passes it to the runtime', () => {
  it('maps allowPrivilegeEscalation, groups, seccomp and AppArmor', () => {
    const c = build(
      pod({ securityContext: { fsGroup: 2000, supplementalGroups: [3000, 2000], seccompProfile: { type: 'Unconfined' } } }, { securityContext: { allowPrivilegeEscalation: false } }, { 'container.apparmor.security.beta.kubernetes.io/c': 'unconfined' }),
    );
    expect(c).toMatchObject({ noNewPrivileges: true, groupAdd: [2000, 3000], seccompProfile: 'Unconfined', appArmorProfile: 'Unconfined' });
    // The container's profile wins over the pod's; a privileged container never gets no-new-privileges (kubelet).
    const d = build(pod({ securityContext: { seccompProfile: { type: 'Unconfined' } } }, { securityContext: { privileged: true, allowPrivilegeEscalation: false, seccompProfile: { type: 'RuntimeDefault' } } }));
    expect(d.noNewPrivileges).toBeUndefined();
    expect(d.seccompProfile).toBe('RuntimeDefault');
    expect(build(pod()).noNewPrivileges).toBeUndefined();
  });

  it.each([
    [{ hostNetwork: true }, {}, 'spec.hostNetwork'],
    [{ hostUsers: false }, {}, 'spec.hostUsers=false'],
    [{ hostPID: true, hostIPC: true }, {}, 'spec.hostPID, spec.hostIPC'],
    [{ securityContext: { sysctls: [{ name: 'net.ipv4.tcp_syncookies', value: '1' }] } }, {}, 'spec.securityContext.sysctls'],
    [{}, { securityContext: { procMount: 'Unmasked' } }, 'container c securityContext.procMount Unmasked'],
    [{}, { securityContext: { seccompProfile: { type: 'Localhost', localhostProfile: 'x.json' } } }, 'container c securityContext.seccompProfile Localhost'],
    [{ securityContext: { seLinuxOptions: { type: 'container_t' } } }, {}, 'spec.securityContext.seLinuxOptions'],
  ] as const)('refuses what the node cannot do instead of dropping it: %j %j', (spec, c, named) => {
    expect(() => build(pod(spec as Partial<Pod['spec']>, c as Partial<Container>))).toThrow(`this node cannot run the pod as written: ${named} not supported by the Docker node agent`);
  });

  it('refuses a hostPath reaching the Docker socket before anything else, even with --allow-privileged', () => {
    for (const path of ['/var/run/docker.sock', '/run', '/']) {
      const p = pod({ volumes: [{ name: 'h', hostPath: { path } }] }, { volumeMounts: [{ name: 'h', mountPath: '/h' }] });
      expect(() => build(p)).toThrow(`hostPath volume h (${path}) would expose the container engine's socket, which no pod may mount`);
      expect(() => build(p, false)).toThrow('would expose the container engine');
    }
  });
});

describe('buildContainerConfig: subPathExpr expanded from the container environment, as kubelet does', () => {
  const claimCtx = (): ContainerConfigContext => ({ ...ctx(), claimVolume: () => 'pvc-volume' });
  const withExpr = (subPathExpr: string, env: Container['env']): Pod =>
    pod({ volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'c' } }] }, { env, volumeMounts: [{ name: 'd', mountPath: '/data', subPathExpr }] });
  const buildWith = (p: Pod) => buildContainerConfig(p, p.spec.containers[0]!, 'container', 0, claimCtx());

  it('mounts the expanded path of the volume, from env values and the downward API', () => {
    const p = withExpr('$(POD_NAME)/$(KIND)', [{ name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }, { name: 'KIND', value: 'logs' }]);
    expect(buildWith(p).mounts).toEqual([{ volume: 'pvc-volume', kind: 'named', target: '/data', readOnly: false, subPath: 'p/logs' }]);
  });

  it.each([
    ['$(NOPE)/x', [], 'volumeMount d: subPathExpr $(NOPE)/x: missing value for NOPE'],
    ['$(EMPTY)', [{ name: 'EMPTY', value: '' }], 'volumeMount d: subPathExpr $(EMPTY): missing value for EMPTY'],
    ['$(ROOT)etc', [{ name: 'ROOT', value: '/' }], 'volumeMount d: error SubPath `/etc` must not be an absolute path'],
    ['a/$(UP)/b', [{ name: 'UP', value: '..' }], "volumeMount d: unable to provision SubPath `a/../b`: must not contain '..'"],
  ] as const)('refuses %s with CreateContainerConfigError', (expr, env, message) => {
    expect(() => buildWith(withExpr(expr, [...env]))).toThrow(message);
  });
});
