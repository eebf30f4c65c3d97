/**
 * npm start as a supervisor, over real processes (simulated node runtime, so no Docker): a component that dies is
 * restarted with back-off and the others keep running; SIGINT and SIGTERM give the ordered shutdown; a SIGKILLed
 * npm start (npm itself or the script under it) leaves no component behind; piped output carries no ANSI codes.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from './cluster.js';
import { alive, appPids, parentOf } from './process-tree.js';
import { waitFor } from '@skiff/testing';

const ROOT = resolve(import.meta.dirname, '../../..');
const COMPONENTS = ['api-server', 'scheduler', 'controller-manager', 'node-agent'] as const;

interface Started {
  proc: ChildProcess;
  /** Every component pid seen so far, for the clean-up. */
  seen: Record<string, number>;
  out: () => string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  dataDir: string;
  /** The node agent's node name. */
  node: string;
}

const running: Started[] = [];
afterEach(async () => {
  for (const s of running.splice(0)) {
    for (const pid of Object.values(s.seen)) if (alive(pid)) process.kill(pid, 'SIGKILL');
    if (s.proc.exitCode === null && s.proc.signalCode === null) s.proc.kill('SIGKILL');
    rmSync(s.dataDir, { recursive: true, force: true });
  }
});

/** start runs `npm start` (or the script directly) on free ports with a fresh data dir, output to a pipe. */
async function start(how: 'npm' | 'node'): Promise<Started> {
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-e2e-supervise-'));
  const env = {
    ...process.env,
    NO_COLOR: '',
    SKIFF_RUNTIME: 'simulated',
    SKIFF_DATA_DIR: dataDir,
    // The tests read the API on the loopback insecure port; the TLS port on a free port, never the shared 6443.
    SKIFF_LISTEN: `127.0.0.1:${await freePort()}`,
    SKIFF_SECURE_PORT: String(await freePort()),
    SKIFF_SCHEDULER_LISTEN: `127.0.0.1:${await freePort()}`,
    SKIFF_CONTROLLER_MANAGER_LISTEN: `127.0.0.1:${await freePort()}`,
    SKIFF_NODE_AGENT_LISTEN: `127.0.0.1:${await freePort()}`,
    SKIFF_DASHBOARD_LISTEN: `127.0.0.1:${await freePort()}`,
    SKIFF_NODE_NAME: `supervise-${Math.random().toString(36).slice(2, 8)}`,
  };
  const [cmd, args] = how === 'npm' ? ['npm', ['start']] : [process.execPath, ['scripts/start.mjs']];
  const proc = spawn(cmd, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => proc.once('exit', (code, signal) => r({ code, signal })));
  const s: Started = { proc, seen: {}, out: () => out, exit, dataDir, node: env.SKIFF_NODE_NAME };
  running.push(s);
  await waitFor(() => COMPONENTS.every((c) => componentPids(s)[c] !== undefined), { what: 'every component started', timeoutMs: 60_000 });
  const node = `http://${env.SKIFF_LISTEN}/api/v1/nodes/${env.SKIFF_NODE_NAME}`;
  await waitFor(async () => (await fetch(node)).ok, { what: 'the node agent registered', timeoutMs: 60_000 });
  return s;
}

/** componentPids finds the live component processes under the started process (npm, sh, start.mjs, components). */
function componentPids(s: Started): Record<string, number> {
  const pids = appPids(s.proc.pid!);
  Object.assign(s.seen, pids);
  return pids;
}

/** exitedInOrder lists the components that exited for good (not those restarted), in order. */
function exitedInOrder(out: string): string[] {
  return [...out.matchAll(/^(\S+)\s+exited \([^)]*\)$/gm)].map((m) => m[1]!);
}

describe('npm start supervises its components', { timeout: 120_000 }, () => {
  it('restarts a SIGKILLed scheduler with back-off and says so, keeps the others, and stops in order on SIGTERM', async () => {
    const s = await start('npm');
    // Kill a scheduler that is serving: start() waits for the node agent, not the scheduler, and on a loaded machine
    // a scheduler killed while still loading never says 'listening', so the counts below would wait for a line that
    // never comes.
    const serving = (n: number) => () => s.out().match(/^scheduler\s+INFO scheduler listening/gm)?.length === n;
    await waitFor(serving(1), { what: 'the first scheduler serving', timeoutMs: 30_000 });
    const before = componentPids(s);
    process.kill(before.scheduler!, 'SIGKILL');
    await waitFor(() => /^scheduler\s+restarted \(pid \d+, restart 1\)$/m.test(s.out()), { what: 'the scheduler restarted', timeoutMs: 30_000 });
    expect(s.out()).toMatch(/^scheduler\s+exited \(SIGKILL\); restarting in 1 s \(restart 1\)$/m);
    const restarted = componentPids(s).scheduler!;
    expect(restarted).not.toBe(before.scheduler);
    await waitFor(serving(2), { what: 'the new scheduler serving', timeoutMs: 30_000 });
    // Dying again soon after, it waits twice as long.
    process.kill(restarted, 'SIGKILL');
    await waitFor(() => /^scheduler\s+restarted \(pid \d+, restart 2\)$/m.test(s.out()), { what: 'the scheduler restarted again', timeoutMs: 30_000 });
    expect(s.out()).toMatch(/^scheduler\s+exited \(SIGKILL\); restarting in 2 s \(restart 2\)$/m);
    const after = componentPids(s);
    expect(after.scheduler).not.toBe(restarted);
    await waitFor(serving(3), { what: 'the third scheduler serving', timeoutMs: 30_000 });
    for (const c of ['api-server', 'controller-manager', 'node-agent']) {
      expect(after[c]).toBe(before[c]);
      expect(alive(after[c]!)).toBe(true);
    }
    expect(s.out().match(/^\S+\s+exited/gm)).toHaveLength(2);

    s.proc.kill('SIGTERM');
    expect(await s.exit).toEqual({ code: 0, signal: null });
    for (const c of COMPONENTS) expect(alive(after[c]!), `${c} still running`).toBe(false);
    expect(exitedInOrder(s.out())).toEqual(['dashboard', 'node-agent', 'controller-manager', 'scheduler', 'api-server']);
    expect(s.out()).not.toContain('\x1b[');
  });

  it('prints a curl line with the generated credentials that reads the API over verified TLS as printed', async () => {
    const s = await start('npm');
    const line = await waitFor(() => /^api-server\s+(curl --cacert \S+ --cert \S+ --key \S+ https:\S+)$/m.exec(s.out())?.[1], { what: 'the curl line', timeoutMs: 30_000 });
    const nodes = JSON.parse(execFileSync('sh', ['-c', `${line} -sS --fail`], { encoding: 'utf8', timeout: 30_000 })) as { kind: string; items: { metadata: { name: string } }[] };
    expect(nodes.kind).toBe('NodeList');
    expect(nodes.items.map((n) => n.metadata.name)).toContain(s.node);
    s.proc.kill('SIGINT');
    await s.exit;
  });

  it('stops in order on SIGINT (Ctrl-C) with exit code 0', async () => {
    const s = await start('npm');
    const pids = componentPids(s);
    s.proc.kill('SIGINT');
    expect(await s.exit).toEqual({ code: 0, signal: null });
    for (const c of COMPONENTS) expect(alive(pids[c]!), `${c} still running`).toBe(false);
    expect(exitedInOrder(s.out())).toEqual(['dashboard', 'node-agent', 'controller-manager', 'scheduler', 'api-server']);
  });

  it('leaves no component running when the script is SIGKILLed: each notices and stops itself', async () => {
    const s = await start('node');
    const pids = componentPids(s);
    s.proc.kill('SIGKILL');
    await s.exit;
    await waitFor(() => COMPONENTS.every((c) => !alive(pids[c]!)), { what: 'every component to exit on its own', timeoutMs: 30_000 });
  });

  it('stops in order when npm itself is SIGKILLed and the script is orphaned', async () => {
    const s = await start('npm');
    const pids = componentPids(s);
    const script = parentOf(pids['api-server']!);
    expect(script).not.toBe(s.proc.pid);
    s.proc.kill('SIGKILL');
    await waitFor(() => !alive(script), { what: 'the orphaned start.mjs to stop', timeoutMs: 60_000 });
    for (const c of COMPONENTS) expect(alive(pids[c]!), `${c} still running`).toBe(false);
    expect(exitedInOrder(s.out())).toEqual(['dashboard', 'node-agent', 'controller-manager', 'scheduler', 'api-server']);
  });
});
