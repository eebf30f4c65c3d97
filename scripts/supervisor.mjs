// Supervisor: runs the cluster's components as child processes for npm start, restarts one that dies (with
// back-off, as the kubelet restarts static pods) and stops them all in order on request.
//
// Each child runs in its own process group, so a Ctrl-C at the terminal reaches npm start only and every child gets
// exactly one SIGTERM, in order. Being detached, children would outlive a SIGKILLed npm start: each is spawned with
// an IPC channel and parent-watchdog.mjs preloaded, which turns the channel closing (the parent is gone, however it
// died) into a SIGTERM to the child itself, so it still shuts down through its own handler.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

const WATCHDOG = join(import.meta.dirname, 'parent-watchdog.mjs');

/**
 * restartBackoff is the wait before restart number `restarts` (1-based) of a child: 1 s, doubling, capped at 30 s,
 * like the kubelet's CrashLoopBackOff (10 s doubling to 5 min) scaled down for a laptop cluster.
 */
export function restartBackoff(restarts, { initialMs = 1_000, maxMs = 30_000 } = {}) {
  return Math.min(maxMs, initialMs * 2 ** Math.max(0, restarts - 1));
}

/** A child that ran this long before dying starts its back-off afresh (the kubelet uses twice the cap, too). */
export const HEALTHY_RUN_MS = 60_000;

export class Supervisor {
  #children = new Map();
  #log;
  #env;
  #stopping = false;
  #stopTimeoutMs;

  /**
   * @param {{ log: (name: string, text: string) => void, env: NodeJS.ProcessEnv, stopTimeoutMs?: number }} opts
   *   log prints one line for a component; env is the children's environment.
   */
  constructor({ log, env, stopTimeoutMs = 10_000 }) {
    this.#log = log;
    this.#env = env;
    this.#stopTimeoutMs = stopTimeoutMs;
  }

  /** add starts a component and keeps it running; it returns false when its main.js is not built. */
  add(name, main, args) {
    if (this.#stopping) return false;
    if (!existsSync(main)) {
      this.#log(name, `not built (${main} missing): skipped; run npm run build`);
      return false;
    }
    const entry = { name, main, args, child: undefined, restarts: 0, startedAt: 0, timer: undefined };
    this.#children.set(name, entry);
    this.#start(entry);
    return true;
  }

  /**
   * stop ends the components in the given order, each with SIGTERM and, after stopTimeoutMs, SIGKILL; `after(name)`
   * runs once that component is gone. Pending restarts are cancelled first.
   */
  async stop(order, after = async () => {}) {
    this.#stopping = true;
    for (const entry of this.#children.values()) clearTimeout(entry.timer);
    const names = [...order, ...[...this.#children.keys()].filter((n) => !order.includes(n))];
    for (const name of names) {
      const entry = this.#children.get(name);
      if (!entry) continue;
      await this.#terminate(entry);
      this.#children.delete(name);
      await after(name);
    }
  }

  #start(entry) {
    const child = spawn(process.execPath, ['--import', WATCHDOG, entry.main, ...entry.args], {
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: this.#env,
      detached: true,
    });
    entry.child = child;
    entry.startedAt = Date.now();
    child.on('error', (err) => this.#log(entry.name, `could not start: ${err.message}`));
    for (const stream of [child.stdout, child.stderr]) {
      let buf = '';
      stream.on('data', (d) => {
        buf += d.toString();
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          this.#log(entry.name, buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      });
    }
    child.on('exit', (code, signal) => {
      const how = signal ?? `code ${code}`;
      entry.exited?.();
      if (this.#stopping) {
        this.#log(entry.name, `exited (${how})`);
        return;
      }
      if (Date.now() - entry.startedAt >= HEALTHY_RUN_MS) entry.restarts = 0;
      entry.restarts++;
      const delay = restartBackoff(entry.restarts);
      this.#log(entry.name, `exited (${how}); restarting in ${delay / 1000} s (restart ${entry.restarts})`);
      entry.timer = setTimeout(() => {
        if (this.#stopping) return;
        this.#start(entry);
      }, delay);
    });
    this.#log(entry.name, entry.restarts === 0 ? `started (pid ${child.pid})` : `restarted (pid ${child.pid}, restart ${entry.restarts})`);
  }

  #terminate(entry) {
    const child = entry.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const kill = setTimeout(() => {
        this.#log(entry.name, `did not stop within ${this.#stopTimeoutMs / 1000} s: killing`);
        signal(child, 'SIGKILL');
      }, this.#stopTimeoutMs);
      entry.exited = () => {
        clearTimeout(kill);
        resolve();
      };
      signal(child, 'SIGTERM');
    });
  }
}

/** signal sends to the child's whole process group (it leads one, being detached), so nothing it spawned lingers. */
function signal(child, sig) {
  try {
    process.kill(-child.pid, sig);
  } catch {
    child.kill(sig);
  }
}
