/**
 * The official Python client (Debian's python3-kubernetes 22.6), a client nobody here wrote: its watch, and
 * `utils.create_from_yaml` with a multi-document file holding a List and a ConfigMapList, which it unpacks and creates item by item through
 * its typed APIs (CoreV1Api.create_namespaced_config_map, AppsV1Api.create_namespaced_deployment, ...).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@skiff/testing';
import { api, startServer, type RunningServer } from '../harness.js';

/** The system interpreter, where the Debian package lives (a pyenv shim on PATH may not have it). */
const PYTHON = '/usr/bin/python3';

let s: RunningServer;
let dir: string;
beforeAll(async () => {
  s = await startServer({ storage: 'sqlite' });
  dir = mkdtempSync(join(tmpdir(), 'skiff-python-'));
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await s?.close();
});

const SCRIPT = `
import json, sys
from kubernetes import client, utils
cfg = client.Configuration()
cfg.host = sys.argv[1]
api = client.ApiClient(cfg)
try:
    created = utils.create_from_yaml(api, sys.argv[2], namespace='default')
    flat = [o for group in created for o in (group if isinstance(group, list) else [group])]
    print(json.dumps({'created': [[o.kind, o.metadata.namespace, o.metadata.name] for o in flat]}))
except utils.FailToCreateError as e:
    print(json.dumps({'failed': [[x.status, json.loads(x.body)['reason'], json.loads(x.body)['message']] for x in e.api_exceptions]}))
`;

const MANIFEST = `apiVersion: v1
kind: Namespace
metadata:
  name: py-ns
---
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: py-settings
    namespace: py-ns
  data:
    level: debug
- apiVersion: v1
  kind: Service
  metadata:
    name: py-web
    namespace: py-ns
  spec:
    selector:
      app: py-web
    ports:
    - port: 80
      targetPort: 8080
---
apiVersion: v1
kind: ConfigMapList
items:
- metadata:
    name: py-one
  data:
    n: "1"
- metadata:
    name: py-two
  data:
    n: "2"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: py-web
  namespace: py-ns
spec:
  replicas: 2
  selector:
    matchLabels:
      app: py-web
  template:
    metadata:
      labels:
        app: py-web
    spec:
      containers:
      - name: web
        image: busybox:1.36
        ports:
        - containerPort: 8080
`;

function python(file: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, ['-c', SCRIPT, s.url, file], { timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`python exited: ${err.message}\n${stderr}`));
      resolve(JSON.parse(stdout.trim().split('\n').pop()!) as Record<string, unknown>);
    });
  });
}

describe('python kubernetes utils.create_from_yaml', () => {
  it('creates every document of a multi-document file, unpacking a List and a ConfigMapList', async () => {
    const file = join(dir, 'app.yaml');
    writeFileSync(file, MANIFEST);
    const out = await python(file);
    expect(out).toEqual({
      created: [
        ['Namespace', null, 'py-ns'],
        ['ConfigMap', 'py-ns', 'py-settings'],
        ['Service', 'py-ns', 'py-web'],
        ['ConfigMap', 'default', 'py-one'],
        ['ConfigMap', 'default', 'py-two'],
        ['Deployment', 'py-ns', 'py-web'],
      ],
    });
    const get = async (path: string) => (await api(s.url, 'GET', path)).body;
    expect((await get('/api/v1/namespaces/py-ns/configmaps/py-settings')).data).toEqual({ level: 'debug' });
    expect((await get('/api/v1/namespaces/default/configmaps/py-two')).data).toEqual({ n: '2' });
    expect((await get('/api/v1/namespaces/py-ns/services/py-web')).spec.ports).toEqual([{ port: 80, targetPort: 8080, protocol: 'TCP' }]);
    expect((await get('/apis/apps/v1/namespaces/py-ns/deployments/py-web')).spec.replicas).toBe(2);
  });

  it('collects a 409 AlreadyExists per object into FailToCreateError when the file is created again', async () => {
    const file = join(dir, 'again.yaml');
    writeFileSync(file, MANIFEST.split('---\n').slice(2, 3).join(''));
    const out = await python(file);
    expect(out).toEqual({
      failed: [
        [409, 'AlreadyExists', 'configmaps "py-one" already exists'],
        [409, 'AlreadyExists', 'configmaps "py-two" already exists'],
      ],
    });
  });
});

const WATCH = `
import sys
from kubernetes import client, watch
cfg = client.Configuration()
cfg.host = sys.argv[1]
v1 = client.CoreV1Api(client.ApiClient(cfg))
print('LIST ' + ','.join(sorted(p.metadata.name for p in v1.list_namespaced_pod('default').items)), flush=True)
for event in watch.Watch().stream(v1.list_namespaced_pod, 'default', resource_version=sys.argv[2], timeout_seconds=60):
    print(event['type'] + ' ' + event['object'].metadata.name + ' ' + (event['object'].status.phase or '-'), flush=True)
    if event['type'] == 'DELETED':
        break
`;

describe('python kubernetes watch', () => {
  it('lists pods and streams ADDED, MODIFIED and DELETED as typed V1Pod objects', async () => {
    const pod = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] } });
    expect((await api(s.url, 'POST', '/api/v1/namespaces/default/pods', pod('py-before'))).status).toBe(201);
    const rv = (await api(s.url, 'GET', '/api/v1/namespaces/default/pods')).body.metadata.resourceVersion as string;
    const py = spawn(PYTHON, ['-c', WATCH, s.url, rv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    py.stdout.on('data', (d: Buffer) => (out += d.toString()));
    py.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((r) => py.on('exit', r));
    try {
      await waitFor(() => out.includes('LIST py-before'), { what: `python to list pods (output: ${out})`, timeoutMs: 30_000 });
      expect((await api(s.url, 'POST', '/api/v1/namespaces/default/pods', pod('py-watched'))).status).toBe(201);
      await waitFor(() => out.includes('ADDED py-watched'), { what: `python to see ADDED (output: ${out})`, timeoutMs: 30_000 });
      const status = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'py-watched' }, status: { phase: 'Running' } };
      expect((await api(s.url, 'PATCH', '/api/v1/namespaces/default/pods/py-watched/status', status, { 'Content-Type': 'application/merge-patch+json' })).status).toBe(200);
      await waitFor(() => out.includes('MODIFIED py-watched Running'), { what: `python to see MODIFIED (output: ${out})`, timeoutMs: 30_000 });
      expect((await api(s.url, 'DELETE', '/api/v1/namespaces/default/pods/py-watched?gracePeriodSeconds=0')).status).toBe(200);
      expect(await exited).toBe(0);
      expect(out.trim().split('\n')).toEqual(['LIST py-before', 'ADDED py-watched Pending', 'MODIFIED py-watched Running', 'DELETED py-watched Running']);
    } finally {
      py.kill();
    }
  });
});
