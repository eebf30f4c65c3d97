/**
 * @module createAgentServer: the agent's port. With a client CA it is HTTPS and every request and upgrade goes
 * through apiServerClientGate first; without one (no kubeconfig and no --client-ca-file: tests and old set-ups
 * that talk to an unsecured api-server) it is plain HTTP as before.
 */
import { createServer as createHttpServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import { apiServerClientGate } from './api-server-client-gate.js';

export interface AgentServerTls {
  cert: string | Buffer;
  key: string | Buffer;
  /** CA whose client certificates are accepted (the cluster CA). */
  clientCa: string | Buffer;
}

export interface AgentServer {
  server: Server;
  secure: boolean;
  /** onUpgrade installs the upgrade handler behind the gate. */
  onUpgrade(handler: (req: IncomingMessage, socket: Duplex, head: Buffer) => void): void;
}

export function createAgentServer(app: RequestListener, tls?: AgentServerTls): AgentServer {
  if (!tls) {
    const server = createHttpServer(app);
    return { server, secure: false, onUpgrade: (h) => void server.on('upgrade', h) };
  }
  // rejectUnauthorized false: a request without a good certificate still arrives, so it can be answered 401.
  const server = createHttpsServer({ cert: tls.cert, key: tls.key, ca: tls.clientCa, requestCert: true, rejectUnauthorized: false }, (req, res) => {
    const refusal = apiServerClientGate(req);
    if (!refusal) return app(req, res);
    res.writeHead(refusal.code, { 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(refusal.message);
  });
  return {
    server,
    secure: true,
    onUpgrade(handler) {
      server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
        const refusal = apiServerClientGate(req);
        if (!refusal) return handler(req, socket, head);
        const body = refusal.message;
        socket.end(`HTTP/1.1 ${refusal.code} ${refusal.code === 401 ? 'Unauthorized' : 'Forbidden'}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
      });
    },
  };
}
