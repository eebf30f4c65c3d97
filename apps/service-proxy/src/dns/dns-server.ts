/**
 * @module DnsServer: the cluster DNS over UDP and TCP. Names under the cluster domain are answered from the
 * ServiceTable (resolveName); other names are relayed to the upstream resolver, which in the service-proxy pod is
 * Docker's 127.0.0.11 and, behind it, the host's resolver. A UDP answer too big for the client's buffer is cut to
 * what fits and marked truncated (TC), so the resolver asks again over TCP (RFC 7766), as it does with kube-dns.
 */
import { createSocket, type Socket } from 'node:dgram';
import { connect, type Socket as TcpSocket } from 'node:net';
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
  /** How long a TCP client may stay silent before its connection is closed. Default 10 s (RFC 7766 suggests seconds). */
  tcpIdleTimeoutMs?: number;
}

const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 } as const;
/** Classic DNS over UDP carries 512 bytes; a query's EDNS OPT record may offer more (RFC 6891). */
const UDP_MIN_PAYLOAD = 512;
/** What this server offers in its own OPT record: the DNS flag day 2020 value, safe from fragmentation. */
const UDP_MAX_PAYLOAD = 1232;
type Transport = 'udp' | 'tcp';

export class DnsServer {
  readonly #o: DnsServerOptions;
  #socket: Socket | undefined;
  readonly #conns = new Set<TcpSocket>();

  constructor(opts: DnsServerOptions) {
    this.#o = opts;
  }

  /** listen binds UDP `host:port` (port 0 picks one) and returns the bound port. TCP arrives through serveTcp. */
  async listen(host: string, port: number): Promise<number> {
    const socket = createSocket('udp4');
    socket.on('message', (msg, rinfo) => void this.#answer(msg, 'udp').then((out) => out && socket.send(out, rinfo.port, rinfo.address)));
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

  /**
   * serveTcp answers DNS on one accepted TCP connection: each message is framed by a two-byte length (RFC 1035
   * 4.2.2), several queries may come on one connection and answers go back in any order (RFC 7766 6.2.1.1).
   */
  serveTcp(sock: TcpSocket): void {
    this.#conns.add(sock);
    sock.setTimeout(this.#o.tcpIdleTimeoutMs ?? 10_000, () => sock.destroy());
    sock.on('error', () => sock.destroy());
    sock.on('close', () => this.#conns.delete(sock));
    let buf = Buffer.alloc(0);
    // A client that half-closes after its queries (RFC 7766 allows it) still gets every answer: the connection
    // ends once the last one pending is written.
    let pending = 0;
    let ended = false;
    const maybeEnd = (): void => {
      if (ended && pending === 0) sock.end();
    };
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      while (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) {
        const msg = buf.subarray(2, 2 + buf.readUInt16BE(0));
        buf = buf.subarray(2 + msg.length);
        pending++;
        void this.#answer(msg, 'tcp').then((out) => {
          pending--;
          if (out && !sock.destroyed) {
            const len = Buffer.alloc(2);
            len.writeUInt16BE(out.length);
            sock.write(Buffer.concat([len, out]));
          }
          maybeEnd();
        });
      }
    });
    sock.on('end', () => {
      ended = true;
      maybeEnd();
    });
  }

  async close(): Promise<void> {
    for (const c of this.#conns) c.destroy();
    const s = this.#socket;
    this.#socket = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }

  async #answer(msg: Buffer, transport: Transport): Promise<Buffer | undefined> {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(msg);
    } catch {
      return undefined; // not DNS: nothing sensible to answer
    }
    const q = query.questions?.[0];
    if (!q) return undefined;
    const result = resolveName(this.#o.table, q.name, q.type, this.#o.domain);
    if ('forward' in result) return transport === 'tcp' ? this.#forwardTcp(msg, query) : this.#forwardUdp(msg, query);
    const rd = (query.flags ?? 0) & dnsPacket.RECURSION_DESIRED;
    const opt = query.additionals?.find((a) => a.type === 'OPT') as { udpPayloadSize?: number } | undefined;
    const records = (result.rcode === 'NOERROR' ? result.records : []).map((r) => ({ type: r.type, name: r.name, ttl: r.ttl, class: 'IN' as const, data: r.data }));
    const encode = (answers: typeof records, truncated: boolean): Buffer =>
      dnsPacket.encode({
        type: 'response',
        id: query.id ?? 0,
        flags: dnsPacket.AUTHORITATIVE_ANSWER | rd | RCODE[result.rcode] | (truncated ? dnsPacket.TRUNCATED_RESPONSE : 0),
        questions: [q],
        answers,
        // An EDNS query gets an OPT back (RFC 6891 7); without it the client assumes a 512-byte limit.
        additionals: opt ? [{ type: 'OPT', name: '.', udpPayloadSize: UDP_MAX_PAYLOAD, flags: 0, options: [] } as never] : [],
      });
    const full = encode(records, false);
    if (transport === 'tcp') return full;
    const limit = Math.min(UDP_MAX_PAYLOAD, Math.max(UDP_MIN_PAYLOAD, opt?.udpPayloadSize ?? UDP_MIN_PAYLOAD));
    if (full.length <= limit) return full;
    // As many whole records as fit, TC set: the resolver retries over TCP for the rest (RFC 2181 9).
    for (let n = records.length - 1; n >= 0; n--) {
      const cut = encode(records.slice(0, n), true);
      if (cut.length <= limit) return cut;
    }
    return encode([], true);
  }

  /** forwardUdp relays the query unchanged and returns the upstream's answer (truncated or not), or SERVFAIL. */
  async #forwardUdp(msg: Buffer, query: dnsPacket.DecodedPacket): Promise<Buffer> {
    const up = this.#upstream();
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

  /** forwardTcp relays a query that came over TCP over TCP too, so the client gets the whole answer it asked for. */
  async #forwardTcp(msg: Buffer, query: dnsPacket.DecodedPacket): Promise<Buffer> {
    const up = this.#upstream();
    return new Promise<Buffer>((resolve) => {
      const sock = connect({ host: up.host, port: up.port });
      const done = (answer: Buffer): void => {
        sock.destroy();
        resolve(answer);
      };
      sock.setTimeout(this.#o.upstreamTimeoutMs ?? 2000, () => done(servfail(query)));
      sock.on('error', () => done(servfail(query)));
      let buf = Buffer.alloc(0);
      sock.on('data', (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        if (buf.length >= 2 && buf.length >= 2 + buf.readUInt16BE(0)) done(buf.subarray(2, 2 + buf.readUInt16BE(0)));
      });
      sock.on('end', () => done(servfail(query)));
      const len = Buffer.alloc(2);
      len.writeUInt16BE(msg.length);
      sock.write(Buffer.concat([len, msg]));
    });
  }

  #upstream(): { host: string; port: number } {
    return this.#o.upstream ?? { host: '127.0.0.11', port: 53 };
  }
}

function servfail(query: dnsPacket.DecodedPacket): Buffer {
  return dnsPacket.encode({ type: 'response', id: query.id ?? 0, flags: RCODE.SERVFAIL, questions: query.questions ?? [] });
}
