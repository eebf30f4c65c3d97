import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runServerToExit, spawnServer, type ServerProcess } from '../harness.js';
import { Kubectl } from './kubectl.js';

/** The real api-server process with no admission flag: Pod Security baseline is enforced by default. */
let proc: ServerProcess;
let k: Kubectl;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'skiff-psa-'));
  proc = await spawnServer(['--storage', 'memory']);
  k = new Kubectl(proc.url);
});
afterAll(async () => {
  k?.cleanup();
  await proc?.kill();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const ESCAPES = `apiVersion: v1
kind: Pod
metadata: {name: escape}
spec:
  hostNetwork: true
  hostPID: true
  volumes: [{name: sock, hostPath: {path: /var/run/docker.sock}}]
  containers:
  - name: c
    image: busybox:1.36
    ports: [{containerPort: 80, hostPort: 80}]
    securityContext:
      privileged: true
      capabilities: {add: [SYS_ADMIN, NET_ADMIN]}
      procMount: Unmasked
      seccompProfile: {type: Unconfined}
`;

describe('kubectl 1.32 and Pod Security (spawned api-server, defaults)', () => {
  it('refuses kubectl run --privileged with kube\'s message', async () => {
    const r = await k.run(['run', 'priv', '--image=busybox:1.36', '--privileged']);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe('Error from server (Forbidden): pods "priv" is forbidden: violates PodSecurity "baseline:latest": privileged (container "priv" must not set securityContext.privileged=true)');
  });

  it('names every escape of a manifest in one refusal', async () => {
    const r = await k.run(['apply', '-f', k.writeFile('escape.yaml', ESCAPES)]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(
      'pods "escape" is forbidden: violates PodSecurity "baseline:latest": non-default capabilities (container "c" must not include "NET_ADMIN", "SYS_ADMIN" in securityContext.capabilities.add), ' +
        'host namespaces (hostNetwork=true, hostPID=true), hostPath volumes (volume "sock"), hostPort (container "c" uses hostPort 80), ' +
        'privileged (container "c" must not set securityContext.privileged=true), procMount (container "c" must not set securityContext.procMount to "Unmasked"), ' +
        'seccompProfile (container "c" must not set securityContext.seccompProfile.type to "Unconfined")',
    );
  });

  it('a namespace labelled restricted refuses a root pod; warn=restricted prints kube\'s warning', async () => {
    expect((await k.run(['create', 'namespace', 'strict'])).code).toBe(0);
    expect((await k.run(['label', 'namespace', 'strict', 'pod-security.kubernetes.io/enforce=restricted'])).code).toBe(0);
    const refused = await k.run(['-n', 'strict', 'run', 'root', '--image=busybox:1.36']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('Error from server (Forbidden): pods "root" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "root" must set securityContext.allowPrivilegeEscalation=false)');

    expect((await k.run(['label', 'namespace', 'default', 'pod-security.kubernetes.io/warn=restricted'])).code).toBe(0);
    const warned = await k.run(['run', 'warned', '--image=busybox:1.36']);
    expect(warned.code).toBe(0);
    expect(warned.stderr).toContain('Warning: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "warned" must set securityContext.allowPrivilegeEscalation=false), unrestricted capabilities');

    // Turning enforce on where a pod already breaks it warns about that pod, as kube does.
    const relabel = await k.run(['label', 'namespace', 'default', 'pod-security.kubernetes.io/enforce=restricted']);
    expect(relabel.code).toBe(0);
    expect(relabel.stderr).toContain('Warning: existing pods in namespace "default" violate the new PodSecurity enforce level "restricted:latest"');
    expect(relabel.stderr).toContain('Warning: warned: allowPrivilegeEscalation != false, unrestricted capabilities, runAsNonRoot != true, seccompProfile');
  });
});

describe('--admission-control-config-file', () => {
  it('sets the cluster defaults in kube\'s AdmissionConfiguration format', async () => {
    const file = join(dir, 'admission.yaml');
    writeFileSync(
      file,
      [
        'apiVersion: apiserver.config.k8s.io/v1',
        'kind: AdmissionConfiguration',
        'plugins:',
        '- name: PodSecurity',
        '  configuration:',
        '    apiVersion: pod-security.admission.config.k8s.io/v1',
        '    kind: PodSecurityConfiguration',
        '    defaults: {enforce: privileged, warn: baseline}',
        '    exemptions: {usernames: [], namespaces: [], runtimeClasses: []}',
        '',
      ].join('\n'),
    );
    const open = await spawnServer(['--storage', 'memory', '--admission-control-config-file', file]);
    const k2 = new Kubectl(open.url);
    try {
      const r = await k2.run(['run', 'priv', '--image=busybox:1.36', '--privileged']);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain('Warning: would violate PodSecurity "baseline:latest": privileged (container "priv" must not set securityContext.privileged=true)');
      // The Docker socket stays out of reach whatever the level.
      const sock = await k2.run(['apply', '-f', k2.writeFile('sock.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: sock}\nspec:\n  volumes: [{name: s, hostPath: {path: /run}}]\n  containers: [{name: c, image: busybox:1.36}]\n')]);
      expect(sock.code).not.toBe(0);
      expect(sock.stderr).toContain(`Error from server (Forbidden): error when creating`);
      expect(sock.stderr).toContain(`pods "sock" is forbidden: hostPath volume "s" (path "/run") would expose the container engine's socket`);
    } finally {
      k2.cleanup();
      await open.kill();
    }
  });

  it('refuses to start on a bad file, naming the field', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'apiVersion: apiserver.config.k8s.io/v1\nkind: AdmissionConfiguration\nplugins:\n- name: PodSecurity\n  configuration:\n    kind: PodSecurityConfiguration\n    defaults: {enforce: strict}\n');
    const r = await runServerToExit(['--storage', 'memory', '--admission-control-config-file', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`api-server: --admission-control-config-file: ${file}: defaults.enforce must be one of privileged, baseline, restricted`);
  });
});
