/**
 * @module runChannelSession: joins a WebSocket speaking a channel protocol to a ContainerStream.
 */
import type { WebSocket } from 'ws';
import type { Logger } from '@skiff/controller-kit';
import type { ContainerStream } from '../runtime/container-runtime.js';
import { CHANNEL, endStatus, frame, parseResize } from './channel-protocol.js';

/** Output waiting in the WebSocket beyond this pauses the container's output until it drains below the low mark. */
const HIGH_WATER = 1024 * 1024;
const LOW_WATER = 256 * 1024;

export interface ChannelSessionOptions {
  /** The negotiated subprotocol; v5 understands the close signal. */
  protocol: string;
  /** The channel that gets the empty "streams are ready" message (kubelet: the lowest output channel asked for). */
  readyChannel: number;
  logger: Logger;
  /**
   * How often the agent pings the client; a client that has not answered the previous ping by the next one is
   * gone (a half-open connection sends no FIN) and the session ends. Default 30 s.
   */
  heartbeatMs?: number;
}

/**
 * runChannelSession copies stdin/resize messages to the container and its output back, each direction bounded:
 * a slow client pauses the container's output (the engine connection stops being read), a slow process pauses the
 * WebSocket. When the output ends it writes the end Status on the error channel and closes with 1000 (clients read
 * their streams to EOF, then the Status); when the client goes first the container stream is closed, which kills a
 * still running exec. Resolves once both sides are closed; never rejects.
 */
export function runChannelSession(ws: WebSocket, stream: ContainerStream, opts: ChannelSessionOptions): Promise<void> {
  const { logger } = opts;
  const outputs = [
    { s: stream.stdout, ch: CHANNEL.stdout },
    { s: stream.stderr, ch: CHANNEL.stderr },
  ];
  let paused = false;
  let finished = false;
  const send = (data: Buffer): void => {
    if (ws.readyState !== ws.OPEN) return;
    ws.send(data, { binary: true }, () => {
      if (paused && ws.bufferedAmount < LOW_WATER) {
        paused = false;
        for (const o of outputs) o.s.resume();
      }
    });
    if (!paused && ws.bufferedAmount > HIGH_WATER) {
      paused = true;
      for (const o of outputs) o.s.pause();
    }
  };

  send(frame(opts.readyChannel, Buffer.alloc(0)));
  let open = outputs.length;
  for (const { s, ch } of outputs) {
    s.on('data', (chunk: Buffer) => send(frame(ch, chunk)));
    s.on('error', (err) => logger.debug({ err }, 'container stream failed'));
    s.once('close', () => {
      if (--open === 0) void finish();
    });
  }

  const finish = async (): Promise<void> => {
    if (finished) return;
    finished = true;
    let status: Record<string, unknown>;
    try {
      const exitCode = await stream.exitCode();
      status = endStatus(exitCode === undefined ? {} : { exitCode });
    } catch (err) {
      status = endStatus({ error: `error executing command in container: ${(err as Error).message}` });
    }
    send(frame(CHANNEL.error, Buffer.from(JSON.stringify(status))));
    if (ws.readyState === ws.OPEN) ws.close(1000);
  };

  const stdin = stream.stdin;
  stdin?.on('error', (err) => logger.debug({ err }, 'container stdin failed'));
  const v5 = opts.protocol === 'v5.channel.k8s.io';
  ws.on('message', (data: Buffer, isBinary: boolean) => {
    if (!isBinary || data.length === 0) return;
    const ch = data[0];
    if (ch === CHANNEL.stdin) {
      if (!stdin || stdin.writableEnded || stdin.destroyed || data.length === 1) return;
      if (!stdin.write(data.subarray(1))) {
        ws.pause();
        const resume = (): void => {
          stdin.off('drain', resume);
          stdin.off('close', resume);
          ws.resume();
        };
        stdin.on('drain', resume);
        stdin.on('close', resume);
      }
    } else if (ch === CHANNEL.resize) {
      const size = parseResize(data.subarray(1));
      if (size) stream.resize(size.width, size.height).catch((err: unknown) => logger.debug({ err }, 'resize failed'));
    } else if (v5 && ch === CHANNEL.close && data[1] === CHANNEL.stdin) {
      // The client has no more input: close the process's stdin, as the end of a pipe does.
      if (stdin && !stdin.writableEnded && !stdin.destroyed) stdin.end();
    }
  });

  let alive = true;
  ws.on('pong', () => (alive = true));
  const heartbeat = setInterval(() => {
    if (!alive) return void ws.terminate();
    alive = false;
    ws.ping();
  }, opts.heartbeatMs ?? 30_000);
  heartbeat.unref();

  return new Promise<void>((resolve) => {
    const gone = (): void => {
      clearInterval(heartbeat);
      // Whoever goes first, the other side is released; a client that left mid-way gets its exec killed.
      stream.close().then(resolve, (err: unknown) => {
        logger.debug({ err }, 'closing the container stream failed');
        resolve();
      });
    };
    ws.on('error', (err) => logger.debug({ err }, 'stream WebSocket failed'));
    ws.once('close', gone);
  });
}
