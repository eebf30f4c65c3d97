/**
 * @module Cluster: a test cluster of real Skiff processes (api-server, scheduler, controller-manager, node agents),
 * each started from its built dist/main.js, killable and restartable one by one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createClient, type Clientset } from '@skiff/client';
import { waitFor } from '@skiff/testing';

const ROOT = resolve(import.meta.dirname, '../../..');

/** mainOf is the built entry point of an app. */
export const mainOf = (app: string): string => join(ROOT, 'apps', app, 'dist', 'main.js');

export interface Component {
  name: string;
  child: ChildProcess;
  args: string[];
  /** Everything the process wrote to stderr (its JSON logs). */
  logs(): string;
}

/**
 * Cluster starts and stops processes. Components are registered by name; `kill(name, 'SIGKILL')` and
 * `restart(name)` simulate crashes. `stop()` ends everything and removes the data directory.
 */
export class Cluster {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'skiff-e2e-'));
  readonly components = new Map<string, Component>();
  port = 0;
  server = '';
  client!: Clientset;

  /** startApiServer runs the api-server on a free port and waits until /readyz answers. */
  async startApiServer(extra: string[] = []): Promise<void> {
    if (!this.port) this.port = await freePort();
    this.server = `http://127.0.0.1:${this.port}`;
    this.spawn('api-server', 'api-server', ['--listen', `127.0.0.1:${this.port}`, '--data-dir', this.dataDir, '--kubelet-allow-loopback', ...extra]);
    await waitFor(async () => (await fetch(`${this.server}/readyz`).catch(() => undefined))?.ok === true, { what: 'api-server ready', timeoutMs: 15_000 });
    this.client ??= createClient({ server: this.server });
  }

  /** start runs another component (scheduler, controller-manager, node-agent) against this api-server. */
  start(name: string, app: string, args: string[], env: NodeJS.ProcessEnv = {}): Component {
    return this.spawn(name, app, ['--server', this.server, ...args], env);
  }

  spawn(name: string, app: string, args: string[], env: NodeJS.ProcessEnv = {}): Component {
    let logs = '';
    const child = spawn(process.execPath, [mainOf(app), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (logs += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (logs += d.toString()));
    const c: Component = { name, child, args, logs: () => logs };
    this.components.set(name, c);
    return c;
  }

  /** kill sends a signal and waits for the process to exit. */
  async kill(name: string, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const c = this.components.get(name);
    if (!c || c.child.exitCode !== null || c.child.signalCode !== null) return;
    await new Promise<void>((r) => {
      c.child.once('exit', () => r());
      c.child.kill(signal);
    });
  }

  async stop(): Promise<void> {
    for (const name of [...this.components.keys()].reverse()) if (name !== 'api-server') await this.kill(name, 'SIGTERM');
    this.client?.close();
    await this.kill('api-server', 'SIGTERM');
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/** freePort asks the kernel for an unused TCP port on loopback. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const addr = s.address();
  await new Promise((r) => s.close(r));
  return typeof addr === 'object' && addr ? addr.port : 0;
}
