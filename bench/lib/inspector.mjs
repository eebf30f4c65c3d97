// Full garbage collection in a child started with --inspect=127.0.0.1:0, through the DevTools protocol
// (HeapProfiler.collectGarbage): memory figures then count what is live, not garbage V8 has not collected yet.
// The server itself has no such hook; only a bench process started with the flag can be asked.
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT } from './procs.mjs';

const require = createRequire(join(REPO_ROOT, 'apps/api-server/package.json'));
const WebSocket = require('ws');

/** inspectorUrl finds the DevTools WebSocket URL node printed when started with --inspect. */
export function inspectorUrl(output) {
  const m = /Debugger listening on (ws:\/\/\S+)/.exec(output);
  if (!m) throw new Error('the process was not started with --inspect (no "Debugger listening" line)');
  return m[1];
}

/** collectGarbage runs `times` full collections in the inspected process and resolves when they are done. */
export async function collectGarbage(url, times = 2) {
  const ws = new WebSocket(url);
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let id = 0;
  const call = (method) =>
    new Promise((resolve, reject) => {
      const my = ++id;
      const onMessage = (data) => {
        const msg = JSON.parse(String(data));
        if (msg.id !== my) return;
        ws.off('message', onMessage);
        if (msg.error) reject(new Error(`${method}: ${msg.error.message}`));
        else resolve(msg.result);
      };
      ws.on('message', onMessage);
      ws.send(JSON.stringify({ id: my, method }));
    });
  try {
    for (let i = 0; i < times; i++) await call('HeapProfiler.collectGarbage');
  } finally {
    ws.close();
  }
}
