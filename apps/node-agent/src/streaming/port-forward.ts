/**
 * @module createPortForwardServer: the agent's `/portForward/{namespace}/{pod}` upgrade endpoint (kubelet's), the
 * end of every port-forward protocol: SPDY/3.1 on the upgraded socket, SPDY/3.1 tunnelled in WebSocket binary
 * messages (kubectl 1.31+), and the `v4.channel.k8s.io` channel form (the Python client). Each forwarded connection
 * is a TCP socket to the pod's IP on the requested port, reachable from the agent because pods sit on a network the
 * agent shares (see DESIGN.md, Node agent).
 */
import type { IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { Gauge, type Registry } from 'prom-client';
import { WebSocketServer, createWebSocketStream, type WebSocket } from 'ws';
import { portForwardProtocol, SPDY_PORT_FORWARD, WS_CHANNEL_V4, type Clock, type Pod } from '@skiff/api';
import type { Logger } from '@skiff/controller-kit';
import type { RuntimeContainer } from '../runtime/container-runtime.js';
import { SpdyConnection, type SpdyStream } from './spdy-connection.js';
import { MAX_FRAME_LENGTH } from './spdy-frames.js';
import { serveChannelPortForward } from './websocket-channel-port-forward.js';

/** PortForwardTarget is where a pod's ports are reached. */
export interface PortForwardTarget {
  ip: string;
  uid: string;
}

/**
 * sandboxTarget is a pod's port-forward target: the IP of its running sandbox (the pause container that holds the
 * pod's network namespace, so every container's ports are there), or why there is none.
 */
export function sandboxTarget(pod: Pod, containers: RuntimeContainer[]): PortForwardTarget | { code: number; message: string } {
  const name = `${pod.metadata.namespace ?? ''}/${pod.metadata.name ?? ''}`;
  const sandbox = containers.find((c) => c.kind === 'sandbox' && c.state === 'running' && c.ip);
  if (!sandbox?.ip) return { code: 400, message: `pod ${name} has no running sandbox with a network address` };
  return { ip: sandbox.ip, uid: pod.metadata.uid ?? '' };
}

export interface PortForwardServerOptions {
  /** resolve finds a running pod's address, or says why there is none with an HTTP code (404 not on this node). */
  resolve(namespace: string, name: string): PortForwardTarget | { code: number; message: string };
  clock: Clock;
  logger: Logger;
  metrics: Registry;
  /** How long the data and error streams of one request may arrive apart (kubelet's streamCreationTimeout, 30 s). */
  streamCreationTimeoutMs?: number;
  /** Streams one client connection may hold open (two per forwarded connection; default 1000). */
  maxStreamsPerConnection?: number;
  /** How long connecting to a pod port may take (default 10 s): a pod address that drops packets must not hang. */
  connectTimeoutMs?: number;
}

export interface PortForwardServer {
  /** handleUpgrade is the http.Server 'upgrade' listener; it answers any other path with 404. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  close(): void;
}

const PATH = /^\/portForward\/([^/]+)\/([^/]+)$/;

/** refuse answers an upgrade with a plain-text error, as kubelet does; the api-server turns it into a Status. */
function refuse(socket: Duplex, code: number, message: string): void {
  const reason = code === 404 ? 'Not Found' : code === 400 ? 'Bad Request' : 'Error';
  socket.end(`HTTP/1.1 ${code} ${reason}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(message)}\r\nConnection: close\r\n\r\n${message}`);
}

/** parsePorts reads `?ports=80,8080` of the channel form (kubelet's NewV4Options). */
function parsePorts(q: URLSearchParams): number[] | string {
  const raw = q.getAll('ports').flatMap((p) => p.split(',')).map((p) => p.trim()).filter(Boolean);
  if (raw.length === 0) return 'query parameter "ports" is required';
  const ports: number[] = [];
  for (const p of raw) {
    const n = Number(p);
    if (!/^\d+$/.test(p) || n < 1 || n > 65535) return `unable to parse "${p}" as a port: must be 1-65535`;
    ports.push(n);
  }
  return ports;
}

/** createPortForwardServer builds the endpoint; dependencies (pod lookup, clock, metrics) are injected. */
export function createPortForwardServer(opts: PortForwardServerOptions): PortForwardServer {
  const log = opts.logger.child({ component: 'port-forward' });
  const creationTimeoutMs = opts.streamCreationTimeoutMs ?? 30_000;
  const connections = new Gauge({ name: 'skiff_node_agent_port_forward_connections', help: 'Open port-forward client connections by protocol', labelNames: ['protocol'], registers: [opts.metrics] });
  const podSockets = new Gauge({ name: 'skiff_node_agent_port_forward_pod_sockets', help: 'Open TCP connections from port-forward to pods', registers: [opts.metrics] });
  const wss = new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    // The tunnel carries one SPDY frame per message; a frame is at most 16 MiB by its length field.
    maxPayload: MAX_FRAME_LENGTH + 8,
    handleProtocols: (_offered, req) => chosen.get(req) ?? false,
  });
  // ws parses Sec-WebSocket-Protocol as RFC 7230 tokens, and `SPDY/3.1+portforward.k8s.io` is not one ('/'), so
  // ws would refuse kubectl's offer (kubectl then falls back to plain SPDY). The protocol is negotiated before ws
  // sees the request, which gets a token in its place; handleProtocols answers with the real name.
  const chosen = new WeakMap<IncomingMessage, string>();
  const open = new Set<Duplex | WebSocket>();

  const connectTimeoutMs = opts.connectTimeoutMs ?? 10_000;
  const dial = (target: PortForwardTarget, port: number): Socket => {
    const sock = connect({ host: target.ip, port });
    podSockets.inc();
    sock.on('close', () => podSockets.dec());
    sock.setNoDelay(true);
    sock.setTimeout(connectTimeoutMs, () => sock.destroy(new Error(`timed out connecting to ${target.ip}:${port}`)));
    sock.once('connect', () => sock.setTimeout(0));
    return sock;
  };

  const track = (conn: Duplex | WebSocket, protocol: string): void => {
    open.add(conn);
    connections.inc({ protocol });
    conn.once('close', () => {
      open.delete(conn);
      connections.dec({ protocol });
    });
  };

  function serveSpdy(transport: Duplex, target: PortForwardTarget, pod: string): void {
    const pairs = new Map<string, { data?: SpdyStream; error?: SpdyStream; timer: ReturnType<Clock['setTimeout']> }>();
    const conn = new SpdyConnection(transport, {
      onError: (err) => log.debug({ err, pod }, 'port-forward SPDY connection failed'),
      ...(opts.maxStreamsPerConnection !== undefined ? { maxStreams: opts.maxStreamsPerConnection } : {}),
      onStream(stream) {
        // The checks of kubelet's httpStreamReceived, in its words.
        const portText = stream.header('port');
        if (!portText) return '"port" header is required';
        const port = Number(portText);
        if (!/^\d+$/.test(portText) || port > 65535) return `unable to parse "${portText}" as a port`;
        if (port < 1) return `port "${portText}" must be > 0`;
        const type = stream.header('streamType');
        if (type !== 'data' && type !== 'error') return `invalid stream type "${type ?? ''}"`;
        // Clients before kube 1.6 sent no requestID: their error and data streams are consecutive odd ids.
        const id = stream.header('requestID') ?? String(type === 'error' ? stream.id : stream.id - 2);
        let pair = pairs.get(id);
        if (!pair) {
          const timer = opts.clock.setTimeout(() => {
            const p = pairs.get(id);
            pairs.delete(id);
            p?.error?.end(`timed out waiting for streams of request ${id}`);
            p?.data?.destroy();
          }, creationTimeoutMs);
          pair = { timer };
          pairs.set(id, pair);
        }
        if (pair[type]) return `${type} stream already assigned for request ${id}`;
        pair[type] = stream;
        if (pair.data && pair.error) {
          opts.clock.clearTimeout(pair.timer);
          pairs.delete(id);
          forward(target, pod, port, pair.data, pair.error);
        }
        return undefined;
      },
    });
    conn.onClose(() => {
      for (const p of pairs.values()) opts.clock.clearTimeout(p.timer);
      pairs.clear();
    });
  }

  /**
   * forward joins one data stream to a new TCP connection to the pod. pipe carries back-pressure both ways and
   * passes each half-close on (the client's FIN ends the pod socket's writing, the pod's EOF sends FIN after the
   * data before it). The pod closing first must not reset the stream: what it sent may still be queued in it.
   */
  function forward(target: PortForwardTarget, pod: string, port: number, data: SpdyStream, error: SpdyStream): void {
    // A data stream the client reset before its pair was complete has no one to forward for; its 'close' is past,
    // so a socket dialed now would never be closed.
    if (data.destroyed) return void error.end();
    const sock = dial(target, port);
    let failure: Error | undefined;
    sock.on('error', (err) => (failure ??= err));
    data.pipe(sock);
    sock.pipe(data);
    const endError = (): void => {
      if (error.writableEnded || error.destroyed) return;
      if (failure) {
        error.write(`error forwarding port ${port} to pod ${pod}, uid ${target.uid}: ${failure.message}`);
        log.debug({ pod, port, err: failure }, 'port-forward to pod failed');
      }
      error.end();
    };
    sock.on('close', () => {
      // Whatever the client still sends for this connection has nowhere to go: drop it rather than stall the
      // whole SPDY connection behind a full stream.
      data.unpipe(sock);
      data.resume();
      if (failure) data.destroy();
      endError();
    });
    data.on('close', () => {
      sock.destroy();
      endError();
    });
  }

  return {
    handleUpgrade(req, socket, head) {
      socket.on('error', () => undefined);
      const url = new URL(req.url ?? '/', 'http://agent');
      const m = PATH.exec(url.pathname);
      if (!m) return refuse(socket, 404, `${url.pathname} is not served by this node agent`);
      const [namespace, name] = [decodeURIComponent(m[1]!), decodeURIComponent(m[2]!)];
      const protocol = portForwardProtocol(req.headers);
      if (protocol.transport === 'none') return refuse(socket, 400, protocol.message);
      const target = opts.resolve(namespace, name);
      if ('code' in target) return refuse(socket, target.code, target.message);
      const pod = `${namespace}/${name}`;
      if (protocol.transport === 'spdy') {
        socket.write(`HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: ${SPDY_PORT_FORWARD}\r\n\r\n`);
        if (head.length) socket.unshift(head);
        track(socket, 'spdy');
        return serveSpdy(socket, target, pod);
      }
      let ports: number[] = [];
      if (protocol.subprotocol === WS_CHANNEL_V4) {
        const parsed = parsePorts(url.searchParams);
        if (typeof parsed === 'string') return refuse(socket, 400, parsed);
        ports = parsed;
      }
      chosen.set(req, protocol.subprotocol);
      req.headers['sec-websocket-protocol'] = 'negotiated';
      wss.handleUpgrade(req, socket, head, (ws) => {
        track(ws, protocol.subprotocol);
        ws.on('error', () => undefined);
        if (protocol.subprotocol === WS_CHANNEL_V4) {
          serveChannelPortForward(ws, ports, (port) => dial(target, port), (port, err) => `error forwarding port ${port} to pod ${pod}, uid ${target.uid}: ${err.message}`);
          return;
        }
        const stream = createWebSocketStream(ws);
        stream.on('error', () => undefined);
        serveSpdy(stream, target, pod);
      });
    },
    close() {
      for (const c of open) ('terminate' in c ? c.terminate() : c.destroy());
      wss.close();
    },
  };
}
