import { createServer, type Server } from 'node:http';
import { Registry, collectDefaultMetrics } from 'prom-client';

/** HealthState is what /healthz and /readyz report. */
export interface HealthState {
  leading(): boolean;
}

/**
 * createHealthServer serves /healthz (the process is up), /readyz (it leads, or elections are off) and /metrics
 * (Prometheus text: process metrics).
 */
export function createHealthServer(state: HealthState): Server {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'skiff_controller_manager_' });
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/healthz') {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('ok');
    } else if (path === '/readyz') {
      const ok = state.leading();
      res.writeHead(ok ? 200 : 503, { 'Content-Type': 'text/plain' }).end(ok ? 'ok' : 'not leading');
    } else if (path === '/metrics') {
      registry.metrics().then(
        (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
        () => res.writeHead(500).end(),
      );
    } else res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
  });
}
