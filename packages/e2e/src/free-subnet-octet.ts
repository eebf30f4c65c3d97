/**
 * @module freeSubnetOctet: a pod network subnet no network on the shared Docker engine uses.
 */
import { run } from './toy-cluster.js';

/** A range of N for 10.N.0.0/16: from inclusive, to exclusive. */
export interface OctetRange {
  from: number;
  to: number;
}

/**
 * freeSubnetOctet picks N so that 10.N.0.0/16 overlaps no network on this Docker engine (shared by other runs and
 * maybe a developer's own cluster), at random among the free ones so that two runs starting together rarely pick
 * the same.
 */
export async function freeSubnetOctet(range: OctetRange = { from: 100, to: 250 }): Promise<number> {
  const free = await freeSubnetOctets(range);
  if (free.length === 0) throw new Error(`no free 10.N.0.0/16 (N in ${range.from}..${range.to - 1}) for a pod network on this Docker engine`);
  return free[Math.floor(Math.random() * free.length)]!;
}

/** freeSubnetOctets lists every N of the range whose 10.N.0.0/16 overlaps no network's subnet on the engine. */
export async function freeSubnetOctets(range: OctetRange): Promise<number[]> {
  const used = (await engineSubnets()).map(cidrRange);
  const free: number[] = [];
  for (let n = range.from; n < range.to; n++) {
    const [lo, hi] = cidrRange(`10.${n}.0.0/16`);
    if (!used.some(([a, b]) => a <= hi && lo <= b)) free.push(n);
  }
  return free;
}

/** engineSubnets are the IPv4 subnets of every network; a network removed between listing and reading is retried. */
async function engineSubnets(): Promise<string[]> {
  for (let attempt = 0; ; attempt++) {
    const ids = (await run('docker', ['network', 'ls', '-q'])).split('\n').filter(Boolean);
    try {
      const out = ids.length ? await run('docker', ['network', 'inspect', '-f', '{{range .IPAM.Config}}{{.Subnet}} {{end}}', ...ids]) : '';
      return out.split(/\s+/).filter((c) => /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(c));
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

/** cidrRange is the first and last address of an IPv4 CIDR, as integers. */
function cidrRange(cidr: string): [number, number] {
  const [ip, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(ip!.split('.').reduce((n, o) => n * 256 + Number(o), 0) / size) * size;
  return [start, start + size - 1];
}
