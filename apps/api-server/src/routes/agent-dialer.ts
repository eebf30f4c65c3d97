/**
 * @module agentDialer: how the api-server connects to node agents for pods/log, exec, attach and portforward (kube's
 * kubelet client). With a client certificate (--kubelet-client-certificate/--kubelet-client-key) it speaks HTTPS
 * and proves it is the api-server; the agent's serving certificate is verified only against
 * --kubelet-certificate-authority when given, as kube-apiserver does. The target is the address the Node reports
 * (only the node itself may write its status: NodeRestriction), and loopback, link-local and unspecified
 * addresses are refused unless --kubelet-allow-loopback, so a forged Node cannot turn the proxy on the api-server's
 * own host or on a cloud metadata endpoint.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type ClientRequest, type OutgoingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';
import { ApiError } from '@skiff/api';
import type { AgentEndpoint } from './node-agent.js';

export interface AgentDialerOptions {
  /** The api-server's client certificate and key (PEM) for agents; without them agents are dialled over plain HTTP. */
  clientCertificate?: { cert: string | Buffer; key: string | Buffer };
  /** CA that signs agents' serving certificates; without it they are not verified (kube's default). */
  certificateAuthority?: string | Buffer;
  /** Dial agents on loopback and link-local addresses (every process on one machine: tests, `npm start`). */
  allowLoopback?: boolean;
}

export interface AgentRequest {
  method: string;
  path: string;
  headers?: OutgoingHttpHeaders;
  timeout: number;
}

export interface AgentDialer {
  /** request opens a request to the agent; it throws a 503 for an address the proxy refuses. */
  request(agent: AgentEndpoint, r: AgentRequest): ClientRequest;
}

/** The ranges no agent is dialled at without --kubelet-allow-loopback. */
const REFUSED = new BlockList();
REFUSED.addSubnet('127.0.0.0', 8, 'ipv4');
REFUSED.addSubnet('169.254.0.0', 16, 'ipv4');
REFUSED.addSubnet('0.0.0.0', 8, 'ipv4');
REFUSED.addAddress('::1', 'ipv6');
REFUSED.addAddress('::', 'ipv6');
REFUSED.addSubnet('fe80::', 10, 'ipv6');

/** refusedAddress says why an agent address is not dialled, or undefined for one that is. */
export function refusedAddress(address: string): string | undefined {
  let ip = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  // An IPv4-mapped IPv6 address reaches the IPv4 one.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) ip = mapped[1]!;
  const family = isIP(ip);
  if (family === 0) return undefined;
  if (!REFUSED.check(ip, family === 4 ? 'ipv4' : 'ipv6')) return undefined;
  return ip.startsWith('169.254.') || /^fe[89ab]/i.test(ip) ? 'a link-local address' : 'a loopback address';
}

function refusal(agent: AgentEndpoint, address: string, why: string): ApiError {
  return new ApiError({ reason: 'ServiceUnavailable', message: `node ${agent.nodeName} reports address ${address}, ${why}; the api-server does not proxy to it (--kubelet-allow-loopback allows it)` });
}

/** agentDialer builds the dialer the proxies share. */
export function agentDialer(opts: AgentDialerOptions = {}): AgentDialer {
  const allow = opts.allowLoopback ?? false;
  return {
    request(agent, r) {
      const why = allow ? undefined : refusedAddress(agent.address);
      if (why) throw refusal(agent, agent.address, why);
      // A host name is checked once resolved, and the connection goes to the address that was checked.
      const lookup: LookupFunction | undefined = allow || isIP(agent.address)
        ? undefined
        : (hostname, options, callback) => {
            dnsLookup(hostname, { ...options, all: true }, (err, addresses: LookupAddress[]) => {
              if (err) return callback(err, '', 0);
              const bad = addresses.find((a) => refusedAddress(a.address));
              if (bad) return callback(Object.assign(new Error(refusal(agent, bad.address, refusedAddress(bad.address)!).message), { code: 'EREFUSEDADDRESS' }), '', 0);
              if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
              callback(null, addresses[0]!.address, addresses[0]!.family);
            });
          };
      const common = { host: agent.address, port: agent.port, method: r.method, path: r.path, headers: r.headers ?? {}, timeout: r.timeout, ...(lookup ? { lookup } : {}) };
      if (!opts.clientCertificate) return httpRequest(common);
      return httpsRequest({
        ...common,
        cert: opts.clientCertificate.cert,
        key: opts.clientCertificate.key,
        ...(opts.certificateAuthority ? { ca: opts.certificateAuthority, rejectUnauthorized: true } : { rejectUnauthorized: false }),
        // One connection per proxied request: upgraded sockets must not go back to a pool.
        agent: false,
      });
    },
  };
}
