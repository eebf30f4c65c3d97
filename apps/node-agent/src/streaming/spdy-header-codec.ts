/**
 * @module spdy-header-codec: SPDY/3 name/value header blocks and their compression. Each direction of a connection
 * is one zlib stream primed with the SPDY/3 dictionary, flushed (Z_SYNC_FLUSH) after every block, as Go's
 * spdy framer (used by kubectl and kubelet) writes and reads them; node:zlib takes the dictionary as an option.
 */
import { constants, createDeflate, createInflate, type Deflate, type Inflate } from 'node:zlib';

const DICTIONARY_NAMES = [
  'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding', 'accept-language',
  'accept-ranges', 'age', 'allow', 'authorization', 'cache-control', 'connection', 'content-base', 'content-encoding',
  'content-language', 'content-length', 'content-location', 'content-md5', 'content-range', 'content-type', 'date',
  'etag', 'expect', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range',
  'if-unmodified-since', 'last-modified', 'location', 'max-forwards', 'pragma', 'proxy-authenticate',
  'proxy-authorization', 'range', 'referer', 'retry-after', 'server', 'te', 'trailer', 'transfer-encoding', 'upgrade',
  'user-agent', 'vary', 'via', 'warning', 'www-authenticate', 'method', 'get', 'status', '200 OK', 'version',
  'HTTP/1.1', 'url', 'public', 'set-cookie', 'keep-alive', 'origin',
];
const DICTIONARY_TAIL =
  '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
  '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized' +
  '403 Forbidden404 Not Found500 Internal Server Error501 Not Implemented503 Service Unavailable' +
  'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT' +
  'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,' +
  'text/javascript,publicprivatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';

/**
 * SPDY_DICTIONARY is the SPDY/3 header compression dictionary (draft-mbelshe-httpbis-spdy-00 2.6.10.1): the
 * length-prefixed names above followed by the raw tail, 1423 bytes. Built rather than pasted as hex so it can be read.
 */
export const SPDY_DICTIONARY: Buffer = Buffer.concat([
  ...DICTIONARY_NAMES.map((n) => {
    const b = Buffer.alloc(4 + n.length);
    b.writeUInt32BE(n.length, 0);
    b.write(n, 4, 'latin1');
    return b;
  }),
  Buffer.from(DICTIONARY_TAIL, 'latin1'),
]);

/** Headers of a stream: lower-cased names (SPDY/3 requires it), values in order. */
export type SpdyHeaders = Map<string, string[]>;

/** MAX_HEADER_BLOCK bounds one inflated header block: port-forward's are tens of bytes; a zlib bomb stops here. */
export const MAX_HEADER_BLOCK = 64 * 1024;

/** encodeHeaderBlock lays out a block before compression: count, then length-prefixed names and NUL-joined values. */
export function encodeHeaderBlock(headers: Iterable<[string, string | string[]]>): Buffer {
  const parts: Buffer[] = [];
  let count = 0;
  for (const [name, value] of headers) {
    const n = Buffer.from(name.toLowerCase(), 'utf8');
    const v = Buffer.from(Array.isArray(value) ? value.join('\0') : value, 'utf8');
    const nl = Buffer.alloc(4);
    nl.writeUInt32BE(n.length, 0);
    const vl = Buffer.alloc(4);
    vl.writeUInt32BE(v.length, 0);
    parts.push(nl, n, vl, v);
    count++;
  }
  const head = Buffer.alloc(4);
  head.writeUInt32BE(count, 0);
  return Buffer.concat([head, ...parts]);
}

/** decodeHeaderBlock parses an inflated block; a length running past its end is an error, not a short read. */
export function decodeHeaderBlock(block: Buffer): SpdyHeaders {
  const headers: SpdyHeaders = new Map();
  let at = 0;
  const u32 = (what: string): number => {
    if (at + 4 > block.length) throw new Error(`SPDY header block ends inside ${what}`);
    const v = block.readUInt32BE(at);
    at += 4;
    return v;
  };
  const bytes = (n: number, what: string): string => {
    if (at + n > block.length) throw new Error(`SPDY header block ends inside ${what}`);
    const s = block.toString('utf8', at, at + n);
    at += n;
    return s;
  };
  const count = u32('the pair count');
  for (let i = 0; i < count; i++) {
    const name = bytes(u32('a name length'), 'a name').toLowerCase();
    const values = bytes(u32('a value length'), 'a value').split('\0');
    headers.set(name, [...(headers.get(name) ?? []), ...values]);
  }
  return headers;
}

/** ZlibBlocks runs one zlib stream block by block, each ended by a sync flush; calls never overlap (a queue). */
class ZlibBlocks {
  readonly #z: Deflate | Inflate;
  readonly #limit: number;
  #out: Buffer[] = [];
  #size = 0;
  #failed: Error | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #pending: ((err: Error) => void) | undefined;

  constructor(z: Deflate | Inflate, limit: number) {
    this.#z = z;
    this.#limit = limit;
    z.on('data', (b: Buffer) => {
      this.#size += b.length;
      if (this.#size <= this.#limit) this.#out.push(b);
    });
    // A broken block errors the stream and its flush callback never runs: fail the block waiting on it too.
    z.on('error', (err) => {
      this.#failed = err;
      this.#pending?.(err);
    });
  }

  run(block: Buffer): Promise<Buffer> {
    const next = this.#queue.then(
      () =>
        new Promise<Buffer>((resolve, reject) => {
          if (this.#failed) return reject(this.#failed);
          this.#pending = reject;
          this.#z.write(block);
          this.#z.flush(constants.Z_SYNC_FLUSH, () => {
            this.#pending = undefined;
            const size = this.#size;
            const out = Buffer.concat(this.#out);
            this.#out = [];
            this.#size = 0;
            if (this.#failed) reject(this.#failed);
            else if (size > this.#limit) reject(new Error(`SPDY header block inflates to more than ${this.#limit} bytes`));
            else resolve(out);
          });
        }),
    );
    this.#queue = next.catch(() => undefined);
    return next;
  }

  close(): void {
    this.#z.destroy();
  }
}

/** HeaderCompressor deflates this side's header blocks of one connection, in order. */
export class HeaderCompressor {
  readonly #blocks = new ZlibBlocks(createDeflate({ dictionary: SPDY_DICTIONARY }), Number.MAX_SAFE_INTEGER);

  compress(headers: Iterable<[string, string | string[]]>): Promise<Buffer> {
    return this.#blocks.run(encodeHeaderBlock(headers));
  }

  close(): void {
    this.#blocks.close();
  }
}

/** HeaderDecompressor inflates the peer's header blocks of one connection, in the order they arrived. */
export class HeaderDecompressor {
  readonly #blocks = new ZlibBlocks(createInflate({ dictionary: SPDY_DICTIONARY }), MAX_HEADER_BLOCK);

  async decompress(block: Buffer): Promise<SpdyHeaders> {
    return decodeHeaderBlock(await this.#blocks.run(block));
  }

  close(): void {
    this.#blocks.close();
  }
}
