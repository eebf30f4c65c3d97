/**
 * @module The api-server process: flags, the SQLite store, the HTTP server, housekeeping and signals.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { destination, pino } from 'pino';
import { createHttpServer } from './create-http-server.js';
import { createApiServer } from './server.js';
import { parseOptions, USAGE } from './options.js';
import { isFatalCommitError } from './storage/is-fatal-commit-error.js';
import { MemoryStore } from './storage/memory-store.js';
import { SqliteStore } from './storage/sqlite-store.js';
import type { Storage } from './storage/storage.js';

let opts;
try {
  opts = parseOptions(process.argv.slice(2), process.env);
} catch (err) {
  process.stderr.write(`api-server: ${(err as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
if (opts === 'help') {
  process.stdout.write(USAGE);
  process.exit(0);
}

const logger = pino({ name: 'api-server', level: opts.logLevel }, destination(2));
let store: Storage;
let continueTokenKey: Buffer | undefined;
if (opts.storage === 'memory') {
  store = new MemoryStore();
} else {
  continueTokenKey = loadContinueTokenKey(join(opts.dataDir, 'continue-token.key'));
  mkdirSync(opts.dataDir, { recursive: true });
  // Group commit: every write of one event-loop turn shares one transaction and fsync. Responses wait for it
  // (sendDurable), so acknowledged still means durable.
  store = SqliteStore.open({ path: join(opts.dataDir, 'skiff.db'), synchronous: opts.synchronous, groupCommit: true, onCommitError });
}

/** loadContinueTokenKey keeps the key that signs continue tokens beside the database, so tokens outlive a restart. */
function loadContinueTokenKey(path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    const key = randomBytes(32);
    writeFileSync(path, key, { mode: 0o600, flag: 'wx' });
    return key;
  }
}

/**
 * onCommitError hears a failed group commit. Its writes are rolled back in memory and their requests answered 500;
 * if the file itself is in doubt, exit (after those answers are on their way) so a restart recovers what is durable.
 */
function onCommitError(err: unknown): void {
  if (!isFatalCommitError(err)) {
    logger.error({ err }, 'commit failed; its writes were rolled back');
    return;
  }
  logger.fatal({ err }, 'commit failed with an I/O error; exiting so a restart recovers the durable state');
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100).unref();
}

const api = createApiServer({
  store,
  logger,
  eventTtlSeconds: opts.eventTtlSeconds,
  minRequestTimeoutSeconds: opts.minRequestTimeoutSeconds,
  defaultNotReadyTolerationSeconds: opts.defaultNotReadyTolerationSeconds,
  defaultUnreachableTolerationSeconds: opts.defaultUnreachableTolerationSeconds,
  advertiseAddress: `${opts.host}:${opts.port}`,
  ...(continueTokenKey ? { continueTokenKey } : {}),
});

// Housekeeping, not reconciliation: expire Events past their TTL and compact history so the database stays bounded.
const housekeeping = setInterval(() => {
  try {
    const expired = store.expire(Date.now());
    store.compact({ keepRevisions: opts.historyRevisions, keepMs: opts.historyWindowMs });
    if (expired) logger.debug({ expired }, 'expired objects');
  } catch (err) {
    logger.error({ err }, 'housekeeping failed');
  }
}, opts.compactionIntervalMs);
housekeeping.unref();

const server = createHttpServer(api, { keepAliveTimeout: 65_000, requestTimeout: 0 });
server.listen(opts.port, opts.host, () => {
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  logger.info({ host: opts.host, port, dataDir: opts.dataDir, storage: opts.storage, revision: store.currentRevision() }, 'api-server listening');
});
server.on('error', (err) => {
  logger.fatal({ err }, 'cannot listen');
  process.exit(1);
});

let stopping = false;
function stop(signal: string): void {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  api.shutdown();
  clearInterval(housekeeping);
  api.close();
  server.close(() => {
    store.close();
    process.exit(0);
  });
  server.closeIdleConnections();
  setTimeout(() => {
    server.closeAllConnections();
    store.close();
    process.exit(0);
  }, 5000).unref();
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
