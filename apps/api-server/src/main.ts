/**
 * @module The api-server process: flags, the SQLite store, the HTTP server, housekeeping and signals.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { advertiseAddress, optionsOrExit } from '@skiff/api';
import { destination, pino } from 'pino';
import { createHttpServer } from './create-http-server.js';
import { ensureKubernetesService } from './bootstrap/kubernetes-service.js';
import { createApiServer } from './server.js';
import { kubeletClientOptions } from './kubelet-client-options.js';
import { nodeRestriction } from './admission/node-restriction.js';
import { parseOptions, USAGE } from './options.js';
import { AesGcmTransformer } from './storage/aes-gcm-transformer.js';
import { createEncryptionKeyFile, readEncryptionKeyFile } from './storage/encryption-key-file.js';
import { isFatalCommitError } from './storage/is-fatal-commit-error.js';
import { MemoryStore } from './storage/memory-store.js';
import { SqliteStore } from './storage/sqlite-store.js';
import { StoreOpenError, storeOpenError } from './storage/store-open-error.js';
import type { Storage } from './storage/storage.js';

/** Encryption at rest (kube's EncryptionConfiguration `resources: [secrets]`, provider aesgcm) with this key file. */
const ENCRYPTION_KEY_FILE = 'encryption.key';
const ENCRYPTED_RESOURCES = ['secrets'];

const opts = optionsOrExit('api-server', USAGE, () => parseOptions(process.argv.slice(2), process.env));

const logger = pino({ name: 'api-server', level: opts.logLevel }, destination(2));
let commitsFailing = false;
let store: Storage;
let continueTokenKey: Buffer | undefined;
if (opts.storage === 'memory') {
  store = new MemoryStore();
} else {
  const path = join(opts.dataDir, 'skiff.db');
  const keyPath = join(opts.dataDir, ENCRYPTION_KEY_FILE);
  let createdKey = false;
  let sqlite: SqliteStore;
  try {
    mkdirSync(opts.dataDir, { recursive: true });
    let keys = readEncryptionKeyFile(keyPath);
    if (!keys) {
      keys = createEncryptionKeyFile(keyPath, new Date());
      createdKey = true;
    }
    // Group commit: every write of one event-loop turn shares one transaction and fsync. Responses wait for it
    // (sendDurable), so acknowledged still means durable.
    sqlite = SqliteStore.open({
      path,
      synchronous: opts.synchronous,
      groupCommit: true,
      onCommitError,
      acceptRollback: opts.acceptStoreRollback,
      transformer: new AesGcmTransformer(keys, ENCRYPTED_RESOURCES, keyPath),
    });
  } catch (err) {
    let message = storeOpenError(path, err).message;
    if (createdKey) {
      // A key made for a database that needed another would hide the real loss on the next start.
      rmSync(keyPath, { force: true });
      if (err instanceof StoreOpenError && /encrypted with key/.test(message)) message += `; ${keyPath} was missing`;
    }
    // One line an operator can act on (what, which file, what to do), not a stack trace.
    process.stderr.write(`api-server: ${message}\n`);
    process.exit(1);
  }
  if (sqlite.rewrittenAtOpen > 0) {
    logger.info({ rewritten: sqlite.rewrittenAtOpen, keyFile: keyPath }, 'rewrote stored values under the first key of the encryption key file');
  }
  if (sqlite.acceptedRollback) {
    logger.warn(
      { path, ...sqlite.acceptedRollback },
      'started on a database that went backwards (--accept-store-rollback): writes after the found revision are lost; the revision moved past the recorded one, so every watch relists',
    );
  }
  store = sqlite;
  continueTokenKey = loadContinueTokenKey(join(opts.dataDir, 'continue-token.key'));
  // Loud once per outage, not once per failed batch: the next committed change says writes work again.
  store.subscribe(() => {
    if (!commitsFailing) return;
    commitsFailing = false;
    logger.info('commits succeed again');
  });
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
 * onCommitError hears a failed group commit. Its writes are rolled back in memory and their requests answered
 * (507 for a full disk); reads and watches go on and later writes retry. Only a database that is itself unusable
 * (corrupt, read-only) makes the process exit, after those answers are on their way, so the restart says why.
 */
function onCommitError(err: unknown): void {
  if (!isFatalCommitError(err)) {
    if (commitsFailing) logger.debug({ err }, 'commit failed');
    else logger.error({ err }, 'commit failed; writes fail until commits succeed again');
    commitsFailing = true;
    return;
  }
  logger.fatal({ err }, 'commit failed: the database is unusable; exiting');
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 100).unref();
}

const serviceIP = advertiseAddress({ listenHost: opts.host, nodeIP: opts.advertiseAddress, interfaces: networkInterfaces() });
const api = createApiServer({
  store,
  logger,
  eventTtlSeconds: opts.eventTtlSeconds,
  minRequestTimeoutSeconds: opts.minRequestTimeoutSeconds,
  defaultNotReadyTolerationSeconds: opts.defaultNotReadyTolerationSeconds,
  defaultUnreachableTolerationSeconds: opts.defaultUnreachableTolerationSeconds,
  serviceClusterIPRange: opts.serviceClusterIPRange,
  serviceNodePortRange: opts.serviceNodePortRange,
  advertiseAddress: `${opts.host}:${opts.port}`,
  // An ephemeral port (--listen HOST:0) is known only once listening: the Endpoints are written then (below).
  ...(opts.port !== 0 ? { serviceEndpoint: { ip: serviceIP, port: opts.port } } : {}),
  ...(continueTokenKey ? { continueTokenKey } : {}),
  kubeletClient: kubeletClientOptions(opts),
  admission: [nodeRestriction()],
});

// Housekeeping, not reconciliation: expire Events past their TTL and compact history so the database stays bounded.
const housekeeping = setInterval(() => {
  try {
    const expired = store.expire(Date.now());
    store.compact({ keepRevisions: opts.historyRevisions, keepMs: opts.historyWindowMs });
    if (expired) logger.debug({ expired }, 'expired objects');
    api.metrics.housekeeping.inc({ result: 'success' });
  } catch (err) {
    logger.error({ err }, 'housekeeping failed');
    api.metrics.housekeeping.inc({ result: 'error' });
  }
}, opts.compactionIntervalMs);
housekeeping.unref();

const server = createHttpServer(api, { keepAliveTimeout: 65_000, requestTimeout: 0 });
server.listen(opts.port, opts.host, () => {
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : opts.port;
  if (opts.port === 0) ensureKubernetesService(api.registry, { range: api.registry.kindOptions.serviceClusterIPRange, endpoint: { ip: serviceIP, port } });
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
