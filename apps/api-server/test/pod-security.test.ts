import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startServer, type RunningServer } from './harness.js';
import { podSecurityAdmission } from '../src/admission/pod-security/pod-security-admission.js';
import { nodeSupportAdmission } from '../src/admission/pod-security/node-support-admission.js';

let s: RunningServer;
const audits: string[] = [];
beforeAll(async () => {
  s = await startServer({ admission: [podSecurityAdmission({ onAudit: (_a, m) => audits.push(m) }), nodeSupportAdmission()] });
  for (const [name, labels] of [
    ['strict', { 'pod-security.kubernetes.io/enforce': 'restricted' }],
    ['loud', { 'pod-security.kubernetes.io/warn': 'restricted', 'pod-security.kubernetes.io/warn-version': 'v1.32' }],
    ['open', { 'pod-security.kubernetes.io/enforce': 'privileged' }],
  ] as const) {
    expect((await api(s.url, 'POST', '/api/v1/namespaces', { metadata: { name, labels } })).status).toBe(201);
  }
});
afterAll(() => s?.close());

type Spec = Record<string, unknown>;
const podWith = (name: string, spec: Spec = {}, container: Spec = {}): Spec => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name },
  spec: { containers: [{ name: 'c', image: 'busybox:1.36', ...container }], ...spec },
});
const create = (ns: string, body: Spec) => api(s.url, 'POST', `/api/v1/namespaces/${ns}/pods`, body);
/** warnings decodes kube's `299 - "text"` Warning headers. */
const warnings = (h: Headers): string[] => (h.get('warning') ?? '').split(/,\s*(?=299 )/).filter(Boolean).map((w) => JSON.parse(w.replace(/^299 - /, '')) as string);

describe('PodSecurity over HTTP: baseline enforced by default', () => {
  it.each([
    ['privileged', {}, { securityContext: { privileged: true } }, 'privileged (container "c" must not set securityContext.privileged=true)'],
    ['cap-sys-admin', {}, { securityContext: { capabilities: { add: ['SYS_ADMIN'] } } }, 'non-default capabilities (container "c" must not include "SYS_ADMIN" in securityContext.capabilities.add)'],
    ['cap-net-admin', {}, { securityContext: { capabilities: { add: ['NET_ADMIN'] } } }, 'non-default capabilities (container "c" must not include "NET_ADMIN" in securityContext.capabilities.add)'],
    ['cap-all', {}, { securityContext: { capabilities: { add: ['ALL'] } } }, 'non-default capabilities (container "c" must not include "ALL" in securityContext.capabilities.add)'],
    ['host-network', { hostNetwork: true }, {}, 'host namespaces (hostNetwork=true)'],
    ['host-pid-ipc', { hostPID: true, hostIPC: true }, {}, 'host namespaces (hostPID=true, hostIPC=true)'],
    ['host-path', { volumes: [{ name: 'h', hostPath: { path: '/etc' } }] }, {}, 'hostPath volumes (volume "h")'],
    ['docker-sock', { volumes: [{ name: 'sock', hostPath: { path: '/var/run/docker.sock' } }] }, {}, 'hostPath volumes (volume "sock")'],
    ['host-port', {}, { ports: [{ containerPort: 80, hostPort: 8080 }] }, 'hostPort (container "c" uses hostPort 8080)'],
    ['proc-unmasked', {}, { securityContext: { procMount: 'Unmasked' } }, 'procMount (container "c" must not set securityContext.procMount to "Unmasked")'],
    ['seccomp-unconfined', { securityContext: { seccompProfile: { type: 'Unconfined' } } }, {}, 'seccompProfile (pod must not set securityContext.seccompProfile.type to "Unconfined")'],
  ])('refuses %s with 403 and kube\'s reason', async (name, spec, container, reason) => {
    const r = await create('default', podWith(name, spec, container));
    expect(r.status).toBe(403);
    expect(r.body).toMatchObject({ kind: 'Status', reason: 'Forbidden', code: 403, details: { name, kind: 'pods' } });
    expect(r.body.message).toBe(`pods "${name}" is forbidden: violates PodSecurity "baseline:latest": ${reason}`);
    expect((await api(s.url, 'GET', `/api/v1/namespaces/default/pods/${name}`)).status).toBe(404);
  });

  it('admits a plain busybox pod without a warning', async () => {
    const r = await create('default', podWith('plain'));
    expect(r.status).toBe(201);
    expect(r.headers.get('warning')).toBeNull();
  });

  it('a restricted namespace refuses a pod that runs as root; a warn=restricted namespace admits it and warns', async () => {
    const refused = await create('strict', podWith('root'));
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(/^pods "root" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false \(container "c" must set securityContext\.allowPrivilegeEscalation=false\), .*runAsNonRoot != true \(pod or container "c" must set securityContext\.runAsNonRoot=true\)/);
    const compliant = { securityContext: { allowPrivilegeEscalation: false, runAsNonRoot: true, runAsUser: 1000, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' } } };
    expect((await create('strict', podWith('nonroot', {}, compliant))).status).toBe(201);
    const warned = await create('loud', podWith('root'));
    expect(warned.status).toBe(201);
    expect(warnings(warned.headers)).toEqual([expect.stringMatching(/^would violate PodSecurity "restricted:v1\.32": allowPrivilegeEscalation != false .*runAsNonRoot != true/)]);
  });

  it('a privileged namespace and the exempt kube-system admit what baseline refuses, where the node can do it', async () => {
    const escalated = podWith('escalated', { volumes: [{ name: 'h', hostPath: { path: '/tmp' } }] }, { ports: [{ containerPort: 80, hostPort: 18080 }], securityContext: { privileged: true, capabilities: { add: ['SYS_ADMIN', 'NET_ADMIN'] } } });
    expect((await create('open', escalated)).status).toBe(201);
    expect((await create('kube-system', escalated)).status).toBe(201);
  });

  it('refuses what the node cannot do with 422 naming the field, even where Pod Security allows it', async () => {
    const r = await create('open', podWith('hostnet', { hostNetwork: true, hostPID: true }, { securityContext: { seLinuxOptions: { type: 'container_t' } } }));
    expect(r.status).toBe(422);
    expect(r.body.reason).toBe('Invalid');
    expect(r.body.message).toContain('Pod "hostnet" is invalid: [spec.hostNetwork: Forbidden: the node agent runs every pod in its own Docker sandbox');
    expect(r.body.details.causes.map((c: { field: string }) => c.field)).toEqual(['spec.hostNetwork', 'spec.hostPID', 'spec.containers[0].securityContext.seLinuxOptions']);
  });

  it('refuses a pod that asks for its own user namespace (hostUsers: false) instead of running it with the host\'s', async () => {
    const r = await create('kube-system', podWith('userns', { hostUsers: false }));
    expect(r.status).toBe(422);
    expect(r.body.details.causes).toEqual([{ reason: 'FieldValueForbidden', field: 'spec.hostUsers', message: 'Forbidden: the node agent cannot give a pod its own user namespace' }]);
    expect((await create('kube-system', podWith('hostusers', { hostUsers: true }))).status).toBe(201);
  });

  it.each(['/var/run/docker.sock', '/run/docker.sock', '/var/run', '/run/', '/', '/var/run/../run'])('refuses hostPath %s at every level: it reaches the Docker socket', async (path) => {
    for (const ns of ['open', 'kube-system']) {
      const r = await create(ns, podWith('sock', { volumes: [{ name: 'sock', hostPath: { path } }] }));
      expect(r.status).toBe(403);
      expect(r.body.message).toContain(`pods "sock" is forbidden: hostPath volume "sock" (path "${path}") would expose the container engine's socket`);
    }
  });

  it('warns (never enforces) on a workload template, as kube does; its pods are refused when created', async () => {
    const dep = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'priv' },
      spec: { selector: { matchLabels: { app: 'priv' } }, template: { metadata: { labels: { app: 'priv' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36', securityContext: { privileged: true } }] } } },
    };
    const r = await api(s.url, 'POST', '/apis/apps/v1/namespaces/default/deployments', dep);
    expect(r.status).toBe(201);
    expect(warnings(r.headers)).toEqual(['would violate PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)']);
    expect(audits).toContain('would violate PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)');
    // Writing the same template again (a scale) says nothing new.
    const scaled = await api(s.url, 'PATCH', '/apis/apps/v1/namespaces/default/deployments/priv', { spec: { replicas: 3 } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(scaled.status).toBe(200);
    expect(scaled.headers.get('warning')).toBeNull();
  });

  it('checks pod updates only when kube does (images), so a pod admitted earlier keeps its status writes', async () => {
    // Admitted in the privileged namespace; the namespace then turns baseline.
    expect((await create('open', podWith('legacy', {}, { securityContext: { privileged: true } }))).status).toBe(201);
    const relabel = await api(s.url, 'PATCH', '/api/v1/namespaces/open', { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'baseline' } } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(relabel.status).toBe(200);
    expect(warnings(relabel.headers)).toEqual(
      expect.arrayContaining(['existing pods in namespace "open" violate the new PodSecurity enforce level "baseline:latest"', 'legacy: privileged', 'escalated: non-default capabilities, hostPath volumes, hostPort, privileged']),
    );
    const status = await api(s.url, 'PATCH', '/api/v1/namespaces/open/pods/legacy/status', { status: { phase: 'Running' } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(status.status).toBe(200);
    const labels = await api(s.url, 'PATCH', '/api/v1/namespaces/open/pods/legacy', { metadata: { labels: { a: 'b' } } }, { 'Content-Type': 'application/merge-patch+json' });
    expect(labels.status).toBe(200);
    const image = await api(s.url, 'PATCH', '/api/v1/namespaces/open/pods/legacy', { spec: { containers: [{ name: 'c', image: 'busybox:latest' }] } }, { 'Content-Type': 'application/strategic-merge-patch+json' });
    expect(image.status).toBe(403);
    expect(image.body.message).toBe('pods "legacy" is forbidden: violates PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)');
  });

  it('checks ephemeral containers (kubectl debug) as kube does: a privileged debug container is refused in baseline', async () => {
    expect((await create('default', podWith('debugged'))).status).toBe(201);
    const debug = (ns: string, name: string, securityContext: Spec) =>
      api(s.url, 'PATCH', `/api/v1/namespaces/${ns}/pods/${name}/ephemeralcontainers`, { spec: { ephemeralContainers: [{ name: 'dbg', image: 'busybox:1.36', securityContext }] } }, { 'Content-Type': 'application/strategic-merge-patch+json' });
    // kubectl debug --profile=sysadmin asks for privileged; a hand-written one for capabilities and no seccomp.
    const sysadmin = await debug('default', 'debugged', { privileged: true });
    expect(sysadmin.status).toBe(403);
    expect(sysadmin.body.message).toBe('pods "debugged" is forbidden: violates PodSecurity "baseline:latest": privileged (container "dbg" must not set securityContext.privileged=true)');
    const caps = await debug('default', 'debugged', { capabilities: { add: ['SYS_ADMIN'] }, seccompProfile: { type: 'Unconfined' } });
    expect(caps.status).toBe(403);
    expect(caps.body.message).toBe('pods "debugged" is forbidden: violates PodSecurity "baseline:latest": non-default capabilities (container "dbg" must not include "SYS_ADMIN" in securityContext.capabilities.add), seccompProfile (container "dbg" must not set securityContext.seccompProfile.type to "Unconfined")');
    expect((await api(s.url, 'GET', '/api/v1/namespaces/default/pods/debugged')).body.spec.ephemeralContainers).toBeUndefined();
    // What the node cannot do is refused for a debug container too, even where Pod Security allows it.
    expect((await create('kube-system', podWith('debugged'))).status).toBe(201);
    const selinux = await debug('kube-system', 'debugged', { seLinuxOptions: { type: 'spc_t' } });
    expect(selinux.status).toBe(422);
    expect(selinux.body.details.causes.map((c: { field: string }) => c.field)).toEqual(['spec.ephemeralContainers[0].securityContext.seLinuxOptions']);
    expect((await debug('default', 'debugged', {})).status).toBe(200);
  });

  it('refuses a namespace label that is not a level or version with 422', async () => {
    const r = await api(s.url, 'POST', '/api/v1/namespaces', { metadata: { name: 'typo', labels: { 'pod-security.kubernetes.io/enforce': 'strict', 'pod-security.kubernetes.io/warn-version': '1.32' } } });
    expect(r.status).toBe(422);
    expect(r.body.message).toBe(
      'Namespace "typo" is invalid: [metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted, metadata.labels[pod-security.kubernetes.io/warn-version]: Invalid value: "1.32": must be "latest" or "v1.<minor>"]',
    );
  });
});
