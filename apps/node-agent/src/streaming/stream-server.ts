/**
 * @module createStreamServer: the agent's exec and attach WebSocket endpoints (what the api-server's pods/exec
 * and pods/attach tunnel to), served on the same HTTP server as container logs.
 */
import { STATUS_CODES, type IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Gauge, type Registry } from 'prom-client';
import { WebSocketServer } from 'ws';
import type { Pod } from '@skiff/api';
import type { Logger } from '@skiff/controller-kit';
import { pickInstance } from '../log-server.js';
import type { NodeRunner } from '../node-runner.js';
import type { ContainerRuntime, ContainerStream } from '../runtime/container-runtime.js';
import { openAttach } from './attach.js';
import { CHANNEL, CHANNEL_PROTOCOLS, offeredProtocols, selectChannelProtocol } from './channel-protocol.js';
import { runChannelSession } from './channel-session.js';
import { openExec } from './exec.js';
import { StreamRequestError } from './stream-request.js';

export interface StreamServerOptions {
  findPod(namespace: string, name: string): { runner: NodeRunner; pod: Pod } | undefined;
  logger: Logger;
  metrics: Registry;
}

export interface StreamServer {
  /** handleUpgrade serves an upgrade of /exec/... or /attach/... and returns true; false for any other path. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): boolean;
  /** active is how many sessions are open. */
  readonly active: number;
  /** close ends every session. */
  close(): void;
}

type Open = (runtime: ContainerRuntime, containerId: string, q: URLSearchParams) => Promise<{ stream: ContainerStream; stdout: boolean }>;
const OPENERS: Record<string, Open> = { exec: openExec, attach: openAttach };
const PATH = /^\/(exec|attach)\/([^/]+)\/([^/]+)\/([^/]+)$/;

/** A stdin message may be up to this large; more is a protocol error that closes the session (1009). */
const MAX_MESSAGE_BYTES = 1024 * 1024;

/** refuse answers an upgrade the agent will not serve with a plain-text error (the api-server makes it a Status). */
function refuse(socket: Duplex, code: number, message: string): void {
  const body = Buffer.from(message);
  socket.end(`HTTP/1.1 ${code} ${STATUS_CODES[code] ?? 'Error'}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${message}`);
}

/** engineErrorCode maps an engine's refusal to what the agent answers: a stopped container is the client's 400. */
function engineErrorCode(err: unknown): number {
  const status = (err as { status?: unknown }).status;
  if (status === 404) return 404;
  if (status === 409) return 400;
  return 500;
}

/**
 * createStreamServer builds the upgrade handler. Each session holds one engine connection and one WebSocket; both
 * are closed when either side goes, and neither can take the process down (every socket has an error listener).
 */
export function createStreamServer(opts: StreamServerOptions): StreamServer {
  const { logger } = opts;
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, maxPayload: MAX_MESSAGE_BYTES, handleProtocols: (p) => selectChannelProtocol(p) ?? false });
  let active = 0;
  new Gauge({ name: 'skiff_node_agent_stream_sessions', help: 'Open exec and attach sessions', registers: [opts.metrics], collect() {
    this.set(active);
  } });

  const serve = async (kind: string, req: IncomingMessage, socket: Duplex, head: Buffer, parts: string[]): Promise<void> => {
    const [namespace, podName, container] = parts.map((p) => decodeURIComponent(p));
    const q = new URL(req.url ?? '/', 'http://agent').searchParams;
    if (!selectChannelProtocol(offeredProtocols(req.headers['sec-websocket-protocol']))) {
      return refuse(socket, 400, `unsupported streaming protocol: the node agent serves WebSocket ${CHANNEL_PROTOCOLS.join(', ')}`);
    }
    const found = opts.findPod(namespace!, podName!);
    if (!found) return refuse(socket, 404, `pod ${namespace}/${podName} is not on this node`);
    const instance = pickInstance(found.runner.pleg.containersOf(found.pod.metadata.uid ?? ''), container!, false);
    if (!instance || instance.state !== 'running') return refuse(socket, 400, `container ${container} is not running in pod ${podName}`);
    let opened: { stream: ContainerStream; stdout: boolean };
    try {
      opened = await OPENERS[kind]!(found.runner.runtime, instance.id, q);
    } catch (err) {
      if (err instanceof StreamRequestError) return refuse(socket, err.code, err.message);
      logger.info({ err, pod: `${namespace}/${podName}`, container }, `${kind} failed`);
      return refuse(socket, engineErrorCode(err), `failed to ${kind} in container ${container}: ${(err as Error).message}`);
    }
    const { stream } = opened;
    // The client may have left while the engine was starting the command.
    if (socket.destroyed) return void stream.close();
    active++;
    let upgraded = false;
    // A handshake ws refuses (bad key or version) destroys the socket without calling back: release the stream.
    socket.once('close', () => {
      if (upgraded) return;
      active--;
      void stream.close();
    });
    wss.handleUpgrade(req, socket, head, (ws) => {
      upgraded = true;
      const readyChannel = opened.stdout ? CHANNEL.stdout : CHANNEL.error;
      void runChannelSession(ws, stream, { protocol: ws.protocol, readyChannel, logger }).finally(() => active--);
    });
  };

  return {
    handleUpgrade(req, socket, head) {
      const m = PATH.exec(new URL(req.url ?? '/', 'http://agent').pathname);
      if (!m) return false;
      socket.on('error', (err) => logger.debug({ err }, 'stream socket failed'));
      serve(m[1]!, req, socket, head, [m[2]!, m[3]!, m[4]!]).catch((err: unknown) => {
        logger.warn({ err }, 'stream request failed');
        if (!socket.destroyed) refuse(socket, 500, (err as Error).message);
      });
      return true;
    },
    get active() {
      return active;
    },
    close() {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    },
  };
}
