/**
 * @module The api-server process: flags, the SQLite store, the HTTP server, housekeeping and signals.
 */
import { createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { hostname, networkInterfaces } from 'node:os';
import { join, resolve } from 'node:path';
import { advertiseAddress, ipAtOffset, optionsOrExit, realClock } from '@skiff/api';
import { destination, pino } from 'pino';
import { createHttpServer } from './create-http-server.js';
import { drainConnections } from './http/drain-connections.js';
import { ensureKubernetesService } from './bootstrap/kubernetes-service.js';
import { createApiServer, type ServerAuth } from './server.js';
import { unionAuthenticator, type Authenticator } from './auth/authenticator.js';
import { modeAuthorizer } from './auth/authorization-modes.js';
import { alwaysAllowAuthorizer } from './auth/authorizer.js';
import { UNSECURED_USER } from './auth/user-info.js';
import { parseTokenFile, tokenFileAuthenticator } from './auth/token-file-authenticator.js';
import { x509Authenticator } from './auth/x509-authenticator.js';
import { ensurePki } from './pki/ensure-pki.js';
import { ADMIN_KUBECONFIG, writeClusterKubeconfigs } from './pki/cluster-kubeconfigs.js';
import { writeAdminCredentialFiles } from './pki/admin-credential-files.js';
import { BOOTSTRAP_KUBECONFIG, writeBootstrapKubeconfig } from './pki/bootstrap-kubeconfig.js';
import { servingNames } from './pki/serving-names.js';
import { nodeSupportAdmission } from './admission/pod-security/node-support-admission.js';
import { podSecurityAdmission } from './admission/pod-security/pod-security-admission.js';
import { readAdmissionConfig, DEFAULT_POD_SECURITY_CONFIG } from './admission/pod-security/pod-security-config.js';
import type { AdmissionPlugin } from './admission/admission.js';
import { createRbac } from './auth/rbac/rbac.js';
import { nodeAuthorizer } from './auth/node-authorizer.js';
import { NodeGraph } from './auth/node-graph.js';
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
import { auditLog } from './auth/audit-log.js';
import { bootstrapTokenAuthenticator } from './auth/bootstrap-token-authenticator.js';
import { serviceAccountTokenAuthenticator } from './auth/service-account-authenticator.js';
import { ensureServiceAccountKeyPair, readServiceAccountKeys, type ServiceAccountKeys } from './auth/service-account-keys.js';
import { ServiceAccountTokens } from './auth/service-account-tokens.js';
import { ensureBootstrapToken } from './bootstrap/bootstrap-token.js';

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
      // A lone write after a pause (an idle cluster's heartbeats) commits without the thread's hand-off.
      quietCommitMs: 100,
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

/** failStart ends a start that cannot go on with one line an operator can act on, not a stack trace. */
function failStart(message: string): never {
  process.stderr.write(`api-server: ${message}\n`);
  process.exit(1);
}

const serviceIP = advertiseAddress({ listenHost: opts.bindAddress, nodeIP: opts.advertiseAddress, interfaces: networkInterfaces() });
const dataDir = resolve(opts.dataDir);
mkdirSync(dataDir, { recursive: true });

// The cluster PKI (made on first start, kept after) and what the secure port serves and trusts.
let tls: { cert: Buffer; key: Buffer; clientCA: Buffer };
let pki: Awaited<ReturnType<typeof ensurePki>>;
try {
  pki = await ensurePki(join(dataDir, 'pki'), {
    servingNames: servingNames({ hostname: hostname(), advertiseAddress: serviceIP, serviceClusterIP: ipAtOffset(opts.serviceClusterIPRange, 1), bindAddress: opts.bindAddress, extra: opts.tlsSans }),
    makeServingCert: !opts.tlsCertFile,
    now: new Date(),
    onIssue: (file, why) => logger.info({ file, why }, 'wrote certificate'),
  });
  tls = {
    cert: readFileSync(opts.tlsCertFile || pki.servingCertFile),
    key: readFileSync(opts.tlsPrivateKeyFile || pki.servingKeyFile),
    clientCA: readFileSync(opts.clientCAFile || pki.caCertFile),
  };
} catch (err) {
  failStart(`cannot set up TLS: ${(err as Error).message}`);
}

let podSecurityConfig = DEFAULT_POD_SECURITY_CONFIG;
try {
  if (opts.admissionControlConfigFile) podSecurityConfig = readAdmissionConfig(opts.admissionControlConfigFile);
} catch (err) {
  failStart(`--admission-control-config-file: ${(err as Error).message}`);
}
/**
 * ServiceAccount token keys: --service-account-signing-key-file, else pki/sa.key (and sa.pub) in the data dir, made
 * on first start as kubeadm does. An in-memory store keeps an in-memory key: its tokens die with it anyway.
 */
function serviceAccountKeys(): ServiceAccountKeys {
  if (!opts.serviceAccountSigningKeyFile && opts.storage === 'memory') {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return { signingKey: privateKey, verificationKeys: [createPublicKey(privateKey)] };
  }
  const keyFile = opts.serviceAccountSigningKeyFile || join(opts.dataDir, 'pki', 'sa.key');
  if (!opts.serviceAccountSigningKeyFile) ensureServiceAccountKeyPair(keyFile, join(opts.dataDir, 'pki', 'sa.pub'));
  return readServiceAccountKeys(keyFile, opts.serviceAccountKeyFiles);
}
let saTokens: ServiceAccountTokens;
try {
  saTokens = new ServiceAccountTokens({ keys: serviceAccountKeys(), issuers: opts.serviceAccountIssuers, apiAudiences: opts.apiAudiences, clock: realClock });
} catch (err) {
  failStart(`ServiceAccount token keys: ${(err as Error).message}`);
}
const audit = opts.auditLogPath
  ? auditLog({
      path: opts.auditLogPath,
      clock: realClock,
      onError: (err) => logger.error({ err, path: opts.auditLogPath }, 'cannot write the audit log; audit events are dropped until it can be written again'),
      onRecovered: () => logger.info({ path: opts.auditLogPath }, 'writing the audit log again'),
    })
  : undefined;
// Authentication: client certificates, static tokens, ServiceAccount tokens, then bootstrap tokens; a request with
// no credential is anonymous unless --anonymous-auth=false.
const authenticators: Authenticator[] = [x509Authenticator()];
if (opts.tokenAuthFile) {
  try {
    authenticators.push(tokenFileAuthenticator(parseTokenFile(readFileSync(opts.tokenAuthFile, 'utf8'))));
  } catch (err) {
    failStart(`--token-auth-file ${opts.tokenAuthFile}: ${(err as Error).message}`);
  }
}
authenticators.push(
  serviceAccountTokenAuthenticator({ tokens: saTokens, store, clock: realClock, onRejected: (reason) => logger.debug({ reason }, 'ServiceAccount token refused') }),
  bootstrapTokenAuthenticator({ store, clock: realClock, onRejected: (reason) => logger.debug({ reason }, 'bootstrap token refused') }),
);
// Authorization: system:masters first, then --authorization-mode in order. RBAC reads its roles from an index kept
// current from the store; its escalation checks ask the whole chain for `escalate` and `bind`.
const rbac = opts.authorizationModes.includes('RBAC') ? createRbac(store) : undefined;
// The Node authorizer: a node may read only what the pods bound to it use (an index fed by the store's changes).
const nodeAuthz = opts.authorizationModes.includes('Node') ? nodeAuthorizer(NodeGraph.fromStore(store).graph) : undefined;
const authorizer = modeAuthorizer(opts.authorizationModes, { ...(rbac ? { RBAC: rbac.authorizer } : {}), ...(nodeAuthz ? { Node: nodeAuthz } : {}), AlwaysAllow: alwaysAllowAuthorizer });
const secureAuth: ServerAuth = {
  authenticate: unionAuthenticator(authenticators, { anonymous: opts.anonymousAuth }),
  authorizer,
  ...(rbac ? { rules: rbac.index } : {}),
  ...(audit ? { observe: audit.observe } : {}),
};
const admission: AdmissionPlugin[] = [
  // Pod Security (baseline enforced by default) first, so a pod both refuse gets kube's 403; then what the node cannot do.
  podSecurityAdmission({ config: podSecurityConfig, onAudit: (a, message) => logger.warn({ user: a.user.username, namespace: a.namespace, resource: a.info.plural, name: a.name, audit: message }, 'pod-security audit') }),
  nodeSupportAdmission(),
  // A node agent writes only its own Node, Lease and the pods bound to it.
  nodeRestriction(),
  ...(rbac ? [rbac.admission(authorizer)] : []),
];

const api = createApiServer({
  store,
  logger,
  eventTtlSeconds: opts.eventTtlSeconds,
  minRequestTimeoutSeconds: opts.minRequestTimeoutSeconds,
  defaultNotReadyTolerationSeconds: opts.defaultNotReadyTolerationSeconds,
  defaultUnreachableTolerationSeconds: opts.defaultUnreachableTolerationSeconds,
  serviceClusterIPRange: opts.serviceClusterIPRange,
  serviceNodePortRange: opts.serviceNodePortRange,
  advertiseAddress: `${serviceIP}:${opts.securePort}`,
  // Pods reach the secure port. An ephemeral one (--secure-port 0) is known only once listening: the Endpoints are
  // written then (below).
  ...(opts.securePort !== 0 ? { serviceEndpoint: { ip: serviceIP, port: opts.securePort } } : {}),
  ...(continueTokenKey ? { continueTokenKey } : {}),
  admission,
  serviceAccountTokens: saTokens,
  auth: secureAuth,
  kubeletClient: kubeletClientOptions(opts),
});
// The default bootstrap token (its Secret is the only copy): bootstrap.kubeconfig carries it to joining nodes.
const bootstrapToken = ensureBootstrapToken(api.registry);

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

const SERVER_OPTIONS = { keepAliveTimeout: 65_000, requestTimeout: 0 };
const secure = createHttpServer(api, { ...SERVER_OPTIONS, tls: tls!, endpoint: api.endpoint(secureAuth) });
// The insecure port: loopback only (options.ts refuses any other host), unauthenticated as kube's old one was.
// Audited too: who used it, and for what, is as worth knowing as on the secure port.
const insecureAuth: ServerAuth = { authenticate: async () => UNSECURED_USER, authorizer: alwaysAllowAuthorizer, ...(audit ? { observe: audit.observe } : {}) };
const insecure = opts.insecure ? createHttpServer(api, { ...SERVER_OPTIONS, endpoint: api.endpoint(insecureAuth) }) : undefined;
const servers: Server[] = [secure, ...(insecure ? [insecure] : [])];
const drains = servers.map(drainConnections);

secure.listen(opts.securePort, opts.bindAddress, () => {
  const port = boundPort(secure, opts.securePort);
  if (opts.securePort === 0) ensureKubernetesService(api.registry, { range: api.registry.kindOptions.serviceClusterIPRange, endpoint: { ip: serviceIP, port } });
  void writeKubeconfigs(port).then(
    () => logger.info({ bindAddress: opts.bindAddress, securePort: port, dataDir, storage: opts.storage, revision: store.currentRevision() }, 'serving securely'),
    (err: unknown) => {
      logger.fatal({ err }, 'cannot write kubeconfigs');
      process.exit(1);
    },
  );
});
insecure?.listen(opts.insecure!.port, opts.insecure!.host, () => {
  const port = boundPort(insecure, opts.insecure!.port);
  logger.info({ host: opts.insecure!.host, port, dataDir, storage: opts.storage, revision: store.currentRevision() }, 'api-server listening');
  logger.warn({ host: opts.insecure!.host, port }, 'the insecure port (--listen) serves every request as system:masters without authentication');
});
for (const s of servers) {
  s.on('error', (err) => {
    logger.fatal({ err }, 'cannot listen');
    process.exit(1);
  });
}

function boundPort(s: Server, asked: number): number {
  const addr = s.address();
  return typeof addr === 'object' && addr ? addr.port : asked;
}

/**
 * writeKubeconfigs writes admin, scheduler and controller-manager kubeconfigs for the bound port, and says how to
 * use the admin one (the KUBECONFIG line and a curl with the same credentials).
 */
async function writeKubeconfigs(port: number): Promise<void> {
  const server = opts.kubeconfigServer || `https://127.0.0.1:${port}`;
  await writeClusterKubeconfigs(dataDir, { server, ca: pki.ca, now: new Date(), onWrite: (file, why) => logger.info({ file, why }, 'wrote kubeconfig') });
  const bootstrapFile = join(dataDir, BOOTSTRAP_KUBECONFIG);
  if (writeBootstrapKubeconfig(bootstrapFile, server, pki.ca.cert, bootstrapToken)) logger.info({ file: bootstrapFile }, 'wrote the node bootstrap kubeconfig');
  const admin = writeAdminCredentialFiles(dataDir, join(dataDir, ADMIN_KUBECONFIG));
  logger.info({ kubeconfig: `export KUBECONFIG=${join(dataDir, ADMIN_KUBECONFIG)}` }, 'admin kubeconfig');
  logger.info({ curl: `curl --cacert ${pki.caCertFile} --cert ${admin.certFile} --key ${admin.keyFile} ${server}/api/v1/nodes` }, 'admin credentials');
}

let stopping = false;
function stop(signal: string): void {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down');
  api.shutdown();
  clearInterval(housekeeping);
  api.close();
  void audit?.close();
  let open = servers.length;
  for (const s of servers) {
    s.close(() => {
      if (--open > 0) return;
      store.close();
      process.exit(0);
    });
  }
  // After api.close() ended the watches: their connections close as their last chunk is sent, idle ones now.
  for (const d of drains) d.drain();
  setTimeout(() => {
    for (const s of servers) s.closeAllConnections();
    store.close();
    process.exit(0);
  }, 5000).unref();
}
process.on('SIGTERM', () => stop('SIGTERM'));
process.on('SIGINT', () => stop('SIGINT'));
