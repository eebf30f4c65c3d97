/**
 * @module Test harness: an api-server on 127.0.0.1:0 in this process, or the real main.js as a child process.
 * Other workspaces import it as `@skiff/api-server/testing` (source only: it is never built into dist/).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AddressInfo } from 'node:net';
import { freePort } from '@skiff/testing';
import { pino } from 'pino';
import { createHttpServer } from '../src/create-http-server.js';
import { createApiServer, type ApiServer, type ApiServerOptions } from '../src/server.js';
import { MemoryStore } from '../src/storage/memory-store.js';
import type { Storage } from '../src/storage/storage.js';
import { waitFor } from '@skiff/testing';

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
  url: string;
  child: ChildProcess;
  stderr: () => string;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** spawnServer starts dist/main.js (build first) and resolves once it answers /readyz. */
export async function spawnServer(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ServerProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [MAIN_JS, '--listen', `127.0.0.1:${port}`, '--kubelet-allow-loopback', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const exited = new AbortController();
  child.once('exit', (code) => exited.abort(new Error(`api-server exited with ${code}: ${err}`)));
  try {
    await waitFor(async () => (await fetch(`${url}/readyz`)).ok, { what: 'the api-server to answer /readyz', timeoutMs: 15_000, signal: exited.signal });
  } catch (e) {
    throw exited.signal.aborted ? e : new Error(`${(e as Error).message}: ${err}`);
  }
  return {
    url,
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

/** runServerToExit starts dist/main.js expecting it to exit (refuse to start); resolves with its exit code and stderr. */
export function runServerToExit(args: string[], timeoutMs = 15_000): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [MAIN_JS, '--listen', '127.0.0.1:0', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`api-server did not exit; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr });
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
