/**
 * @module SpdyConnection: the server side of a SPDY/3.1 connection as kube's httpstream uses it (moby/spdystream):
 * the client opens streams with SYN_STREAM, the server accepts each with an empty SYN_REPLY or refuses it with
 * RST_STREAM, PINGs are echoed, and either side half-closes a stream with FIN.
 *
 * Why not spdy-transport from npm: it enforces SPDY/3.1 flow-control windows, while spdystream never sends
 * WINDOW_UPDATE, so a transfer past the first 64 KiB window would stall. Back-pressure here is TCP's instead: a
 * stream whose reader is slow pauses the whole transport, as spdystream's blocking frame loop does.
 */
import { Duplex } from 'node:stream';
import { encodeData, encodeGoAway, encodePing, encodeRstStream, encodeSynReply, FLAG_FIN, FrameReader, GoAwayStatus, MAX_FRAME_LENGTH, RstStatus, type Frame } from './spdy-frames.js';
import { HeaderCompressor, HeaderDecompressor, type SpdyHeaders } from './spdy-header-codec.js';

/** How many received bytes may wait unframed before the transport is paused (one frame plus some slack). */
const MAX_UNREAD = MAX_FRAME_LENGTH + 64 * 1024;

/** SpdyStream is one stream the client opened: a Duplex whose end() sends FIN and whose destroy() sends RST_STREAM. */
export class SpdyStream extends Duplex {
  readonly id: number;
  readonly headers: SpdyHeaders;
  readonly #conn: SpdyConnection;
  #remoteEnded = false;
  #localEnded = false;

  constructor(conn: SpdyConnection, id: number, headers: SpdyHeaders, remoteFin: boolean) {
    super({ allowHalfOpen: true });
    this.#conn = conn;
    this.id = id;
    this.headers = headers;
    if (remoteFin) this.remoteEnd();
  }

  /** header returns the first value of a header (names are case-insensitive). */
  header(name: string): string | undefined {
    return this.headers.get(name.toLowerCase())?.[0];
  }

  /** remoteData hands bytes from a DATA frame to the reader; false asks the connection to stop reading. */
  remoteData(data: Buffer): boolean {
    if (this.#remoteEnded || this.destroyed) return true;
    return this.push(data);
  }

  remoteEnd(): void {
    if (this.#remoteEnded) return;
    this.#remoteEnded = true;
    this.push(null);
  }

  override _read(): void {
    this.#conn.resumeReading();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.#conn.send(encodeData(this.id, chunk), cb);
  }

  override _final(cb: (err?: Error | null) => void): void {
    this.#localEnded = true;
    this.#conn.send(encodeData(this.id, Buffer.alloc(0), true), cb);
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    // A stream closed cleanly both ways needs no reset; anything else tells the client it is gone.
    if (!(this.#remoteEnded && this.#localEnded)) this.#conn.reset(this.id, RstStatus.Cancel);
    this.#conn.forget(this.id);
    cb(err);
  }
}

export interface SpdyConnectionOptions {
  /**
   * onStream decides on a new stream: return an error message to refuse it (RST_STREAM), or undefined to accept it
   * (SYN_REPLY) and take it over.
   */
  onStream(stream: SpdyStream): string | undefined;
  /** onError hears protocol errors (the connection is closed after them). */
  onError?(err: Error): void;
  /** Streams open at once beyond this are refused (each holds buffers; default 1000, 500 forwarded connections). */
  maxStreams?: number;
}

/** SpdyConnection serves one client over a byte transport (a socket, or a WebSocket tunnel's stream). */
export class SpdyConnection {
  readonly #transport: Duplex;
  readonly #opts: SpdyConnectionOptions;
  readonly #reader = new FrameReader();
  readonly #inflate = new HeaderDecompressor();
  readonly #deflate = new HeaderCompressor();
  readonly #streams = new Map<number, SpdyStream>();
  /** Frames queued behind a header block being compressed, so frames leave in the order they were sent. */
  #ordered: Promise<void> | undefined;
  #processing = false;
  #blocked = false;
  #goingAway = false;
  #closed = false;
  #lastStreamId = 0;
  readonly #closeListeners: (() => void)[] = [];

  constructor(transport: Duplex, opts: SpdyConnectionOptions) {
    this.#transport = transport;
    this.#opts = opts;
    transport.on('data', (chunk: Buffer) => {
      this.#reader.push(chunk);
      if (this.#reader.buffered > MAX_UNREAD) transport.pause();
      void this.#process();
    });
    transport.on('error', () => this.close());
    transport.on('end', () => this.close());
    transport.on('close', () => this.close());
  }

  /** streamCount is how many streams are open. */
  get streamCount(): number {
    return this.#streams.size;
  }

  onClose(fn: () => void): void {
    if (this.#closed) fn();
    else this.#closeListeners.push(fn);
  }

  /** send writes a frame after any frame still being built; cb runs once the transport takes more (back-pressure). */
  send(frame: Buffer | Promise<Buffer>, cb?: (err?: Error | null) => void): void {
    if (this.#closed) return cb?.(new Error('SPDY connection closed'));
    if (!this.#ordered && Buffer.isBuffer(frame)) return this.#write(frame, cb);
    const mine = (this.#ordered ?? Promise.resolve()).then(() => frame).then(
      (b) => this.#write(b, cb),
      (err: Error) => {
        cb?.(err);
        this.#fail(err);
      },
    );
    this.#ordered = mine;
    void mine.then(() => {
      if (this.#ordered === mine) this.#ordered = undefined;
    });
  }

  reset(id: number, status: number): void {
    if (!this.#closed) this.send(encodeRstStream(id, status));
  }

  forget(id: number): void {
    this.#streams.delete(id);
    if (this.#goingAway && this.#streams.size === 0) this.close();
  }

  /** resumeReading continues after a stream's reader caught up. */
  resumeReading(): void {
    if (!this.#blocked || this.#closed) return;
    this.#blocked = false;
    void this.#process();
  }

  /** close ends every stream and the transport (GOAWAY first when the transport still takes writes). */
  close(status: number = GoAwayStatus.Ok): void {
    if (this.#closed) return;
    if (this.#transport.writable) this.#transport.write(encodeGoAway(this.#lastStreamId, status));
    this.#closed = true;
    for (const s of [...this.#streams.values()]) s.destroy();
    this.#streams.clear();
    this.#inflate.close();
    this.#deflate.close();
    // Destroy once the GOAWAY is flushed: a peer that never closes its side must not keep the socket open.
    this.#transport.end(() => this.#transport.destroy());
    for (const fn of this.#closeListeners.splice(0)) fn();
  }

  #write(frame: Buffer, cb?: (err?: Error | null) => void): void {
    if (this.#closed || !this.#transport.writable) return cb?.(new Error('SPDY connection closed'));
    if (this.#transport.write(frame) || !cb) return cb?.();
    this.#transport.once('drain', () => cb());
  }

  #fail(err: Error): void {
    this.#opts.onError?.(err);
    this.close(GoAwayStatus.ProtocolError);
  }

  /** #process frames in order; header blocks are inflated asynchronously, so one pass runs at a time. */
  async #process(): Promise<void> {
    if (this.#processing) return;
    this.#processing = true;
    try {
      while (!this.#closed && !this.#blocked) {
        const frame = this.#reader.next();
        if (!frame) break;
        await this.#handle(frame);
      }
      if (!this.#closed && !this.#blocked && this.#reader.buffered <= MAX_UNREAD) this.#transport.resume();
    } catch (err) {
      this.#fail(err as Error);
    } finally {
      this.#processing = false;
    }
  }

  async #handle(f: Frame): Promise<void> {
    switch (f.type) {
      case 'syn_stream': {
        const headers = await this.#inflate.decompress(f.headerBlock);
        if (this.#closed) return;
        // Client streams are odd and increasing (SPDY/3 2.3.2); a reused id is a protocol error.
        if (f.streamId % 2 === 0 || f.streamId <= this.#lastStreamId) {
          this.reset(f.streamId, RstStatus.ProtocolError);
          return;
        }
        this.#lastStreamId = f.streamId;
        if (this.#goingAway || this.#streams.size >= (this.#opts.maxStreams ?? 1000)) return this.reset(f.streamId, RstStatus.RefusedStream);
        const stream = new SpdyStream(this, f.streamId, headers, (f.flags & FLAG_FIN) !== 0);
        stream.on('error', () => undefined);
        const refusal = this.#opts.onStream(stream);
        if (refusal !== undefined) {
          this.reset(f.streamId, RstStatus.RefusedStream);
          return;
        }
        this.#streams.set(f.streamId, stream);
        this.send(this.#deflate.compress([]).then((block) => encodeSynReply(f.streamId, block)));
        return;
      }
      case 'headers':
        // Its block still advances the shared zlib stream, so it must be inflated even though nothing uses it.
        await this.#inflate.decompress(f.headerBlock);
        return;
      case 'syn_reply':
        await this.#inflate.decompress(f.headerBlock);
        return;
      case 'data': {
        const s = this.#streams.get(f.streamId);
        if (!s) {
          // Data for a stream that was reset or finished is dropped; data for one never opened is an error.
          if (f.streamId > this.#lastStreamId) this.reset(f.streamId, RstStatus.InvalidStream);
          return;
        }
        if (f.data.length && !s.remoteData(f.data)) this.#blocked = true;
        if (f.flags & FLAG_FIN) s.remoteEnd();
        return;
      }
      case 'rst_stream': {
        const s = this.#streams.get(f.streamId);
        this.#streams.delete(f.streamId);
        s?.destroy();
        return;
      }
      case 'ping':
        // Odd ids are the client's pings, answered with the same id; even ones would answer ours (we send none).
        if (f.id % 2 === 1) this.send(encodePing(f.id));
        return;
      case 'goaway':
        this.#goingAway = true;
        if (this.#streams.size === 0) this.close();
        return;
      default:
        // SETTINGS and WINDOW_UPDATE: spdystream sends them, and flow control is TCP's here (see the module comment).
        return;
    }
  }
}
