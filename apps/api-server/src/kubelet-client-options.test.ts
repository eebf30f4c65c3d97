import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { kubeletClientOptions } from './kubelet-client-options.js';

let dir: string | undefined;
afterEach(() => dir && rmSync(dir, { recursive: true, force: true }));

const base = { kubeletClientCertificate: '', kubeletClientKey: '', kubeletCertificateAuthority: '', kubeletAllowLoopback: false };

describe('kubeletClientOptions', () => {
  it('uses pki/apiserver-kubelet-client.* from the data dir when the flags are unset, plain HTTP without them', () => {
    const d = mkdtempSync(join(tmpdir(), 'skiff-kubelet-client-'));
    dir = d;
    expect(kubeletClientOptions({ ...base, dataDir: d })).toEqual({ allowLoopback: false });
    mkdirSync(join(d, 'pki'));
    writeFileSync(join(d, 'pki', 'apiserver-kubelet-client.crt'), 'CERT');
    writeFileSync(join(d, 'pki', 'apiserver-kubelet-client.key'), 'KEY');
    const o = kubeletClientOptions({ ...base, dataDir: d, kubeletAllowLoopback: true });
    expect([o.allowLoopback, String(o.clientCertificate?.cert), String(o.clientCertificate?.key)]).toEqual([true, 'CERT', 'KEY']);
  });

  it('refuses half a pair and a named file that cannot be read', () => {
    const d = mkdtempSync(join(tmpdir(), 'skiff-kubelet-client-'));
    dir = d;
    expect(() => kubeletClientOptions({ ...base, dataDir: d, kubeletClientCertificate: '/x.crt' })).toThrow('--kubelet-client-certificate and --kubelet-client-key must be given together');
    expect(() => kubeletClientOptions({ ...base, dataDir: d, kubeletClientCertificate: join(d, 'no.crt'), kubeletClientKey: join(d, 'no.key') })).toThrow(/ENOENT/);
  });
});
