/**
 * @module DnsServer: the cluster DNS over UDP. Names under the cluster domain are answered from the ServiceTable
 * (resolveName); other names are relayed to the upstream resolver, which in the service-proxy pod is Docker's
 * 127.0.0.11 and, behind it, the host's resolver.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { Logger } from '@skiff/controller-kit';
import dnsPacket from 'dns-packet';
import type { ServiceTable } from '../service-table.js';
import { resolveName } from './resolve-name.js';

export interface DnsServerOptions {
  table: ServiceTable;
  /** --cluster-domain, e.g. cluster.local. */
  domain: string;
  logger: Logger;
  /** Where other names go; default Docker's embedded resolver, 127.0.0.11:53. */
  upstream?: { host: string; port: number };
  /** How long the upstream may take before the client gets SERVFAIL. Default 2 s. */
  upstreamTimeoutMs?: number;
}

const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 } as const;

export class DnsServer {
  readonly #o: DnsServerOptions;
  #socket: Socket | undefined;

  constructor(opts: DnsServerOptions) {
    this.#o = opts;
  }

  /** listen binds UDP `host:port` (port 0 picks one) and returns the bound port. */
  async listen(host: string, port: number): Promise<number> {
    const socket = createSocket('udp4');
    socket.on('message', (msg, rinfo) => void this.#answer(msg, (out) => socket.send(out, rinfo.port, rinfo.address)));
    await new Promise<void>((resolve, reject) => {
      const failed = (err: Error): void => {
        socket.close();
        reject(err);
      };
      socket.once('error', failed);
      socket.bind(port, host, () => {
        socket.off('error', failed);
        resolve();
      });
    });
    socket.on('error', (err) => this.#o.logger.error({ err }, 'dns socket error'));
    this.#socket = socket;
    return socket.address().port;
  }

  async close(): Promise<void> {
    const s = this.#socket;
    this.#socket = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }

  async #answer(msg: Buffer, reply: (out: Buffer) => void): Promise<void> {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return; // not DNS: nothing sensible to answer
    }
    const q = query.questions?.[0];
    if (!q) return;
    const result = resolveName(this.#o.table, q.name, q.type, this.#o.domain);
    if ('forward' in result) {
      reply(await this.#forward(msg, query));
      return;
    }
    const rd = (query.flags ?? 0) & dnsPacket.RECURSION_DESIRED;
    const records = result.rcode === 'NOERROR' ? result.records : [];
    reply(
      dnsPacket.encode({
        type: 'response',
        id: query.id ?? 0,
        flags: dnsPacket.AUTHORITATIVE_ANSWER | rd | RCODE[result.rcode],
        questions: [q],
        answers: records.map((r) => ({ type: r.type, name: r.name, ttl: r.ttl, class: 'IN' as const, data: r.data })),
      }),
    );
  }

  /** forward relays the query unchanged and returns the upstream's answer, or SERVFAIL when it does not come. */
  async #forward(msg: Buffer, query: dnsPacket.DecodedPacket): Promise<Buffer> {
    const up = this.#o.upstream ?? { host: '127.0.0.11', port: 53 };
    const sock = createSocket('udp4');
    try {
      return await new Promise<Buffer>((resolve) => {
        const timer = setTimeout(() => resolve(servfail(query)), this.#o.upstreamTimeoutMs ?? 2000);
        sock.once('message', (answer) => {
          clearTimeout(timer);
          resolve(answer);
        });
        sock.once('error', () => {
          clearTimeout(timer);
          resolve(servfail(query));
        });
        sock.send(msg, up.port, up.host);
      });
    } finally {
      sock.close();
    }
  }
}

function servfail(query: dnsPacket.DecodedPacket): Buffer {
  return dnsPacket.encode({ type: 'response', id: query.id ?? 0, flags: RCODE.SERVFAIL, questions: query.questions ?? [] });
}
