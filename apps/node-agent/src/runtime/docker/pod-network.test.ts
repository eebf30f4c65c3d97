import { afterAll, describe, expect, it } from 'vitest';
import { DockerClient } from './docker-client.js';
import { DockerRuntime } from './docker-runtime.js';
import { DOCKER_SOCKET, dockerAvailable, removeNodeContainers } from './docker-test-env.js';
import { ensurePodNetwork, podNetworkPlan } from './pod-network.js';

const available = await dockerAvailable();
const SUFFIX = Math.random().toString(36).slice(2, 8);
const NODE = `podnet-${SUFFIX}`;
const made: string[] = [];

describe('podNetworkPlan', () => {
  it('gives pods the lower half of the subnet and the gateway its first address, and names the flag on bad input', () => {
    expect(podNetworkPlan('10.244.0.0/16')).toEqual({ subnet: '10.244.0.0/16', ipRange: '10.244.0.0/17', gateway: '10.244.0.1' });
    expect(podNetworkPlan('10.7.3.9/16')).toEqual({ subnet: '10.7.0.0/16', ipRange: '10.7.0.0/17', gateway: '10.7.0.1' });
    expect(() => podNetworkPlan('10.244.0.0')).toThrow('--pod-subnet: "10.244.0.0" is not an IPv4 CIDR from /8 to /24');
    expect(() => podNetworkPlan('10.244.0.0/28')).toThrow('--pod-subnet');
  });
});

describe.skipIf(!available)('the pod network a bare agent creates (real Docker)', () => {
  const docker = new DockerClient({ socketPath: DOCKER_SOCKET });
  afterAll(async () => {
    await removeNodeContainers(NODE);
    for (const n of made) await docker.json({ method: 'DELETE', path: `/networks/${n}` }).catch(() => undefined);
    await docker.close();
  });

  /** freeSubnet finds a /16 no network on this shared engine uses, so the test's network can be created. */
  async function freeSubnet(): Promise<string> {
    const nets = await docker.json<Array<{ IPAM?: { Config?: Array<{ Subnet?: string }> } }>>({ method: 'GET', path: '/networks' });
    const used = new Set(nets.flatMap((n) => n.IPAM?.Config ?? []).map((c) => (c.Subnet ?? '').split('.').slice(0, 2).join('.')));
    for (;;) {
      const prefix = `10.${100 + Math.floor(Math.random() * 150)}`;
      if (!used.has(prefix)) return `${prefix}.0.0/16`;
    }
  }

  it("creates a missing --pod-network with --pod-subnet's subnet and ip_range, so Service addresses are on-link and never a pod's", async () => {
    const name = `podnet-${SUFFIX}`;
    made.push(name);
    const subnet = await freeSubnet();
    const runtime = new DockerRuntime({ docker, nodeName: NODE, podNetwork: name, podSubnet: subnet });
    const sb = await runtime.createSandbox({ pod: { uid: `uid-${SUFFIX}`, namespace: 'default', name: 'x' }, hostname: 'x', ports: [], volumes: [] });
    const plan = podNetworkPlan(subnet);
    const net = await docker.json<{ IPAM: { Config: Array<{ Subnet?: string; IPRange?: string; Gateway?: string }> }; Labels: Record<string, string> }>({ method: 'GET', path: `/networks/${name}` });
    expect(net.IPAM.Config).toEqual([{ Subnet: plan.subnet, IPRange: plan.ipRange, Gateway: plan.gateway }]);
    expect(net.Labels['skiff.dev/managed']).toBe('true');
    // The sandbox's address comes from the lower half, leaving the upper half to ClusterIPs.
    const [a, b, c] = sb.ip.split('.').map(Number);
    expect(`${a}.${b}`).toBe(subnet.split('.').slice(0, 2).join('.'));
    expect(c).toBeLessThan(128);
    // An existing network is used as is, whatever the flag says.
    await ensurePodNetwork(docker, name, podNetworkPlan('10.99.0.0/16'));
    expect((await docker.json<typeof net>({ method: 'GET', path: `/networks/${name}` })).IPAM.Config[0]!.Subnet).toBe(plan.subnet);
  });

  it('refuses a --pod-subnet that overlaps another network, naming the flag; the default plan falls back to a subnet Docker picks', async () => {
    const taken = (await docker.json<{ IPAM: { Config: Array<{ Subnet: string }> } }>({ method: 'GET', path: `/networks/podnet-${SUFFIX}` })).IPAM.Config[0]!.Subnet;
    const name = `podnet2-${SUFFIX}`;
    made.push(name);
    await expect(ensurePodNetwork(docker, name, podNetworkPlan(taken), true)).rejects.toThrow(/overlaps another Docker network; choose a free one with --pod-subnet/);
    await expect(docker.json({ method: 'GET', path: `/networks/${name}` })).rejects.toMatchObject({ status: 404 });
    // Not strict (no --pod-subnet given): pods still get a network on an engine whose 10.244/16 is taken.
    expect(await ensurePodNetwork(docker, name, podNetworkPlan(taken), false)).toBe('docker-subnet');
    const net = await docker.json<{ IPAM: { Config: Array<{ Subnet: string }> } }>({ method: 'GET', path: `/networks/${name}` });
    expect(net.IPAM.Config[0]!.Subnet).not.toBe(taken);
  });
});
