import { spawnSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ensurePki, type PkiOptions } from './ensure-pki.js';

const NAMES = ['localhost', '127.0.0.1', 'kubernetes.default.svc', '10.96.0.1'];
const now = new Date('2026-11-30T06:00:00Z');
const opts = (extra: Partial<PkiOptions> = {}): PkiOptions => ({ servingNames: NAMES, makeServingCert: true, now, ...extra });
const dirs: string[] = [];
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), 'skiff-pki-'));
  dirs.push(d);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const read = (dir: string, f: string): string => readFileSync(join(dir, f), 'utf8');

describe('ensurePki', () => {
  it('makes a CA and a serving certificate for every name, keys readable by the owner only', async () => {
    const dir = join(tempDir(), 'pki');
    const issued: string[] = [];
    await ensurePki(dir, opts({ onIssue: (f) => issued.push(f) }));
    expect(readdirSync(dir).sort()).toEqual(['apiserver-kubelet-client.crt', 'apiserver-kubelet-client.key', 'apiserver.crt', 'apiserver.key', 'ca.crt', 'ca.key']);
    for (const key of ['ca.key', 'apiserver.key', 'apiserver-kubelet-client.key']) expect(statSync(join(dir, key)).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    const ca = new X509Certificate(read(dir, 'ca.crt'));
    expect(ca.ca).toBe(true);
    expect(ca.subject).toBe('CN=kubernetes');
    const serving = new X509Certificate(read(dir, 'apiserver.crt'));
    expect(serving.verify(ca.publicKey)).toBe(true);
    expect(serving.checkHost('kubernetes.default.svc')).toBe('kubernetes.default.svc');
    expect(serving.checkHost('localhost')).toBe('localhost');
    expect(serving.checkIP('10.96.0.1')).toBe('10.96.0.1');
    expect(serving.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(serving.checkHost('evil.example')).toBeUndefined();
    expect(serving.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    const kubeletClient = new X509Certificate(read(dir, 'apiserver-kubelet-client.crt'));
    expect(kubeletClient.subject).toBe('CN=kube-apiserver-kubelet-client\nO=system:masters');
    expect(kubeletClient.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2']);
    expect(issued).toHaveLength(3);
  });

  it('keeps everything on the next start, and reissues only the serving certificate when a name is added', async () => {
    const dir = tempDir();
    await ensurePki(dir, opts());
    const before = Object.fromEntries(readdirSync(dir).map((f) => [f, read(dir, f)]));
    const issued: string[] = [];
    await ensurePki(dir, opts({ onIssue: (f) => issued.push(f) }));
    expect(issued).toEqual([]);
    expect(Object.fromEntries(readdirSync(dir).map((f) => [f, read(dir, f)]))).toEqual(before);

    await ensurePki(dir, opts({ servingNames: [...NAMES, 'api-server', '10.1.2.3'], onIssue: (f, why) => issued.push(`${f}: ${why}`) }));
    expect(issued).toEqual([`${join(dir, 'apiserver.crt')}: it does not name api-server, 10.1.2.3`]);
    expect(read(dir, 'ca.crt')).toBe(before['ca.crt']);
    expect(read(dir, 'ca.key')).toBe(before['ca.key']);
    expect(new X509Certificate(read(dir, 'apiserver.crt')).checkIP('10.1.2.3')).toBe('10.1.2.3');
  });

  it('reissues a certificate that nears expiry or whose key was replaced, never the CA', async () => {
    const dir = tempDir();
    await ensurePki(dir, opts());
    const ca = read(dir, 'ca.crt');
    const issued: string[] = [];
    await ensurePki(dir, opts({ now: new Date(now.getTime() + 340 * 86400_000), onIssue: (f, why) => issued.push(`${f}: ${why}`) }));
    expect(issued.map((l) => l.replace(/expires .*/, 'expires'))).toEqual([`${join(dir, 'apiserver.crt')}: it expires`, `${join(dir, 'apiserver-kubelet-client.crt')}: it expires`]);
    expect(read(dir, 'ca.crt')).toBe(ca);
    // Killed between a new key and its certificate: the pair no longer matches.
    const other = tempDir();
    await ensurePki(other, opts());
    writeFileSync(join(dir, 'apiserver.key'), read(other, 'apiserver.key'));
    issued.length = 0;
    await ensurePki(dir, opts({ onIssue: (f, why) => issued.push(`${f}: ${why}`) }));
    expect(issued).toEqual([`${join(dir, 'apiserver.crt')}: its key does not match the certificate`]);
    // A certificate from another CA (someone copied pki/ from elsewhere) is not served.
    writeFileSync(join(dir, 'apiserver.key'), read(other, 'apiserver.key'));
    writeFileSync(join(dir, 'apiserver.crt'), read(other, 'apiserver.crt'));
    issued.length = 0;
    await ensurePki(dir, opts({ onIssue: (f, why) => issued.push(`${f}: ${why}`) }));
    expect(issued).toEqual([`${join(dir, 'apiserver.crt')}: it was not issued by the current CA`]);
  });

  it('finishes a CA whose certificate was never written around its key, and refuses a CA certificate without its key', async () => {
    const dir = tempDir();
    await ensurePki(dir, opts());
    const key = read(dir, 'ca.key');
    rmSync(join(dir, 'ca.crt'));
    await ensurePki(dir, opts());
    expect(read(dir, 'ca.key')).toBe(key);
    expect(new X509Certificate(read(dir, 'ca.crt')).checkPrivateKey(await import('node:crypto').then((c) => c.createPrivateKey(key)))).toBe(true);
    rmSync(join(dir, 'ca.key'));
    await expect(ensurePki(dir, opts())).rejects.toThrow(`${join(dir, 'ca.crt')} exists but ${join(dir, 'ca.key')} is missing: restore the key, or remove ${dir} to make a new cluster CA`);
  });

  it('leaves no half-written file behind when a write is cut off, so the next start succeeds', async () => {
    const dir = tempDir();
    // RLIMIT_FSIZE 0: the first byte written to any file fails (EFBIG), as a kill or a full disk mid-write would.
    const dist = resolve(import.meta.dirname, '../../dist/pki/ensure-pki.js');
    const script = `import(${JSON.stringify(dist)}).then((m) => m.ensurePki(${JSON.stringify(dir)}, { servingNames: ['localhost'], makeServingCert: true, now: new Date() }))`;
    const cut = spawnSync('bash', ['-c', 'ulimit -f 0; exec "$0" -e "$1"', process.execPath, script], { encoding: 'utf8' });
    expect(cut.status).not.toBe(0);
    expect(cut.stderr).toMatch(/EFBIG|file too large/i);
    await ensurePki(dir, opts());
    const ca = new X509Certificate(read(dir, 'ca.crt'));
    expect(new X509Certificate(read(dir, 'apiserver.crt')).verify(ca.publicKey)).toBe(true);
  });
});
