/**
 * @module Cluster: a test cluster of real Skiff processes (api-server, scheduler, controller-manager, node agents),
 * each started from its built dist/main.js, killable and restartable one by one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createClient, loadKubeconfig, type Clientset } from '@skiff/client';
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
 * How long the api-server gets to be ready: generous, as a loaded 2-core machine has taken well over 15 s; a
 * server that exits fails the wait at once (see exited).
 */
const API_SERVER_START_MS = 120_000;

/** The kubeconfig the api-server writes for each control-plane app's identity; node agents join by TLS bootstrap. */
const KUBECONFIG_OF: Record<string, string> = {
  scheduler: 'scheduler.kubeconfig',
  'controller-manager': 'controller-manager.kubeconfig',
};

export interface ClusterOptions {
  /**
   * secure: the api-server serves only its TLS port (no insecure --listen); `client` and every component connect
   * with the kubeconfig the api-server wrote for them (verified TLS, client certificates). Off: the insecure
   * loopback port, as before.
   */
  secure?: boolean;
}

/**
 * Cluster starts and stops processes. Components are registered by name; `kill(name, 'SIGKILL')` and
 * `restart(name)` simulate crashes. `stop()` ends everything and removes the data directory.
 */
export class Cluster {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'skiff-e2e-'));
  readonly components = new Map<string, Component>();
  readonly secure: boolean;
  /** The agents' default --tmpfs-dir parent, made at the first agent start and removed by stop(). */
  #tmpfsDir = '';
  /** The api-server's port: the insecure one, or in secure mode the TLS one. */
  port = 0;
  server = '';
  client!: Clientset;

  constructor(opts: ClusterOptions = {}) {
    this.secure = opts.secure ?? false;
  }

  /** kubeconfig is the path of a kubeconfig the api-server wrote in its data dir (admin.kubeconfig, scheduler.kubeconfig ...). */
  kubeconfig(file = 'admin.kubeconfig'): string {
    return join(this.dataDir, file);
  }

  /**
   * startApiServer runs the api-server on a free port (kept across restarts) and waits until it is ready. Its TLS
   * port is on a free port too (ephemeral unless secure), so parallel clusters never meet on 6443. `bindAddress`
   * 0.0.0.0 lets pods reach the TLS port through their network's gateway; the insecure port is loopback only.
   */
  async startApiServer(extra: string[] = [], bindAddress = '127.0.0.1', env: NodeJS.ProcessEnv = {}): Promise<void> {
    if (!this.port) this.port = await freePort();
    const common = ['--bind-address', bindAddress, '--data-dir', this.dataDir, '--kubelet-allow-loopback'];
    if (!this.secure) {
      this.server = `http://127.0.0.1:${this.port}`;
      // Agents here talk to the insecure port and serve plain HTTP (they have no cluster CA): dial them so.
      const api = this.spawn('api-server', 'api-server', ['--listen', `127.0.0.1:${this.port}`, '--secure-port', '0', '--kubelet-https=false', ...common, ...extra], env);
      await waitFor(async () => (await fetch(`${this.server}/readyz`).catch(() => undefined))?.ok === true, { what: 'api-server ready', timeoutMs: API_SERVER_START_MS, signal: exited(api) });
      this.client ??= createClient({ server: this.server });
      return;
    }
    this.server = `https://127.0.0.1:${this.port}`;
    const api = this.spawn('api-server', 'api-server', ['--secure-port', String(this.port), ...common, ...extra], env);
    // Kubeconfigs are written once the port is bound; the line says so.
    await waitFor(() => api.logs().includes('"msg":"serving securely"'), { what: 'api-server serving securely', timeoutMs: API_SERVER_START_MS, signal: exited(api) });
    if (!this.client) {
      const { namespace: _, ...connection } = loadKubeconfig(this.kubeconfig());
      this.client = createClient(connection);
    }
    await waitFor(async () => (await this.client.raw('GET', '/readyz').then(() => true, () => false)), { what: 'api-server ready', timeoutMs: API_SERVER_START_MS, signal: exited(api) });
  }

  /**
   * start runs another component (scheduler, controller-manager, node-agent, service-proxy) against this
   * api-server: with `--server`, or in secure mode `--kubeconfig` with its own identity.
   */
  start(name: string, app: string, args: string[], env: NodeJS.ProcessEnv = {}): Component {
    if (app === 'node-agent') args = [...this.#agentDirs(name, args), ...args];
    if (!this.secure) return this.spawn(name, app, ['--server', this.server, ...args], env);
    const pki = join(this.dataDir, 'pki');
    let connect: string[];
    if (app === 'node-agent') {
      // kubelet TLS bootstrap: the bootstrap token asks for a client certificate, kept in the agent's own files.
      const own = join(this.dataDir, `agent-${name}`);
      connect = ['--bootstrap-kubeconfig', this.kubeconfig('bootstrap.kubeconfig'), '--kubeconfig', join(own, 'kubeconfig'), '--cert-dir', join(own, 'pki')];
    } else {
      const kubeconfig = KUBECONFIG_OF[app];
      if (!kubeconfig) throw new Error(`no kubeconfig for ${app} in a secure cluster`);
      connect = ['--kubeconfig', this.kubeconfig(kubeconfig)];
      // The controller-manager signs node client certificates with the cluster CA and publishes it to pods.
      if (app === 'controller-manager') connect.push('--cluster-signing-cert-file', join(pki, 'ca.crt'), '--cluster-signing-key-file', join(pki, 'ca.key'), '--root-ca-file', join(pki, 'ca.crt'));
    }
    return this.spawn(name, app, [...connect, ...args], env);
  }

  /**
   * agentDirs are the node agent's --root-dir and --tmpfs-dir unless `args` name them: this cluster's own, one per
   * agent name (kept across its restarts), not the host-wide defaults (/var/lib/skiff-agent, /dev/shm/skiff-agent)
   * that other clusters on this host share. Docker bind-mounts them, so they are host paths its engine sees.
   */
  #agentDirs(name: string, args: string[]): string[] {
    const has = (flag: string): boolean => args.some((a) => a === flag || a.startsWith(`${flag}=`));
    const dirs: string[] = [];
    if (!has('--root-dir')) dirs.push('--root-dir', join(this.dataDir, 'agents', name));
    if (!has('--tmpfs-dir')) {
      // Secret volumes want a tmpfs; /dev/shm is one where it exists.
      this.#tmpfsDir ||= existsSync('/dev/shm') ? mkdtempSync('/dev/shm/skiff-e2e-') : join(this.dataDir, 'tmpfs');
      dirs.push('--tmpfs-dir', join(this.#tmpfsDir, name));
    }
    return dirs;
  }

  /**
   * startSimulatedCluster runs a scheduler, a controller-manager and one simulated node agent per name (with
   * `agentArgs` added), and waits until every node is Ready: the set-up of the workload tests.
   */
  async startSimulatedCluster(nodes: string[], agentArgs: string[] = []): Promise<void> {
    this.start('scheduler', 'scheduler', ['--leader-elect=false', '--listen', '127.0.0.1:0']);
    this.start('controller-manager', 'controller-manager', ['--leader-elect=false', '--listen', '127.0.0.1:0']);
    for (const name of nodes) {
      this.start(name, 'node-agent', ['--node-name', name, '--runtime', 'simulated', '--listen', '127.0.0.1:0', '--node-status-update-frequency', '1s', ...agentArgs]);
    }
    const ready = async () => (await this.client.nodes.list()).items.filter((n) => nodes.includes(n.metadata.name ?? '') && n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')).length === nodes.length;
    await waitFor(ready, { what: `${nodes.length} Ready nodes`, timeoutMs: 30_000 });
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
    if (this.#tmpfsDir) rmSync(this.#tmpfsDir, { recursive: true, force: true });
  }
}

/** exited is a signal that aborts, with the component's logs, when its process exits. */
function exited(c: Component): AbortSignal {
  const ac = new AbortController();
  const abort = (): void => ac.abort(new Error(`${c.name} exited (${c.child.exitCode ?? c.child.signalCode}): ${c.logs().slice(-2000)}`));
  if (c.child.exitCode !== null || c.child.signalCode !== null) abort();
  else c.child.once('exit', abort);
  return ac.signal;
}

/** freePort asks the kernel for an unused TCP port on loopback. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const addr = s.address();
  await new Promise((r) => s.close(r));
  return typeof addr === 'object' && addr ? addr.port : 0;
}
