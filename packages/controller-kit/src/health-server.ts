import { createServer, type Server } from 'node:http';

/** HealthCheck is one named probe; a throwing check counts as failed. */
export interface HealthCheck {
  name: string;
  check(): boolean;
}

/** MetricsSource is what /metrics serves: a prom-client Registry is one. */
export interface MetricsSource {
  metrics(): Promise<string>;
  readonly contentType: string;
}

export interface HealthServerOptions {
  /** Checks of /healthz and /livez: the process works. They are part of /readyz too. */
  live: readonly HealthCheck[];
  /** Checks only /readyz has: the process should get work (caches synced, leading). */
  ready?: readonly HealthCheck[];
  metrics?: MetricsSource;
  /** Extra lines for `?verbose`, such as the leader. */
  details?: () => Record<string, string>;
}

function passes(c: HealthCheck): boolean {
  try {
    return c.check();
  } catch {
    return false;
  }
}

/**
 * createHealthServer serves /healthz, /livez, /readyz and /metrics as kube components do (component-base healthz):
 * 200 "ok" when every check passes, else 503 naming the failed checks; `?verbose` lists each check.
 */
export function createHealthServer(opts: HealthServerOptions): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const probe = (endpoint: string, checks: readonly HealthCheck[]): void => {
      const results = checks.map((c) => ({ name: c.name, ok: passes(c) }));
      const ok = results.every((r) => r.ok);
      res.writeHead(ok ? 200 : 503, { 'Content-Type': 'text/plain; charset=utf-8' });
      const verbose = url.searchParams.has('verbose');
      if (ok && !verbose) return void res.end('ok');
      const lines = results.filter((r) => verbose || !r.ok).map((r) => `[${r.ok ? '+' : '-'}]${r.name} ${r.ok ? 'ok' : 'failed: reason withheld'}`);
      if (verbose) for (const [k, v] of Object.entries(opts.details?.() ?? {})) lines.push(`[+]${k}: ${v}`);
      lines.push(`${endpoint} check ${ok ? 'passed' : 'failed'}`);
      res.end(lines.join('\n') + '\n');
    };
    const path = url.pathname;
    if (path === '/healthz' || path === '/livez') return probe(path.slice(1), opts.live);
    if (path === '/readyz') return probe('readyz', [...opts.live, ...(opts.ready ?? [])]);
    if (path === '/metrics' && opts.metrics) {
      const m = opts.metrics;
      m.metrics().then(
        (text) => res.writeHead(200, { 'Content-Type': m.contentType }).end(text),
        (err: unknown) => res.writeHead(500, { 'Content-Type': 'text/plain' }).end(String(err)),
      );
      return;
    }
    res.writeHead(404, { 'Content-Type': 'text/plain' }).end('404 page not found\n');
  });
}
