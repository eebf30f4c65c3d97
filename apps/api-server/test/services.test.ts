import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn as spawnProcess } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '@skiff/testing';
import { api, freePort, logLine, MAIN_JS, runServerToExit, spawnServer, type ServerProcess } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'skiff-services-'));
let proc: ServerProcess | undefined;
// Every server a test started, so a failing test (which stops before its own kill) leaves no process behind.
const started: ServerProcess[] = [];
async function spawn(args: string[]): Promise<ServerProcess> {
  const p = await spawnServer(args);
  started.push(p);
  return p;
}
afterAll(async () => {
  for (const p of started) await p.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

// A /27 has 30 usable addresses and the node port range 20 ports: small enough to fill.
const RANGES = ['--service-cluster-ip-range=10.96.0.0/27', '--service-node-port-range=30000-30019'];

function service(name: string, spec: Record<string, unknown> = {}) {
  return { apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }], ...spec } };
}

const create = (url: string, body: unknown) => api(url, 'POST', '/api/v1/namespaces/default/services', body);

async function allocated(url: string): Promise<{ ips: string[]; ports: number[] }> {
  const list = await api(url, 'GET', '/api/v1/namespaces/default/services');
  const items = list.body.items as Array<{ spec: { clusterIP: string; ports: Array<{ nodePort?: number }> } }>;
  return { ips: items.map((s) => s.spec.clusterIP), ports: items.flatMap((s) => s.spec.ports.map((p) => p.nodePort ?? 0)).filter(Boolean) };
}

describe('Service allocation through the api-server', () => {
  it('never hands out an address or node port twice under concurrent creates and across a restart, and frees on delete', async () => {
    proc = await spawn(['--data-dir', dir, ...RANGES]);
    const first = await Promise.all(Array.from({ length: 16 }, (_, i) => create(proc!.url, service(`np${i}`, { type: 'NodePort' }))));
    expect(first.map((r) => r.status)).toEqual(Array(16).fill(201));
    let got = await allocated(proc.url);
    // The api-server's own `kubernetes` Service holds the first address.
    expect(new Set(got.ips).size).toBe(17);
    expect(new Set(got.ports).size).toBe(16);
    for (const ip of got.ips) expect(ip).toMatch(/^10\.96\.0\.([1-9]|[12]\d|30)$/);

    await proc.kill('SIGKILL');
    proc = await spawn(['--data-dir', dir, ...RANGES]);
    const second = await Promise.all([
      ...Array.from({ length: 13 }, (_, i) => create(proc!.url, service(`c${i}`))),
      ...Array.from({ length: 4 }, (_, i) => create(proc!.url, service(`late${i}`))),
    ]);
    // 17 + 13 fill the 30 addresses: four of the creates find the range full.
    expect(second.filter((r) => r.status === 201)).toHaveLength(13);
    const full = second.filter((r) => r.status !== 201);
    expect(full.map((r) => [r.status, r.body.message])).toEqual(Array(4).fill([500, 'failed to allocate a serviceIP: range is full']));
    got = await allocated(proc.url);
    expect(new Set(got.ips).size).toBe(30);

    const taken = got.ips.find((ip) => ip !== '10.96.0.1')!;
    const clash = await create(proc.url, service('clash', { clusterIP: taken }));
    expect(clash.status).toBe(422);
    expect(clash.body.message).toBe(`Service "clash" is invalid: spec.clusterIPs: Invalid value: []string{"${taken}"}: failed to allocate IP ${taken}: provided IP is already allocated`);
    const owner = (await api(proc.url, 'GET', '/api/v1/namespaces/default/services')).body.items.find((s: any) => s.spec.clusterIP === taken);
    expect((await api(proc.url, 'DELETE', `/api/v1/namespaces/default/services/${owner.metadata.name}`)).status).toBe(200);
    const reuse = await create(proc.url, service('reuse', { clusterIP: taken }));
    expect(reuse.status).toBe(201);
    expect(reuse.body.spec.clusterIP).toBe(taken);
    await proc.kill('SIGTERM');
    proc = undefined;
  }, 60_000);

  it('keeps the ClusterIP and node port across an apply-style update, and allocates a node port when the type changes', async () => {
    proc = await spawn(['--storage', 'memory', ...RANGES]);
    const made = await create(proc.url, service('web'));
    expect(made.status).toBe(201);
    const ip = made.body.spec.clusterIP;
    const put = await api(proc.url, 'PUT', '/api/v1/namespaces/default/services/web', service('web', { type: 'NodePort' }));
    expect(put.status).toBe(200);
    expect(put.body.spec.clusterIP).toBe(ip);
    const nodePort = put.body.spec.ports[0].nodePort;
    expect(nodePort).toBeGreaterThanOrEqual(30000);
    const again = await api(proc.url, 'PUT', '/api/v1/namespaces/default/services/web', service('web', { type: 'NodePort' }));
    expect(again.body.spec.ports[0].nodePort).toBe(nodePort);
    const back = await api(proc.url, 'PUT', '/api/v1/namespaces/default/services/web', service('web', { type: 'ClusterIP', ports: [{ port: 80, targetPort: 8080, nodePort }] }));
    expect(back.status).toBe(200);
    expect(back.body.spec.ports[0].nodePort).toBeUndefined();
    // A lower-band address: dynamic allocation takes the upper band first, so it is not web's own.
    const moved = await api(proc.url, 'PUT', '/api/v1/namespaces/default/services/web', service('web', { clusterIP: '10.96.0.5' }));
    expect(moved.status).toBe(422);
    expect(moved.body.message).toContain('spec.clusterIPs[0]: Invalid value: "10.96.0.5": may not change once set');
    await proc.kill('SIGTERM');
    proc = undefined;
  });

  it('answers bad Services with 422 naming each field', async () => {
    proc = await spawn(['--storage', 'memory', ...RANGES]);
    const cases: Array<[unknown, string]> = [
      [service('bad-ip', { clusterIP: '10.96.0.300' }), 'spec.clusterIPs[0]: Invalid value: "10.96.0.300": must be a valid IP address'],
      [service('out', { clusterIP: '10.97.0.5' }), 'the provided IP (10.97.0.5) is not in the valid range. The range of valid IPs is 10.96.0.0/27'],
      [service('np-on-cip', { ports: [{ port: 80, nodePort: 30001 }] }), "spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"],
      [service('ext', { type: 'ExternalName', externalName: 'example.com', clusterIP: '10.96.0.7' }), 'spec.clusterIP: Forbidden: may not be set for ExternalName services'],
      [{ ...service('noports'), spec: { selector: { app: 'x' } } }, 'spec.ports: Required value'],
      [service('1web'), 'metadata.name: Invalid value: "1web": a DNS-1035 label must consist of lower case alphanumeric characters'],
      [service('two', { ports: [{ port: 80 }, { port: 81 }] }), 'spec.ports[1].name: Required value'],
      [service('np-range', { type: 'NodePort', ports: [{ port: 80, nodePort: 31000 }] }), 'spec.ports[0].nodePort: Invalid value: 31000: provided port is not in the valid range. The range of valid ports is 30000-30019'],
    ];
    for (const [body, message] of cases) {
      const r = await create(proc.url, body);
      expect(r.status, message).toBe(422);
      expect(r.body.message).toContain(message);
    }
    await proc.kill('SIGTERM');
    proc = undefined;
  });

  it('refuses to start on a bad --service-cluster-ip-range, naming it', async () => {
    const r = await runServerToExit(['--storage', 'memory', '--service-cluster-ip-range=10.96.0.0']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('invalid service IP range "10.96.0.0": not a CIDR');
  });

  it('keeps one kubernetes Service across restarts and points its Endpoints at the current --advertise-address', async () => {
    const data = mkdtempSync(join(tmpdir(), 'skiff-kubernetes-svc-'));
    try {
      const securePort = await freePort();
      proc = await spawn(['--data-dir', data, ...RANGES, '--advertise-address', '10.1.2.3', '--secure-port', String(securePort)]);
      const svc = (await api(proc.url, 'GET', '/api/v1/namespaces/default/services/kubernetes')).body;
      expect(svc.spec.clusterIP).toBe('10.96.0.1');
      // Pods reach the secure port, as kube-apiserver's kubernetes Service points at 6443.
      expect(svc.spec.ports).toEqual([{ name: 'https', port: 443, protocol: 'TCP', targetPort: securePort }]);
      const ep = (await api(proc.url, 'GET', '/api/v1/namespaces/default/endpoints/kubernetes')).body;
      expect(ep.subsets[0].addresses).toEqual([{ ip: '10.1.2.3' }]);
      await proc.kill('SIGTERM');
      proc = await spawn(['--data-dir', data, ...RANGES, '--advertise-address', '10.1.2.4']);
      expect((await api(proc.url, 'GET', '/api/v1/namespaces/default/services/kubernetes')).body.metadata.uid).toBe(svc.metadata.uid);
      const moved = (await api(proc.url, 'GET', '/api/v1/namespaces/default/endpoints/kubernetes')).body;
      expect(moved.subsets[0].addresses).toEqual([{ ip: '10.1.2.4' }]);
      const slice = (await api(proc.url, 'GET', '/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes')).body;
      expect(slice.endpoints[0].addresses).toEqual(['10.1.2.4']);
      await proc.kill('SIGTERM');
      proc = undefined;
    } finally {
      rmSync(data, { recursive: true, force: true });
    }
  });

  it('starts on ephemeral ports (--listen HOST:0, --secure-port 0) and points the kubernetes Endpoints at the secure port it got', async () => {
    // Benchmarks and tests listen on port 0; the Endpoints (ports 1-65535) can name the port only once it is bound.
    const args = ['--listen', '127.0.0.1:0', '--secure-port', '0', '--bind-address', '127.0.0.1', '--data-dir', join(dir, 'ephemeral'), '--storage', 'memory', ...RANGES, '--advertise-address', '10.1.2.5'];
    const child = spawnProcess(process.execPath, [MAIN_JS, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new AbortController();
    child.once('exit', (code) => exited.abort(new Error(`api-server exited with ${code}: ${err}`)));
    try {
      let port = 0;
      let securePort = 0;
      await waitFor(() => {
        port = (logLine(err, 'api-server listening')?.['port'] as number | undefined) ?? 0;
        securePort = (logLine(err, 'serving securely')?.['securePort'] as number | undefined) ?? 0;
        return port > 0 && securePort > 0;
      }, { what: 'the api-server to log its ports', timeoutMs: 15_000, signal: exited.signal });
      const url = `http://127.0.0.1:${port}`;
      let ep: { subsets?: { addresses: { ip: string }[]; ports: { port: number }[] }[] } = {};
      await waitFor(async () => {
        ep = (await api(url, 'GET', '/api/v1/namespaces/default/endpoints/kubernetes')).body;
        return ep.subsets !== undefined;
      }, { what: 'the kubernetes Endpoints', timeoutMs: 15_000, signal: exited.signal });
      expect(ep.subsets![0]!.addresses).toEqual([{ ip: '10.1.2.5' }]);
      expect(ep.subsets![0]!.ports[0]!.port).toBe(securePort);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
