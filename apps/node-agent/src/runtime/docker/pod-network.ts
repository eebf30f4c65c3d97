/**
 * @module The pod network an agent creates when none exists, laid out as the service data path needs it
 * (docs/services.md): a bridge whose subnet's lower half (`ip_range`) Docker hands to pods and whose upper half is
 * the service range, so ClusterIPs are on-link for every pod and never given to a container. The same plan as
 * Compose's `ipam` block and npm start's scripts/pod-network.mjs, so a bare agent on a fresh engine matches both.
 */
import { ipv4ToNumber, numberToIpv4 } from '@skiff/api';
import { DockerError, type DockerClient } from './docker-client.js';
import { LABELS } from '../labels.js';

/** DEFAULT_POD_SUBNET is Compose's and npm start's SKIFF_POD_SUBNET: pods from 10.244.0.0/17, Services from 10.244.128.0/17. */
export const DEFAULT_POD_SUBNET = '10.244.0.0/16';

export interface PodNetworkPlan {
  subnet: string;
  /** Where Docker's IPAM takes pod addresses: the lower half. */
  ipRange: string;
  gateway: string;
}

/** podNetworkPlan splits an IPv4 subnet from /8 to /24: pods from its lower half; it throws naming what is wrong. */
export function podNetworkPlan(subnet: string): PodNetworkPlan {
  const [addr = '', bits = ''] = subnet.split('/');
  const prefix = Number(bits);
  const n = ipv4ToNumber(addr);
  if (n === undefined || !/^\d+$/.test(bits) || prefix < 8 || prefix > 24) throw new Error(`--pod-subnet: "${subnet}" is not an IPv4 CIDR from /8 to /24`);
  const size = 2 ** (32 - prefix);
  const base = Math.floor(n / size) * size;
  return { subnet: `${numberToIpv4(base)}/${prefix}`, ipRange: `${numberToIpv4(base)}/${prefix + 1}`, gateway: numberToIpv4(base + 1) };
}

/**
 * ensurePodNetwork creates the network with the plan's subnet, ip_range and gateway when it is missing, labelled
 * `skiff.dev/managed=true`. An existing network (Compose's, npm start's, another agent's) is used as is; the runtime
 * never deletes a network. When the subnet overlaps another network: a `strict` plan (--pod-subnet given) is an
 * error naming the flag; the default plan falls back to a subnet of Docker's choosing, so pods still run on an
 * engine shared with a Compose cluster or another agent's network (Services then need a --pod-subnet that fits).
 * Returns whether the network was made to the plan (or already existed).
 */
export async function ensurePodNetwork(docker: DockerClient, name: string, plan: PodNetworkPlan, strict = true): Promise<'exists' | 'planned' | 'docker-subnet'> {
  try {
    await docker.json({ method: 'GET', path: `/networks/${encodeURIComponent(name)}` });
    return 'exists';
  } catch (err) {
    if (!(err instanceof DockerError && err.status === 404)) throw err;
  }
  const create = async (ipam: object): Promise<void> => {
    try {
      await docker.json({ method: 'POST', path: '/networks/create', body: { Name: name, Driver: 'bridge', CheckDuplicate: true, Labels: { [LABELS.managed]: 'true' }, ...ipam } });
    } catch (err) {
      // Another agent on the same engine created it first.
      if (!(err instanceof DockerError && err.status === 409)) throw err;
    }
  };
  try {
    await create({ IPAM: { Config: [{ Subnet: plan.subnet, IPRange: plan.ipRange, Gateway: plan.gateway }] } });
    return 'planned';
  } catch (err) {
    if (!(err instanceof DockerError && /overlap/i.test(err.message))) throw err;
    // The overlapping network may be this one, made by another agent between our look and our create.
    if (await docker.json({ method: 'GET', path: `/networks/${encodeURIComponent(name)}` }).then(() => true, () => false)) return 'exists';
    if (strict) throw new Error(`cannot create pod network ${name} with subnet ${plan.subnet}: it overlaps another Docker network; choose a free one with --pod-subnet (${err.message})`);
    await create({});
    return 'docker-subnet';
  }
}
