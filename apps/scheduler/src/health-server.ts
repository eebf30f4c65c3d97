/**
 * @module createHealthServer: /healthz, /readyz and /metrics over plain HTTP.
 */
import { createServer, type Server } from 'node:http';
import type { Registry } from 'prom-client';

/** HealthServerOptions supplies the probes and the metrics registry. */
export interface HealthServerOptions {
  registry: Registry;
  /** healthz is true while the process works (informers running). */
  healthy: () => boolean;
  /** ready is true once caches are synced. */
  ready: () => boolean;
  /** Extra lines for `/healthz?verbose`, such as the leader. */
  details?: () => Record<string, string>;
}

/** createHealthServer answers like kube components: "ok" with 200, or 503 naming the failed check. */
export function createHealthServer(opts: HealthServerOptions): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const probe = (ok: boolean, check: string): void => {
      res.writeHead(ok ? 200 : 503, { 'Content-Type': 'text/plain; charset=utf-8' });
      if (!url.searchParams.has('verbose')) return void res.end(ok ? 'ok' : `[-]${check} failed: reason withheld\nhealthz check failed`);
      const extra = Object.entries(opts.details?.() ?? {}).map(([k, v]) => `[+]${k}: ${v}\n`).join('');
      res.end(`[${ok ? '+' : '-'}]${check} ${ok ? 'ok' : 'failed'}\n${extra}${ok ? 'healthz check passed' : 'healthz check failed'}\n`);
    };
    if (url.pathname === '/healthz' || url.pathname === '/livez') return probe(opts.healthy(), 'informers');
    if (url.pathname === '/readyz') return probe(opts.ready(), 'informer-sync');
    if (url.pathname === '/metrics') {
      opts.registry
        .metrics()
        .then((text) => {
          res.writeHead(200, { 'Content-Type': opts.registry.contentType });
          res.end(text);
        })
        .catch((err: unknown) => {
          res.writeHead(500);
          res.end(String(err));
        });
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' });
    res.end('404 page not found\n');
  });
}
