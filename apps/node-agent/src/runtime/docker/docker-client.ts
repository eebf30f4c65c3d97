/**
 * @module DockerClient: the Docker Engine API (v1.41) over its unix socket, through undici.
 */
import { request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';
import { pipeline, Transform, type Readable, type TransformCallback } from 'node:stream';
import { Pool } from 'undici';

/** DockerError is a non-2xx answer of the engine. */
export class DockerError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'DockerError';
    this.status = status;
  }
}

/** DockerRequest is one API call; `path` is without the /v1.41 prefix. */
export interface DockerRequest {
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  body?: unknown;
  /** How long to wait for the answer's headers; default 30 s (a stop waits its grace period). */
  timeoutMs?: number;
  /** Aborts the request, or its body while it streams (the body then ends with an AbortError). */
  signal?: AbortSignal;
}

const ignore = (): void => undefined;

/**
 * DockerClient sends JSON requests to the engine and returns parsed answers or body streams. It keeps a pool of
 * keep-alive connections per socket: with a single connection every call of every pod worker queued behind the
 * others (a stop waits out its grace period, a log follow holds its connection), so pods started one after another.
 */
export class DockerClient {
  readonly #client: Pool;
  readonly #prefix: string;
  readonly #socketPath: string;

  /** The engine's socket: no pod may mount it (see DockerRuntime.startContainer). */
  get socketPath(): string {
    return this.#socketPath;
  }

  constructor(opts: { socketPath: string; apiVersion?: string; connections?: number }) {
    this.#socketPath = opts.socketPath;
    this.#client = new Pool('http://localhost', { socketPath: opts.socketPath, connections: opts.connections ?? 16 });
    this.#prefix = `/v${opts.apiVersion ?? '1.41'}`;
  }

  /** json sends a request and parses the answer (undefined for an empty body); non-2xx throws DockerError. */
  async json<T>(req: DockerRequest): Promise<T> {
    const body = await this.stream(req);
    let text = '';
    for await (const chunk of body) text += chunk.toString();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** stream sends a request and returns the answer body; non-2xx throws DockerError. */
  async stream(req: DockerRequest): Promise<Readable> {
    const timeout = req.timeoutMs ?? 30_000;
    const res = await this.#client.request({
      method: req.method,
      path: this.#prefix + req.path,
      headers: req.body !== undefined ? { 'content-type': 'application/json' } : {},
      ...(req.body !== undefined ? { body: JSON.stringify(req.body) } : {}),
      headersTimeout: timeout,
      bodyTimeout: 0,
      ...(req.signal ? { signal: req.signal } : {}),
    });
    if (res.statusCode >= 300 && res.statusCode !== 304) {
      const text = await res.body.text();
      let message = text;
      try {
        message = (JSON.parse(text) as { message?: string }).message ?? text;
      } catch {
        /* plain text */
      }
      throw new DockerError(res.statusCode, message.trim());
    }
    // A body the caller destroys (or whose request is aborted) emits an AbortError; an 'error' event without a
    // listener would end the process, and one pod's stream must never do that. Readers still see the error.
    res.body.on('error', ignore);
    return res.body;
  }

  /**
   * demuxed is `stream` for logs and exec of a container without a TTY: the answer as plain bytes. Destroying the
   * returned stream closes the request; an error of either side destroys both and is never left unhandled.
   */
  async demuxed(req: DockerRequest): Promise<Readable> {
    const out = pipeline(await this.stream(req), new Demultiplexer(), ignore);
    out.on('error', ignore);
    return out;
  }

  /**
   * hijack sends a POST whose answer becomes a raw two-way stream (exec start, attach): Docker answers
   * `101 UPGRADED` to `Upgrade: tcp` and then carries the process's stdin one way and its output the other.
   * Each hijack has its own connection (outside the pool, which must not lend a socket it no longer owns); a
   * non-2xx answer throws DockerError. The socket always has an error listener: a reset must not end the process.
   */
  hijack(path: string, body: unknown, timeoutMs = 30_000): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const text = JSON.stringify(body);
      const req = httpRequest({
        socketPath: this.#socketPath,
        method: 'POST',
        path: this.#prefix + path,
        headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), Connection: 'Upgrade', Upgrade: 'tcp' },
        timeout: timeoutMs,
      });
      req.on('upgrade', (_res, socket, head) => {
        socket.on('error', ignore);
        socket.setTimeout(0);
        if (head.length) socket.unshift(head);
        resolve(socket);
      });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const code = res.statusCode ?? 500;
          const raw = Buffer.concat(chunks).toString();
          let message = raw;
          try {
            message = (JSON.parse(raw) as { message?: string }).message ?? raw;
          } catch {
            /* plain text */
          }
          reject(new DockerError(code, code < 300 ? `engine answered ${code} instead of upgrading the connection` : message.trim()));
        });
      });
      req.on('timeout', () => req.destroy(new Error(`docker ${path}: no answer within ${timeoutMs} ms`)));
      req.on('error', reject);
      req.end(text);
    });
  }

  /**
   * detached is a client of its own on the same engine and API version, with one connection: for a stream that
   * stays open for good (the events the PLEG follows), which then holds no connection of this pool and does not
   * count in `running`. The caller closes it.
   */
  detached(): DockerClient {
    return new DockerClient({ socketPath: this.#socketPath, apiVersion: this.#prefix.slice('/v'.length), connections: 1 });
  }

  /** running is how many requests are in flight, streams included (a stream left open shows here). */
  get running(): number {
    return this.#client.stats.running;
  }

  /** close closes the connection pool. */
  async close(): Promise<void> {
    await this.#client.close();
  }
}

/**
 * Demultiplexer turns Docker's multiplexed stdout/stderr stream (8-byte frame headers) into plain bytes, which is
 * what a container without a TTY produces for logs and exec.
 */
export class Demultiplexer extends Transform {
  #buf = Buffer.alloc(0);

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    this.#buf = Buffer.concat([this.#buf, chunk]);
    while (this.#buf.length >= 8) {
      const size = this.#buf.readUInt32BE(4);
      if (this.#buf.length < 8 + size) break;
      this.push(this.#buf.subarray(8, 8 + size));
      this.#buf = this.#buf.subarray(8 + size);
    }
    cb();
  }
}
