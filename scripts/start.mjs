#!/usr/bin/env node
// npm start: the whole cluster as local processes (api-server, scheduler, controller-manager, one node agent on
// the local Docker socket), data in ./data, logs prefixed by component (coloured on a terminal), a component that
// dies is restarted with back-off (scripts/supervisor.mjs), Ctrl-C or SIGTERM stops everything in order, and if
// npm start itself is killed outright the components stop by themselves (scripts/parent-watchdog.mjs).
// Components not built yet are skipped with a note, so this works at every stage of the project.
//
// The one node is the control plane and a worker at once (role label node-role.kubernetes.io/control-plane, no
// taint), as kind and minikube do for a single node. Its pods join the Docker network SKIFF_POD_NETWORK (default
// skiff-local); on Ctrl-C the node agent stops first and its pod containers are removed before the rest stops
// (only then: a node agent that crashed and restarts finds its pods still running, as the kubelet does).
// Toy timings as in docker-compose.yml: NotReady 10 s after the last heartbeat, pods evicted 10 s later.
//
// Security: the api-server serves HTTPS on SKIFF_SECURE_PORT (6443) with the cluster CA it makes in ./data/pki on
// first start, and writes kubeconfigs there (admin.kubeconfig, and one per component with its own client
// certificate); the scheduler, controller-manager and node agent use theirs. Start prints the KUBECONFIG line and a
// curl with the admin credentials. No plain-HTTP port unless SKIFF_LISTEN asks for one (loopback only).
//
// Settings (read here only, never passed on to the components): SKIFF_DATA_DIR (./data), SKIFF_SECURE_PORT (6443,
// the api-server's HTTPS port), SKIFF_LISTEN (unset: the api-server's unauthenticated loopback port, for tests and
// debugging only), SKIFF_SCHEDULER_LISTEN (127.0.0.1:10259), SKIFF_CONTROLLER_MANAGER_LISTEN
// (127.0.0.1:10257), SKIFF_NODE_AGENT_LISTEN (0.0.0.0:10250), SKIFF_NODE_NAME (this host's name), SKIFF_RUNTIME
// (docker or simulated), SKIFF_POD_NETWORK (skiff-local), SKIFF_DOCKER_SOCKET (/var/run/docker.sock),
// SKIFF_POD_SUBNET (10.244.0.0/16: pods from its lower half, Services from its upper half), SKIFF_DASHBOARD_LISTEN
// (127.0.0.1:8090, the dashboard's plain-HTTP loopback address).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { request } from 'node:https';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { ensurePodNetwork, podNetworkPlan } from './pod-network.mjs';
import { Supervisor } from './supervisor.mjs';

const root = resolve(import.meta.dirname, '..');
const dataDir = resolve(process.env.SKIFF_DATA_DIR ?? join(root, 'data'));
const securePort = process.env.SKIFF_SECURE_PORT ?? '6443';
const listen = process.env.SKIFF_LISTEN ?? '';
const server = `https://127.0.0.1:${securePort}`;
const adminKubeconfig = join(dataDir, 'admin.kubeconfig');
const pki = join(dataDir, 'pki');
const runtime = process.env.SKIFF_RUNTIME ?? 'docker';
const nodeName = process.env.SKIFF_NODE_NAME ?? hostname().toLowerCase();
const podNetwork = process.env.SKIFF_POD_NETWORK ?? 'skiff-local';
const dockerSocket = process.env.SKIFF_DOCKER_SOCKET ?? '/var/run/docker.sock';
const schedulerListen = process.env.SKIFF_SCHEDULER_LISTEN ?? '127.0.0.1:10259';
const controllerManagerListen = process.env.SKIFF_CONTROLLER_MANAGER_LISTEN ?? '127.0.0.1:10257';
const nodeAgentListen = process.env.SKIFF_NODE_AGENT_LISTEN ?? '0.0.0.0:10250';
const dashboardListen = process.env.SKIFF_DASHBOARD_LISTEN ?? '127.0.0.1:8090';
const podPlan = podNetworkPlan(process.env.SKIFF_POD_SUBNET ?? '10.244.0.0/16');
mkdirSync(dataDir, { recursive: true });

// The components read SKIFF_* variables too, with other meanings (SKIFF_LISTEN is every component's own address):
// only what this script passes as flags reaches them.
const childEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SKIFF_') || k === 'SKIFF_LOG_LEVEL'));

const colors = { 'api-server': 36, scheduler: 35, 'controller-manager': 33, 'node-agent': 32, dashboard: 34 };
// Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org): a file or pipe gets plain text.
const colour = process.stdout.isTTY === true && !process.env.NO_COLOR;

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
  process.stdout.write(colour ? `\x1b[${colors[name] ?? 37}m${pad}\x1b[0m ${out}\n` : `${pad} ${out}\n`);
}

const supervisor = new Supervisor({ log: line, env: childEnv });
const run = (name, app, args) => supervisor.add(name, join(root, 'apps', app, 'dist', 'main.js'), args);

// oneShot runs a script of ours that waits for the cluster and exits; with the parent watchdog and an IPC channel it
// stops as the components do when npm start is killed, instead of waiting out its timeout as an orphan.
function oneShot(script, args) {
  return spawn(process.execPath, ['--import', join(root, 'scripts', 'parent-watchdog.mjs'), join(root, 'scripts', script), ...args], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
}

// waitReady asks /readyz over verified TLS as the admin, once the api-server has written its credentials.
async function waitReady() {
  for (let i = 0; i < 300; i++) {
    if (existsSync(adminKubeconfig) && (await readyz().catch(() => false))) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

async function readyz() {
  const tls = { ca: readFileSync(join(pki, 'ca.crt')), cert: readFileSync(join(pki, 'admin.crt')), key: readFileSync(join(pki, 'admin.key')) };
  return new Promise((resolve, reject) => {
    const req = request(`${server}/readyz`, tls, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', reject);
    req.setTimeout(2000, () => req.destroy(new Error('timeout')));
    req.end();
  });
}

// stop is the ordered shutdown (Ctrl-C, SIGTERM, SIGHUP): node agents first (they mark their nodes NotReady), then
// the controllers, the api-server last; this node's pod containers are removed once its agent is gone. A child that
// merely died is restarted by the supervisor instead, and its pods are left alone.
let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  await supervisor.stop(['dashboard', 'node-agent', 'controller-manager', 'scheduler', 'api-server'], async (name) => {
    if (name === 'node-agent') await removePods();
  });
  await removePods();
  process.exit(code);
}

// removePods removes this node's pod containers once its agent has stopped (the whole cluster is going away).
let podsRemoved = false;
async function removePods() {
  if (podsRemoved || runtime !== 'docker' || !startedNodeAgent) return;
  podsRemoved = true;
  try {
    process.env.DOCKER_HOST = `unix://${dockerSocket}`;
    const { reap } = await import('./pod-reaper.mjs');
    await reap({ nodes: [nodeName] }, (m) => line('node-agent', m.replace(/^/, 'cleanup: ')));
  } catch (err) {
    line('node-agent', `cleanup failed: ${err.message}; remove them with: docker rm -f $(docker ps -aq --filter label=skiff.dev/node=${nodeName})`);
  }
}
let startedNodeAgent = false;

// ensureNetwork creates the pod network if it is missing (a bridge network: pods reach each other by IP and the
// host reaches them), so pods start even when the node agent does not create it itself; with the subnet the
// service data path needs (scripts/pod-network.mjs). It says whether Services can work on it.
async function ensureNetwork() {
  try {
    process.env.DOCKER_HOST = `unix://${dockerSocket}`;
    const { docker } = await import('./pod-reaper.mjs');
    return await ensurePodNetwork(docker, podNetwork, podPlan, (m) => line('node-agent', m));
  } catch (err) {
    line('node-agent', `could not check pod network ${podNetwork}: ${err.message}`);
    return false;
  }
}
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => void stop(0));
// Under npm start, npm is our parent: if it is SIGKILLed nothing signals us, but we are re-parented, so notice that
// and stop in order rather than run on unattended.
const parentPid = process.ppid;
setInterval(() => {
  if (process.ppid === parentPid || stopping) return;
  line('npm start', `parent process ${parentPid} is gone: stopping`);
  void stop(0);
}, 1_000).unref();

// The service data path (docs/services.md): on Docker, the service proxy pod runs this checkout's build (hostPath,
// hence --allow-privileged below) and pods reach the api-server's TLS port (the `kubernetes` Service's endpoint) on
// the pod network's gateway, an address of this host that the default --bind-address 0.0.0.0 covers.
const services = runtime === 'docker' && (await ensureNetwork());
run('api-server', 'api-server', [
  '--secure-port', securePort, '--data-dir', dataDir, ...(listen ? ['--listen', listen] : []),
  '--service-cluster-ip-range', podPlan.serviceRange,
  ...(services ? ['--advertise-address', podPlan.gateway] : []),
  '--default-not-ready-toleration-seconds=10', '--default-unreachable-toleration-seconds=10',
]);
if (!(await waitReady())) {
  line('api-server', 'did not become ready');
  await stop(1);
} else {
  line('api-server', `ready at ${server}`);
  line('api-server', `export KUBECONFIG=${adminKubeconfig}; kubectl get nodes`);
  line('api-server', `curl --cacert ${join(pki, 'ca.crt')} --cert ${join(pki, 'admin.crt')} --key ${join(pki, 'admin.key')} ${server}/api/v1/nodes`);
  run('scheduler', 'scheduler', ['--kubeconfig', join(dataDir, 'scheduler.kubeconfig'), '--listen', schedulerListen]);
  run('controller-manager', 'controller-manager', [
    '--kubeconfig', join(dataDir, 'controller-manager.kubeconfig'), '--listen', controllerManagerListen,
    '--node-monitor-period=1s', '--node-monitor-grace-period=10s', '--node-startup-grace-period=30s', '--pod-gc-period=5s',
    '--service-cluster-ip-range', podPlan.serviceRange,
    // Signs node client certificates (TLS bootstrap) and publishes the CA as kube-root-ca.crt.
    '--cluster-signing-cert-file', join(pki, 'ca.crt'), '--cluster-signing-key-file', join(pki, 'ca.key'), '--root-ca-file', join(pki, 'ca.crt'),
    ...(services ? ['--service-proxy-image', 'node:20-bookworm-slim', '--service-proxy-host-path', root, '--service-proxy-server', `https://${podPlan.gateway}:${securePort}`] : []),
  ]);
  startedNodeAgent = run('node-agent', 'node-agent', [
    // kubelet TLS bootstrap: the bootstrap token asks for the node's client certificate, kept beside its data.
    '--bootstrap-kubeconfig', join(dataDir, 'bootstrap.kubeconfig'), '--kubeconfig', join(dataDir, 'node-agent', 'kubeconfig'),
    '--cert-dir', join(dataDir, 'node-agent', 'pki'), '--node-name', nodeName, '--runtime', runtime, '--listen', nodeAgentListen,
    '--docker-socket', dockerSocket, '--pod-network', podNetwork,
    // Volume files beside the rest of the data, writable by whoever runs npm start (Secrets go to /dev/shm).
    '--root-dir', join(dataDir, 'node-agent'),
    '--node-lease-duration-seconds=10', '--node-status-update-frequency=4s',
    ...(services ? ['--cluster-dns', podPlan.clusterDNS, '--allow-privileged'] : []),
  ]);
  // kubeadm's mark-control-plane: the admin labels the node (a node may not set node-role.kubernetes.io/* itself).
  const mark = oneShot('mark-control-plane.mjs', [`--kubeconfig=${adminKubeconfig}`, `--node=${nodeName}`]);
  mark.stdout.on('data', (d) => line('node-agent', String(d).trim()));
  mark.stderr.on('data', (d) => line('node-agent', String(d).trim()));
  // The dashboard (apps/dashboard): loopback only; each browser signs in with a token, printed here for the admin.
  run('dashboard', 'dashboard', ['--kubeconfig', adminKubeconfig, '--listen', dashboardListen, '--node-monitor-grace-period=10s']);
  const admin = oneShot('dashboard-admin.mjs', [`--kubeconfig=${adminKubeconfig}`, `--url=http://${dashboardListen}/`]);
  admin.stdout.on('data', (d) => String(d).trim().split('\n').forEach((l) => line('dashboard', l)));
  admin.stderr.on('data', (d) => line('dashboard', String(d).trim()));
}
