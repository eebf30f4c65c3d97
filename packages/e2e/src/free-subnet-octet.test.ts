import { describe, expect, it } from 'vitest';
import { freeSubnetOctets } from './free-subnet-octet.js';
import { dockerAvailable, run } from './toy-cluster.js';

const docker = dockerAvailable();
const requireDocker = process.env.SKIFF_REQUIRE_DOCKER === '1';

it('Docker is available when SKIFF_REQUIRE_DOCKER=1', () => {
  if (requireDocker) expect(docker).toBe(true);
});

describe.skipIf(!docker)('freeSubnetOctets on the Docker engine', () => {
  it('leaves out every /16 a network of the engine overlaps, a wider subnet included', async () => {
    const free = await freeSubnetOctets({ from: 100, to: 250 });
    // Three free octets N (even), N+1, N+2; a /15 on N covers N and N+1 and leaves N+2 free.
    const n = free.find((o) => o % 2 === 0 && free.includes(o + 1) && free.includes(o + 2));
    expect(n, 'three adjacent free /16s on the engine').toBeDefined();
    const name = `skiff-subnet-test-${Math.random().toString(36).slice(2, 8)}`;
    await run('docker', ['network', 'create', '--subnet', `10.${n}.0.0/15`, name]);
    try {
      expect(await freeSubnetOctets({ from: n!, to: n! + 3 })).toEqual([n! + 2]);
    } finally {
      await run('docker', ['network', 'rm', name]);
    }
  }, 60_000);
});
