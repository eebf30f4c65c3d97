/**
 * @module ServiceIPRange: the api-server's --service-cluster-ip-range, an IPv4 CIDR whose addresses are offsets.
 */
import ipaddr from 'ipaddr.js';

/** ServiceIPRange is an IPv4 CIDR seen as offsets 0..size-1 from its network address. */
export interface ServiceIPRange {
  cidr: string;
  /** The network address as a 32-bit number. */
  base: number;
  size: number;
  /** Offsets that can be handed out: the network address and, below /31, the broadcast address cannot. */
  first: number;
  last: number;
}

/** ipv4ToNumber reads a dotted-decimal IPv4 address, or undefined when it is not one. */
export function ipv4ToNumber(ip: string): number | undefined {
  if (!ipaddr.IPv4.isValidFourPartDecimal(ip)) return undefined;
  return ipaddr.IPv4.parse(ip).octets.reduce((n, o) => n * 256 + o, 0);
}

export function numberToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join('.');
}

/** parseServiceIPRange parses a CIDR such as 10.244.128.0/17; it throws a message naming what is wrong. */
export function parseServiceIPRange(cidr: string): ServiceIPRange {
  let prefix: number;
  let addr: ipaddr.IPv4 | ipaddr.IPv6;
  try {
    [addr, prefix] = ipaddr.parseCIDR(cidr);
  } catch {
    throw new Error(`invalid service IP range ${JSON.stringify(cidr)}: not a CIDR`);
  }
  if (addr.kind() !== 'ipv4') throw new Error(`invalid service IP range ${JSON.stringify(cidr)}: only IPv4 is supported`);
  // Kubernetes refuses ranges too small to be useful and, for IPv4, larger than a /12 (its bitmap's limit).
  if (prefix > 30 || prefix < 12) throw new Error(`invalid service IP range ${JSON.stringify(cidr)}: the prefix must be between /12 and /30`);
  const size = 2 ** (32 - prefix);
  const base = Math.floor((ipv4ToNumber(addr.toString()) as number) / size) * size;
  return { cidr: `${numberToIpv4(base)}/${prefix}`, base, size, first: 1, last: size - 2 };
}

/** offsetOfIP is the address's offset in the range, or undefined outside it (network and broadcast included). */
export function offsetOfIP(range: ServiceIPRange, ip: string): number | undefined {
  const n = ipv4ToNumber(ip);
  if (n === undefined) return undefined;
  const offset = n - range.base;
  return offset >= range.first && offset <= range.last ? offset : undefined;
}

/** ipAtOffset is the address `offset` places after the range's network address. */
export function ipAtOffset(range: ServiceIPRange, offset: number): string {
  return numberToIpv4(range.base + offset);
}
