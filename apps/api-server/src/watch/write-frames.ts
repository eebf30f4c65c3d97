/**
 * @module writeFrames: a watcher's queued events to its socket, as the transport's shared frames.
 */
import type { Writable } from 'node:stream';

/**
 * writeFrames writes the frames of `lines` to the socket: in one write (one syscall) when the socket has nothing
 * pending, else each shared frame by reference. A socket with bytes pending makes no syscall a write anyway (its
 * writes queue behind the one in flight), and joining them would copy every event once more for each watcher that
 * is behind: a stalled one's queue then costs a reference an event, not a copy.
 */
export function writeFrames(socket: Writable, lines: readonly Buffer[], frame: (line: Buffer) => Buffer): void {
  if (lines.length === 1) socket.write(frame(lines[0] as Buffer));
  else if (socket.writableLength > 0) for (const line of lines) socket.write(frame(line));
  else socket.write(Buffer.concat(lines.map(frame)));
}
