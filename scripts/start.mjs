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
// Settings (read here only, never passed on to the components): SKIFF_DATA_DIR (./data), SKIFF_LISTEN
// (127.0.0.1:8080, the api-server), SKIFF_SCHEDULER_LISTEN (127.0.0.1:10259), SKIFF_CONTROLLER_MANAGER_LISTEN
// (127.0.0.1:10257), SKIFF_NODE_AGENT_LISTEN (0.0.0.0:10250), SKIFF_NODE_NAME (this host's name), SKIFF_RUNTIME
// (docker or simulated), SKIFF_POD_NETWORK (skiff-local), SKIFF_DOCKER_SOCKET (/var/run/docker.sock),
// SKIFF_POD_SUBNET (10.244.0.0/16: pods from its lower half, Services from its upper half).
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { ensurePodNetwork, podNetworkPlan, relay } from './pod-network.mjs';
import { Supervisor } from './supervisor.mjs';

const root = resolve(import.meta.dirname, '..');
const dataDir = resolve(process.env.SKIFF_DATA_DIR ?? join(root, 'data'));
const listen = process.env.SKIFF_LISTEN ?? '127.0.0.1:8080';
const server = `http://${listen.replace(/^0\.0\.0\.0:/, '127.0.0.1:')}`;
const runtime = process.env.SKIFF_RUNTIME ?? 'docker';
const nodeName = process.env.SKIFF_NODE_NAME ?? hostname().toLowerCase();
const podNetwork = process.env.SKIFF_POD_NETWORK ?? 'skiff-local';
const dockerSocket = process.env.SKIFF_DOCKER_SOCKET ?? '/var/run/docker.sock';
const schedulerListen = process.env.SKIFF_SCHEDULER_LISTEN ?? '127.0.0.1:10259';
const controllerManagerListen = process.env.SKIFF_CONTROLLER_MANAGER_LISTEN ?? '127.0.0.1:10257';
const nodeAgentListen = process.env.SKIFF_NODE_AGENT_LISTEN ?? '0.0.0.0:10250';
const podPlan = podNetworkPlan(process.env.SKIFF_POD_SUBNET ?? '10.244.0.0/16');
mkdirSync(dataDir, { recursive: true });

// The components read SKIFF_* variables too, with other meanings (SKIFF_LISTEN is every component's own address):
// only what this script passes as flags reaches them.
const childEnv = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SKIFF_') || k === 'SKIFF_LOG_LEVEL'));

const colors = { 'api-server': 36, scheduler: 35, 'controller-manager': 33, 'node-agent': 32 };
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

// stop is the ordered shutdown (Ctrl-C, SIGTERM, SIGHUP): node agents first (they mark their nodes NotReady), then
// the controllers, the api-server last; this node's pod containers are removed once its agent is gone. A child that
// merely died is restarted by the supervisor instead, and its pods are left alone.
let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  await supervisor.stop(['node-agent', 'controller-manager', 'scheduler', 'api-server'], async (name) => {
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

// The service data path (docs/services.md): on Docker, the service proxy pod runs this checkout's build (hostPath,
// hence --allow-privileged below) and pods reach the api-server (the proxy, the `kubernetes` Service's endpoint)
// through a relay on the pod network's gateway.
const services = runtime === 'docker' && (await ensureNetwork());
const apiPort = Number(listen.split(':').pop());
run('api-server', 'api-server', [
  '--listen', listen, '--data-dir', dataDir, '--service-cluster-ip-range', podPlan.serviceRange,
  ...(services ? ['--advertise-address', podPlan.gateway] : []),
  '--default-not-ready-toleration-seconds=10', '--default-unreachable-toleration-seconds=10',
]);
if (!(await waitReady())) {
  line('api-server', 'did not become ready');
  await stop(1);
} else {
  line('api-server', `ready at ${server}; kubectl --kubeconfig ${kubeconfig} get nodes`);
  run('scheduler', 'scheduler', ['--server', server, '--listen', schedulerListen]);
  if (services && !listen.startsWith('0.0.0.0:')) await relay(podPlan.gateway, apiPort, { host: '127.0.0.1', port: apiPort }, (m) => line('api-server', m));
  run('controller-manager', 'controller-manager', [
    '--server', server, '--listen', controllerManagerListen,
    '--node-monitor-period=1s', '--node-monitor-grace-period=10s', '--node-startup-grace-period=30s', '--pod-gc-period=5s',
    '--service-cluster-ip-range', podPlan.serviceRange,
    ...(services ? ['--service-proxy-image', 'node:20-bookworm-slim', '--service-proxy-host-path', root, '--service-proxy-server', `http://${podPlan.gateway}:${apiPort}`] : []),
  ]);
  startedNodeAgent = run('node-agent', 'node-agent', [
    '--server', server, '--node-name', nodeName, '--runtime', runtime, '--listen', nodeAgentListen,
    '--docker-socket', dockerSocket, '--pod-network', podNetwork,
    // Volume files beside the rest of the data, writable by whoever runs npm start (Secrets go to /dev/shm).
    '--root-dir', join(dataDir, 'node-agent'),
    '--node-lease-duration-seconds=10', '--node-status-update-frequency=4s',
    '--node-labels', 'node-role.kubernetes.io/control-plane=',
    ...(services ? ['--cluster-dns', podPlan.clusterDNS, '--allow-privileged'] : []),
  ]);
}
