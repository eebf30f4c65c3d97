// Child processes under test: the api-server (built dist) and a bare Express JSON echo. Every child is killed when
// the bench exits, however it exits.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
// SKIFF_BENCH_API_SERVER_MAIN runs another build (a baseline built from an older commit, say) under the same bench.
export const API_SERVER_MAIN = process.env.SKIFF_BENCH_API_SERVER_MAIN || join(REPO_ROOT, 'apps/api-server/dist/main.js');
const ECHO_MAIN = join(dirname(fileURLToPath(import.meta.url)), 'echo-server.mjs');

const children = new Set();
function killAll() {
  for (const c of children) {
    try {
      c.kill('SIGKILL');
    } catch {}
  }
}
process.on('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
}

// How long a child gets to print its port: generous, since a loaded 2-core machine has taken over 15 s to start
// the api-server. A child that exits fails the wait at once.
export const START_TIMEOUT_MS = 120_000;

/**
 * spawnAndWaitForPort starts `node args...` and resolves once a stderr/stdout line reveals the listening port. A
 * child that exits first fails it at once; one that is not listening by the deadline is killed, and the promise
 * rejects once it is gone, so a failed start leaves no process behind.
 */
/** onData, if given, sees every chunk of the child's output (the bounded `output()` keeps only its ends). */
export function spawnAndWaitForPort(args, portPattern, timeoutMs = START_TIMEOUT_MS, onData = undefined) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let output = '';
  return new Promise((resolveP, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    const onChunk = (d) => {
      onData?.(d);
      output += d.toString();
      // Bounded, but the start-up lines stay: the inspector's "Debugger listening" URL is read long after.
      if (output.length > 100_000) output = `${output.slice(0, 8_000)}\n[...]\n${output.slice(-20_000)}`;
      const m = portPattern.exec(output);
      if (m) {
        clearTimeout(timer);
        resolveP({ child, port: Number(m[1]), output: () => output });
      }
    };
    child.stdout.on('data', onChunk);
    child.stderr.on('data', onChunk);
    child.on('exit', (code, sig) => {
      clearTimeout(timer);
      const what = timedOut ? `was not listening after ${timeoutMs} ms and was killed` : `exited (${code ?? sig}) before listening`;
      reject(new Error(`${args.join(' ')} ${what}; output:\n${output.slice(-2000)}`));
    });
  });
}

async function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 6000);
  await exited;
  clearTimeout(t);
}

/** procStatus reads VmRSS and VmHWM (peak RSS) of a process, in KiB, from /proc/PID/status. */
export function procStatus(pid) {
  const text = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rssKiB: kib('VmRSS'), hwmKiB: kib('VmHWM') };
}

/** cpuSeconds reads user+system CPU time of a process from /proc/PID/stat. */
export function cpuSeconds(pid) {
  const [user, sys] = cpuTicks(pid);
  return (user + sys) / 100;
}

/** cpuTicks is [utime, stime] of a process in clock ticks (USER_HZ = 100): its own code against the kernel's work for it. */
export function cpuTicks(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return [Number(fields[11]), Number(fields[12])];
}

/**
 * startApiServer spawns the built api-server on 127.0.0.1 with a fresh temp data dir.
 * opts: { storage: 'sqlite'|'memory', synchronous: 'FULL'|'NORMAL', nodeArgs: [], listenHost: '127.0.0.1', args: [], onData }
 * (listenHost 0.0.0.0 lets pods reach it through their network's gateway; `url` stays on loopback.)
 */
export async function startApiServer(opts = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-bench-'));
  // SKIFF_BENCH_SERVER_NODE_ARGS adds node flags to every api-server, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof".
  const envArgs = (process.env.SKIFF_BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean);
  // The TLS port on a free port too, so a bench never meets another server on 6443. A listenHost other than
  // loopback (pods reaching the server) applies to the TLS port: the insecure port is loopback only.
  const listenHost = opts.listenHost ?? '127.0.0.1';
  const args = [...envArgs, ...(opts.nodeArgs ?? []), API_SERVER_MAIN, '--listen', '127.0.0.1:0', '--secure-port', '0', '--bind-address', listenHost, '--data-dir', dataDir, '--log-level', 'info', ...(opts.args ?? [])];
  if (opts.storage) args.push('--storage', opts.storage);
  if (opts.synchronous) args.push('--sqlite-synchronous', opts.synchronous);
  let started;
  try {
    started = await spawnAndWaitForPort(args, /"port":(\d+)[^\n]*api-server listening/, START_TIMEOUT_MS, opts.onData);
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
  const { child, port, output } = started;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    port,
    pid: child.pid,
    dataDir,
    output,
    /** secureUrl waits for the TLS port's "serving securely" line and returns https://127.0.0.1:PORT. */
    async secureUrl() {
      const deadline = Date.now() + START_TIMEOUT_MS;
      for (;;) {
        const m = /"securePort":(\d+)[^\n]*serving securely/.exec(output());
        if (m) return `https://127.0.0.1:${m[1]}`;
        if (child.exitCode !== null || child.signalCode !== null) throw new Error(`the api-server exited before it logged its secure port; output:\n${output().slice(-2000)}`);
        if (Date.now() > deadline) throw new Error(`the api-server did not log its secure port within ${START_TIMEOUT_MS} ms`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    status: () => procStatus(child.pid),
    cpuSeconds: () => cpuSeconds(child.pid),
    /** dbBytes is the size of the SQLite file and its WAL. */
    dbBytes() {
      const size = (f) => {
        try {
          return statSync(join(dataDir, f)).size;
        } catch {
          return 0;
        }
      };
      return { db: size('skiff.db'), wal: size('skiff.db-wal') };
    },
    async stop() {
      await stopChild(child);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** startEchoServer spawns the bare Express app (express.json() + res.json(req.body)) on 127.0.0.1. */
export async function startEchoServer() {
  const { child, port } = await spawnAndWaitForPort([ECHO_MAIN], /listening on (\d+)/);
  return {
    url: `http://127.0.0.1:${port}`,
    pid: child.pid,
    cpuSeconds: () => cpuSeconds(child.pid),
    stop: () => stopChild(child),
  };
}
