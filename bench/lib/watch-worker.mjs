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
 * Every socket of this process reads into this one buffer (net.connect's `onread`): no Buffer and no stream 'data'
 * event a read, and a read is handled before the next one starts, so sharing it is safe. Names split between two
 * reads are found in SEAM_BUF: up to SEAM bytes kept from the previous read, then the first SEAM of this one.
 */
const READ_BUF = Buffer.allocUnsafe(256 * 1024);
const SEAM_BUF = Buffer.allocUnsafe(2 * SEAM);

/**
 * openRaw opens one watch on a raw socket: a plain GET (chunked HTTP) or a WebSocket upgrade of the same URL. After
 * the status line it only scans bytes for event names: server-to-client WebSocket frames are unmasked and chunked
 * framing does not touch the JSON text, so the names appear verbatim in either stream. This keeps the receiving
 * side far cheaper than the `ws` library or a full HTTP parser, so more of the measured time is the server's.
 */
function openRaw(w, host, port, path, transport, stalled = false) {
  return new Promise((resolve, reject) => {
    let opened = false;
    // The previous read's last bytes, unless it ended in '}' or '\n' (as every WebSocket frame's JSON and every
    // chunk does), which no name contains, so no name continues in the next read.
    const tail = Buffer.allocUnsafe(SEAM);
    let tailLength = 0;
    const onRead = (n, buf) => {
      const chunk = buf.subarray(0, n);
      if (!opened) {
        if (!chunk.toString('latin1', 0, 12).startsWith(expect)) return void reject(new Error(`watch refused: ${chunk.toString().slice(0, 200)}`));
        opened = true;
        resolve(sock);
        // A stalled watcher reads nothing more: its socket buffers fill, then the server's for it.
        if (stalled) return false;
      }
      if (tailLength) {
        tail.copy(SEAM_BUF, 0, 0, tailLength);
        const head = chunk.copy(SEAM_BUF, tailLength, 0, Math.min(n, SEAM));
        record(w, SEAM_BUF.subarray(0, tailLength + head));
      }
      record(w, chunk);
      const last = chunk[n - 1];
      tailLength = last === 0x7d || last === 0x0a ? 0 : chunk.copy(tail, 0, Math.max(0, n - SEAM));
    };
    const sock = connect({ host, port, noDelay: true, onread: { buffer: READ_BUF, callback: onRead } });
    const upgrade = transport === 'ws'
      ? `Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\n`
      : '';
    const expect = transport === 'ws' ? 'HTTP/1.1 101' : 'HTTP/1.1 200';
    sock.on('error', (e) => (opened ? undefined : reject(e)));
    sock.on('connect', () => sock.write(`GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\nAccept: application/json\r\n${upgrade}\r\n`));
  });
}

process.on('message', async (msg) => {
  if (msg.cmd === 'open') {
    // This process's share of the watchers: rec is indexed by its own watchers, 0 to count - 1.
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
