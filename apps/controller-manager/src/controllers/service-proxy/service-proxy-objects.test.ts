import type { Service } from '@skiff/api';
import { describe, expect, it } from 'vitest';
import { dnsService, dnsServiceIP, nodePortDeployment, nodePortName, proxyDeployment } from './service-proxy-objects.js';

const cfg = { serviceClusterIPRange: '10.250.128.0/17', image: 'skiff:dev', server: 'http://api-server:8080' };

describe('service-proxy objects', () => {
  it('puts kube-dns at the tenth address and binds the proxy DNS to it, so answers come from the address queried', () => {
    expect(dnsServiceIP(cfg.serviceClusterIPRange)).toBe('10.250.128.10');
    expect(dnsService(cfg).spec?.clusterIP).toBe('10.250.128.10');
    const proxy = proxyDeployment(cfg).spec.template.spec!;
    expect(proxy.containers[0]!.command).toContain('--dns-listen=10.250.128.10:53');
    expect(proxy.containers[0]!.command).toContain('--server=http://api-server:8080');
    // Its own upstream is Docker's resolver: ClusterFirst would loop queries back to itself.
    expect(proxy.dnsPolicy).toBe('Default');
    expect(proxy.containers[1]!.securityContext?.capabilities?.add).toEqual(['NET_ADMIN']);
    expect(proxy.volumes?.some((v) => v.hostPath)).toBe(false);
    expect(proxyDeployment({ ...cfg, hostPath: '/src/skiff' }).spec.template.spec!.volumes).toContainEqual({ name: 'skiff', hostPath: { path: '/src/skiff' } });
  });

  it('relays each TCP node port with busybox nc and each UDP node port with the proxy image, from hostPort containers; nothing for ClusterIP Services', () => {
    const svc: Service = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'shop' },
      spec: { type: 'NodePort', clusterIP: '10.250.130.7', ports: [{ port: 80, nodePort: 30080 }, { port: 53, nodePort: 30053, protocol: 'UDP' }] },
    };
    const d = nodePortDeployment(svc, { ...cfg, hostPath: '/src/skiff' })!;
    const [c, u] = d.spec.template.spec!.containers;
    expect(d.metadata.name).toBe('skiff-nodeport-shop-web');
    expect(c!.ports).toEqual([{ containerPort: 30080, hostPort: 30080, protocol: 'TCP' }]);
    expect(c!.command!.join(' ')).toContain('nc -ll -p 30080 -e nc 10.250.130.7 80');
    expect(u!.ports).toEqual([{ containerPort: 30053, hostPort: 30053, protocol: 'UDP' }]);
    expect(u!.command).toContain('--udp-relay=30053=10.250.130.7:53');
    expect(u!.volumeMounts).toEqual([{ name: 'skiff', mountPath: '/skiff', readOnly: true }]);
    expect(d.spec.template.spec!.volumes).toEqual([{ name: 'skiff', hostPath: { path: '/src/skiff' } }]);
    // UDP only: no busybox container; TCP only: no Node one (0.6 MiB, not 40).
    expect(nodePortDeployment({ ...svc, spec: { ...svc.spec, ports: [svc.spec!.ports![1]!] } }, cfg)!.spec.template.spec!.containers.map((x) => x.name)).toEqual(['relay-udp']);
    expect(nodePortDeployment({ ...svc, spec: { ...svc.spec, ports: [svc.spec!.ports![0]!] } }, cfg)!.spec.template.spec!.containers.map((x) => x.name)).toEqual(['relay']);
    expect(nodePortDeployment({ ...svc, spec: { ...svc.spec, type: 'ClusterIP' } }, cfg)).toBeUndefined();
    expect(nodePortName({ ...svc, metadata: { name: 'x'.repeat(60), namespace: 'shop' } }).length).toBeLessThanOrEqual(50);
  });
});
