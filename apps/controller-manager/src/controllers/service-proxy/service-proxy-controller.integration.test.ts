import { isNotFound, parseServiceIPRange } from '@skiff/api';
import { startServer, type RunningServer } from '@skiff/api-server/testing';
import { createClient, type Clientset } from '@skiff/client';
import { waitFor } from '@skiff/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runControllerManager } from '../../controller-manager.js';

let server: RunningServer;
let client: Clientset;
let stop: () => Promise<void>;
const sys = { namespace: 'kube-system' };

beforeEach(async () => {
  server = await startServer({ serviceClusterIPRange: parseServiceIPRange('10.250.128.0/17') });
  client = createClient({ server: server.url });
  const ac = new AbortController();
  const done = runControllerManager(
    { client, options: { controllers: ['serviceproxy'], concurrentReplicaSetSyncs: 1, concurrentDeploymentSyncs: 1, serviceClusterIpRange: '10.250.128.0/17', serviceProxyImage: 'skiff:dev', serviceProxyServer: 'http://api-server:8080' } },
    ac.signal,
  );
  stop = async () => {
    ac.abort();
    await done;
  };
});

afterEach(async () => {
  await stop();
  await client.close();
  await server.close();
});

const gone = (p: Promise<unknown>) => p.then(() => false, (err: unknown) => isNotFound(err));

describe('ServiceProxyController against a real api-server', () => {
  it('keeps kube-dns and the proxy Deployment, recreating a deleted one, and a NodePort relay per NodePort Service', async () => {
    const dns = await waitFor(() => client.services.get('kube-dns', sys), { timeoutMs: 10_000, what: 'kube-dns Service' });
    expect(dns.spec?.clusterIP).toBe('10.250.128.10');
    expect(dns.spec?.ports?.map((p) => `${p.name}/${p.port}/${p.protocol}`)).toEqual(['dns/53/UDP', 'dns-tcp/53/TCP']);
    // A kube-dns left by an older Skiff (UDP only) gets the TCP port back; its ClusterIP stays.
    await client.services.update({ ...dns, spec: { ...dns.spec, ports: [dns.spec!.ports![0]!] } }, sys);
    await waitFor(async () => ((await client.services.get('kube-dns', sys)).spec?.ports?.length === 2) || undefined, { timeoutMs: 10_000, what: 'kube-dns TCP port restored' });
    const proxy = await waitFor(() => client.deployments.get('skiff-service-proxy', sys), { timeoutMs: 10_000, what: 'proxy Deployment' });
    await client.deployments.delete('skiff-service-proxy', sys);
    await waitFor(async () => (await client.deployments.get('skiff-service-proxy', sys).catch(() => undefined))?.metadata.uid !== proxy.metadata.uid || undefined, { timeoutMs: 10_000, what: 'proxy Deployment recreated' });

    const svc = await client.services.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: 'default' }, spec: { type: 'NodePort', selector: { app: 'web' }, ports: [{ port: 80 }] } });
    const relay = await waitFor(() => client.deployments.get('skiff-nodeport-default-web', sys), { timeoutMs: 10_000, what: 'NodePort relay' });
    const nodePort = svc.spec!.ports![0]!.nodePort!;
    expect(relay.spec.template.spec!.containers[0]!.ports).toEqual([{ containerPort: nodePort, hostPort: nodePort, protocol: 'TCP' }]);

    await client.services.delete('web', { namespace: 'default' });
    await waitFor(() => gone(client.deployments.get('skiff-nodeport-default-web', sys)), { timeoutMs: 10_000, what: 'relay removed with its Service' });
  });
});
