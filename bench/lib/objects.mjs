// Objects the benchmarks write, and helpers to set up namespaces and pods through the API.
import { expectOk, request } from './load.mjs';

/** podBody returns a small, realistic Pod as JSON text (about 300 bytes sent, about 760 bytes stored). */
export function podBody(name, extraLabels) {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels: { app: 'bench', ...extraLabels } },
    spec: { containers: [{ name: 'c', image: 'busybox:1.36', command: ['sleep', '3600'], resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
  });
}

export const podsPath = (ns) => `/api/v1/namespaces/${ns}/pods`;

export async function createNamespace(pool, name) {
  expectOk(await request(pool, 'POST', '/api/v1/namespaces', JSON.stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } })), `create namespace ${name}`);
}

/** createPods creates pods name-0..name-(count-1) in ns with `concurrency` requests in flight; returns the stored objects. */
export async function createPods(pool, ns, prefix, count, concurrency = 32) {
  const out = new Array(count);
  let next = 0;
  async function worker() {
    while (next < count) {
      const i = next++;
      const r = expectOk(await request(pool, 'POST', podsPath(ns), podBody(`${prefix}-${i}`)), `create pod ${prefix}-${i}`);
      out[i] = JSON.parse(r.body);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  return out;
}
