/**
 * @module createHttpServer: the node:http (or node:https) server in front of an ApiServer, shared by main.ts and the
 * tests.
 */
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { answerClientError } from './http/answer-client-error.js';
import type { ApiEndpoint, ApiServer } from './server.js';

export interface HttpServerOptions {
  keepAliveTimeout?: number;
  requestTimeout?: number;
  /** Serve HTTPS with this certificate, asking clients for certificates issued by `clientCA` (PEM each). */
  tls?: { cert: string | Buffer; key: string | Buffer; clientCA: string | Buffer };
  /** Which front door of `api` this server is (its authentication); the api's own (`api.app`) by default. */
  endpoint?: ApiEndpoint;
}

/**
 * createHttpServer wires the app, WebSocket upgrades and parser errors to a server (not yet listening).
 * Requests without a Host header reach the app, which answers them with a Status instead of Node's empty 400.
 */
export function createHttpServer(api: ApiServer, opts: HttpServerOptions = {}): Server {
  const { tls, endpoint, ...httpOpts } = opts;
  const handleRequest = endpoint ? endpoint.handleRequest : api.app;
  const handleUpgrade = endpoint ? endpoint.handleUpgrade : api.handleUpgrade;
  const server = tls
    ? // requestCert without rejectUnauthorized: a client certificate is asked for and checked against the client CA,
      // but a request without one (a bearer token, anonymous) still gets through to authentication.
      createHttpsServer({ ...httpOpts, requireHostHeader: false, cert: tls.cert, key: tls.key, ca: tls.clientCA, requestCert: true, rejectUnauthorized: false }, handleRequest)
    : createServer({ ...httpOpts, requireHostHeader: false }, handleRequest);
  server.on('upgrade', (req, socket, head) => handleUpgrade(req, socket, head));
  server.on('clientError', answerClientError);
  return server;
}
