/**
 * @module Test harness: an api-server on 127.0.0.1:0 in this process, or the real main.js as a child process.
 * Other workspaces import it as `@skiff/api-server/testing` (source only: it is never built into dist/).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import type { Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { freePort } from '@skiff/testing';
import { pino } from 'pino';
import { parse as parseYaml } from 'yaml';
import { createHttpServer } from '../src/create-http-server.js';
import { createApiServer, type ApiServer, type ApiServerOptions } from '../src/server.js';
import { MemoryStore } from '../src/storage/memory-store.js';
import { DEFAULT_SERVICE_ACCOUNT_ISSUER, ServiceAccountTokens } from '../src/auth/service-account-tokens.js';
import type { Storage } from '../src/storage/storage.js';
import { waitFor } from '@skiff/testing';

/** testServiceAccountTokens signs ServiceAccount tokens with a fresh in-memory key (TokenRequest in tests). */
export function testServiceAccountTokens(clock: { now(): number } = Date): ServiceAccountTokens {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return new ServiceAccountTokens({ keys: { signingKey: privateKey, verificationKeys: [createPublicKey(privateKey)] }, issuers: [DEFAULT_SERVICE_ACCOUNT_ISSUER], clock });
}

export interface RunningServer {
  url: string;
  port: number;
  api: ApiServer;
  store: Storage;
  server: Server;
  close(): Promise<void>;
}

/** startServer runs createApiServer on an ephemeral port; `store: 'sqlite'` uses a temp-file database. */
export async function startServer(opts: Partial<ApiServerOptions> & { storage?: 'memory' | 'sqlite' } = {}): Promise<RunningServer> {
  let dir: string | undefined;
  let store = opts.store;
  if (!store) {
    if (opts.storage === 'sqlite') {
      dir = mkdtempSync(join(tmpdir(), 'skiff-test-'));
      // Loaded only here, so tests of other apps that use a memory store never load the native better-sqlite3.
      const { SqliteStore } = await import('../src/storage/sqlite-store.js');
      store = SqliteStore.open({ path: join(dir, 'skiff.db') });
    } else store = new MemoryStore();
  }
  // Fake and real node agents of tests listen on 127.0.0.1: allowed here unless a test sets kubeletClient itself.
  const api = createApiServer({ logger: pino({ level: 'silent' }), kubeletClient: { allowLoopback: true }, ...opts, store });
  const server = createHttpServer(api);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    api,
    store,
    server,
    async close() {
      api.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      store!.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const MAIN_JS = resolve(import.meta.dirname, '../dist/main.js');

export interface ServerProcess {
  /** The insecure loopback port (--listen): unauthenticated, every request system:masters. */
  url: string;
  /** The secure port (--secure-port 0 on 127.0.0.1): TLS with the cluster CA, authentication and authorization. */
  secureUrl: string;
  dataDir: string;
  /** The admin.kubeconfig the server wrote (kubernetes-admin in system:masters, CA and client certificate embedded). */
  adminKubeconfig: string;
  /** The admin's TLS material, for https requests without a kubeconfig reader. */
  adminTls(): TlsCredentials;
  child: ChildProcess;
  stderr: () => string;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/**
 * How long a child process gets to become ready. Generous: on a loaded 2-core machine starting Node and the server
 * has taken well over 15 s. A child that exits fails the wait at once, so a broken start is not slower for it.
 */
export const START_TIMEOUT_MS = 120_000;

export interface SpawnServerOptions {
  /** How long to wait for /readyz and the secure port; START_TIMEOUT_MS unless said otherwise. */
  readyTimeoutMs?: number;
}

/** Children spawned here and still running: killed if the test process exits without stopping them. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * spawnServer starts dist/main.js with the insecure port on a free loopback port and the secure port on another
 * (127.0.0.1, --secure-port 0), and resolves once it answers /readyz and has written its kubeconfigs. Without
 * `--data-dir` in `args` it gets a temporary one (its PKI and kubeconfigs), removed when it is killed. Later flags
 * win, so `args` may override any of these. A start that fails (the child exits, or is not ready by the deadline)
 * rejects only once the child is gone and its temporary data dir removed: a failed start leaves nothing running.
 */
export async function spawnServer(args: string[], env: NodeJS.ProcessEnv = {}, opts: SpawnServerOptions = {}): Promise<ServerProcess> {
  const port = await freePort();
  const ownDir = args.some((a) => a === '--data-dir' || a.startsWith('--data-dir=')) ? undefined : mkdtempSync(join(tmpdir(), 'skiff-server-'));
  const dirArgs = ownDir ? ['--data-dir', ownDir] : [];
  const child = spawn(process.execPath, [MAIN_JS, '--listen', `127.0.0.1:${port}`, '--secure-port', '0', '--bind-address', '127.0.0.1', '--kubelet-allow-loopback', '--kubelet-https=false', ...dirArgs, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  running.add(child);
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const exited = new AbortController();
  const gone = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      exited.abort(new Error(`api-server exited with ${code ?? signal}: ${err}`));
      if (ownDir) rmSync(ownDir, { recursive: true, force: true });
      resolve();
    }),
  );
  let secure: { securePort: number; dataDir: string } | undefined;
  try {
    const ready = async () => {
      secure ??= logLine(err, 'serving securely') as typeof secure;
      return secure !== undefined && (await fetch(`${url}/readyz`)).ok;
    };
    await waitFor(ready, { what: 'the api-server to answer /readyz and serve securely', timeoutMs: opts.readyTimeoutMs ?? START_TIMEOUT_MS, signal: exited.signal });
  } catch (e) {
    if (exited.signal.aborted) throw e;
    child.kill('SIGKILL');
    await gone;
    throw new Error(`${(e as Error).message}; the api-server was killed; its stderr: ${err}`);
  }
  const adminKubeconfig = join(secure!.dataDir, 'admin.kubeconfig');
  return {
    url,
    secureUrl: `https://127.0.0.1:${secure!.securePort}`,
    dataDir: secure!.dataDir,
    adminKubeconfig,
    adminTls: () => kubeconfigTls(adminKubeconfig),
    child,
    stderr: () => err,
    kill: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        // A process that ended by a signal has no exit code but a signalCode: it is gone all the same.
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode);
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      }),
  };
}

/** logLine is the fields of the first JSON log line with message `msg`, if any. */
export function logLine(logs: string, msg: string): Record<string, unknown> | undefined {
  for (const line of logs.split('\n')) {
    if (!line.includes(`"msg":${JSON.stringify(msg)}`)) continue;
    try {
      return JSON.parse(line) as Record<string, unknown>;
    } catch {
      /* a partial line: not yet */
    }
  }
  return undefined;
}

/** PEM material for a TLS client: the CA that verifies the server, and optionally a client certificate and key. */
export interface TlsCredentials {
  ca: string;
  cert?: string;
  key?: string;
}

/** kubeconfigTls reads the CA and client certificate embedded in a kubeconfig the api-server wrote. */
export function kubeconfigTls(path: string): TlsCredentials {
  const k = parseYaml(readFileSync(path, 'utf8')) as any;
  const data = (v: string) => Buffer.from(v, 'base64').toString();
  return { ca: data(k.clusters[0].cluster['certificate-authority-data']), cert: data(k.users[0].user['client-certificate-data']), key: data(k.users[0].user['client-key-data']) };
}

/**
 * httpsApi is `api` over verified TLS with node:https (fetch cannot take a CA or client certificate): status,
 * parsed JSON body (or text) and the peer's authorization error, if any.
 */
export function httpsApi(url: string, method: string, path: string, tls: TlsCredentials, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const req = httpsRequest(url + path, { method, ca: tls.ca, ...(tls.cert ? { cert: tls.cert, key: tls.key } : {}), headers: { Accept: 'application/json', ...(payload ? { 'Content-Type': 'application/json' } : {}), ...headers } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => {
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          /* plain text */
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/**
 * runServerToExit starts dist/main.js expecting it to exit (refuse to start); resolves with its exit code and
 * stderr. One that is still running at the deadline is killed, and the promise rejects once it is gone.
 */
export function runServerToExit(args: string[], timeoutMs = START_TIMEOUT_MS): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN_JS, '--listen', '127.0.0.1:0', '--secure-port', '0', '--bind-address', '127.0.0.1', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    running.add(child);
    let stderr = '';
    let timedOut = false;
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      running.delete(child);
      if (timedOut) reject(new Error(`api-server did not exit within ${timeoutMs} ms and was killed; stderr: ${stderr}`));
      else resolve({ code, stderr });
    });
  });
}

export { freePort };

/** api is a tiny fetch wrapper returning status and parsed JSON body. */
export async function api(
  url: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const init: RequestInit = { method, headers: { Accept: 'application/json', ...headers } };
  if (body !== undefined) {
    init.body = typeof body === 'string' || body instanceof Uint8Array ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)['Content-Type'] ??= 'application/json';
  }
  const res = await fetch(url + path, init);
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    /* plain text */
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** pod builds a minimal valid pod manifest. */
export function pod(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, labels: { app: 'web' } }, spec: { containers: [{ name: 'c', image: 'busybox:1.36' }] }, ...extra };
}

/** The api-server's Pod Security and NodeSupport admission plugins, for other workspaces' tests (main.ts wires them). */
export { podSecurityAdmission } from '../src/admission/pod-security/pod-security-admission.js';
export { nodeSupportAdmission } from '../src/admission/pod-security/node-support-admission.js';
export { denied, startRbacServer } from './rbac-harness.js';
