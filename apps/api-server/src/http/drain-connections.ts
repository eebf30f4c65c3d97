/**
 * @module drainConnections: closing a stopping server's keep-alive connections as soon as no request is on them.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';

export interface ConnectionDrain {
  /** drain destroys every connection with no request in flight now, and ends each other one once its last response is done. */
  drain(): void;
}

/**
 * drainConnections tracks a server's connections and the requests in flight on each. Node's closeIdleConnections
 * misses two kinds of idle connection, so a stopping server waited for its fallback timer: one whose response (a
 * watch ended at shutdown) finishes after the call, and one that never sent a request (undici opens one after an
 * aborted fetch). kube-apiserver's Shutdown closes idle connections whatever their history.
 */
export function drainConnections(server: Server): ConnectionDrain {
  // Every open connection, with how many of its requests have not yet finished.
  const inFlight = new Map<Socket, number>();
  let draining = false;
  // An https server's requests arrive on the TLS socket ('secureConnection'), not on the TCP one ('connection').
  server.on(server instanceof TlsServer ? 'secureConnection' : 'connection', (socket: Socket) => {
    inFlight.set(socket, 0);
    socket.once('close', () => inFlight.delete(socket));
  });
  server.on('request', (req, res) => {
    const socket = req.socket;
    if (!inFlight.has(socket)) return;
    inFlight.set(socket, inFlight.get(socket)! + 1);
    // 'close' comes after Node has finished with the response (or the client went away).
    res.once('close', () => {
      const n = inFlight.get(socket);
      if (n === undefined) return;
      inFlight.set(socket, n - 1);
      if (draining && n === 1) socket.end();
    });
  });
  // The WebSocket server owns an upgraded connection and closes it itself, with a close frame.
  server.on('upgrade', (req) => inFlight.delete(req.socket as Socket));
  return {
    drain() {
      draining = true;
      for (const [socket, n] of inFlight) if (n === 0) socket.destroy();
    },
  };
}
