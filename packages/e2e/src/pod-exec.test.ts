/**
 * kubectl exec, attach, cp and run -i over real processes and a real Docker engine: the built api-server and a
 * node agent (`--runtime docker`), the real kubectl 1.32 (WebSocket v5.channel.k8s.io), the Python client (v4)
 * and @kubernetes/client-node's Exec. A client killed mid-stream must leave no connection between api-server and
 * agent, no session on the agent and no running Docker exec process.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { Exec, KubeConfig, type V1Status } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '@skiff/api';
import { waitFor } from '@skiff/testing';
import { Cluster, mainOf } from './cluster.js';
import { dockerUp } from './docker.js';
import { destroyConnections, noLeftoverSockets } from './stream-sockets.js';


const available = dockerUp() && existsSync(mainOf('node-agent')) && existsSync(mainOf('api-server'));
const SUFFIX = Math.random().toString(36).slice(2, 8);
const NODE = `e2e-exec-${SUFFIX}`;
const NS = 'default';
const cluster = new Cluster();
const dir = mkdtempSync(join(tmpdir(), 'skiff-exec-'));
const kubeconfig = join(dir, 'kubeconfig');
let agentPort = 0;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** kubectl runs the real kubectl with `input` on its stdin (closed at once without) and collects its output. */
/** kubectl run -i creates, schedules, starts and attaches: on a loaded 2-core machine that can take most of a minute. */
const RUN_TIMEOUT_MS = 120_000;

function kubectl(args: string[], input?: string | Buffer, timeoutMs = 60_000): Promise<Run> {
  return runProcess('kubectl', ['--kubeconfig', kubeconfig, ...args], input, timeoutMs);
}

function runProcess(cmd: string, args: string[], input?: string | Buffer, timeoutMs = 60_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: { ...process.env, HOME: dir, KUBECONFIG: kubeconfig }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Live is a kubectl left running: its output so far, and a way to wait for a line of it. */
interface Live {
  child: ChildProcess;
  out(): string;
  waitForOutput(re: RegExp): Promise<void>;
}

function kubectlLive(args: string[]): Live {
  const child = spawn('kubectl', ['--kubeconfig', kubeconfig, ...args], { env: { ...process.env, HOME: dir }, stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  child.stdin!.on('error', () => undefined);
  return { child, out: () => out, waitForOutput: (re) => waitFor(() => re.test(out), { what: `kubectl output matching ${re}`, timeoutMs: 30_000, intervalMs: 50 }).then(() => undefined) };
}

function docker(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('docker', args, { timeout: 60_000 }, (err, stdout, stderr) => (err ? reject(new Error(`docker ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout)));
  });
}

/** dockerApi GETs a path of the Engine API (what the Docker CLI has no command for, such as ExecInspect). */
function dockerApi<T>(path: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: '/var/run/docker.sock', path }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => (res.statusCode === 200 ? resolve(JSON.parse(body) as T) : reject(new Error(`${path}: ${res.statusCode} ${body}`))));
    });
    req.on('error', reject);
    req.end();
  });
}

interface ExecInspect {
  ID: string;
  Running: boolean;
  ProcessConfig: { entrypoint: string; arguments: string[] };
}

/** containerOf is the Docker id of a pod container of this node. */
async function containerOf(pod: string, container: string): Promise<string> {
  const out = await docker(['ps', '-q', '--no-trunc', '--filter', `label=skiff.dev/node=${NODE}`, '--filter', `label=skiff.dev/pod-name=${pod}`, '--filter', `label=skiff.dev/container-name=${container}`]);
  return out.trim().split('\n')[0] ?? '';
}

/** runningExec waits for the running Docker exec of a container whose arguments contain `marker`. */
function runningExec(containerId: string, marker: string): Promise<ExecInspect> {
  return waitFor(async () => {
    for (const e of (await dockerApi<{ ExecIDs: string[] | null }>(`/containers/${containerId}/json`)).ExecIDs ?? []) {
      const info = await dockerApi<ExecInspect>(`/exec/${e}/json`);
      if (info.Running && info.ProcessConfig.arguments.join(' ').includes(marker)) return info;
    }
    return undefined;
  }, { what: `the running exec of ${marker}`, timeoutMs: 30_000, intervalMs: 100 });
}

/** established counts the TCP connections in state ESTABLISHED that have the agent's port at either end. */
function establishedOnAgentPort(): number {
  const hex = agentPort.toString(16).toUpperCase().padStart(4, '0');
  let n = 0;
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 4 || f[3] !== '01') continue;
      if (f[1]!.endsWith(`:${hex}`) || f[2]!.endsWith(`:${hex}`)) n++;
    }
  }
  return n;
}

async function agentSessions(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${agentPort}/metrics`)).text();
  const m = /^skiff_node_agent_stream_sessions (\d+)/m.exec(text);
  return m ? Number(m[1]) : -1;
}

function pod(name: string, command: string[], extra: Partial<Pod['spec']['containers'][number]> = {}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: NS },
    spec: { nodeName: NODE, terminationGracePeriodSeconds: 1, containers: [{ name: 'main', image: 'busybox:1.36', command, ...extra }] },
  };
}

async function running(name: string): Promise<void> {
  await waitFor(async () => {
    const p = await cluster.client.pods.get(name, { namespace: NS });
    return p.status?.containerStatuses?.[0]?.state?.running !== undefined;
  }, { what: `${name} running`, timeoutMs: 60_000, intervalMs: 200 });
}

function startAgent(): void {
  cluster.start(NODE, 'node-agent', ['--runtime', 'docker', '--node-name', NODE, '--listen', '127.0.0.1:0', '--node-status-update-frequency', '1s']);
}

/** registeredPort waits until the node reports an agent port other than `old` (a restarted agent listens anew). */
async function registeredPort(old: number): Promise<number> {
  return waitFor(async () => {
    const node = (await cluster.client.nodes.list()).items.find((n) => n.metadata.name === NODE);
    const port = node?.status?.daemonEndpoints?.kubeletEndpoint?.Port ?? 0;
    return port !== old && (await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false)) ? port : 0;
  }, { what: 'the node agent to register its port', timeoutMs: 60_000, intervalMs: 100 });
}

const apiPid = (): number => cluster.components.get('api-server')!.child.pid!;
const agentPid = (): number => cluster.components.get(NODE)!.child.pid!;

/** ExecInFlight is a `kubectl exec` of `sleep MARKER` that Docker is running. */
interface ExecInFlight {
  id: string;
  marker: string;
  live: Live;
  exec: ExecInspect;
  exit: Promise<number | null>;
}

async function execInFlight(marker: string): Promise<ExecInFlight> {
  const id = await containerOf('shell', 'main');
  // The shell forks sleep: the process the exec started and its child must both go.
  const live = kubectlLive(['exec', 'shell', '--', 'sh', '-c', `echo started; sleep ${marker}`]);
  const exit = new Promise<number | null>((r) => live.child.once('exit', (code) => r(code)));
  await live.waitForOutput(/started/);
  return { id, marker, live, exec: await runningExec(id, `sleep ${marker}`), exit };
}

/** execEnded: kubectl exited with an error, and neither the Docker exec nor the process it forked runs any more. */
async function execEnded(f: ExecInFlight): Promise<void> {
  await waitFor(() => f.live.child.exitCode !== null || f.live.child.signalCode !== null, { what: 'kubectl to exit', timeoutMs: 30_000, intervalMs: 100 });
  expect(await f.exit, f.live.out()).not.toBe(0);
  expect(f.live.out()).toMatch(/error/i);
  await waitFor(async () => !(await dockerApi<ExecInspect>(`/exec/${f.exec.ID}/json`)).Running, { what: 'the exec to stop running', timeoutMs: 30_000, intervalMs: 100 });
  await waitFor(async () => !(await docker(['top', f.id])).includes(`sleep ${f.marker}`), { what: `no sleep ${f.marker} left in the container`, timeoutMs: 30_000, intervalMs: 200 });
}

const SLEEPER = ['sh', '-c', 'trap "exit 0" TERM; sleep 3600 & wait'];

describe.skipIf(!available)('exec, attach, cp and run -i with the real kubectl and Docker', () => {
  beforeAll(async () => {
    await cluster.startApiServer();
    writeFileSync(kubeconfig, `apiVersion: v1\nkind: Config\nclusters:\n- name: s\n  cluster: {server: "${cluster.server}"}\nusers:\n- name: s\n  user: {}\ncontexts:\n- name: s\n  context: {cluster: s, user: s, namespace: ${NS}}\ncurrent-context: s\n`);
    startAgent();
    agentPort = await registeredPort(0);
    await cluster.client.pods.create(pod('shell', SLEEPER));
    await running('shell');
  }, 120_000);

  afterAll(async () => {
    await cluster.stop();
    const ids = (await docker(['ps', '-aq', '--filter', `label=skiff.dev/node=${NODE}`]).catch(() => '')).split('\n').filter(Boolean);
    if (ids.length) await docker(['rm', '-f', '-v', ...ids]).catch(() => '');
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('exec passes piped stdin through and ends when it does', async () => {
    const r = await kubectl(['exec', '-i', 'shell', '--', 'sh', '-c', 'cat; echo done'], 'line one\nline two\n');
    expect(r).toMatchObject({ code: 0, stdout: 'line one\nline two\ndone\n' });
    // More than every buffer on the way (agent, WebSocket, Docker): back-pressure, not loss.
    const big = randomBytes(3 << 20);
    const counted = await kubectl(['exec', '-i', 'shell', '--', 'sh', '-c', 'wc -c; md5sum </dev/null >/dev/null'], big);
    expect(counted.stdout.trim()).toBe(String(big.length));
  }, 60_000);

  it('exec returns the exit code and keeps stdout and stderr apart', async () => {
    const r = await kubectl(['exec', 'shell', '--', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toContain('err\n');
    expect(r.stderr).toContain('command terminated with exit code 3');
  }, 30_000);

  it('exec -it runs under a terminal that follows the client terminal size', async () => {
    // script gives kubectl a pseudo-terminal of 111x33; kubectl sends that size, the shell waits until it sees it.
    const input = 'tty\nuntil stty size | grep -q "33 111"; do sleep 0.1; done; echo SIZE-$((30+3))\nexit 5\n';
    const r = await runProcess('script', ['-qec', `stty cols 111 rows 33; kubectl --kubeconfig ${kubeconfig} exec -it shell -- sh`, '/dev/null'], input);
    expect(r.stdout).toMatch(/\/dev\/pts\/\d+/);
    expect(r.stdout).toContain('SIZE-33');
    expect(r.code).toBe(5);
  }, 60_000);

  it('cp copies a file into the container and back out', async () => {
    const content = randomBytes(200_000);
    const src = join(dir, 'in.bin');
    const back = join(dir, 'out.bin');
    writeFileSync(src, content);
    expect((await kubectl(['cp', src, 'shell:/tmp/copied.bin'])).code).toBe(0);
    expect((await kubectl(['exec', 'shell', '--', 'wc', '-c', '/tmp/copied.bin'])).stdout).toContain(String(content.length));
    const out = await kubectl(['cp', 'shell:/tmp/copied.bin', back]);
    expect(out.code, out.stderr).toBe(0);
    expect(readFileSync(back).equals(content)).toBe(true);
  }, 60_000);

  it('run -i --rm attaches, passes stdin, returns the exit code and deletes the pod', async () => {
    const over = JSON.stringify({ spec: { nodeName: NODE } });
    const hi = await kubectl(['run', '-i', '--rm', '--restart=Never', '--pod-running-timeout=2m', '--image=busybox:1.36', `--overrides=${over}`, 'say-hi', '--', 'echo', 'hi'], undefined, RUN_TIMEOUT_MS);
    expect(hi.stdout, hi.stderr).toContain('hi\n');
    expect(hi.code).toBe(0);
    const read = await kubectl(['run', '-i', '--rm', '--restart=Never', '--pod-running-timeout=2m', '--image=busybox:1.36', `--overrides=${over}`, 'reader', '--', 'sh', '-c', 'read x; echo got $x; exit 2'], 'abc\n', RUN_TIMEOUT_MS);
    expect(read.stdout).toContain('got abc\n');
    expect(read.code).toBe(2);
    await waitFor(async () => !(await cluster.client.pods.list({ namespace: NS })).items.some((p) => ['say-hi', 'reader'].includes(p.metadata.name ?? '')), { what: 'run --rm pods deleted', timeoutMs: 30_000 });
  }, 2 * RUN_TIMEOUT_MS + 40_000);

  it('attach streams a running container, and its stdin when the pod keeps stdin open', async () => {
    await cluster.client.pods.create(pod('talker', ['sh', '-c', 'while read l; do echo "echo:$l"; done'], { stdin: true }));
    await running('talker');
    const live = kubectlLive(['attach', '-i', 'talker']);
    live.child.stdin!.write('hello\n');
    await live.waitForOutput(/echo:hello/);
    live.child.stdin!.write('again\n');
    await live.waitForOutput(/echo:again/);
    live.child.kill('SIGKILL');
  }, 90_000);

  it('a container with a terminal: kubectl logs shows its output, attach -it talks to its shell', async () => {
    await cluster.client.pods.create(pod('terminal', ['sh', '-c', 'echo tty-line; exec sh'], { stdin: true, tty: true }));
    await running('terminal');
    await waitFor(async () => (await kubectl(['logs', 'terminal'])).stdout.includes('tty-line'), { what: 'the log line of a tty container', timeoutMs: 30_000, intervalMs: 200 });
    const r = await runProcess('script', ['-qec', `kubectl --kubeconfig ${kubeconfig} attach -it terminal`, '/dev/null'], 'tty\necho ANSWER-$((40+2))\nexit 0\n');
    expect(r.stdout).toMatch(/\/dev\/pts\/\d+/);
    expect(r.stdout).toContain('ANSWER-42');
  }, 90_000);

  it('the Python client execs over v4.channel.k8s.io and gets the exit code', async () => {
    const script = [
      'from kubernetes import client',
      'from kubernetes.stream import stream',
      'c = client.Configuration()',
      `c.host = "${cluster.server}"`,
      'core = client.CoreV1Api(client.ApiClient(c))',
      `print(stream(core.connect_get_namespaced_pod_exec, "shell", "${NS}", command=["sh", "-c", "echo py-out"], stderr=True, stdin=False, stdout=True, tty=False), end="")`,
      `r = stream(core.connect_get_namespaced_pod_exec, "shell", "${NS}", command=["sh", "-c", "exit 7"], stderr=True, stdin=False, stdout=True, tty=False, _preload_content=False)`,
      'r.run_forever(timeout=30)',
      'print("rc=%s" % r.returncode)',
    ].join('\n');
    const r = await runProcess('/usr/bin/python3', ['-c', script]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('py-out\nrc=7\n');
  }, 60_000);

  it('client-node Exec streams output and reports the exit code in its Status', async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 's', server: cluster.server, skipTLSVerify: true }],
      users: [{ name: 's' }],
      contexts: [{ name: 's', cluster: 's', user: 's', namespace: NS }],
      currentContext: 's',
    });
    const stdout = new PassThrough();
    let out = '';
    stdout.on('data', (d: Buffer) => (out += d.toString()));
    const status = await new Promise<V1Status>((resolve, reject) => {
      new Exec(kc).exec(NS, 'shell', 'main', ['sh', '-c', 'echo node-out; exit 4'], stdout, null, null, false, resolve).catch(reject);
    });
    expect(out).toBe('node-out\n');
    expect(status.status).toBe('Failure');
    expect(status.reason).toBe('NonZeroExitCode');
    expect(status.details?.causes).toEqual([{ reason: 'ExitCode', message: '4' }]);
  }, 60_000);

  it('a client killed mid-stream leaves no connection, no agent session and no running Docker exec', async () => {
    const f = await execInFlight('7777');
    expect(await agentSessions()).toBe(1);
    expect(establishedOnAgentPort()).toBeGreaterThan(0);
    f.live.child.kill('SIGKILL');
    await waitFor(async () => !(await dockerApi<ExecInspect>(`/exec/${f.exec.ID}/json`)).Running, { what: 'the exec to stop running', timeoutMs: 30_000, intervalMs: 100 });
    await waitFor(async () => !(await docker(['top', f.id])).includes('sleep 7777'), { what: 'no sleep 7777 left in the container', timeoutMs: 30_000, intervalMs: 200 });
    await waitFor(async () => (await agentSessions()) === 0, { what: 'no agent session', timeoutMs: 30_000, intervalMs: 100 });
    await noLeftoverSockets(apiPid(), agentPort);
    // /metrics itself is a connection to the agent port: count once it has closed.
    await waitFor(() => establishedOnAgentPort() === 0, { what: 'no connection on the agent port', timeoutMs: 30_000, intervalMs: 100 });
  }, 90_000);

  it('an api-server killed mid-stream: kubectl fails, the agent ends the session and its exec and holds no socket', async () => {
    const f = await execInFlight('8888');
    await cluster.kill('api-server', 'SIGKILL');
    await execEnded(f);
    await waitFor(async () => (await agentSessions()) === 0, { what: 'no agent session', timeoutMs: 30_000, intervalMs: 100 });
    await noLeftoverSockets(agentPid(), agentPort);
    await cluster.startApiServer();
  }, 90_000);

  it('an agent killed mid-stream: kubectl fails, the api-server holds no socket, the restarted agent kills the exec it left', async () => {
    const f = await execInFlight('9999');
    const oldPort = agentPort;
    await cluster.kill(NODE, 'SIGKILL');
    const code = await f.exit;
    expect(code, f.live.out()).not.toBe(0);
    await noLeftoverSockets(apiPid(), oldPort);
    startAgent();
    agentPort = await registeredPort(agentPort);
    await execEnded(f);
    await waitFor(() => establishedOnAgentPort() === 0, { what: 'no connection on the agent port', timeoutMs: 30_000, intervalMs: 100 });
  }, 90_000);

  // The connection between api-server and agent dies on the way (ss -K aborts one end, the other gets a reset):
  // both processes live on, so each must notice, end its side and close everything it opened for the stream.
  for (const [side, filter] of [
    ["the api-server's end", () => `dport = :${agentPort}`],
    ["the agent's end", () => `sport = :${agentPort}`],
  ] as const) {
    it(`the api-server to agent connection destroyed mid-stream at ${side}: kubectl fails, nothing is left on either`, async () => {
      const f = await execInFlight(side.startsWith("the api") ? '6666' : '5555');
      expect(await agentSessions()).toBe(1);
      expect(await destroyConnections(filter())).toBeGreaterThan(0);
      await execEnded(f);
      await waitFor(async () => (await agentSessions()) === 0, { what: 'no agent session', timeoutMs: 30_000, intervalMs: 100 });
      await noLeftoverSockets(agentPid(), agentPort);
      await noLeftoverSockets(apiPid(), agentPort);
      // Both still serve the next exec.
      expect(await kubectl(['exec', 'shell', '--', 'echo', 'after'])).toMatchObject({ code: 0, stdout: 'after\n' });
    }, 90_000);
  }

  it('errors are Statuses: unknown pod, wrong container, stopped container, SPDY-only client', async () => {
    const missing = await kubectl(['exec', 'nope', '--', 'true']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('Error from server (NotFound): pods "nope" not found');
    const wrong = await kubectl(['exec', 'shell', '-c', 'wrong', '--', 'true']);
    expect(wrong.stderr).toContain('Error from server (BadRequest): container wrong is not valid for pod shell');
    await cluster.client.pods.create({ ...pod('finished', ['true']), spec: { ...pod('finished', ['true']).spec, restartPolicy: 'Never' } });
    await waitFor(async () => (await cluster.client.pods.get('finished', { namespace: NS })).status?.phase === 'Succeeded', { what: 'finished pod', timeoutMs: 60_000, intervalMs: 200 });
    const stopped = await kubectl(['exec', 'finished', '--', 'true']);
    expect(stopped.code).toBe(1);
    expect(stopped.stderr).toMatch(/completed pod|not running/);
    const spdy = await new Promise<{ code: number; body: string }>((resolve, reject) => {
      const req = request(`${cluster.server}/api/v1/namespaces/${NS}/pods/shell/exec?command=true&stdout=true`, {
        method: 'POST',
        headers: { Connection: 'Upgrade', Upgrade: 'SPDY/3.1', 'X-Stream-Protocol-Version': 'v4.channel.k8s.io' },
      });
      req.on('response', (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ code: res.statusCode ?? 0, body }));
      });
      req.on('upgrade', () => reject(new Error('upgraded a SPDY request')));
      req.on('error', reject);
      req.end();
    });
    expect(spdy.code).toBe(400);
    const status = JSON.parse(spdy.body) as { kind: string; reason: string; message: string };
    expect(status).toMatchObject({ kind: 'Status', reason: 'BadRequest' });
    expect(status.message).toContain('SPDY/3.1');
    expect(status.message).toContain('v5.channel.k8s.io, v4.channel.k8s.io');
  }, 90_000);
});
