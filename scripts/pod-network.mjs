// The pod network of `npm start` and what the service data path needs from it (docs/services.md): a bridge with a
// subnet whose lower half (`ip_range`) Docker hands to pods and whose upper half is the service range, so ClusterIPs
// are on-link for every pod and never given to a container; and a relay that lets pods reach the api-server, a host
// process listening on loopback, at the network's gateway address (reachable from pods and this host only).
import { createServer, connect } from 'node:net';

/** podNetworkPlan splits a /16-or-larger subnet: pods from its lower half, Services from its upper half. */
export function podNetworkPlan(subnet) {
  const [addr, bits] = subnet.split('/');
  const prefix = Number(bits);
  if (!/^\d+\.\d+\.\d+\.\d+$/.test(addr ?? '') || !(prefix >= 8 && prefix <= 24)) throw new Error(`SKIFF_POD_SUBNET ${JSON.stringify(subnet)}: want an IPv4 CIDR from /8 to /24`);
  const size = 2 ** (32 - prefix);
  const base = Math.floor(addr.split('.').reduce((n, o) => n * 256 + Number(o), 0) / size) * size;
  const ip = (n) => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
  const half = size / 2;
  return {
    subnet: `${ip(base)}/${prefix}`,
    ipRange: `${ip(base)}/${prefix + 1}`,
    gateway: ip(base + 1),
    serviceRange: `${ip(base + half)}/${prefix + 1}`,
    // kube-dns: the tenth address of the service range, as the controller-manager places it.
    clusterDNS: ip(base + half + 10),
  };
}

/**
 * ensurePodNetwork creates the network with the plan's subnet, ip_range and gateway when it is missing. An existing
 * one is used as is; if its subnet is not the plan's, Services cannot work on it and `log` says how to fix that.
 */
export async function ensurePodNetwork(docker, name, plan, log) {
  const got = await docker('GET', `/networks/${encodeURIComponent(name)}`);
  if (got.status === 404) {
    const r = await docker('POST', '/networks/create', {
      Name: name,
      Driver: 'bridge',
      CheckDuplicate: true,
      Labels: { 'skiff.dev/pod-network': 'true' },
      IPAM: { Config: [{ Subnet: plan.subnet, IPRange: plan.ipRange, Gateway: plan.gateway }] },
    });
    log(r.status < 300 ? `created pod network ${name} (${plan.subnet}, pods from ${plan.ipRange})` : `could not create pod network ${name}: ${JSON.stringify(r.body)}`);
    return r.status < 300;
  }
  const config = got.body?.IPAM?.Config?.[0] ?? {};
  if (config.Subnet !== plan.subnet || config.IPRange !== plan.ipRange) {
    log(`pod network ${name} has subnet ${config.Subnet ?? 'none'} and ip range ${config.IPRange ?? 'none'}, not ${plan.subnet} and ${plan.ipRange}: Services will not work; stop npm start and run \`docker network rm ${name}\` once (or set SKIFF_POD_SUBNET to its subnet)`);
    return false;
  }
  return true;
}

/** relay forwards TCP connections to host:port on `listenHost` to target; it resolves once listening. */
export function relay(listenHost, port, target, log) {
  const server = createServer((c) => {
    const u = connect(target.port, target.host);
    c.on('error', () => u.destroy());
    u.on('error', () => c.destroy());
    c.pipe(u).pipe(c);
  });
  return new Promise((resolve) => {
    server.once('error', (err) => {
      log(`cannot relay ${listenHost}:${port} to the api-server: ${err.message}; pods (the service proxy) cannot reach it`);
      resolve(undefined);
    });
    server.listen(port, listenHost, () => resolve(server));
  });
}
