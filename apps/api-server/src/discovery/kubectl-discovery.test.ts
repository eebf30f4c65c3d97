import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, SERVED_RESOURCES, SERVED_VERSIONS } from '@skiff/api';
import type { KubeObject, Pod, ResourceName } from '@skiff/api';
import { printTable, tableApiVersion, withTableVersion } from '../printers/index.js';
import { apiGroupList, apiResourceList, apiVersions, openapiV3GroupVersion, openapiV3Root, versionInfo } from './index.js';

const KUBECTL = '/usr/bin/kubectl';
const run = promisify(execFile);
const DAY = 24 * 3600 * 1000;

function pod(name: string, createdAgoMs: number, status: Pod['status']): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      uid: `uid-${name}`,
      resourceVersion: '7',
      labels: { app: name },
      creationTimestamp: new Date(Date.now() - createdAgoMs).toISOString(),
    },
    spec: { containers: [{ name: 'main', image: 'nginx:1.27' }], nodeName: 'node1' },
    status,
  };
}

const PODS: Pod[] = [
  pod('web', 3 * DAY + 30_000, {
    phase: 'Running',
    podIP: '10.0.0.5',
    podIPs: [{ ip: '10.0.0.5' }],
    conditions: [{ type: 'Ready', status: 'True' }],
    containerStatuses: [{ name: 'main', ready: true, restartCount: 0, image: 'nginx:1.27', imageID: '', state: { running: {} } }],
  }),
  pod('crashy', 3 * DAY + 30_000, {
    phase: 'Running',
    containerStatuses: [
      {
        name: 'main',
        ready: false,
        restartCount: 3,
        image: 'nginx:1.27',
        imageID: '',
        state: { waiting: { reason: 'CrashLoopBackOff' } },
        lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: new Date(Date.now() - 2 * DAY - 30_000).toISOString() } },
      },
    ],
  }),
];

const NODES: KubeObject[] = [
  {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'node1', uid: 'n1', creationTimestamp: new Date(Date.now() - 30 * 3600_000 - 30_000).toISOString(), labels: { 'node-role.kubernetes.io/worker': '' } },
    spec: { unschedulable: true },
    status: {
      conditions: [{ type: 'Ready', status: 'True' }],
      addresses: [{ type: 'InternalIP', address: '10.1.0.4' }],
      nodeInfo: { kubeletVersion: 'v1.32.0-skiff', osImage: 'Skiff OS', kernelVersion: '6.8.0', containerRuntimeVersion: 'skiff://0.1' },
    },
  },
];

const EVENTS: KubeObject[] = [
  {
    apiVersion: 'v1',
    kind: 'Event',
    metadata: { name: 'web.1', namespace: 'default', uid: 'e1' },
    involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' },
    reason: 'BackOff',
    message: 'Back-off restarting failed container',
    type: 'Warning',
    source: { component: 'skiff-agent', host: 'node1' },
    firstTimestamp: new Date(Date.now() - 60 * 60_000 - 30_000).toISOString(),
    lastTimestamp: new Date(Date.now() - 20 * 60_000 - 30_000).toISOString(),
    count: 3,
  },
];

const LISTS: Record<string, [ResourceName, KubeObject[]]> = {
  '/api/v1/namespaces/default/pods': ['pods', PODS as unknown as KubeObject[]],
  '/api/v1/nodes': ['nodes', NODES],
  '/api/v1/namespaces/default/events': ['events', EVENTS],
};

function send(res: import('node:http').ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** Every request the test server saw, as "GET /path". */
const seen: string[] = [];

/** A server with only discovery, OpenAPI and a fixed pod list: enough for kubectl get and api-resources. */
function startServer(): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const p = url.pathname;
    seen.push(`${req.method} ${p}${req.method === 'POST' ? url.search : ''}`);
    let m: RegExpMatchArray | null;
    if (p === '/version') return send(res, 200, versionInfo());
    if (p === '/api') return send(res, 200, apiVersions(`127.0.0.1:${(server.address() as AddressInfo).port}`));
    if (p === '/apis') return send(res, 200, apiGroupList());
    if (p === '/openapi/v3') return send(res, 200, openapiV3Root());
    if ((m = p.match(/^\/openapi\/v3\/(.+)$/)) && m[1] && openapiV3GroupVersion(m[1])) return send(res, 200, openapiV3GroupVersion(m[1]));
    if ((m = p.match(/^\/api\/(v1)$/)) || (m = p.match(/^\/apis\/([^/]+)\/([^/]+)$/))) {
      const list = m.length === 2 ? apiResourceList('', m[1] ?? '') : apiResourceList(m[1] ?? '', m[2] ?? '');
      if (list) return send(res, 200, list);
    }
    const list = LISTS[p];
    if (list && req.method === 'GET') {
      const [resource, items] = list;
      const version = tableApiVersion(req.headers.accept);
      if (version) {
        const table = printTable(resource, items, { nowMs: Date.now(), resourceVersion: '7' });
        return send(res, 200, withTableVersion(table, version));
      }
      return send(res, 200, { kind: 'List', apiVersion: 'v1', metadata: { resourceVersion: '7' }, items });
    }
    if (p === '/api/v1/namespaces/default/pods' && req.method === 'POST') {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as KubeObject;
        send(res, 201, { ...body, metadata: { ...body.metadata, namespace: 'default', uid: 'u1', resourceVersion: '8' } });
      });
      return;
    }
    const err = new ApiError({ reason: 'NotFound', message: 'the server could not find the requested resource' });
    return send(res, 404, err.toStatus());
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const columns = (line: string | undefined): string[] => (line ?? '').trim().split(/\s{2,}/);

describe.skipIf(!existsSync(KUBECTL))('kubectl 1.32 against the discovery, OpenAPI and Table shapes', () => {
  let server: Server;
  let dir: string;
  let kubeconfig: string;

  beforeAll(async () => {
    server = await startServer();
    dir = await mkdtemp(join(tmpdir(), 'skiff-kubectl-'));
    kubeconfig = join(dir, 'config');
    const { port } = server.address() as AddressInfo;
    await writeFile(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: skiff, cluster: {server: "http://127.0.0.1:' + port + '"}}]',
        'users: [{name: skiff, user: {}}]',
        'contexts: [{name: skiff, context: {cluster: skiff, user: skiff, namespace: default}}]',
        'current-context: skiff',
        '',
      ].join('\n'),
    );
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await rm(dir, { recursive: true, force: true });
  });

  const kubectl = async (...args: string[]): Promise<string[]> => {
    const { stdout } = await run(KUBECTL, ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'cache'), ...args], {
      env: { ...process.env, HOME: dir, KUBECONFIG: kubeconfig },
      timeout: 60_000,
    });
    return stdout.trimEnd().split('\n');
  };

  it('prints the server-side pod columns for `get pods`', async () => {
    const [header, web, crashy] = await kubectl('get', 'pods');
    expect(columns(header)).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    expect(columns(web)).toEqual(['web', '1/1', 'Running', '0', '3d']);
    expect(columns(crashy)).toEqual(['crashy', '0/1', 'CrashLoopBackOff', '3 (2d ago)', '3d']);
  });

  it('shows the priority-1 columns with -o wide', async () => {
    const [header, web] = await kubectl('get', 'pods', '-o', 'wide');
    expect(columns(header)).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    expect(columns(web)).toEqual(['web', '1/1', 'Running', '0', '3d', '10.0.0.5', 'node1', '<none>', '<none>']);
  });

  it('adds LABELS from the PartialObjectMetadata rows with --show-labels', async () => {
    const [header, web] = await kubectl('get', 'po', '--show-labels');
    expect(columns(header).at(-1)).toBe('LABELS');
    expect(columns(web).at(-1)).toBe('app=web');
  });

  it('prints nodes with status, roles and wide columns', async () => {
    const [header, row] = await kubectl('get', 'nodes', '-o', 'wide');
    expect(columns(header)).toEqual([
      'NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME',
    ]);
    expect(columns(row)).toEqual(['node1', 'Ready,SchedulingDisabled', 'worker', '30h', 'v1.32.0-skiff', '10.1.0.4', '<none>', 'Skiff OS', '6.8.0', 'skiff://0.1']);
  });

  it('prints events with Last Seen counts', async () => {
    const [header, row] = await kubectl('get', 'events');
    expect(columns(header)).toEqual(['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    expect(columns(row)).toEqual(['20m (x3 over 60m)', 'Warning', 'BackOff', 'pod/web', 'Back-off restarting failed container']);
  });

  it('lists every served resource with its short names in `api-resources`', async () => {
    const lines = await kubectl('api-resources', '--cached=false');
    expect(columns(lines[0])).toEqual(['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
    const rows = lines.slice(1).map(columns);
    expect(rows).toEqual(
      expect.arrayContaining([
        ['pods', 'po', 'v1', 'true', 'Pod'],
        ['nodes', 'no', 'v1', 'false', 'Node'],
        ['namespaces', 'ns', 'v1', 'false', 'Namespace'],
        ['events', 'ev', 'v1', 'true', 'Event'],
        ['deployments', 'deploy', 'apps/v1', 'true', 'Deployment'],
        ['replicasets', 'rs', 'apps/v1', 'true', 'ReplicaSet'],
        ['leases', 'coordination.k8s.io/v1', 'true', 'Lease'],
        ['services', 'svc', 'v1', 'true', 'Service'],
        ['endpoints', 'ep', 'v1', 'true', 'Endpoints'],
        ['endpointslices', 'discovery.k8s.io/v1', 'true', 'EndpointSlice'],
        ['configmaps', 'cm', 'v1', 'true', 'ConfigMap'],
        ['secrets', 'v1', 'true', 'Secret'],
        ['serviceaccounts', 'sa', 'v1', 'true', 'ServiceAccount'],
        ['jobs', 'batch/v1', 'true', 'Job'],
        ['cronjobs', 'cj', 'batch/v1', 'true', 'CronJob'],
        ['clusterroles', 'rbac.authorization.k8s.io/v1', 'false', 'ClusterRole'],
        ['rolebindings', 'rbac.authorization.k8s.io/v1', 'true', 'RoleBinding'],
        ['selfsubjectaccessreviews', 'authorization.k8s.io/v1', 'false', 'SelfSubjectAccessReview'],
        ['localsubjectaccessreviews', 'authorization.k8s.io/v1', 'true', 'LocalSubjectAccessReview'],
        ['selfsubjectreviews', 'authentication.k8s.io/v1', 'false', 'SelfSubjectReview'],
        ['nodes', 'metrics.k8s.io/v1beta1', 'false', 'NodeMetrics'],
        ['pods', 'metrics.k8s.io/v1beta1', 'true', 'PodMetrics'],
      ]),
    );
    // One row per served kind: derived from the table (kinds and reviews), so adding a kind does not edit this test; plus the two metrics kinds.
    // A kind served in several versions is one row: kubectl lists each resource in its group's preferred version.
    expect(rows).toHaveLength(SERVED_RESOURCES.length - SERVED_VERSIONS.length + 2);
  });

  it('lets `create -f` pass validation via the OpenAPI stub and send fieldValidation=Strict', async () => {
    const manifest = join(dir, 'pod.yaml');
    await writeFile(manifest, 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: nginx}]}\n');
    seen.length = 0;
    const out = await kubectl('create', '-f', manifest);
    expect(out.join('\n')).toContain('pod/p created');
    expect(seen).toContain('GET /openapi/v3/api/v1');
    expect(seen.find((r) => r.startsWith('POST '))).toMatch(/fieldValidation=Strict/);
  });
});
