/**
 * @module ApiProxy relays a browser's API request, WebSocket upgrades included, to the api-server over TLS, with the
 * signed-in user's bearer token in place of the browser's cookie. Like `kubectl proxy`, it adds nothing of its own:
 * the api-server authenticates and authorizes the user, so RBAC applies to what the dashboard shows and does.
 */
import { request as httpsRequest, type RequestOptions } from 'node:https';
import { request as httpRequest, type ClientRequest, type IncomingMessage, type ServerResponse, type IncomingHttpHeaders } from 'node:http';
import type { Duplex } from 'node:stream';

/** Upstream is the api-server: its URL and the CA its certificate must chain to. */
export interface Upstream {
  server: URL;
  ca?: string | Buffer;
  /** kubeconfig tls-server-name: the name checked when it differs from the URL's host. */
  serverName?: string;
}

/** Hop-by-hop and browser-only headers that must not reach the api-server. */
const DROPPED = new Set(['host', 'cookie', 'authorization', 'connection', 'keep-alive', 'proxy-authorization', 'te', 'trailer', 'transfer-encoding', 'origin', 'referer']);

export class ApiProxy {
  readonly #upstream: Upstream;

  constructor(upstream: Upstream) {
    this.#upstream = upstream;
  }

  /** web relays one HTTP request and streams the answer back (watches stay open until either side ends). */
  web(req: IncomingMessage, res: ServerResponse, token: string): void {
    const out = this.#request(req, token, false);
    out.on('response', (up) => {
      res.writeHead(up.statusCode ?? 502, filterResponseHeaders(up.headers));
      up.pipe(res);
      res.on('close', () => up.destroy());
    });
    out.on('error', (err) => {
      if (res.headersSent) return void res.destroy();
      sendStatus(res, 502, 'ServiceUnavailable', `the dashboard could not reach the api-server: ${err.message}`);
    });
    res.on('close', () => out.destroy());
    req.pipe(out);
  }

  /** upgrade relays a WebSocket upgrade (watches, exec, logs) and then the bytes both ways. */
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer, token: string): void {
    const out = this.#request(req, token, true);
    socket.on('error', () => out.destroy());
    out.on('upgrade', (up, upSocket, upHead) => {
      const lines = [`HTTP/1.1 101 Switching Protocols`];
      for (let i = 0; i < up.rawHeaders.length; i += 2) lines.push(`${up.rawHeaders[i]}: ${up.rawHeaders[i + 1]}`);
      socket.write(lines.join('\r\n') + '\r\n\r\n');
      if (upHead.length) socket.write(upHead);
      if (head.length) upSocket.write(head);
      upSocket.pipe(socket).pipe(upSocket);
      const end = (): void => {
        upSocket.destroy();
        socket.destroy();
      };
      upSocket.on('error', end).on('close', end);
      socket.on('close', end);
    });
    // The api-server refused the upgrade (401, 403, 404): pass its answer on and close.
    out.on('response', (up) => {
      const lines = [`HTTP/1.1 ${up.statusCode} ${up.statusMessage}`];
      for (const [k, v] of Object.entries(filterResponseHeaders(up.headers))) lines.push(`${k}: ${v}`);
      lines.push('connection: close');
      socket.write(lines.join('\r\n') + '\r\n\r\n');
      up.pipe(socket);
    });
    out.on('error', () => socket.destroy());
    out.end();
  }

  #request(req: IncomingMessage, token: string, upgrade: boolean) {
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !DROPPED.has(k)) headers[k] = v;
    headers['authorization'] = `Bearer ${token}`;
    if (upgrade) headers['connection'] = 'Upgrade';
    return upstreamRequest(this.#upstream, { method: req.method, path: req.url, headers });
  }
}

/** upstreamRequest starts a request to the api-server: its address, and over https its CA and server name. */
export function upstreamRequest(upstream: Upstream, opts: RequestOptions, onResponse?: (res: IncomingMessage) => void): ClientRequest {
  const { server, ca, serverName } = upstream;
  const full: RequestOptions = {
    ...opts,
    host: server.hostname.replace(/^\[|\]$/g, ''),
    port: server.port || (server.protocol === 'https:' ? 443 : 80),
    ...(ca ? { ca } : {}),
    ...(serverName ? { servername: serverName } : {}),
  };
  return server.protocol === 'https:' ? httpsRequest(full, onResponse) : httpRequest(full, onResponse);
}

function filterResponseHeaders(h: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined && k !== 'connection' && k !== 'keep-alive' && k !== 'transfer-encoding') out[k] = v;
  return out;
}

/** sendStatus answers with a Kubernetes Status, as the api-server itself would. */
export function sendStatus(res: ServerResponse, code: number, reason: string, message: string): void {
  res.writeHead(code, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code }) + '\n');
}
