import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { createCa } from './certificate.js';
import { CLUSTER_KUBECONFIGS, writeClusterKubeconfigs } from './cluster-kubeconfigs.js';
import { readKubeconfig } from './kubeconfig.js';

const now = new Date('2026-11-30T06:00:00Z');
let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('cluster kubeconfigs', () => {
  it('writes admin, scheduler and controller-manager kubeconfigs with their identities, 0600, as kubectl reads them', async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-kc-'));
    const ca = await createCa('kubernetes', now);
    const written: string[] = [];
    await writeClusterKubeconfigs(dir, { server: 'https://127.0.0.1:6443', ca, now, onWrite: (f) => written.push(f) });
    expect(written).toEqual(CLUSTER_KUBECONFIGS.map((k) => join(dir, k.file)));
    const subjects: Record<string, string> = {};
    for (const { file } of CLUSTER_KUBECONFIGS) {
      const path = join(dir, file);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const k = parse(readFileSync(path, 'utf8'));
      expect(k).toMatchObject({ apiVersion: 'v1', kind: 'Config', clusters: [{ name: 'kubernetes', cluster: { server: 'https://127.0.0.1:6443' } }] });
      expect(k['current-context']).toBe(`${k.users[0].name}@kubernetes`);
      const cert = new X509Certificate(Buffer.from(k.users[0].user['client-certificate-data'], 'base64'));
      expect(cert.verify(new X509Certificate(ca.cert).publicKey)).toBe(true);
      expect(cert.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
      subjects[file] = cert.subject;
    }
    expect(subjects['admin.kubeconfig']).toBe('CN=kubernetes-admin\nO=system:masters');
    expect(subjects['scheduler.kubeconfig']).toBe('CN=system:kube-scheduler');
    expect(subjects['controller-manager.kubeconfig']).toBe('CN=system:kube-controller-manager');
  });

  it('keeps a kubeconfig that is still right, moves its server without a new certificate, and replaces one it cannot read', async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-kc-'));
    const ca = await createCa('kubernetes', now);
    await writeClusterKubeconfigs(dir, { server: 'https://127.0.0.1:6443', ca, now });
    const admin = join(dir, 'admin.kubeconfig');
    const first = readFileSync(admin, 'utf8');
    const written: string[] = [];
    await writeClusterKubeconfigs(dir, { server: 'https://127.0.0.1:6443', ca, now, onWrite: (f, why) => written.push(`${f}: ${why}`) });
    expect(written).toEqual([]);
    await writeClusterKubeconfigs(dir, { server: 'https://127.0.0.1:7443', ca, now, onWrite: (f, why) => written.push(`${f}: ${why}`) });
    expect(written[0]).toBe(`${admin}: the server is now https://127.0.0.1:7443`);
    const moved = readKubeconfig(readFileSync(admin, 'utf8'))!;
    expect(moved.server).toBe('https://127.0.0.1:7443');
    expect(moved.credential).toEqual(readKubeconfig(first)!.credential);

    writeFileSync(admin, 'garbage: [');
    written.length = 0;
    await writeClusterKubeconfigs(dir, { server: 'https://127.0.0.1:7443', ca, now, onWrite: (f, why) => written.push(`${f}: ${why}`) });
    expect(written).toEqual([`${admin}: it is not a kubeconfig this api-server wrote`]);
    // A new CA (the data dir was reset) reissues every credential.
    const ca2 = await createCa('kubernetes', now);
    written.length = 0;
    await writeClusterKubeconfigs(dir, { server: 'https://127.0.0.1:7443', ca: ca2, now, onWrite: (f, why) => written.push(`${f}: ${why}`) });
    expect(written).toHaveLength(CLUSTER_KUBECONFIGS.length);
    expect(written[0]).toBe(`${admin}: it was not issued by the current CA`);
  });
});
