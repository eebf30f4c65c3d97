/**
 * @module serveChannelPortForward: port-forward over the `v4.channel.k8s.io` WebSocket form (kubelet's
 * portforward/websocket.go), which the Python client speaks: every message starts with a channel byte; port i of
 * `?ports=` owns channel 2i (data) and 2i+1 (error), and the first message on each carries the port as two
 * little-endian bytes.
 */
import type { Socket } from 'node:net';
import type { WebSocket } from 'ws';

/** Above this many bytes queued for the client, pod sockets stop being read until it drains. */
const HIGH_WATER = 1024 * 1024;

/**
 * serveChannelPortForward forwards each port of one WebSocket to its own pod connection (`dial`); the WebSocket
 * closes when every pod connection has, and every pod connection is destroyed when the WebSocket closes.
 */
export function serveChannelPortForward(ws: WebSocket, ports: number[], dial: (port: number) => Socket, describe: (port: number, err: Error) => string): void {
  const sockets: Socket[] = [];
  const paused = new Set<Socket>();
  let open = ports.length;
  const frame = (channel: number, data: Buffer | string): Buffer => Buffer.concat([Buffer.of(channel), Buffer.isBuffer(data) ? data : Buffer.from(data)]);
  const resumeIfDrained = (): void => {
    if (ws.bufferedAmount > HIGH_WATER / 2) return;
    for (const s of paused) s.resume();
    paused.clear();
  };
  const send = (buf: Buffer): void => {
    if (ws.readyState === ws.OPEN) ws.send(buf, { binary: true }, resumeIfDrained);
  };

  ports.forEach((port, i) => {
    const portBytes = Buffer.alloc(2);
    portBytes.writeUInt16LE(port, 0);
    send(frame(2 * i, portBytes));
    send(frame(2 * i + 1, portBytes));
    const sock = dial(port);
    sockets.push(sock);
    sock.on('data', (chunk: Buffer) => {
      send(frame(2 * i, chunk));
      if (ws.bufferedAmount > HIGH_WATER) {
        sock.pause();
        paused.add(sock);
      }
    });
    sock.on('error', (err) => send(frame(2 * i + 1, describe(port, err))));
    sock.on('close', () => {
      paused.delete(sock);
      if (--open === 0 && ws.readyState === ws.OPEN) ws.close(1000);
    });
  });

  ws.on('message', (msg: Buffer, isBinary: boolean) => {
    if (!isBinary || msg.length === 0) return;
    const channel = msg[0]!;
    const sock = channel % 2 === 0 ? sockets[channel / 2] : undefined;
    if (!sock || sock.destroyed) return;
    // A pod that reads slowly stops the WebSocket, so the client's TCP window fills instead of our memory.
    if (!sock.write(msg.subarray(1))) {
      ws.pause();
      sock.once('drain', () => ws.resume());
    }
  });
  ws.on('close', () => {
    for (const s of sockets) s.destroy();
  });
}
