// Preload (--import): on SIGUSR2, prints every module this process has loaded, ESM and CommonJS.
import { createRequire, register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const esm = new Set();
const { port1, port2 } = new MessageChannel();
port1.on('message', (url) => esm.add(url));
port1.unref();
const hooks = `let port; export function initialize(d) { port = d.port; }
export async function load(url, context, next) { port.postMessage(url); return next(url, context); }`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`, { data: { port: port2 }, transferList: [port2] });
const require = createRequire(import.meta.url);
process.on('SIGUSR2', () => {
  const all = [...esm, ...Object.keys(require.cache)];
  process.stderr.write(`LOADED_MODULES ${JSON.stringify(all)}\n`);
});
