import { describe, expect, it } from 'vitest';
import { parseOptions, type Options } from './options.js';

const parse = (argv: string[], env: NodeJS.ProcessEnv = {}): Options => parseOptions(argv, env) as Options;

describe('api-server options', () => {
  it('refuses loopback agents unless --kubelet-allow-loopback, and reads the kubelet client certificate flags', () => {
    expect(parse([])).toMatchObject({ kubeletAllowLoopback: false, kubeletClientCertificate: '', kubeletClientKey: '' });
    expect(parse(['--kubelet-allow-loopback']).kubeletAllowLoopback).toBe(true);
    expect(parse([], { SKIFF_KUBELET_ALLOW_LOOPBACK: 'true' }).kubeletAllowLoopback).toBe(true);
    expect(parse(['--kubelet-client-certificate', '/pki/c.crt', '--kubelet-client-key', '/pki/c.key'])).toMatchObject({ kubeletClientCertificate: '/pki/c.crt', kubeletClientKey: '/pki/c.key' });
  });
  it('refuses a rolled-back store unless --accept-store-rollback (bare, =true, or SKIFF_ACCEPT_STORE_ROLLBACK) says otherwise', () => {
    expect(parse([]).acceptStoreRollback).toBe(false);
    expect(parse(['--accept-store-rollback']).acceptStoreRollback).toBe(true);
    expect(parse(['--accept-store-rollback', '--data-dir', '/x'])).toMatchObject({ acceptStoreRollback: true, dataDir: '/x' });
    expect(parse(['--accept-store-rollback=false']).acceptStoreRollback).toBe(false);
    expect(parse(['--accept-store-rollback', 'true']).acceptStoreRollback).toBe(true);
    expect(parse([], { SKIFF_ACCEPT_STORE_ROLLBACK: 'true' }).acceptStoreRollback).toBe(true);
    expect(() => parse(['--accept-store-rollback=maybe'])).toThrow(/--accept-store-rollback must be true or false, got "maybe"/);
  });
});
