import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Service } from '@skiff/api';
import { describe, expect, it } from 'vitest';
import { ADDRESS_LOOP, dnsService, dnsServiceIP, nodePortDeployment, nodePortName, proxyDeployment } from './service-proxy-objects.js';

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

  it("the address sidecar's loop runs `ip` only when the list changes, adding new addresses and removing dropped ones", async () => {
    // The loop under a POSIX sh with stand-ins for ip (an address list in a file), arping and sleep (which counts
    // iterations, runs a test hook at some, and stops the loop after the last).
    const dir = mkdtempSync(join(tmpdir(), 'skiff-addr-loop-'));
    try {
      const bin = join(dir, 'bin');
      const exe = (name: string, body: string): void => {
        writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`);
        chmodSync(join(bin, name), 0o755);
      };
      mkdirSync(bin);
      const [state, log, count, list] = ['state', 'log', 'count', 'cluster-ips'].map((f) => join(dir, f)) as [string, string, string, string];
      writeFileSync(state, '');
      writeFileSync(log, '');
      writeFileSync(count, '0');
      writeFileSync(list, '10.9.128.10\n10.9.128.20\n');
      exe('ip', `echo "ip $*" >> "${log}"
case "$1 $2 $3" in
  "-4 addr show") echo "    inet 10.9.0.5/17 brd 10.9.127.255 scope global eth0"; while read -r a; do echo "    inet $a/32 scope global eth0"; done < "${state}" ;;
  "addr add "*) echo "\${3%/32}" >> "${state}" ;;
  "addr del "*) grep -vx "\${3%/32}" "${state}" > "${state}.n"; mv "${state}.n" "${state}" ;;
esac`);
      exe('arping', 'exit 0');
      exe('sleep', `n=$(( $(cat "${count}") + 1 )); echo $n > "${count}"
[ $n = 4 ] && printf '10.9.128.20\\n10.9.128.30\\n' > "${list}"
[ $n -ge 7 ] && kill $PPID
exit 0`);
      await new Promise<void>((resolve) => execFile('sh', ['-c', ADDRESS_LOOP, list], { env: { PATH: `${bin}:${process.env['PATH']}` }, timeout: 20_000 }, () => resolve()));
      expect(readFileSync(count, 'utf8').trim()).toBe('7');
      expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual([
        'ip -4 addr show dev eth0',
        'ip addr add 10.9.128.10/32 dev eth0',
        'ip addr add 10.9.128.20/32 dev eth0',
        // Iterations 2 to 4 saw the same list and ran nothing; the 5th saw the new one.
        'ip -4 addr show dev eth0',
        'ip addr add 10.9.128.30/32 dev eth0',
        'ip addr del 10.9.128.10/32 dev eth0',
      ]);
      expect(readFileSync(state, 'utf8').trim().split('\n')).toEqual(['10.9.128.20', '10.9.128.30']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
