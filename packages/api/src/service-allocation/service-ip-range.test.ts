import { describe, expect, it } from 'vitest';
import { ipAtOffset, offsetOfIP, parseServiceIPRange } from './service-ip-range.js';
import { parseNodePortRange } from './node-port-range.js';

describe('parseServiceIPRange', () => {
  it('normalises the CIDR to its network address and excludes network and broadcast', () => {
    const r = parseServiceIPRange('10.244.130.7/17');
    expect(r.cidr).toBe('10.244.128.0/17');
    expect(offsetOfIP(r, '10.244.128.0')).toBeUndefined();
    expect(offsetOfIP(r, '10.244.255.255')).toBeUndefined();
    expect(offsetOfIP(r, '10.244.128.1')).toBe(1);
    expect(ipAtOffset(r, 10)).toBe('10.244.128.10');
    expect(offsetOfIP(r, '10.245.0.1')).toBeUndefined();
    expect(offsetOfIP(r, '010.244.128.1x')).toBeUndefined();
  });

  it('refuses what is not an IPv4 CIDR of /12 to /30, naming the value', () => {
    expect(() => parseServiceIPRange('10.0.0.0')).toThrow('invalid service IP range "10.0.0.0": not a CIDR');
    expect(() => parseServiceIPRange('fd00::/112')).toThrow('only IPv4');
    expect(() => parseServiceIPRange('10.0.0.0/8')).toThrow('between /12 and /30');
  });
});

describe('parseNodePortRange', () => {
  it('reads LOW-HIGH and a single port, and refuses the rest', () => {
    expect(parseNodePortRange('30000-32767')).toEqual({ base: 30000, size: 2768 });
    expect(parseNodePortRange('31000')).toEqual({ base: 31000, size: 1 });
    expect(() => parseNodePortRange('32767-30000')).toThrow('invalid service node port range "32767-30000"');
    expect(() => parseNodePortRange('1-70000')).toThrow('within 1-65535');
  });
});
