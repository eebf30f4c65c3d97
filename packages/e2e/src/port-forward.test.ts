/**
 * `kubectl port-forward` end to end over real processes and real Docker: the built api-server and a Docker node
 * agent, a busybox httpd pod, and the real kubectl 1.32 forwarding a local port to it, once over its default
 * (SPDY/3.1 tunnelled in a WebSocket, KEP-4006) and once over plain SPDY (KUBECTL_PORT_FORWARD_WEBSOCKETS=false).
 * Killing kubectl, the api-server or the agent in the middle of a transfer, or destroying the connection between
 * api-server and agent, must leave no connection open on the processes that survive.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { get, type IncomingMessage } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Node, Pod } from '@skiff/api';
import { waitFor } from '@skiff/testing';
import { Cluster, freePort, mainOf } from './cluster.js';
import { dockerAvailable, run, writeKubeconfig } from './toy-cluster.js';
import { destroyConnections, noLeftoverSockets } from './stream-sockets.js';
import { existsSync } from 'node:fs';

const requireDocker = process.env['SKIFF_REQUIRE_DOCKER'] === '1';
const docker = dockerAvailable();
const available = docker && existsSync(mainOf('node-agent')) && existsSync(mainOf('api-server'));
it('Docker is available when SKIFF_REQUIRE_DOCKER=1', () => {
  if (requireDocker) expect(docker, 'SKIFF_REQUIRE_DOCKER=1 but Docker is unreachable').toBe(true);
});

const SUFFIX = Math.random().toString(36).slice(2, 8);
const NODE = `e2e-pf-${SUFFIX}`;
const POD = `httpd-${SUFFIX}`;
const LINES = 300_000;
/** What `seq 1 LINES` prints: the large file the pod serves, so a transfer can be checked byte for byte. */
const BIG = Array.from({ length: LINES }, (_, i) => `${i + 1}\n`).join('');
const cluster = new Cluster();
let dir = '';
let kubeconfig = '';
let agentMetrics = '';
let agentPort = 0;
const apiPid = (): number => cluster.components.get('api-server')!.child.pid!;
const agentPid = (): number => cluster.components.get(NODE)!.child.pid!;

function httpdPod(): Pod {
  const script = `mkdir -p /www && echo hello-port-forward > /www/index.html && seq 1 ${LINES} > /www/big.txt && dd if=/dev/zero of=/www/huge.bin bs=1M count=200 2>/dev/null; exec httpd -f -p 8080 -h /www`;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: POD, namespace: 'default' },
    spec: {
      nodeName: NODE,
      terminationGracePeriodSeconds: 1,
      containers: [{ name: 'web', image: 'busybox:1.36', command: ['sh', '-c', script], readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 } }],
    },
  };
}

/**
 * PYTHON fetches /index.html through the Python client's portforward (the v4.channel.k8s.io WebSocket form), three
 * times, each over its own WebSocket as the form allows one connection per port, then asks for a port nobody
 * listens on and prints what the error channel said.
 */
const PYTHON = `
import sys
from kubernetes import client
from kubernetes.stream import portforward
cfg = client.Configuration()
cfg.host = sys.argv[1]
api = client.CoreV1Api(client.ApiClient(cfg))
for i in range(3):
    pf = portforward(api.connect_get_namespaced_pod_portforward, sys.argv[2], 'default', ports='8080')
    s = pf.socket(8080)
    s.sendall(b'GET /index.html HTTP/1.0\\r\\n\\r\\n')
    body = b''
    while True:
        d = s.recv(65536)
        if not d:
            break
        body += d
    s.close()
    print('fetch', i, body.split(b'\\r\\n\\r\\n', 1)[1].decode().strip(), pf.error(8080))
pf = portforward(api.connect_get_namespaced_pod_portforward, sys.argv[2], 'default', ports='9999')
s = pf.socket(9999)
while s.recv(1024):
    pass
print('refused', pf.error(9999))
`;

/** metric sums a gauge's samples (every label set, or those matching `label`) in Prometheus text. */
async function metric(url: string, name: string, label = ''): Promise<number> {
  const text = await (await fetch(url)).text();
  return text
    .split('\n')
    .filter((l) => (l.startsWith(`${name} `) || l.startsWith(`${name}{`)) && l.includes(label))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

/** Forward is one running `kubectl port-forward`. */
interface Forward {
  child: ChildProcess;
  port: number;
  output(): string;
}

async function portForward(websockets: boolean, remote = 8080): Promise<Forward> {
  const port = await freePort();
  const child = spawn('kubectl', ['--kubeconfig', kubeconfig, 'port-forward', `pod/${POD}`, `${port}:${remote}`, '-v=4'], {
    env: { ...process.env, KUBECTL_PORT_FORWARD_WEBSOCKETS: String(websockets) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const f = { child, port, output: () => out };
  await waitFor(() => out.includes(`Forwarding from 127.0.0.1:${port}`) || child.exitCode !== null, { what: 'kubectl port-forward to listen', timeoutMs: 30_000 });
  if (child.exitCode !== null) throw new Error(`kubectl port-forward exited ${child.exitCode}: ${out}`);
  return f;
}

async function stop(f: Forward, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (f.child.exitCode !== null || f.child.signalCode !== null) return;
  await new Promise<void>((r) => {
    f.child.once('exit', () => r());
    f.child.kill(signal);
  });
}

/** noConnectionsLeft waits until neither the api-server nor the agent holds a port-forward connection or socket. */
async function noConnectionsLeft(): Promise<void> {
  await waitFor(
    async () =>
      (await metric(`${cluster.server}/metrics`, 'apiserver_port_forward_connections')) === 0 &&
      (await metric(agentMetrics, 'skiff_node_agent_port_forward_connections')) === 0 &&
      (await metric(agentMetrics, 'skiff_node_agent_port_forward_pod_sockets')) === 0,
    { what: 'every port-forward connection to be closed on the api-server and the agent', timeoutMs: 20_000 },
  );
}

/** startAgent runs the node agent and waits until the node reports its (new) port. */
async function startAgent(): Promise<void> {
  const old = agentPort;
  cluster.start(NODE, 'node-agent', ['--runtime', 'docker', '--node-name', NODE, '--listen', '127.0.0.1:0', '--node-status-update-frequency', '1s']);
  agentPort = await waitFor(
    async () => {
      const node = (await cluster.client.nodes.list({})).items.find((n) => n.metadata.name === NODE) as Node | undefined;
      const port = node?.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0;
      return port !== old && (await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false)) ? port : 0;
    },
    { what: `node ${NODE} registered with its agent port`, timeoutMs: 60_000, intervalMs: 100 },
  );
  agentMetrics = `http://127.0.0.1:${agentPort}/metrics`;
}

/** Transfer is a kubectl port-forward with a 200 MiB download under way through it, its reader stalled. */
interface Transfer {
  f: Forward;
  exit: Promise<number | null>;
  /** rest reads the body to its end and resolves with how the download ended. */
  rest(): Promise<'complete' | 'cut short' | 'failed'>;
}

async function transferInFlight(websockets: boolean): Promise<Transfer> {
  const f = await portForward(websockets);
  const exit = new Promise<number | null>((r) => f.child.once('exit', (code) => r(code)));
  // node:http, not fetch: undici's parser asserts (`!this.paused`) when a paused body's socket ends, which left the
  // reader waiting until the test timed out (seen once in CI after the api-server was SIGKILLed).
  const res = await new Promise<IncomingMessage>((resolve, reject) => get(`http://127.0.0.1:${f.port}/huge.bin`, resolve).on('error', reject));
  const total = Number(res.headers['content-length']);
  let got = 0;
  let firstMiBPending = true;
  let firstMiB!: () => void;
  const stalled = new Promise<void>((r) => (firstMiB = r));
  const ended = new Promise<'complete' | 'cut short' | 'failed'>((resolve) => {
    res.on('data', (chunk: Buffer) => {
      got += chunk.length;
      // Stop reading after the first MiB, so the transfer is still under way when something is killed.
      if (firstMiBPending && got >= 1024 * 1024) {
        firstMiBPending = false;
        res.pause();
        firstMiB();
      }
    });
    res.on('end', () => resolve(got === total ? 'complete' : 'cut short'));
    res.on('error', () => resolve('failed'));
    res.on('close', () => {
      if (!res.complete) resolve('failed');
    });
  });
  await stalled;
  const rest = () => {
    res.resume();
    return ended;
  };
  return { f, exit, rest };
}

/** kubectlExited waits until kubectl port-forward has given up, with an error. */
async function kubectlExited(t: Transfer): Promise<void> {
  await waitFor(() => t.f.child.exitCode !== null || t.f.child.signalCode !== null, { what: 'kubectl port-forward to exit', timeoutMs: 30_000, intervalMs: 100 }).catch((err: Error) => {
    throw new Error(`${err.message}\n${t.f.output()}`);
  });
  expect(await t.exit, t.f.output()).not.toBe(0);
  expect(t.f.output()).toMatch(/error|lost connection/i);
}

describe.skipIf(!available)('kubectl port-forward with real Docker', { timeout: 120_000 }, () => {
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'skiff-pf-'));
    await cluster.startApiServer();
    kubeconfig = writeKubeconfig(dir, cluster.server);
    await startAgent();
    await cluster.client.pods.create(httpdPod());
    await waitFor(async () => ((await cluster.client.pods.get(POD, { namespace: 'default' })) as Pod).status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') === true, {
      what: 'the httpd pod to be Ready',
      timeoutMs: 60_000,
    });
  }, 120_000);

  afterAll(async () => {
    await cluster.stop();
    const ids = (await run('docker', ['ps', '-aq', '--filter', `label=skiff.dev/node=${NODE}`]).catch(() => '')).split('\n').filter(Boolean);
    if (ids.length) await run('docker', ['rm', '-f', '-v', ...ids]).catch(() => '');
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it("serves the Python client's portforward (v4.channel.k8s.io), and reports a refused port on its error channel", async () => {
    const out = await run('/usr/bin/python3', ['-c', PYTHON, cluster.server, POD], { timeoutMs: 60_000 });
    expect(out).toContain('fetch 0 hello-port-forward None\nfetch 1 hello-port-forward None\nfetch 2 hello-port-forward None\n');
    expect(out).toMatch(new RegExp(`refused error forwarding port 9999 to pod default/${POD}, uid [0-9a-f-]+: connect ECONNREFUSED`));
    await noConnectionsLeft();
  });

  it('shows kubectl why a pod port refuses: the error stream carries the dial error', async () => {
    const f = await portForward(true, 9999);
    try {
      await fetch(`http://127.0.0.1:${f.port}/`).then((r) => r.text()).catch(() => undefined);
      await waitFor(() => f.output().includes(`error forwarding port 9999 to pod default/${POD}, uid `), { what: `kubectl to print the error\n${f.output()}` });
      expect(f.output()).toMatch(/connect ECONNREFUSED [\d.]+:9999/);
    } finally {
      await stop(f);
    }
    await noConnectionsLeft();
  });

  it('answers kubectl port-forward to a missing pod with its NotFound Status', async () => {
    const err = await run('kubectl', ['--kubeconfig', kubeconfig, 'port-forward', 'pod/missing', '18081:8080'], { timeoutMs: 30_000 }).catch((e: Error) => e.message);
    expect(err).toContain('pods "missing" not found');
  });

  for (const [mode, websockets, protocol] of [
    ['WebSocket tunnel (kubectl 1.32 default)', true, 'SPDY/3.1+portforward.k8s.io'],
    ['plain SPDY (KUBECTL_PORT_FORWARD_WEBSOCKETS=false)', false, 'spdy'],
  ] as const) {
    it(`forwards a local port over ${mode}: sequential, concurrent and large fetches`, async () => {
      const f = await portForward(websockets);
      try {
        const base = `http://127.0.0.1:${f.port}`;
        for (let i = 0; i < 5; i++) expect(await (await fetch(`${base}/index.html`)).text()).toBe('hello-port-forward\n');
        // What a user types: curl against the forwarded port.
        expect(await run('curl', ['-sSf', `${base}/index.html`], { timeoutMs: 30_000 })).toBe('hello-port-forward\n');
        const agentText = (await (await fetch(agentMetrics)).text()).split('\n').filter((l) => l.includes('port_forward')).join('\n');
        expect(await metric(agentMetrics, 'skiff_node_agent_port_forward_connections', `protocol="${protocol}"`), `the protocol kubectl negotiated\n${agentText}\n${f.output()}`).toBe(1);
        const texts = await Promise.all(Array.from({ length: 12 }, (_, i) => fetch(`${base}/${i % 3 ? 'index.html' : 'big.txt'}`).then((r) => r.text())));
        texts.forEach((t, i) => expect(t === (i % 3 ? 'hello-port-forward\n' : BIG), `concurrent fetch ${i}`).toBe(true));
      } finally {
        await stop(f);
      }
      await noConnectionsLeft();
    });

    it(`killing kubectl mid-transfer over ${mode} leaves no open connection on the api-server or the agent`, async () => {
      const f = await portForward(websockets);
      const res = await fetch(`http://127.0.0.1:${f.port}/huge.bin`);
      const reader = res.body!.getReader();
      let got = 0;
      while (got < 1024 * 1024) got += (await reader.read()).value?.length ?? 0;
      // Mid-transfer: the 200 MiB body is still flowing (and its reader stalled), so every hop holds a connection.
      expect(await metric(`${cluster.server}/metrics`, 'apiserver_port_forward_connections')).toBe(1);
      expect(await metric(agentMetrics, 'skiff_node_agent_port_forward_pod_sockets')).toBe(1);
      await stop(f, 'SIGKILL');
      await reader.cancel().catch(() => undefined);
      await noConnectionsLeft();
      // The pod still serves a new forward afterwards.
      const again = await portForward(websockets);
      try {
        expect(await (await fetch(`http://127.0.0.1:${again.port}/index.html`)).text()).toBe('hello-port-forward\n');
      } finally {
        await stop(again);
      }
      await noConnectionsLeft();
    });
  }
  // The connection between api-server and agent dies on the way (ss -K aborts one end, the other gets a reset).
  for (const [side, filter] of [
    ["the api-server's end", () => `dport = :${agentPort}`],
    ["the agent's end", () => `sport = :${agentPort}`],
  ] as const) {
    it(`the api-server to agent connection destroyed mid-transfer at ${side}: the download fails, nothing is left open`, async () => {
      const t = await transferInFlight(true);
      try {
        expect(await destroyConnections(filter())).toBeGreaterThan(0);
        expect(await t.rest()).not.toBe('complete');
        // kubectl hears of it: the api-server closes its side of the tunnel, and kubectl gives up the forward.
        await kubectlExited(t);
        await noConnectionsLeft();
        await noLeftoverSockets(apiPid(), agentPort);
        await noLeftoverSockets(agentPid(), agentPort);
        // The agent's socket to the pod is closed too.
        await noLeftoverSockets(agentPid(), 8080);
      } finally {
        await stop(t.f, 'SIGKILL');
      }
    });
  }

  it('the api-server killed mid-transfer: kubectl port-forward fails, the agent closes its connections and pod socket', async () => {
    const t = await transferInFlight(true);
    try {
      await cluster.kill('api-server', 'SIGKILL');
      expect(await t.rest()).not.toBe('complete');
      await kubectlExited(t);
      await waitFor(async () => (await metric(agentMetrics, 'skiff_node_agent_port_forward_connections')) === 0 && (await metric(agentMetrics, 'skiff_node_agent_port_forward_pod_sockets')) === 0, {
        what: 'the agent to close the forward',
        timeoutMs: 30_000,
      });
      await noLeftoverSockets(agentPid(), agentPort);
      await noLeftoverSockets(agentPid(), 8080);
    } finally {
      await stop(t.f, 'SIGKILL');
      await cluster.startApiServer();
    }
    await noConnectionsLeft();
  });

  it('the agent killed mid-transfer: kubectl port-forward fails, the api-server holds no socket, a new agent forwards again', async () => {
    const t = await transferInFlight(true);
    const oldPort = agentPort;
    try {
      await cluster.kill(NODE, 'SIGKILL');
      expect(await t.rest()).not.toBe('complete');
      await kubectlExited(t);
      await waitFor(async () => (await metric(`${cluster.server}/metrics`, 'apiserver_port_forward_connections')) === 0, { what: 'the api-server to close the forward', timeoutMs: 30_000 });
      await noLeftoverSockets(apiPid(), oldPort);
    } finally {
      await stop(t.f, 'SIGKILL');
    }
    await startAgent();
    const again = await portForward(true);
    try {
      expect(await (await fetch(`http://127.0.0.1:${again.port}/index.html`)).text()).toBe('hello-port-forward\n');
    } finally {
      await stop(again);
    }
    await noConnectionsLeft();
  });
});
