/**
 * @module The service-proxy process: flags, logger, client and signals; ServiceProxy does the rest. With
 * --udp-relay it is instead the UDP side of a NodePort relay pod (UdpRelay), which needs no api-server.
 */
import { optionsOrExit } from '@skiff/api';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createClient, loadKubeconfig, serviceAccountCredentials, SERVICE_ACCOUNT_DIR } from '@skiff/client';
import { createLogger, realClock } from '@skiff/controller-kit';
import type { Level } from 'pino';
import { parseOptions, USAGE } from './options.js';
import { UdpRelay } from './proxy/udp-relay.js';
import { ServiceProxy } from './service-proxy.js';

const opts = optionsOrExit('service-proxy', USAGE, () => parseOptions(process.argv.slice(2), process.env));
const logger = createLogger({ name: 'service-proxy', level: opts.logLevel as Level });
const ac = new AbortController();
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => ac.abort());

if (opts.udpRelays.length > 0) {
  const relay = new UdpRelay({ clock: realClock, idleTimeoutMs: opts.udpTimeoutMs });
  await relay.listen(opts.udpRelays);
  logger.info({ routes: opts.udpRelays }, 'UDP node port relay serving');
  await new Promise<void>((resolve) => ac.signal.addEventListener('abort', () => resolve(), { once: true }));
  relay.close();
} else {
  // --kubeconfig, else --server; an https --server from inside a pod uses the pod's service account (CA and token).
  const { namespace: _, ...connection } = optionsOrExit('service-proxy', USAGE, () => {
    if (opts.kubeconfig) return loadKubeconfig(opts.kubeconfig);
    if (opts.server.startsWith('https:') && existsSync(join(SERVICE_ACCOUNT_DIR, 'token'))) return { server: opts.server, ...serviceAccountCredentials() };
    return { server: opts.server };
  });
  const client = createClient({ ...connection, userAgent: 'skiff-service-proxy/0.1', logger });
  const proxy = new ServiceProxy({
    client,
    clock: realClock,
    logger,
    domain: opts.clusterDomain,
    dns: opts.dns,
    upstream: opts.upstreamDNS,
    udpIdleTimeoutMs: opts.udpTimeoutMs,
    ...(opts.clusterIPsFile ? { addressesFile: opts.clusterIPsFile } : {}),
  });
  await proxy.run(ac.signal, () => logger.info({ dns: opts.dns }, 'service proxy serving'));
  await client.close();
}
