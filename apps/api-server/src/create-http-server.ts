/**
 * @module createHttpServer: the node:http server in front of an ApiServer, shared by main.ts and the tests.
 */
import { createServer, type Server } from 'node:http';
import { answerClientError } from './http/answer-client-error.js';
import type { ApiServer } from './server.js';

export interface HttpServerOptions {
  keepAliveTimeout?: number;
  requestTimeout?: number;
}

/**
 * createHttpServer wires the app, WebSocket upgrades and parser errors to an http.Server (not yet listening).
 * Requests without a Host header reach the app, which answers them with a Status instead of Node's empty 400.
 */
export function createHttpServer(api: ApiServer, opts: HttpServerOptions = {}): Server {
  const server = createServer({ ...opts, requireHostHeader: false }, api.app);
  server.on('upgrade', (req, socket, head) => api.handleUpgrade(req, socket, head));
  server.on('clientError', answerClientError);
  return server;
}
