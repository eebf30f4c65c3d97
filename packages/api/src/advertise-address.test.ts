import type { NetworkInterfaceInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { advertiseAddress } from './advertise-address.js';

const iface = (address: string, family: 'IPv4' | 'IPv6', internal: boolean): NetworkInterfaceInfo =>
  ({ address, family, internal, netmask: '', mac: '', cidr: null }) as NetworkInterfaceInfo;
const interfaces = {
  lo: [iface('127.0.0.1', 'IPv4', true), iface('::1', 'IPv6', true)],
  eth0: [iface('fd00::2', 'IPv6', false), iface('192.0.2.2', 'IPv4', false)],
};

describe('advertiseAddress', () => {
  it('advertises a specific --listen address, not the LAN address where nothing listens', () => {
    expect(advertiseAddress({ listenHost: '127.0.0.1', interfaces })).toBe('127.0.0.1');
    expect(advertiseAddress({ listenHost: '192.0.2.7', interfaces })).toBe('192.0.2.7');
    expect(advertiseAddress({ listenHost: 'localhost', interfaces })).toBe('127.0.0.1');
  });

  it('advertises the first non-loopback IPv4 when listening on every address', () => {
    expect(advertiseAddress({ listenHost: '0.0.0.0', interfaces })).toBe('192.0.2.2');
    expect(advertiseAddress({ listenHost: '::', interfaces })).toBe('192.0.2.2');
  });

  it('falls back to 127.0.0.1 when there is no other IPv4', () => {
    expect(advertiseAddress({ listenHost: '0.0.0.0', interfaces: { lo: interfaces.lo } })).toBe('127.0.0.1');
  });

  it('advertises --node-ip when given, whatever it listens on', () => {
    expect(advertiseAddress({ listenHost: '127.0.0.1', nodeIP: '10.0.0.5', interfaces })).toBe('10.0.0.5');
    expect(advertiseAddress({ listenHost: '0.0.0.0', nodeIP: '10.0.0.5', interfaces })).toBe('10.0.0.5');
  });
});
