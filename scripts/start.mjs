#!/usr/bin/env node
// npm start: the whole cluster as local processes (api-server, scheduler, controller-manager, one node agent on
// the local Docker socket), data in ./data, logs prefixed by component, Ctrl-C stops everything cleanly.
// Components not built yet are skipped with a note, so this works at every stage of the project.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const dataDir = resolve(process.env.SKIFF_DATA_DIR ?? join(root, 'data'));
const listen = process.env.SKIFF_LISTEN ?? '127.0.0.1:8080';
const server = `http://${listen.replace(/^0\.0\.0\.0:/, '127.0.0.1:')}`;
const runtime = process.env.SKIFF_RUNTIME ?? 'docker';
mkdirSync(dataDir, { recursive: true });

const colors = { 'api-server': 36, scheduler: 35, 'controller-manager': 33, 'node-agent': 32 };
const children = new Map();

function line(name, text) {
  const pad = name.padEnd(18);
  let out = text;
  try {
    const j = JSON.parse(text);
    const { level, time, pid, hostname: _h, name: _n, msg, ...rest } = j;
    const lvl = typeof level === 'number' ? ({ 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' }[level] ?? level) : level;
    const fields = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
    out = `${lvl} ${msg ?? ''} ${fields}`.trim();
  } catch {
    /* not JSON: print as is */
  }
  process.stdout.write(`\x1b[${colors[name] ?? 37}m${pad}\x1b[0m ${out}\n`);
}

function run(name, app, args) {
  const main = join(root, 'apps', app, 'dist', 'main.js');
  if (!existsSync(main)) {
    line(name, `not built (${main} missing): skipped; run npm run build`);
    return;
  }
  const child = spawn(process.execPath, [main, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.set(name, child);
  for (const stream of [child.stdout, child.stderr]) {
    let buf = '';
    stream.on('data', (d) => {
      buf += d.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        line(name, buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
  }
  child.on('exit', (code, signal) => {
    children.delete(name);
    line(name, `exited (${signal ?? code})`);
    if (!stopping) stop(1);
  });
}

async function waitReady() {
  for (let i = 0; i < 150; i++) {
    try {
      if ((await fetch(`${server}/readyz`)).ok) return true;
    } catch {
      /* not yet */
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

let stopping = false;
function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  // Node agents first (they mark their nodes NotReady), the api-server last.
  const order = ['node-agent', 'controller-manager', 'scheduler', 'api-server'];
  const next = () => {
    const name = order.find((n) => children.has(n));
    if (!name) process.exit(code);
    const child = children.get(name);
    child.once('exit', next);
    child.kill('SIGTERM');
  };
  next();
  setTimeout(() => {
    for (const c of children.values()) c.kill('SIGKILL');
    process.exit(code);
  }, 15_000).unref();
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

const kubeconfig = join(dataDir, 'kubeconfig');
writeFileSync(
  kubeconfig,
  `apiVersion: v1
kind: Config
clusters:
- name: skiff
  cluster:
    server: ${server}
users:
- name: skiff
  user: {}
contexts:
- name: skiff
  context: {cluster: skiff, user: skiff, namespace: default}
current-context: skiff
`,
);

run('api-server', 'api-server', ['--listen', listen, '--data-dir', dataDir]);
if (!(await waitReady())) {
  line('api-server', 'did not become ready');
  stop(1);
} else {
  line('api-server', `ready at ${server}; kubectl --kubeconfig ${kubeconfig} get nodes`);
  run('scheduler', 'scheduler', ['--server', server]);
  run('controller-manager', 'controller-manager', ['--server', server]);
  run('node-agent', 'node-agent', ['--server', server, '--node-name', process.env.SKIFF_NODE_NAME ?? hostname(), '--runtime', runtime]);
}
