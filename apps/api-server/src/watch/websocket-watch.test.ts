import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { textFrame } from './websocket-watch.js';

// ws's own frame parser, as a client uses it: a frame it accepts is one every WebSocket client accepts.
const { Receiver } = createRequire(import.meta.url)('ws') as { Receiver: new (opts: { isServer: boolean }) => NodeJS.WritableStream & { on(ev: 'message', f: (data: Buffer, isBinary: boolean) => void): void; on(ev: 'error', f: (err: Error) => void): void } };

describe('textFrame', () => {
  it.each([0, 1, 125, 126, 65535, 65536, 300_000])('frames a %i-byte event as one text message a client reads back whole', async (size) => {
    const text = `{"type":"ADDED","object":${JSON.stringify('x'.repeat(Math.max(0, size - 27)))}}`.slice(0, size).padEnd(size, ' ');
    const line = Buffer.from(text + '\n');
    const receiver = new Receiver({ isServer: false });
    const got = new Promise<{ data: string; isBinary: boolean }>((resolve, reject) => {
      receiver.on('message', (data, isBinary) => resolve({ data: data.toString(), isBinary }));
      receiver.on('error', reject);
    });
    const frame = textFrame(line);
    expect(textFrame(line)).toBe(frame); // made once, shared by every watcher of the event
    receiver.write(frame);
    const { data, isBinary } = await got;
    expect(isBinary).toBe(false);
    expect(data).toBe(text);
  });
});
