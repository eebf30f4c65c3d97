import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RESOURCES } from '@skiff/api';
import { api, pod, startServer, type RunningServer } from '../harness.js';
import { columns, Kubectl } from './kubectl.js';
import { waitFor } from '@skiff/testing';
import { parse as parseYaml } from 'yaml';

let s: RunningServer;
let k: Kubectl;
beforeAll(async () => {
  s = await startServer({ storage: 'sqlite' });
  k = new Kubectl(s.url);
});
afterAll(async () => {
  k?.cleanup();
  await s?.close();
});

const PODS = '/api/v1/namespaces/default/pods';
const DEPLOYS = '/apis/apps/v1/namespaces/default/deployments';
const MERGE = { 'Content-Type': 'application/merge-patch+json' };

async function must(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<any> {
  const r = await api(s.url, method, path, body, headers);
  if (r.status >= 300) throw new Error(`${method} ${path}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body;
}

const kubectl = (...args: string[]): Promise<string> => k.output(args);

/** createPod creates a pod, optionally binds it to a node and sets its status (through the subresources). */
async function createPod(name: string, opts: { labels?: Record<string, string>; node?: string; status?: Record<string, unknown> } = {}): Promise<any> {
  let p = await must('POST', PODS, pod(name, { metadata: { name, labels: opts.labels ?? { app: 'web' } } }));
  if (opts.node) {
    await must('POST', `${PODS}/${name}/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name }, target: { apiVersion: 'v1', kind: 'Node', name: opts.node } });
  }
  if (opts.status) p = await must('PATCH', `${PODS}/${name}/status`, { status: opts.status }, MERGE);
  return p;
}

function deploymentYaml(name: string, image = 'nginx:1.27', replicas = 1): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
  labels:
    app: ${name}
spec:
  replicas: ${replicas}
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
    spec:
      containers:
      - name: main
        image: ${image}
        ports:
        - containerPort: 80
`;
}

const RUNNING = {
  phase: 'Running',
  podIP: '10.0.0.7',
  podIPs: [{ ip: '10.0.0.7' }],
  hostIP: '192.168.1.10',
  conditions: [{ type: 'Ready', status: 'True' }],
  containerStatuses: [{ name: 'c', ready: true, restartCount: 0, image: 'busybox:1.36', imageID: '', state: { running: { startedAt: '2025-01-01T00:00:00Z' } } }],
};

describe('kubectl version and discovery', () => {
  it('reports the server as 1.32', async () => {
    const out = await kubectl('version', '-o', 'json');
    const v = JSON.parse(out);
    expect(v.serverVersion).toMatchObject({ major: '1', minor: '32' });
    expect(v.clientVersion.minor).toMatch(/^32/);
  });

  it('lists api-resources with short names', async () => {
    const out = await kubectl('api-resources');
    const lines = out.trim().split('\n');
    expect(columns(lines[0]!)).toEqual(['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
    // nodes and pods also appear as metrics.k8s.io/v1beta1 NodeMetrics and PodMetrics, listed after core (as in kube).
    const byName = new Map(lines.slice(1).map((l) => columns(l)).filter((c) => !c.includes('metrics.k8s.io/v1beta1')).map((c) => [c[0], c]));
    expect(lines.filter((l) => /^pods\s+metrics\.k8s\.io\/v1beta1\s+true\s+PodMetrics$/.test(l.trim()))).toHaveLength(1);
    expect(byName.get('pods')).toEqual(['pods', 'po', 'v1', 'true', 'Pod']);
    expect(byName.get('nodes')).toEqual(['nodes', 'no', 'v1', 'false', 'Node']);
    expect(byName.get('deployments')).toEqual(['deployments', 'deploy', 'apps/v1', 'true', 'Deployment']);
    expect(byName.get('replicasets')).toEqual(['replicasets', 'rs', 'apps/v1', 'true', 'ReplicaSet']);
    expect(byName.get('leases')?.slice(-3)).toEqual(['coordination.k8s.io/v1', 'true', 'Lease']);
  });
});

describe('kubectl get pods', () => {
  beforeAll(async () => {
    await createPod('web-1', { node: 'node-a', status: RUNNING });
    await createPod('web-2', { node: 'node-b', status: { ...RUNNING, podIP: '10.0.0.8', podIPs: [{ ip: '10.0.0.8' }] } });
    await createPod('db-1', { labels: { app: 'db' } });
  });

  it('prints the server-side Table columns and rows', async () => {
    const out = await kubectl('get', 'pods');
    const lines = out.trim().split('\n');
    expect(columns(lines[0]!)).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    const rows = lines.slice(1).map(columns);
    expect(rows.map((r) => r[0])).toEqual(['db-1', 'web-1', 'web-2']);
    expect(rows[0]!.slice(0, 4)).toEqual(['db-1', '0/1', 'Pending', '0']);
    expect(rows[1]!.slice(0, 4)).toEqual(['web-1', '1/1', 'Running', '0']);
    expect(rows[1]![4]).toMatch(/^\d+s$/);
  });

  it('adds the priority-1 columns with -o wide', async () => {
    const out = await kubectl('get', 'pods', '-o', 'wide');
    const lines = out.trim().split('\n');
    expect(columns(lines[0]!)).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    const web1 = columns(lines.find((l) => l.startsWith('web-1'))!);
    expect(web1.slice(5)).toEqual(['10.0.0.7', 'node-a', '<none>', '<none>']);
    const db1 = columns(lines.find((l) => l.startsWith('db-1'))!);
    expect(db1.slice(5)).toEqual(['<none>', '<none>', '<none>', '<none>']);
  });

  it('returns a List of full objects with -o json', async () => {
    const list = JSON.parse(await kubectl('get', 'pods', '-o', 'json'));
    expect(list.kind).toBe('List');
    expect(list.items.map((p: any) => p.metadata.name)).toEqual(['db-1', 'web-1', 'web-2']);
    expect(list.items[1]).toMatchObject({ kind: 'Pod', apiVersion: 'v1', spec: { nodeName: 'node-a' }, status: { phase: 'Running' } });
  });

  it('filters with -l', async () => {
    const out = await kubectl('get', 'pods', '-l', 'app=web', '-o', 'name');
    expect(out.trim().split('\n')).toEqual(['pod/web-1', 'pod/web-2']);
    const notWeb = await kubectl('get', 'pods', '-l', 'app!=web', '-o', 'name');
    expect(notWeb.trim()).toBe('pod/db-1');
  });

  it('filters with --field-selector', async () => {
    expect((await kubectl('get', 'pods', '--field-selector', 'spec.nodeName=node-a', '-o', 'name')).trim()).toBe('pod/web-1');
    expect((await kubectl('get', 'pods', '--field-selector', 'status.phase=Pending', '-o', 'name')).trim()).toBe('pod/db-1');
    expect((await kubectl('get', 'pods', '--field-selector', 'status.phase=Running,spec.nodeName!=node-a', '-o', 'name')).trim()).toBe('pod/web-2');
  });

  it('shows --show-labels and -L from the row metadata', async () => {
    const out = await kubectl('get', 'pods', '-L', 'app', '--show-labels');
    const lines = out.trim().split('\n');
    expect(columns(lines[0]!)).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'APP', 'LABELS']);
    expect(columns(lines.find((l) => l.startsWith('db-1'))!).slice(-2)).toEqual(['db', 'app=db']);
  });

  it('prints "No resources found" for an empty selection', async () => {
    const r = await k.run(['get', 'pods', '-l', 'app=none']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('No resources found in default namespace.');
  });

  it('prints the NotFound Status for a missing pod', async () => {
    const r = await k.run(['get', 'pod', 'nope']);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe('Error from server (NotFound): pods "nope" not found');
  });

  it('reads one field with jsonpath', async () => {
    expect(await kubectl('get', 'pod', 'web-2', '-o', 'jsonpath={.status.podIP}')).toBe('10.0.0.8');
  });
});

describe('kubectl get over more than one page', () => {
  beforeAll(async () => {
    await must('POST', '/api/v1/namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'many' } });
    // In-process: what is under test is kubectl reading them back, 500 at a time.
    for (let i = 0; i < 1100; i++) s.api.registry.create(RESOURCES.pods, 'many', pod(`m-${String(i).padStart(4, '0')}`));
    await s.store.sync();
  });

  it('follows continue tokens to print all 1,100 pods (limit=500)', async () => {
    const r = await k.run(['get', 'pods', '-n', 'many', '--no-headers', '-v=6']);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1100);
    expect(columns(lines[0]!)[0]).toBe('m-0000');
    expect(columns(lines[1099]!)[0]).toBe('m-1099');
    // Three requests: the first page, then two that carry the previous page's token.
    const pages = r.stderr.split('\n').filter((l) => /GET http:\/\/\S+\/api\/v1\/namespaces\/many\/pods\?/.test(l));
    expect(pages).toHaveLength(3);
    expect(pages.filter((l) => /[?&]continue=/.test(l))).toHaveLength(2);
  });

  it('merges pages into one List for -o jsonpath with --chunk-size', async () => {
    const names = (await kubectl('get', 'pods', '-n', 'many', '-o', 'jsonpath={.items[*].metadata.name}', '--chunk-size=300')).trim().split(' ');
    expect(names).toHaveLength(1100);
    expect(new Set(names).size).toBe(1100);
  });
});

describe('kubectl get nodes, deployments, replicasets', () => {
  beforeAll(async () => {
    await must('POST', '/api/v1/nodes', {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'node-a', labels: { 'node-role.kubernetes.io/control-plane': '' } },
    });
    await must('PATCH', '/api/v1/nodes/node-a/status', {
      status: {
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ok' }],
        addresses: [{ type: 'InternalIP', address: '192.168.1.10' }],
        nodeInfo: { kubeletVersion: 'v1.32.0-skiff', osImage: 'Skiff OS', kernelVersion: '6.1.0', containerRuntimeVersion: 'skiff://1.0', machineID: '', systemUUID: '', bootID: '', kubeProxyVersion: '', operatingSystem: 'linux', architecture: 'amd64' },
      },
    }, MERGE);
    await must('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-b' } });
  });

  it('prints nodes with ROLES and VERSION', async () => {
    const lines = (await kubectl('get', 'nodes')).trim().split('\n');
    expect(columns(lines[0]!)).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']);
    const a = columns(lines[1]!);
    expect([a[0], a[1], a[2], a[4]]).toEqual(['node-a', 'Ready', 'control-plane', 'v1.32.0-skiff']);
    const b = columns(lines[2]!);
    expect([b[0], b[1], b[2]]).toEqual(['node-b', 'Unknown', '<none>']);
  });

  it('prints node wide columns', async () => {
    const lines = (await kubectl('get', 'no', '-o', 'wide')).trim().split('\n');
    expect(columns(lines[0]!)).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME']);
    expect(columns(lines[1]!).slice(5)).toEqual(['192.168.1.10', '<none>', 'Skiff OS', '6.1.0', 'skiff://1.0']);
  });

  it('cordons and uncordons a node (strategic patch of spec.unschedulable)', async () => {
    expect((await kubectl('cordon', 'node-b')).trim()).toBe('node/node-b cordoned');
    expect(columns((await kubectl('get', 'node', 'node-b', '--no-headers')).trim())[1]).toBe('Unknown,SchedulingDisabled');
    expect((await kubectl('uncordon', 'node-b')).trim()).toBe('node/node-b uncordoned');
    expect((await must('GET', '/api/v1/nodes/node-b')).spec.unschedulable).toBeUndefined();
  });

  it('prints deployment and replicaset columns', async () => {
    const d = JSON.parse(deployJson('shown', 2));
    await must('POST', DEPLOYS, d);
    await must('POST', '/apis/apps/v1/namespaces/default/replicasets', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'shown-abc', labels: { app: 'shown' } },
      spec: d.spec,
    });
    const dl = (await kubectl('get', 'deploy', 'shown', '-o', 'wide')).trim().split('\n');
    expect(columns(dl[0]!)).toEqual(['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
    const drow = columns(dl[1]!);
    expect(drow.slice(0, 4)).toEqual(['shown', '0/2', '0', '0']);
    expect(drow.slice(5)).toEqual(['main', 'nginx:1.27', 'app=shown']);
    const rl = (await kubectl('get', 'rs')).trim().split('\n');
    expect(columns(rl[0]!)).toEqual(['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE']);
    expect(columns(rl[1]!).slice(0, 4)).toEqual(['shown-abc', '2', '0', '0']);
  });
});

function deployJson(name: string, replicas: number): string {
  return JSON.stringify({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'main', image: 'nginx:1.27' }] } },
    },
  });
}

describe('kubectl create, apply, delete', () => {
  it('creates a Deployment and a Pod from one YAML file with strict validation, then reports AlreadyExists', async () => {
    const file = k.writeFile(
      'create.yaml',
      `${deploymentYaml('created')}---
apiVersion: v1
kind: Pod
metadata:
  name: created-pod
spec:
  containers:
  - name: c
    image: busybox:1.36
`,
    );
    const r = await k.run(['create', '-f', file]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['deployment.apps/created created', 'pod/created-pod created']);
    expect((await must('GET', `${DEPLOYS}/created`)).spec.template.spec.containers[0].ports).toEqual([{ containerPort: 80, protocol: 'TCP' }]);
    const again = await k.run(['create', '-f', file]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain(`Error from server (AlreadyExists): error when creating "${file}": deployments.apps "created" already exists`);
    expect(again.stderr).toContain(`Error from server (AlreadyExists): error when creating "${file}": pods "created-pod" already exists`);
  });

  it('rejects an unknown field under fieldValidation=Strict', async () => {
    const file = k.writeFile('typo.yaml', 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: typo\nspec:\n  containerz: []\n  containers:\n  - name: c\n    image: busybox\n');
    const r = await k.run(['create', '-f', file]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('unknown field "spec.containerz"');
  });

  // The generator commands use client-go typed clients, which send protobuf bodies whatever the server prefers.
  it('creates a namespace and a deployment with the generator commands (protobuf bodies)', async () => {
    expect((await kubectl('create', 'namespace', 'gen-ns')).trim()).toBe('namespace/gen-ns created');
    expect((await must('GET', '/api/v1/namespaces/gen-ns')).status.phase).toBe('Active');
    const r = await k.run(['create', 'deployment', 'gen', '--image=nginx:1.27', '--replicas=2', '--port=8080', '-n', 'gen-ns', '--', 'nginx', '-g', 'daemon off;']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('deployment.apps/gen created');
    const d = await must('GET', '/apis/apps/v1/namespaces/gen-ns/deployments/gen');
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.selector).toEqual({ matchLabels: { app: 'gen' } });
    expect(d.spec.template.spec.containers[0]).toMatchObject({ name: 'nginx', image: 'nginx:1.27', command: ['nginx', '-g', 'daemon off;'], ports: [{ containerPort: 8080, protocol: 'TCP' }] });
    const dup = await k.run(['create', 'namespace', 'gen-ns']);
    expect(dup.code).not.toBe(0);
    expect(dup.stderr.trim()).toBe('Error from server (AlreadyExists): namespaces "gen-ns" already exists');
  });

  // kube defaults enableServiceLinks (SetDefaults_Pod) and priority/preemptionPolicy (Priority admission) on Pods
  // only: a Deployment's template shows none of them, in the object or in its managedFields.
  it('keeps pod-only defaults out of a created deployment\'s template, and a pod with the same spec gets them', async () => {
    expect((await kubectl('create', 'deployment', 'tmpl', '--image=busybox:1.36')).trim()).toBe('deployment.apps/tmpl created');
    const d = parseYaml(await kubectl('get', 'deploy', 'tmpl', '-o', 'yaml', '--show-managed-fields'));
    const spec = d.spec.template.spec;
    expect(spec).toMatchObject({ dnsPolicy: 'ClusterFirst', restartPolicy: 'Always', schedulerName: 'default-scheduler' });
    for (const field of ['enableServiceLinks', 'priority', 'preemptionPolicy']) {
      expect(spec).not.toHaveProperty(field);
      for (const entry of d.metadata.managedFields) expect(Object.keys(entry.fieldsV1?.['f:spec']?.['f:template']?.['f:spec'] ?? {})).not.toContain(`f:${field}`);
    }
    const p = await must('POST', PODS, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'tmpl-pod' }, spec });
    expect(p.spec).toMatchObject({ enableServiceLinks: true, priority: 0, preemptionPolicy: 'PreemptLowerPriority' });
  });

  it('creates ConfigMaps, Secrets and ServiceAccounts with the generator commands and prints them, never a Secret value', async () => {
    const file = join(k.dir, 'app.properties');
    writeFileSync(file, 'color=blue\n');
    expect((await kubectl('create', 'configmap', 'gen-cm', '--from-literal=LEVEL=debug', `--from-file=${file}`)).trim()).toBe('configmap/gen-cm created');
    expect((await kubectl('create', 'secret', 'generic', 'gen-s', '--from-literal=password=hunter2')).trim()).toBe('secret/gen-s created');
    expect((await kubectl('create', 'secret', 'docker-registry', 'gen-reg', '--docker-server=r.example', '--docker-username=u', '--docker-password=p')).trim()).toBe('secret/gen-reg created');
    expect((await kubectl('create', 'serviceaccount', 'gen-sa')).trim()).toBe('serviceaccount/gen-sa created');
    expect((await must('GET', '/api/v1/namespaces/default/configmaps/gen-cm')).data).toEqual({ LEVEL: 'debug', 'app.properties': 'color=blue\n' });
    expect((await must('GET', '/api/v1/namespaces/default/secrets/gen-s')).data).toEqual({ password: Buffer.from('hunter2').toString('base64') });

    const rows = (await kubectl('get', 'cm/gen-cm', 'secret/gen-s', 'secret/gen-reg', 'sa/gen-sa')).trim().split('\n').filter(Boolean).map(columns);
    expect(rows).toEqual([
      ['NAME', 'DATA', 'AGE'],
      ['configmap/gen-cm', '2', expect.stringMatching(/^\d+s$/)],
      ['NAME', 'TYPE', 'DATA', 'AGE'],
      ['secret/gen-s', 'Opaque', '1', expect.stringMatching(/^\d+s$/)],
      ['secret/gen-reg', 'kubernetes.io/dockerconfigjson', '1', expect.stringMatching(/^\d+s$/)],
      ['NAME', 'SECRETS', 'AGE'],
      ['serviceaccount/gen-sa', '0', expect.stringMatching(/^\d+s$/)],
    ]);
    const described = await kubectl('describe', 'secret', 'gen-s');
    expect(described).toMatch(/password:\s+7 bytes/);
    expect(described).not.toContain('hunter2');
  });

  it('drains a node (cordon, then evicts: POST pods/eviction with a protobuf Eviction carrying the grace period)', async () => {
    await must('POST', '/api/v1/nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-drain' } });
    await createPod('drained-1', { node: 'node-drain', status: RUNNING });
    await createPod('drained-2', { node: 'node-drain', status: RUNNING });
    await createPod('elsewhere', { node: 'node-a', status: RUNNING });
    const r = await k.run(['drain', 'node-drain', '--force', '--grace-period=0', '--timeout=15s']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('node/node-drain cordoned');
    // pods/eviction is in discovery, so kubectl evicts instead of deleting.
    expect(r.stdout).toContain('pod/drained-1 evicted');
    expect(r.stdout).toContain('node/node-drain drained');
    expect((await must('GET', '/api/v1/nodes/node-drain')).spec.unschedulable).toBe(true);
    expect((await api(s.url, 'GET', `${PODS}/drained-2`)).status).toBe(404);
    expect((await api(s.url, 'GET', `${PODS}/elsewhere`)).status).toBe(200);
  });

  it('applies: created, configured, unchanged', async () => {
    const file = k.writeFile('apply.yaml', deploymentYaml('applied'));
    expect((await kubectl('apply', '-f', file)).trim()).toBe('deployment.apps/applied created');
    k.writeFile('apply.yaml', deploymentYaml('applied', 'nginx:1.28', 2));
    expect((await kubectl('apply', '-f', file)).trim()).toBe('deployment.apps/applied configured');
    const d = await must('GET', `${DEPLOYS}/applied`);
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.template.spec.containers[0]).toMatchObject({ image: 'nginx:1.28', ports: [{ containerPort: 80 }] });
    expect(d.metadata.generation).toBe(2);
    expect((await kubectl('apply', '-f', file)).trim()).toBe('deployment.apps/applied unchanged');
  });

  it('applies server-side', async () => {
    const file = k.writeFile('ssa.yaml', deploymentYaml('ssa'));
    expect((await kubectl('apply', '--server-side', '-f', file)).trim()).toBe('deployment.apps/ssa serverside-applied');
    k.writeFile('ssa.yaml', deploymentYaml('ssa', 'nginx:1.29'));
    expect((await kubectl('apply', '--server-side', '-f', file)).trim()).toBe('deployment.apps/ssa serverside-applied');
    expect((await must('GET', `${DEPLOYS}/ssa`)).spec.template.spec.containers[0].image).toBe('nginx:1.29');
  });

  it('deletes an unbound pod at once', async () => {
    await createPod('gone');
    const r = await k.run(['delete', 'pod', 'gone']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('pod "gone" deleted');
    expect((await api(s.url, 'GET', `${PODS}/gone`)).status).toBe(404);
  });

  it('leaves a bound pod Terminating with --wait=false, and --force --grace-period=0 removes it', async () => {
    await createPod('bound', { node: 'node-a', status: RUNNING });
    expect((await kubectl('delete', 'pod', 'bound', '--wait=false')).trim()).toBe('pod "bound" deleted');
    const row = columns((await kubectl('get', 'pod', 'bound', '--no-headers')).trim());
    expect(row.slice(0, 3)).toEqual(['bound', '1/1', 'Terminating']);
    const forced = await k.run(['delete', 'pod', 'bound', '--force', '--grace-period=0']);
    expect(forced.code).toBe(0);
    expect(forced.stderr).toContain('Immediate deletion does not wait for confirmation');
    expect(forced.stdout.trim()).toBe('pod "bound" force deleted');
    expect((await api(s.url, 'GET', `${PODS}/bound`)).status).toBe(404);
  });

  it('waits for a graceful delete to finish (watch until DELETED)', async () => {
    await createPod('waited', { node: 'node-a', status: RUNNING });
    const del = k.stream(['delete', 'pod', 'waited', '--timeout=15s']);
    await del.waitForLine(/pod "waited" deleted/);
    // Play the node agent: once the object is Terminating, finish it with grace 0.
    await waitFor(async () => (await api(s.url, 'GET', `${PODS}/waited`)).body.metadata?.deletionTimestamp, { what: 'the pod to be Terminating' });
    await must('DELETE', `${PODS}/waited`, { gracePeriodSeconds: 0 });
    expect(await del.exited).toBe(0);
  });
});

/**
 * watchStarts counts the watches the api-server starts from now on and returns a wait for the first of them.
 * Counted at the hub's start, not by its size: a watch of an earlier test still closing would hide a new one.
 */
function watchStarts(): (what: string) => Promise<void> {
  const starts = vi.spyOn(s.api.hub, 'start');
  return async (what) => {
    try {
      await waitFor(() => starts.mock.calls.length > 0, { what, timeoutMs: 30_000 });
    } finally {
      starts.mockRestore();
    }
  };
}

describe('kubectl get -w', () => {
  it('prints the initial rows, then a row per change', async () => {
    await createPod('watched');
    const watchStarted = watchStarts();
    const w = k.stream(['get', 'pods', '-w', '-l', 'app=watched-app']);
    try {
      // Change the pod once kubectl's watch is registered, so the change reaches it as an event.
      await watchStarted("kubectl get -w's watch");
      await must('PATCH', `${PODS}/watched`, { metadata: { labels: { app: 'watched-app' } } }, MERGE);
      const added = await w.waitForLine(/^watched\s+0\/1\s+Pending\s+0\s+\d+s$/);
      expect(added).toBeTruthy();
      expect(w.lines[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
      await must('PATCH', `${PODS}/watched/status`, { status: { phase: 'Running' } }, MERGE);
      await w.waitForLine(/^watched\s+0\/1\s+Running\s+0/);
    } finally {
      w.kill();
    }
  });

  it('prints the current object first for a named watch', async () => {
    await createPod('watched-2');
    const w = k.stream(['get', 'pod', 'watched-2', '-w']);
    try {
      await w.waitForLine(/^NAME\s+READY\s+STATUS/);
      await w.waitForLine(/^watched-2\s+0\/1\s+Pending/);
      await must('POST', `${PODS}/watched-2/binding`, { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'watched-2' }, target: { kind: 'Node', name: 'node-b' } });
      await must('PATCH', `${PODS}/watched-2/status`, { status: RUNNING }, MERGE);
      await w.waitForLine(/^watched-2\s+1\/1\s+Running/);
    } finally {
      w.kill();
    }
  });

  it('prints event types with --output-watch-events', async () => {
    await createPod('evw', { labels: { app: 'evw' } });
    const w = k.stream(['get', 'pods', '-w', '-l', 'app=evw', '--output-watch-events']);
    try {
      await w.waitForLine(/^ADDED\s+evw\s+0\/1\s+Pending/);
      await must('PATCH', `${PODS}/evw/status`, { status: { phase: 'Failed' } }, MERGE);
      await w.waitForLine(/^MODIFIED\s+evw\s+0\/1\s+Failed/);
      await must('DELETE', `${PODS}/evw`);
      await w.waitForLine(/^DELETED\s+evw\s/);
      expect(columns(w.lines[0]!)).toEqual(['EVENT', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    } finally {
      w.kill();
    }
  });

  it('waits for a condition (kubectl wait watches the named object)', async () => {
    await createPod('ready-soon');
    const watchStarted = watchStarts();
    const w = k.stream(['wait', '--for=condition=Ready', 'pod/ready-soon', '--timeout=60s']);
    // Make the pod Ready only once kubectl's watch is registered, so the condition reaches it as a watch event
    // (before that, kubectl's first GET would see it and no watch would be tested).
    await watchStarted("kubectl wait's watch");
    await must('PATCH', `${PODS}/ready-soon/status`, { status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } }, MERGE);
    await w.waitForLine(/^pod\/ready-soon condition met$/);
    expect(await w.exited).toBe(0);
  });

  it('exits 0 when the server ends the watch', async () => {
    const short = await startServer({ storage: 'sqlite', minRequestTimeoutSeconds: 1 });
    const k2 = new Kubectl(short.url);
    try {
      const w = k2.stream(['get', 'pods', '-w']);
      const code = await Promise.race([w.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000))]);
      w.kill();
      expect(code).toBe(0);
    } finally {
      k2.cleanup();
      await short.close();
    }
  });
});

describe('kubectl scale, label, annotate, patch', () => {
  beforeAll(async () => {
    await must('POST', DEPLOYS, JSON.parse(deployJson('web', 1)));
    await createPod('labelled');
  });

  it('scales a deployment through /scale', async () => {
    expect((await kubectl('scale', 'deployment', 'web', '--replicas=3')).trim()).toBe('deployment.apps/web scaled');
    expect(await kubectl('get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}')).toBe('3');
    expect((await kubectl('scale', 'deployment', 'web', '--replicas=2', '--current-replicas=3')).trim()).toBe('deployment.apps/web scaled');
    expect(await kubectl('get', 'deploy', 'web', '-o', 'jsonpath={.spec.replicas}')).toBe('2');
    const wrong = await k.run(['scale', 'deployment', 'web', '--replicas=5', '--current-replicas=9']);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stderr).toContain('Expected replicas to be 9, was 2');
  });

  it('labels and annotates a pod', async () => {
    expect((await kubectl('label', 'pod', 'labelled', 'tier=front')).trim()).toBe('pod/labelled labeled');
    expect((await kubectl('annotate', 'pod', 'labelled', 'note=hello')).trim()).toBe('pod/labelled annotated');
    const p = await must('GET', `${PODS}/labelled`);
    expect(p.metadata.labels).toEqual({ app: 'web', tier: 'front' });
    expect(p.metadata.annotations).toEqual({ note: 'hello' });
    const clash = await k.run(['label', 'pod', 'labelled', 'tier=back']);
    expect(clash.code).not.toBe(0);
    expect(clash.stderr).toContain("'tier' already has a value (front), and --overwrite is false");
    expect((await kubectl('label', 'pod', 'labelled', 'tier-')).trim()).toBe('pod/labelled unlabeled');
    expect((await must('GET', `${PODS}/labelled`)).metadata.labels).toEqual({ app: 'web' });
    const stale = await k.run(['label', 'pod', 'labelled', 'x=y', '--resource-version=1']);
    expect(stale.code).not.toBe(0);
    expect(stale.stderr).toContain('Error from server (Conflict)');
  });

  it('patches with merge, json and strategic patches', async () => {
    expect((await kubectl('patch', 'deployment', 'web', '--type', 'merge', '-p', '{"spec":{"minReadySeconds":5}}')).trim()).toBe('deployment.apps/web patched');
    expect((await kubectl('patch', 'deployment', 'web', '--type', 'json', '-p', '[{"op":"replace","path":"/spec/replicas","value":4}]')).trim()).toBe(
      'deployment.apps/web patched',
    );
    const smp = '{"spec":{"template":{"spec":{"containers":[{"name":"sidecar","image":"busybox:1.36"}]}}}}';
    expect((await kubectl('patch', 'deployment', 'web', '-p', smp)).trim()).toBe('deployment.apps/web patched');
    const d = await must('GET', `${DEPLOYS}/web`);
    expect(d.spec.minReadySeconds).toBe(5);
    expect(d.spec.replicas).toBe(4);
    expect(d.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['sidecar', 'main']);
    expect((await kubectl('patch', 'deployment', 'web', '--type', 'merge', '-p', '{"spec":{"minReadySeconds":5}}')).trim()).toBe(
      'deployment.apps/web patched (no change)',
    );
    const bad = await k.run(['patch', 'deployment', 'web', '--type', 'json', '-p', '[{"op":"test","path":"/spec/replicas","value":9}]']);
    expect(bad.code).not.toBe(0);
    // kube-apiserver answers a failed JSON patch with a generic 422, which kubectl prints as an invalid request.
    expect(bad.stderr).toMatch(/^The request is invalid: .*test failed/);
  });

  it('sets an image and restarts a rollout (strategic patches)', async () => {
    expect((await kubectl('set', 'image', 'deployment/web', 'main=nginx:1.29')).trim()).toBe('deployment.apps/web image updated');
    expect((await kubectl('rollout', 'restart', 'deployment/web')).trim()).toBe('deployment.apps/web restarted');
    const d = await must('GET', `${DEPLOYS}/web`);
    expect(d.spec.template.spec.containers.find((c: any) => c.name === 'main').image).toBe('nginx:1.29');
    expect(d.spec.template.metadata.annotations['kubectl.kubernetes.io/restartedAt']).toBeTruthy();
  });
});

describe('kubectl describe and events', () => {
  it('describes a pod with its events', async () => {
    const p = await createPod('described', { node: 'node-a', status: RUNNING });
    const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    await must('POST', '/api/v1/namespaces/default/events', {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'described.1' },
      involvedObject: { kind: 'Pod', namespace: 'default', name: 'described', uid: p.metadata.uid, apiVersion: 'v1' },
      reason: 'Scheduled',
      message: 'Successfully assigned default/described to node-a',
      type: 'Normal',
      source: { component: 'default-scheduler' },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    });
    const out = await kubectl('describe', 'pod', 'described');
    expect(out).toMatch(/^Name:\s+described$/m);
    expect(out).toMatch(/^Namespace:\s+default$/m);
    expect(out).toMatch(/^Node:\s+node-a\/192\.168\.1\.10$/m);
    expect(out).toMatch(/^Status:\s+Running$/m);
    expect(out).toMatch(/^IP:\s+10\.0\.0\.7$/m);
    expect(out).toMatch(/Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned default\/described to node-a/);

    const ev = (await kubectl('get', 'events')).trim().split('\n');
    expect(columns(ev[0]!)).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    expect(columns(ev.find((l) => l.includes('pod/described'))!).slice(1)).toEqual(['Normal', 'Scheduled', 'pod/described', 'Successfully assigned default/described to node-a']);
  });

  it('describes a pod without events', async () => {
    await createPod('quiet');
    const out = await kubectl('describe', 'pod', 'quiet');
    expect(out).toMatch(/^Events:\s+<none>$/m);
  });

  it('describes a deployment', async () => {
    const out = await kubectl('describe', 'deployment', 'created');
    expect(out).toMatch(/^Name:\s+created$/m);
    expect(out).toMatch(/^Replicas:\s+1 desired/m);
  });
});

describe('kubectl rollout status', () => {
  it('finishes once the status catches up with the spec', async () => {
    await must('POST', DEPLOYS, JSON.parse(deployJson('rolled', 2)));
    const r = k.stream(['rollout', 'status', 'deployment/rolled', '--timeout=20s']);
    try {
      await r.waitForLine(/Waiting for deployment/);
      const d = await must('GET', `${DEPLOYS}/rolled`);
      await must('PUT', `${DEPLOYS}/rolled/status`, {
        ...d,
        status: { observedGeneration: d.metadata.generation, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 },
      });
      await r.waitForLine(/deployment "rolled" successfully rolled out/);
      expect(await r.exited).toBe(0);
    } finally {
      r.kill();
    }
  });
});
