import { describe, expect, it } from 'vitest';
import { parseOptions } from './options.js';

describe('service-proxy options', () => {
  it("defaults to DNS on :53 relaying to Docker's resolver, and reads HOST:PORT flags", () => {
    expect(parseOptions([], {})).toMatchObject({ clusterDomain: 'cluster.local', dns: { host: '0.0.0.0', port: 53 }, upstreamDNS: { host: '127.0.0.11', port: 53 }, clusterIPsFile: '' });
    expect(parseOptions(['--dns-listen', '127.0.0.1:5353', '--cluster-domain', 'skiff.test.'], {})).toMatchObject({ dns: { host: '127.0.0.1', port: 5353 }, clusterDomain: 'skiff.test' });
    expect(() => parseOptions(['--dns-listen', '53'], {})).toThrow('HOST:PORT');
    expect(parseOptions(['--help'], {})).toBe('help');
  });

  it('reads --udp-timeout as a Go duration, 30 s by default, and refuses zero', () => {
    expect(parseOptions([], {})).toMatchObject({ udpTimeoutMs: 30_000 });
    expect(parseOptions(['--udp-timeout', '250ms'], {})).toMatchObject({ udpTimeoutMs: 250 });
    expect(() => parseOptions(['--udp-timeout', '0s'], {})).toThrow('--udp-timeout: must be greater than 0');
    expect(() => parseOptions(['--udp-timeout', 'soon'], {})).toThrow('invalid duration');
  });
});
