/**
 * @module The dashboard process: flags, logger and the listening socket; createDashboardServer does the rest.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { optionsOrExit, realClock } from '@skiff/api';
import { loadKubeconfig } from '@skiff/client';
import { createLogger } from '@skiff/controller-kit';
import type { Level } from 'pino';
import { createDashboardServer } from './dashboard-server.js';
import { parseOptions, USAGE } from './options.js';
import type { Upstream } from './api-proxy.js';

const opts = optionsOrExit('dashboard', USAGE, () => parseOptions(process.argv.slice(2), process.env));
const logger = createLogger({ name: 'dashboard', level: opts.logLevel as Level });
const upstream = optionsOrExit('dashboard', USAGE, (): Upstream => {
  if (opts.kubeconfig) {
    const kc = loadKubeconfig(opts.kubeconfig);
    return { server: new URL(kc.server), ...(kc.tls?.ca ? { ca: kc.tls.ca } : {}), ...(kc.tls?.serverName ? { serverName: kc.tls.serverName } : {}) };
  }
  return { server: new URL(opts.server), ...(opts.certificateAuthority ? { ca: readFileSync(opts.certificateAuthority) } : {}) };
});
const staticDir = join(dirname(fileURLToPath(import.meta.url)), 'public');
const server = createDashboardServer({ upstream, staticDir, clock: realClock, logger, config: { nodeMonitorGracePeriodSeconds: opts.nodeMonitorGracePeriodSeconds } });
server.listen(opts.listen.port, opts.listen.host, () => {
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.listen.port;
  const host = opts.listen.host.includes(':') ? `[${opts.listen.host}]` : opts.listen.host;
  logger.info({ url: `http://${host}:${port}/`, apiServer: upstream.server.href }, 'dashboard serving');
});
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => server.close(() => process.exit(0)));
