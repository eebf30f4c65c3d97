/**
 * @module pods/exec and pods/attach: WebSocket upgrades tunnelled to the node agent that runs the pod, as
 * kube-apiserver's UpgradeAwareHandler tunnels them to the kubelet.
 *
 * The api-server checks everything it can answer with a Status (pod, options, container, node, protocol), then
 * replays the handshake to the agent and, once the agent answers 101, copies bytes both ways without reading the
 * frames: the agent terminates the channel protocol, so pings, the close signal and back-pressure pass end to end.
 */
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ApiError, errors, RESOURCES, type Pod } from '@skiff/api';
import { parseApiPath } from '../http/api-path.js';
import { boolParam } from '../http/query.js';
import { endSocketWithStatus, toApiError } from '../http/send.js';
import { upstreamError } from '../http/upstream-error.js';
import type { Registry } from '../registry/registry.js';
import { agentDialer, type AgentDialer } from './agent-dialer.js';
import { agentEndpoint, podContainerName, readBounded, unreachable } from './node-agent.js';

/** The channel subprotocols the node agents speak, preferred first (KEP-4006: v5 adds the close signal). */
export const STREAM_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'];

/** STREAM_SUBRESOURCES are the pod subresources served here. */
export const STREAM_SUBRESOURCES = new Set(['exec', 'attach']);

const STREAMS = ['stdin', 'stdout', 'stderr', 'tty'];

/** validateStreamOptions checks PodExecOptions / PodAttachOptions as kube's validation does. */
function validateStreamOptions(sub: string, q: URLSearchParams): void {
  if (sub === 'exec' && q.getAll('command').length === 0) throw errors.badRequest('you must specify at least one command for the container');
  if (!STREAMS.slice(0, 3).some((f) => boolParam(q, f))) throw errors.badRequest('you must specify at least 1 of stdin, stdout, stderr');
}

/**
 * notRunningError says why the pod's status shows the container cannot be streamed to, if it does. It serves the
 * requests refused for their protocol: kubectl retries a failed WebSocket upgrade over SPDY, and without this the
 * agent's answer to the first attempt (container not running) would be hidden behind the protocol error.
 */
function notRunningError(pod: Pod, container: string, sub: string): ApiError | undefined {
  const phase = pod.status?.phase;
  const verb = sub === 'exec' ? 'exec into' : 'attach to';
  if (phase === 'Succeeded' || phase === 'Failed') return errors.badRequest(`cannot ${verb} a container in a completed pod; current phase is ${phase}`);
  const status = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])].find((c) => c.name === container);
  if (status && !status.state?.running) return errors.badRequest(`container ${container} is not running in pod ${pod.metadata.name ?? ''}`);
  return undefined;
}

/**
 * acceptedProtocols returns the offered subprotocols the agents speak, or throws the 400 that names them: kubectl
 * falls back to SPDY/3.1 when the WebSocket upgrade fails, and that fallback must end in a clear message.
 */
function acceptedProtocols(req: IncomingMessage, sub: string): string[] {
  const upgrade = String(req.headers.upgrade ?? '').toLowerCase();
  const offered = String(req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
  const accepted = upgrade === 'websocket' ? STREAM_PROTOCOLS.filter((p) => offered.includes(p)) : [];
  if (accepted.length === 0) {
    const spdy = req.headers['x-stream-protocol-version'];
    const asked = upgrade === 'websocket' ? `WebSocket subprotocols [${offered.join(', ')}]` : `${req.headers.upgrade ?? 'no upgrade'}${spdy ? ` (${[spdy].flat().join(', ')})` : ''}`;
    throw errors.badRequest(`unable to upgrade connection for pods/${sub}: the client offered ${asked}; Skiff serves it over WebSocket with subprotocols ${STREAM_PROTOCOLS.join(', ')}`);
  }
  return accepted;
}

/** StreamTarget is a validated request, ready to be tunnelled. */
interface StreamTarget {
  sub: string;
  name: string;
  agent: ReturnType<typeof agentEndpoint>;
  path: string;
  protocols: string[];
}

/** resolve checks a request in kube's order (pod, options, container, node) and then the protocol. */
async function resolve(registry: Registry, req: IncomingMessage, url: URL): Promise<StreamTarget | undefined> {
  const path = parseApiPath(url.pathname);
  if (path?.info !== RESOURCES.pods || !path.name || !path.subresource || !STREAM_SUBRESOURCES.has(path.subresource)) return undefined;
  const sub = path.subresource;
  const name = path.name;
  const ns = path.namespace;
  if (!ns) throw errors.notFound('', '', url.pathname); // pods are namespaced: there is no /api/v1/pods/NAME/exec
  if (req.method !== 'GET' && req.method !== 'POST') throw errors.methodNotAllowed(req.method ?? '', url.pathname);
  await registry.store.sync(); // the pod and its node may be pending a commit
  const pod = registry.get(RESOURCES.pods, ns, name) as unknown as Pod;
  const q = url.searchParams;
  validateStreamOptions(sub, q);
  const container = podContainerName(pod, q.get('container') ?? undefined);
  const agent = agentEndpoint(registry, pod);
  let protocols: string[];
  try {
    protocols = acceptedProtocols(req, sub);
  } catch (err) {
    throw notRunningError(pod, container, sub) ?? err;
  }
  // The agent gets the options in one spelling (clients write booleans as true, True or 1, as Go's ParseBool reads).
  const query = new URLSearchParams(q.getAll('command').map((c): [string, string] => ['command', c]));
  for (const f of STREAMS) query.set(f, String(boolParam(q, f)));
  const target = `/${sub}/${encodeURIComponent(ns)}/${encodeURIComponent(name)}/${encodeURIComponent(container)}?${query}`;
  return { sub, name, agent, path: target, protocols };
}

/** joinSockets copies both ways with back-pressure (pipe) and destroys both when either closes or fails. */
function joinSockets(a: Duplex, b: Duplex): void {
  const teardown = (): void => {
    a.destroy();
    b.destroy();
  };
  for (const s of [a, b]) {
    s.on('error', teardown);
    s.once('close', teardown);
  }
  a.pipe(b);
  b.pipe(a);
}

/**
 * podStreamProxy returns the upgrade handler for pods/exec and pods/attach; it returns false for other paths so the
 * caller can hand them on. `dialTimeoutMs` (default 10 s) bounds connecting to the agent and its handshake answer.
 */
export function podStreamProxy(registry: Registry, opts: { dialTimeoutMs?: number; dialer?: AgentDialer } = {}) {
  const dialTimeoutMs = opts.dialTimeoutMs ?? 10_000;
  const dialer = opts.dialer ?? agentDialer();
  const tunnel = (req: IncomingMessage, socket: Duplex, head: Buffer, t: StreamTarget): void => {
    const headers = {
      Connection: 'Upgrade',
      Upgrade: 'websocket',
      'Sec-WebSocket-Key': String(req.headers['sec-websocket-key'] ?? ''),
      'Sec-WebSocket-Version': String(req.headers['sec-websocket-version'] ?? '13'),
      'Sec-WebSocket-Protocol': t.protocols.join(', '),
    };
    const upstream = dialer.request(t.agent, { method: 'GET', path: t.path, headers, timeout: dialTimeoutMs });
    const leave = (): void => void upstream.destroy();
    // A client that leaves before the agent answers ends the dial too.
    socket.once('close', leave);
    upstream.on('upgrade', (res: IncomingMessage, up: Socket, upHead: Buffer) => {
      socket.off('close', leave);
      up.setTimeout(0);
      const lines = [`HTTP/1.1 101 ${res.statusMessage ?? 'Switching Protocols'}`];
      for (let i = 0; i + 1 < res.rawHeaders.length; i += 2) lines.push(`${res.rawHeaders[i]}: ${res.rawHeaders[i + 1]}`);
      if (socket.destroyed) return void up.destroy();
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (upHead.length) socket.write(upHead);
      if (head.length) up.write(head);
      joinSockets(socket, up);
    });
    upstream.on('response', (res) => {
      const code = res.statusCode ?? 502;
      readBounded(res).then(
        (body) => endSocketWithStatus(socket, upstreamError(code, body, `pods/${t.sub}`, t.name)),
        (err: Error) => endSocketWithStatus(socket, unreachable(t.agent, err)),
      );
    });
    upstream.on('timeout', () => upstream.destroy(new Error('timed out connecting to the node agent')));
    upstream.on('error', (err) => {
      if (!socket.destroyed && !socket.writableEnded) endSocketWithStatus(socket, unreachable(t.agent, err));
    });
    upstream.end();
  };

  return (req: IncomingMessage, socket: Duplex, head: Buffer): boolean => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    let path;
    try {
      path = parseApiPath(url.pathname);
    } catch {
      return false; // a malformed path: the caller answers it
    }
    if (path?.info !== RESOURCES.pods || !path.subresource || !STREAM_SUBRESOURCES.has(path.subresource)) return false;
    socket.on('error', () => socket.destroy());
    resolve(registry, req, url)
      .then((t) => {
        if (!t) throw errors.notFound('', '', url.pathname);
        tunnel(req, socket, head, t);
      })
      .catch((err: unknown) => {
        if (!socket.destroyed) endSocketWithStatus(socket, toApiError(err));
      });
    return true;
  };
}

/** upgradeRequired is the 400 for a plain request to a streaming subresource, as kube answers it. */
export function upgradeRequired(): ApiError {
  return errors.badRequest('Upgrade request required');
}
