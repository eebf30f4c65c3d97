import { describe, expect, it } from 'vitest';
import { parseAgentConfig, type AgentConfig } from './agent-config.js';

const parse = (argv: string[], env: Record<string, string> = {}): AgentConfig => {
  const c = parseAgentConfig(argv, { HOSTNAME: 'host-1', ...env });
  if (c === 'help') throw new Error('unexpected help');
  return c;
};

describe('parseAgentConfig', () => {
  it("joins npm start's pod network skiff-local by default; an empty value means Docker's bridge", () => {
    expect(parse([]).podNetwork).toBe('skiff-local');
    expect(parse(['--pod-network', 'skiff']).podNetwork).toBe('skiff');
    expect(parse([], { SKIFF_POD_NETWORK: 'other' }).podNetwork).toBe('other');
    expect(parse(['--pod-network=']).podNetwork).toBeUndefined();
  });

  it("relists on Docker's events and every 5 minutes otherwise, as kubelet's evented PLEG, unless told", () => {
    expect(parse([]).eventedRelistPeriodMs).toBe(300_000);
    expect(parse(['--evented-pleg-relist-period', '1s']).eventedRelistPeriodMs).toBe(1000);
    expect(parse([], { SKIFF_EVENTED_PLEG_RELIST_PERIOD: '30s' }).eventedRelistPeriodMs).toBe(30_000);
  });

  it('reads --listen as HOST:PORT like every component, refusing a bare port', () => {
    expect(parse([])).toMatchObject({ listenHost: '0.0.0.0', listenPort: 10250 });
    expect(parse(['--listen', '127.0.0.1:10251'])).toMatchObject({ listenHost: '127.0.0.1', listenPort: 10251 });
    expect(parse(['--listen', ':10252'])).toMatchObject({ listenHost: '0.0.0.0', listenPort: 10252 });
    expect(() => parse(['--listen', '10252'])).toThrow('--listen must be HOST:PORT, got "10252" (":10252" listens on every interface)');
    expect(() => parse(['--listen', 'nowhere'])).toThrow('--listen must be HOST:PORT, got "nowhere"');
  });

  it('returns help for --help and -h, and names an unknown flag', () => {
    expect(parseAgentConfig(['--help'], {})).toBe('help');
    expect(parseAgentConfig(['--node-name', 'x', '-h'], {})).toBe('help');
    expect(() => parse(['--nope'])).toThrow('unknown flag --nope');
  });

  it('refuses a trailing valueless flag instead of reading it as "", and takes a bare --allow-privileged as true', () => {
    expect(() => parse(['--server'])).toThrow('flag --server needs a value');
    expect(() => parse(['--pod-network', '--allow-privileged'])).toThrow('flag --pod-network needs a value');
    expect(parse(['--allow-privileged']).allowPrivileged).toBe(true);
    expect(parse(['--allow-privileged', 'false']).allowPrivileged).toBe(false);
  });

  it('reads --cluster-dns as IPv4 addresses and --cluster-domain as a DNS domain, as kubelet does', () => {
    expect(parse([])).toMatchObject({ clusterDNS: [], clusterDomain: 'cluster.local' });
    expect(parse(['--cluster-dns', '10.244.128.10,10.244.128.11', '--cluster-domain', 'skiff.test.'])).toMatchObject({ clusterDNS: ['10.244.128.10', '10.244.128.11'], clusterDomain: 'skiff.test' });
    expect(() => parse(['--cluster-dns', 'kube-dns'])).toThrow('--cluster-dns: "kube-dns" is not an IPv4 address');
    expect(() => parse(['--cluster-domain', 'Cluster_Local'])).toThrow('--cluster-domain: "Cluster_Local" is not a DNS domain');
  });
});
