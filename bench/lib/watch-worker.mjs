// Watchers in a child process (so their receive work does not delay the writer's clock readings in the parent).
// Opens N watches of one namespace over WebSocket or chunked HTTP (raw sockets, minimal parsing: see openRaw), and
// records for each (event k, watcher w) the receipt time as process.hrtime (CLOCK_MONOTONIC, comparable across
// processes on Linux) in ms since the parent's `base`. Events are pods named `wb-<k>`; the name is found with a
// byte search instead of JSON.parse so the client adds as little as possible to the measured latency.
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';

const MARK = Buffer.from('"metadata":{"name":"wb-');
/** Longer than MARK and the largest event number after it. */
const SEAM = 64;
let state;

function record(w, buf, from = 0) {
  let at = buf.indexOf(MARK, from);
  while (at >= 0) {
    let i = at + MARK.length;
    let k = 0;
    let digits = 0;
    for (; i < buf.length && buf[i] >= 48 && buf[i] <= 57; i++, digits++) k = k * 10 + (buf[i] - 48);
    if (digits > 0 && i < buf.length && buf[i] === 34 /* closing quote */ && k < state.events) {
      const slot = k * state.count + w;
      if (Number.isNaN(state.rec[slot])) {
        state.rec[slot] = Number(process.hrtime.bigint() - state.base) / 1e6;
        if (++state.received === state.expected) process.send({ type: 'done' });
      }
    }
    at = buf.indexOf(MARK, at + 1);
  }
}

/**
 * openRaw opens one watch on a raw socket: a plain GET (chunked HTTP) or a WebSocket upgrade of the same URL. After
 * the status line it only scans bytes for event names: server-to-client WebSocket frames are unmasked and chunked
 * framing does not touch the JSON text, so the names appear verbatim in either stream. This keeps the receiving
 * side far cheaper than the `ws` library or a full HTTP parser, so more of the measured time is the server's.
 */
function openRaw(w, host, port, path, transport, stalled = false) {
  return new Promise((resolve, reject) => {
    const sock = connect({ host, port, noDelay: true });
    let opened = false;
    let tail;
    const upgrade = transport === 'ws'
      ? `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n`
      : '';
    const expect = transport === 'ws' ? 'HTTP/1.1 101' : 'HTTP/1.1 200';
    sock.on('error', (e) => (opened ? undefined : reject(e)));
    sock.on('connect', () => sock.write(`GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nAccept: application/json\r\n${upgrade}\r\n`));
    sock.on('data', (chunk) => {
      if (!opened) {
        if (!chunk.toString('latin1', 0, 12).startsWith(expect)) return reject(new Error(`watch refused: ${chunk.toString().slice(0, 200)}`));
        opened = true;
        resolve(sock);
        // A stalled watcher reads nothing more: its socket buffers fill, then the server's for it.
        if (stalled) return sock.pause();
      }
      // A name split between two reads is found in the seam: the previous read's last bytes and this one's first
      // (duplicates are ignored). Only the seam is copied, not every read: the receiving side must stay cheap.
      if (tail) record(w, Buffer.concat([tail, chunk.subarray(0, SEAM)]));
      record(w, chunk);
      tail = chunk.subarray(Math.max(0, chunk.length - SEAM));
    });
  });
}

process.on('message', async (msg) => {
  if (msg.cmd === 'open') {
    // This process opens watchers [first, first + count) of `total`; rec is indexed by its own watchers only.
    const { url, path, count, events, transport } = msg;
    state = { count, events, base: BigInt(msg.base), rec: new Float64Array(count * events).fill(NaN), received: 0, expected: count * events, conns: [] };
    const u = new URL(url);
    try {
      for (let w = 0; w < count; w += 50) {
        const batch = [];
        for (let j = w; j < Math.min(count, w + 50); j++) {
          batch.push(openRaw(j, u.hostname, Number(u.port), path, transport));
        }
        state.conns.push(...(await Promise.all(batch)));
      }
      for (let j = 0; j < (msg.stalled ?? 0); j++) state.conns.push(await openRaw(-1, u.hostname, Number(u.port), msg.stalledPath ?? path, transport, true));
      process.send({ type: 'opened', count: state.conns.length });
    } catch (err) {
      process.send({ type: 'error', message: String(err?.stack ?? err) });
    }
  } else if (msg.cmd === 'collect') {
    const cpu = process.cpuUsage();
    // Exit only once the receipts have gone through the IPC pipe: they are count * events doubles (1.6 MB for
    // 10,000 watchers), which a fixed delay before exit cut short (the 10,000-watcher row never reported).
    process.send({ type: 'result', rec: state.rec, received: state.received, cpuSeconds: (cpu.user + cpu.system) / 1e6 }, () => {
      for (const c of state.conns) c.destroy();
      process.exit(0);
    });
  }
});
process.on('disconnect', () => process.exit(0));
