/**
 * @module advertiseAddress: the address a component publishes for others to reach it (a node agent's InternalIP, the
 * api-server's endpoint in the `kubernetes` Service).
 */
import type { NetworkInterfaceInfo } from 'node:os';

const UNSPECIFIED = new Set(['', '0.0.0.0', '::', '[::]']);

/**
 * advertiseAddress picks an address the agent actually listens on: `nodeIP` when given (kubelet's --node-ip); the
 * --listen host when it is one specific address (an agent on 127.0.0.1 must not advertise the LAN address, where
 * nothing answers); and for 0.0.0.0 the first non-loopback IPv4 of `interfaces` (os.networkInterfaces()), or
 * 127.0.0.1 when there is none.
 */
export function advertiseAddress(opts: { listenHost: string; nodeIP?: string | undefined; interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> }): string {
  if (opts.nodeIP) return opts.nodeIP;
  if (!UNSPECIFIED.has(opts.listenHost)) return opts.listenHost === 'localhost' ? '127.0.0.1' : opts.listenHost;
  for (const list of Object.values(opts.interfaces)) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}
