/**
 * @module pods/portforward: proxies a port-forward upgrade to the node agent of the pod, as kube-apiserver's
 * UpgradeAwareHandler does to kubelet.
 *
 * The protocols end at the agent, not here: the agent speaks all three forms (SPDY/3.1, SPDY/3.1 tunnelled in a
 * WebSocket, and the v4 channel WebSocket), and the api-server checks the offer, finds the agent and then only
 * copies bytes. kube-apiserver unwraps the WebSocket tunnel itself because older kubelets speak only SPDY; Skiff's
 * agents ship with the api-server, so one protocol end keeps the control plane free of per-frame work and carries
 * TCP back-pressure from end to end.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Gauge, type Registry as MetricsRegistry } from 'prom-client';
import { errors, portForwardProtocol, RESOURCES, type Pod } from '@skiff/api';
import { endSocketWithStatus, toApiError } from '../http/send.js';
import { readBounded, upstreamError } from '../http/upstream-error.js';
import type { Registry } from '../registry/registry.js';
import { agentDialer, type AgentDialer } from './agent-dialer.js';
import { agentEndpoint, unreachable } from './node-agent.js';

/** The request headers an upgrade needs at the agent; credentials and everything else stay here. */
const FORWARDED = ['upgrade', 'sec-websocket-key', 'sec-websocket-version', 'sec-websocket-protocol', 'x-stream-protocol-version'];

export interface PodPortForwardOptions {
  /** How long connecting to the agent and waiting for its answer may take (default 10 s). */
  dialTimeoutMs?: number;
  /** How agents are dialled (client certificate, refused addresses). */
  dialer?: AgentDialer;
  /** Where the open-connections gauge is registered. */
  metrics?: MetricsRegistry;
}

/** PodPortForward handles upgrade requests of `pods/{name}/portforward`. */
export interface PodPortForward {
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, namespace: string, name: string): void;
  /** close ends every proxied connection (api-server shutdown: upgraded sockets are no longer the HTTP server's). */
  close(): void;
}

/** podPortForwardProxy builds the handler; every refusal is a Status on the socket. */
export function podPortForwardProxy(registry: Registry, opts: PodPortForwardOptions = {}): PodPortForward {
  const dialTimeoutMs = opts.dialTimeoutMs ?? 10_000;
  const dialer = opts.dialer ?? agentDialer();
  const open = new Gauge({ name: 'apiserver_port_forward_connections', help: 'Port-forward connections proxied to node agents that are open.', registers: opts.metrics ? [opts.metrics] : [] });
  const live = new Set<Duplex>();
  const handleUpgrade: PodPortForward['handleUpgrade'] = (req, socket, head, namespace, name) => {
    socket.on('error', () => undefined);
    const refuse = (err: unknown): void => {
      if (!socket.destroyed) endSocketWithStatus(socket, toApiError(err));
    };
    try {
      if (req.method !== 'GET' && req.method !== 'POST') throw errors.methodNotAllowed(req.method ?? '', req.url ?? '');
      const protocol = portForwardProtocol(req.headers);
      if (protocol.transport === 'none') throw errors.badRequest(protocol.message);
    } catch (err) {
      return refuse(err);
    }
    registry.store
      .sync()
      .then(() => {
        const pod = registry.get(RESOURCES.pods, namespace, name) as unknown as Pod;
        const phase = pod.status?.phase ?? 'Pending';
        // kubectl's own words for this check, which it makes before dialing; other clients hear it from here.
        if (phase !== 'Running') throw errors.badRequest(`unable to forward port because pod is not running. Current status=${phase}`);
        const agent = agentEndpoint(registry, pod);
        const search = new URL(req.url ?? '/', 'http://localhost').search;
        const headers: Record<string, string | string[]> = { connection: 'Upgrade' };
        for (const h of FORWARDED) if (req.headers[h] !== undefined) headers[h] = req.headers[h]!;
        const upstream = dialer.request(agent, { method: 'GET', path: `/portForward/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}${search}`, headers, timeout: dialTimeoutMs });
        const onClientGone = (): void => void upstream.destroy();
        socket.once('close', onClientGone);
        upstream.on('timeout', () => upstream.destroy(new Error('timed out connecting to the node agent')));
        upstream.on('error', (err) => refuse(unreachable(agent, err)));
        upstream.on('response', (res) => {
          upstream.setTimeout(0);
          readBounded(res).then((body) => refuse(upstreamError(res.statusCode ?? 502, body, 'pods/portforward', name)), refuse);
        });
        upstream.on('upgrade', (res, agentSocket, agentHead) => {
          upstream.setTimeout(0);
          socket.off('close', onClientGone);
          agentSocket.on('error', () => undefined);
          if (socket.destroyed) return void agentSocket.destroy();
          open.inc();
          live.add(agentSocket);
          agentSocket.once('close', () => {
            open.dec();
            live.delete(agentSocket);
          });
          const lines = [`HTTP/1.1 101 Switching Protocols`];
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
          socket.write(`${lines.join('\r\n')}\r\n\r\n`);
          if (agentHead.length) socket.write(agentHead);
          if (head.length) agentSocket.write(head);
          // pipe carries back-pressure; either side closing closes the other once what it sent is flushed (at
          // once after an error), so no socket outlives its peer.
          agentSocket.pipe(socket);
          socket.pipe(agentSocket);
          socket.once('close', (hadError: boolean) => closeAfter(agentSocket, hadError === true));
          agentSocket.once('close', (hadError: boolean) => closeAfter(socket, hadError));
        });
        upstream.end();
      })
      .catch(refuse);
  };
  return {
    handleUpgrade,
    close() {
      for (const s of live) s.destroy();
    },
  };
}

/** closeAfter closes a socket whose peer went away: after flushing what it still holds, or at once after an error. */
function closeAfter(socket: Duplex, hadError: boolean): void {
  if (socket.destroyed) return;
  if (hadError) return void socket.destroy();
  socket.end(() => socket.destroy());
}
