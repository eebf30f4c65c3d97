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

  it('keeps the insecure port off by default and on loopback only', () => {
    expect(parse([]).insecure).toBeUndefined();
    expect(parse(['--listen', '127.0.0.1:8080']).insecure).toEqual({ host: '127.0.0.1', port: 8080 });
    expect(parse(['--listen', 'localhost:0']).insecure).toEqual({ host: 'localhost', port: 0 });
    expect(parse(['--listen', '[::1]:8080']).insecure).toEqual({ host: '::1', port: 8080 });
    for (const bad of ['0.0.0.0:8080', ':8080', '10.0.0.1:8080', '[::]:8080']) {
      expect(() => parse(['--listen', bad])).toThrow(`--listen ${bad}: the insecure port serves every request as system:masters without authentication`);
    }
  });

  it('serves HTTPS on 0.0.0.0:6443 by default and reads the authorization modes in order', () => {
    expect(parse([])).toMatchObject({ bindAddress: '0.0.0.0', securePort: 6443, anonymousAuth: true, authorizationModes: ['Node', 'RBAC'], tlsSans: [] });
    expect(parse(['--secure-port', '0', '--tls-sans', 'api-server, 10.0.0.9', '--anonymous-auth=false'])).toMatchObject({ securePort: 0, tlsSans: ['api-server', '10.0.0.9'], anonymousAuth: false });
    expect(parse(['--authorization-mode', 'AlwaysAllow']).authorizationModes).toEqual(['AlwaysAllow']);
    expect(() => parse(['--authorization-mode', 'RBAC,ABAC'])).toThrow('--authorization-mode: unknown mode "ABAC"; supported: Node, RBAC, AlwaysAllow, AlwaysDeny');
    expect(() => parse(['--secure-port', '70000'])).toThrow('--secure-port must be a port number 0-65535, got "70000"');
    expect(() => parse(['--tls-cert-file', '/x.crt'])).toThrow('--tls-cert-file and --tls-private-key-file go together');
    expect(() => parse(['--kubeconfig-server', 'http://x:1'])).toThrow('--kubeconfig-server must be an https:// URL');
    expect(parse(['--kubeconfig-server', 'https://api-server:6443']).kubeconfigServer).toBe('https://api-server:6443');
  });
});
