/**
 * @module DockerContainerStream: a ContainerStream over a hijacked Docker connection (exec start, attach).
 */
import type { Socket } from 'node:net';
import { PassThrough, Writable, type Readable } from 'node:stream';
import type { ContainerStream } from '../container-runtime.js';

/** How much output may wait for a slow reader before the engine connection is paused. */
const OUTPUT_HIGH_WATER = 256 * 1024;

/** DockerStreamHooks are the engine calls a session needs besides its connection. */
export interface DockerStreamHooks {
  resize(width: number, height: number): Promise<void>;
  /** exitCode waits until the process is done and returns its code (exec), or undefined (attach). */
  exitCode(): Promise<number | undefined>;
  /** kill stops what is still running when the client leaves early (exec); attach leaves the container alone. */
  kill(): Promise<void>;
}

/**
 * StdSplitter routes Docker's multiplexed output (8-byte frame headers: stream type, size) to stdout and stderr.
 * Its write callback waits for a full target to drain, so a slow reader pauses the engine connection.
 */
class StdSplitter extends Writable {
  #buf: Buffer = Buffer.alloc(0);
  readonly #out: PassThrough;
  readonly #err: PassThrough;

  constructor(out: PassThrough, err: PassThrough) {
    super();
    this.#out = out;
    this.#err = err;
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : chunk;
    const waits: PassThrough[] = [];
    while (this.#buf.length >= 8) {
      const size = this.#buf.readUInt32BE(4);
      if (this.#buf.length < 8 + size) break;
      const target = this.#buf[0] === 2 ? this.#err : this.#out;
      if (size > 0 && !target.write(this.#buf.subarray(8, 8 + size)) && !waits.includes(target)) waits.push(target);
      this.#buf = this.#buf.subarray(8 + size);
    }
    if (waits.length === 0) return cb();
    let pending = waits.length;
    const done = (): void => {
      if (--pending === 0) cb();
    };
    // A target destroyed by its reader never drains: count its close as drained so the session can finish.
    for (const w of waits) {
      const onDrain = (): void => {
        w.off('close', onDrain);
        w.off('drain', onDrain);
        done();
      };
      w.once('drain', onDrain);
      w.once('close', onDrain);
    }
  }

  override _final(cb: () => void): void {
    this.#out.end();
    this.#err.end();
    cb();
  }
}

/**
 * dockerContainerStream wraps a hijacked socket: with a terminal its bytes are the output, without one they are
 * split into stdout and stderr. Every stream has an error listener; the socket closing ends both outputs.
 */
export function dockerContainerStream(socket: Socket, opts: { tty: boolean; stdin: boolean }, hooks: DockerStreamHooks): ContainerStream {
  const stdout = new PassThrough({ highWaterMark: OUTPUT_HIGH_WATER });
  const stderr = new PassThrough({ highWaterMark: OUTPUT_HIGH_WATER });
  for (const s of [stdout, stderr]) s.on('error', () => undefined);
  if (opts.tty) {
    stderr.end();
    socket.pipe(stdout);
  } else {
    const splitter = new StdSplitter(stdout, stderr);
    splitter.on('error', () => undefined);
    socket.pipe(splitter);
  }
  // A reset connection ends the output as a closed one does, so the session still finishes.
  socket.on('close', () => {
    if (!stdout.writableEnded) stdout.end();
    if (!stderr.writableEnded) stderr.end();
  });
  let closed = false;
  const stream: ContainerStream = {
    stdout: stdout as Readable,
    stderr: stderr as Readable,
    tty: opts.tty,
    resize: (w, h) => (opts.tty ? hooks.resize(w, h) : Promise.resolve()),
    exitCode: () => hooks.exitCode(),
    async close() {
      if (closed) return;
      closed = true;
      socket.destroy();
      stdout.destroy();
      stderr.destroy();
      await hooks.kill();
    },
  };
  if (opts.stdin) stream.stdin = socket;
  return stream;
}
