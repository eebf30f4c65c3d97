import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startServer, type RunningServer } from '../harness.js';
import { columns, Kubectl } from './kubectl.js';

let s: RunningServer;
let k: Kubectl;
beforeAll(async () => {
  s = await startServer({ storage: 'sqlite', serviceEndpoint: { ip: '10.1.2.3', port: 6443 } });
  k = new Kubectl(s.url);
});
afterAll(async () => {
  k?.cleanup();
  await s?.close();
});

const kubectl = (...args: string[]): Promise<string> => k.output(args);

const rows = (out: string): string[][] => out.trim().split('\n').map(columns);

describe('kubectl 1.32 and Services', () => {
  it('shows the kubernetes Service at the first address of the range, with the api-server as its endpoint', async () => {
    const out = rows(await kubectl('get', 'svc', 'kubernetes'));
    expect(out[0]).toEqual(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
    expect(out[1]?.slice(0, 5)).toEqual(['kubernetes', 'ClusterIP', '10.244.128.1', '<none>', '443/TCP']);
    expect(rows(await kubectl('get', 'endpoints', 'kubernetes'))[1]?.slice(0, 2)).toEqual(['kubernetes', '10.1.2.3:6443']);
    expect(await kubectl('cluster-info')).toContain('Kubernetes control plane');
  });

  it('exposes a Deployment, prints it as kubectl does and describes it', async () => {
    await kubectl('create', 'deployment', 'web', '--image=busybox:1.36', '--port=8080');
    expect(await kubectl('expose', 'deployment', 'web', '--port=80', '--target-port=8080')).toContain('service/web exposed');
    const wide = rows(await kubectl('get', 'svc', 'web', '-o', 'wide'));
    expect(wide[0]).toEqual(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', 'SELECTOR']);
    expect(wide[1]?.[1]).toBe('ClusterIP');
    expect(wide[1]?.[2]).toMatch(/^10\.244\.(1[2-9]\d|2[0-5]\d)\.\d+$/);
    expect(wide[1]?.[4]).toBe('80/TCP');
    expect(wide[1]?.[6]).toBe('app=web');
    const described = await kubectl('describe', 'svc', 'web');
    expect(described).toMatch(/^Selector:\s+app=web$/m);
    expect(described).toMatch(/^TargetPort:\s+8080\/TCP$/m);
    expect(described).toMatch(/^IP:\s+10\.244\./m);

    expect(await kubectl('expose', 'deployment', 'web', '--name=web-np', '--type=NodePort', '--port=80')).toContain('service/web-np exposed');
    const np = rows(await kubectl('get', 'svc', 'web-np'))[1]!;
    expect(np[4]).toMatch(/^80:(3[0-2]\d{3})\/TCP$/);
    const both = await kubectl('get', 'svc,endpointslices');
    expect(both).toContain('service/web-np');
    expect(both).toContain('endpointslice.discovery.k8s.io/kubernetes');
  });

  it('refuses a second Service on a taken ClusterIP with the message kube gives', async () => {
    const taken = (await api(s.url, 'GET', '/api/v1/namespaces/default/services/kubernetes')).body.spec.clusterIP;
    const file = k.writeFile('dup.yaml', `apiVersion: v1\nkind: Service\nmetadata: {name: dup}\nspec:\n  clusterIP: ${taken}\n  selector: {app: dup}\n  ports: [{port: 80}]\n`);
    const r = await k.run(['create', '-f', file]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`failed to allocate IP ${taken}: provided IP is already allocated`);
  });

  it('creates Services with kubectl create service (a protobuf body), ports and selector as kubectl builds them', async () => {
    expect(await kubectl('create', 'service', 'clusterip', 'made', '--tcp=80:8080,53:5353')).toContain('service/made created');
    const made = (await api(s.url, 'GET', '/api/v1/namespaces/default/services/made')).body;
    expect(made.spec).toMatchObject({
      type: 'ClusterIP',
      selector: { app: 'made' },
      ports: [
        { name: '80-8080', protocol: 'TCP', port: 80, targetPort: 8080 },
        { name: '53-5353', protocol: 'TCP', port: 53, targetPort: 5353 },
      ],
    });
    expect(made.spec.clusterIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(await kubectl('create', 'service', 'nodeport', 'made-np', '--tcp=80:8080', '--node-port=30111')).toContain('service/made-np created');
    expect((await api(s.url, 'GET', '/api/v1/namespaces/default/services/made-np')).body.spec.ports[0]).toMatchObject({ port: 80, nodePort: 30111 });
    expect(await kubectl('create', 'service', 'externalname', 'made-ext', '--external-name=example.com')).toContain('service/made-ext created');
    expect((await api(s.url, 'GET', '/api/v1/namespaces/default/services/made-ext')).body.spec).toMatchObject({ type: 'ExternalName', externalName: 'example.com' });
  });
});
