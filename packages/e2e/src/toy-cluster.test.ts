/**
 * The toy cluster end to end, on real Docker: the image built from the Dockerfile and the cluster brought up with
 * docker-compose.yml (project, ports, network and subnet this run's own), then the same cluster as local
 * processes through `npm start` (scripts/start.mjs). Prints the timings the issue asks for.
 *
 * Needs a Docker engine and the built scheduler and node agent. Without Docker the scenarios are skipped, unless
 * SKIFF_REQUIRE_DOCKER=1 (set by .ci/run), when missing Docker fails the run instead.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './cluster.js';
import { appPids } from './process-tree.js';
import { freeSubnetOctet } from './free-subnet-octet.js';
import { Api, ROOT, Timings, built, clientPod, composeCommand, dockerAvailable, isReady, isRunning, run, webDeployment } from './toy-cluster.js';
import { waitFor } from '@skiff/testing';

const docker = dockerAvailable();
const compose = docker ? composeCommand() : undefined;
const requireDocker = process.env.SKIFF_REQUIRE_DOCKER === '1';
const componentsBuilt = built('scheduler') && built('node-agent') && built('controller-manager');
const whyNot = !docker ? 'no Docker engine' : !compose ? 'no docker compose / docker-compose' : !componentsBuilt ? 'scheduler, controller-manager or node-agent not built yet' : '';

it('Docker is available when SKIFF_REQUIRE_DOCKER=1', () => {
  if (requireDocker) expect(whyNot === '' || whyNot.includes('not built'), whyNot).toBe(true);
});

// Every name, port and subnet is this run's own, so two runs on one engine (other worktrees, CI) never meet; the
// README's plain `docker compose up` keeps docker-compose.yml's defaults.
const SUFFIX = randomBytes(3).toString('hex');
const PROJECT = `skiff-e2e-${SUFFIX}`;
const NETWORK = PROJECT;
const CONTROL_PLANE = `${PROJECT}-control-plane`;
const IMAGE = `skiff:e2e-${SUFFIX}`;
let PORT = 0;
let DASHBOARD_PORT = 0;
let env: Record<string, string> = {};
/** composeEnv points Compose at this run's ports, image, pod network (its own subnet: networks on one engine may not overlap) and output dir. */
async function composeEnv(outDir: string): Promise<void> {
  PORT = await freePort();
  DASHBOARD_PORT = await freePort();
  const n = await freeSubnetOctet();
  env = {
    SKIFF_PORT: String(PORT),
    SKIFF_DASHBOARD_PORT: String(DASHBOARD_PORT),
    SKIFF_POD_NETWORK: NETWORK,
    SKIFF_CONTROL_PLANE_NAME: CONTROL_PLANE,
    SKIFF_IMAGE: IMAGE,
    SKIFF_OUT_DIR: outDir,
    SKIFF_POD_SUBNET: `10.${n}.0.0/16`,
    SKIFF_POD_IP_RANGE: `10.${n}.0.0/17`,
    SKIFF_SERVICE_CLUSTER_IP_RANGE: `10.${n}.128.0/17`,
    SKIFF_CLUSTER_DNS: `10.${n}.128.10`,
  };
}
const composeRun = (args: string[], timeoutMs = 180_000) => run(compose![0]!, [...compose!.slice(1), '-p', PROJECT, ...args], { env, timeoutMs });
const kubectl = (kc: string, args: string[]) => run('kubectl', ['--kubeconfig', kc, ...args], { timeoutMs: 30_000 });

/** The shared directory with preload-images (node:20-bookworm-slim must exist: no registry is reachable here). */
const sharedTools = resolve(ROOT, process.env.SKIFF_SHARED_DIR ?? '../shared', 'tools');

async function nodeAgentContainers(): Promise<{ id: string; hostname: string }[]> {
  const ids = (await run('docker', ['ps', '-q', '--no-trunc', '--filter', `label=com.docker.compose.project=${PROJECT}`, '--filter', 'label=com.docker.compose.service=node-agent'])).split('\n').filter(Boolean);
  return Promise.all(ids.map(async (id) => ({ id, hostname: (await run('docker', ['inspect', '-f', '{{.Config.Hostname}}', id])).trim() })));
}

async function managedContainersOf(nodes: string[]): Promise<string[]> {
  const out = await run('docker', ['ps', '-a', '--filter', 'label=skiff.dev/managed=true', '--format', '{{.Names}}\t{{.Label "skiff.dev/node"}}']);
  return out.split('\n').filter((l) => l && nodes.includes(l.split('\t')[1]!));
}

/**
 * Pod to Service by name through the service proxy (docs/services.md), shared by both scenarios: a Service `web`
 * (port 80 to the web pods' 8080) and a client pod that retries `http://web/` until the proxy pod is up and answers.
 */
async function podToService(api: Api, name: string): Promise<void> {
  await api.send('POST', '/api/v1/namespaces/default/services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080 }] } });
  // Once the proxy answers, 30 more connections: round-robin over the ready backends, so each web pod answers some.
  const fetchOnce = `printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | nc -w 5 web 80 | grep 'hello from'`;
  const fetchLoop = `until ${fetchOnce}; do sleep 1; done; for i in $(seq 30); do ${fetchOnce}; done; echo fetched-ok`;
  await api.send('POST', '/api/v1/namespaces/default/pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { restartPolicy: 'Never', terminationGracePeriodSeconds: 1, containers: [{ name: 'nc', image: 'busybox:1.36', command: ['sh', '-c', fetchLoop] }] },
  });
  try {
    await waitFor(async () => (await api.get(`/api/v1/namespaces/default/pods/${name}`)).status?.phase === 'Succeeded', { what: `${name} reaching http://web/`, timeoutMs: 150_000, intervalMs: 500 });
  } catch (err) {
    // Where the proxy is and what it and the client said, for a failure to be understood.
    const pods = (await api.get('/api/v1/pods')).items.map((p: any) => `${p.metadata.namespace}/${p.metadata.name} ${p.spec.nodeName ?? '-'} ${p.status?.phase} ${p.status?.podIP ?? ''}`);
    const proxy = (await api.get('/api/v1/namespaces/kube-system/pods')).items.find((p: any) => p.metadata.name.startsWith('skiff-service-proxy'));
    const logs = async (path: string) => api.text(path).catch((e: Error) => e.message);
    process.stdout.write(
      `${pods.join('\n')}\nproxy: ${await logs(`/api/v1/namespaces/kube-system/pods/${proxy?.metadata.name}/log?container=proxy`)}\nclient: ${await logs(`/api/v1/namespaces/default/pods/${name}/log`)}\n`,
    );
    throw err;
  }
  const log = await api.text(`/api/v1/namespaces/default/pods/${name}/log`);
  const answered = new Set([...log.matchAll(/hello from (\S+)/g)].map((m) => m[1]));
  const backends = (await api.pods('app=web')).filter(isRunning).map((p: any) => p.metadata.name);
  expect([...answered].sort()).toEqual(backends.sort());
}

/** The pod-to-pod and logs check shared by both scenarios. */
async function podToPod(api: Api, target: any, name: string): Promise<void> {
  await api.send('POST', '/api/v1/namespaces/default/pods', clientPod(name, `http://${target.status.podIP}:8080/index.html`));
  await waitFor(async () => (await api.get(`/api/v1/namespaces/default/pods/${name}`)).status?.phase === 'Succeeded', { what: `${name} Succeeded`, timeoutMs: 60_000, intervalMs: 500 });
  const logs = await api.text(`/api/v1/namespaces/default/pods/${name}/log`);
  expect(logs).toContain(`hello from ${target.metadata.name}`);
  expect(logs).toContain('fetched-ok');
  expect(await api.text(`/api/v1/namespaces/default/pods/${target.metadata.name}/log`)).toContain('web started');
}

describe.skipIf(whyNot !== '')(`toy cluster with Compose (${whyNot || 'ready'})`, { timeout: 120_000 }, () => {
  const t = new Timings();
  // What `up` hands the user (./.skiff by default; this run's own directory here): the admin kubeconfig (verified
  // TLS on the published port) and for curl the CA and the admin's certificate and key.
  const out = mkdtempSync(join(tmpdir(), 'skiff-e2e-compose-'));
  const kc = join(out, 'admin.kubeconfig');
  let api: Api;
  let killedNode = '';
  let clusterNodes: string[] = [];

  beforeAll(() => composeEnv(out), 60_000);

  afterAll(async () => {
    if (process.env.SKIFF_E2E_KEEP !== '1') {
      await composeRun(['down', '-v', '--remove-orphans']).catch(() => undefined);
      await run('node', ['scripts/pod-reaper.mjs', 'clean', '--network', NETWORK, ...clusterNodes.flatMap((n) => ['--node', n])]).catch(() => undefined);
      // Only this run's tag: the layers stay cached for the next build.
      await run('docker', ['image', 'rm', IMAGE]).catch(() => undefined);
      rmSync(out, { recursive: true, force: true });
    }
    t.print('Compose toy cluster timings');
  }, 180_000);

  it('builds the image (cached layers: only a lockfile change reruns npm ci)', async () => {
    if (existsSync(join(sharedTools, 'preload-images'))) await run(join(sharedTools, 'preload-images'), ['node'], { timeoutMs: 300_000 });
    const t0 = Date.now();
    await composeRun(['build', 'api-server'], 900_000);
    t.add('image build', Date.now() - t0);
  }, 960_000);

  it('comes up: api-server answers, a control-plane node and 3 workers are Ready with their roles', async () => {
    const t0 = Date.now();
    await composeRun(['up', '-d', '--scale', 'node-agent=3']);
    await waitFor(() => existsSync(join(out, 'admin.key')), { what: 'the kubeconfigs service to write ./.skiff', timeoutMs: 90_000, intervalMs: 250 });
    api = new Api(`https://127.0.0.1:${PORT}`, { ca: readFileSync(join(out, 'ca.crt')), cert: readFileSync(join(out, 'admin.crt')), key: readFileSync(join(out, 'admin.key')) });
    expect(readFileSync(kc, 'utf8')).toContain(`server: https://127.0.0.1:${PORT}`);
    await waitFor(async () => (await api.nodes()).filter(isReady).length === 4, { what: '4 nodes Ready', timeoutMs: 90_000, intervalMs: 250 });
    t.add('`up` to all 4 nodes Ready', Date.now() - t0);
    // The role label comes from the admin (mark-control-plane), as kubeadm sets it: a node may not label itself so.
    const labeled = async () => (await api.nodes()).some((n) => n.metadata.name === CONTROL_PLANE && n.metadata.labels?.['node-role.kubernetes.io/control-plane'] !== undefined);
    await waitFor(labeled, { what: 'mark-control-plane to label the control-plane node', timeoutMs: 60_000, intervalMs: 250 });
    expect((await api.get('/version')).major).toBe('1');
    expect((await api.request('GET', '/readyz')).status).toBe(200);
    const nodes = await api.nodes();
    clusterNodes = nodes.map((n) => n.metadata.name);
    const cp = nodes.find((n) => n.metadata.name === CONTROL_PLANE);
    expect(cp?.metadata.labels).toHaveProperty(['node-role.kubernetes.io/control-plane']);
    expect(cp?.spec.taints).toContainEqual(expect.objectContaining({ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }));
    const table = await kubectl(kc, ['get', 'nodes']);
    expect(table).toMatch(new RegExp(`${CONTROL_PLANE}\\s+Ready\\s+control-plane`));
    const workers = (await nodeAgentContainers()).map((c) => c.hostname);
    expect(workers).toHaveLength(3);
    for (const w of workers) expect(table).toMatch(new RegExp(`${w}\\s+Ready\\s+<none>`));
  });

  it('serves the dashboard on the published loopback port; dashboard-admin logs a token that signs in', async () => {
    const url = `http://127.0.0.1:${DASHBOARD_PORT}/`;
    const logged = await waitFor(async () => /sign in with this token[^\n]*\n(?:\S+\s+\|\s+)?(\S+)/.exec(await composeRun(['logs', '--no-color', 'dashboard-admin'])) ?? undefined, { what: 'dashboard-admin to log a token', timeoutMs: 90_000, intervalMs: 1000 });
    await waitFor(async () => (await fetch(url).catch(() => undefined))?.status === 200, { what: 'the dashboard to answer', timeoutMs: 90_000, intervalMs: 500 });
    const res = await fetch(`${url}dashboard/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: logged[1] }) });
    expect(res.status).toBe(201);
    const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
    const nodes = (await (await fetch(`${url}api/v1/nodes`, { headers: { cookie } })).json()) as { items: unknown[] };
    expect(nodes.items).toHaveLength(4);
  });

  it('runs 6 busybox httpd replicas spread over the 3 workers, none on the control plane', async () => {
    const t0 = Date.now();
    await api.send('POST', '/apis/apps/v1/namespaces/default/deployments', webDeployment(6));
    await waitFor(async () => (await api.pods('app=web')).filter(isRunning).length === 6, { what: '6 web pods Running', timeoutMs: 90_000, intervalMs: 250 });
    t.add('Deployment create to 6 replicas Running', Date.now() - t0);
    const byNode = new Map<string, number>();
    for (const p of (await api.pods('app=web')).filter(isRunning)) byNode.set(p.spec.nodeName, (byNode.get(p.spec.nodeName) ?? 0) + 1);
    expect(byNode.has(CONTROL_PLANE)).toBe(false);
    expect(byNode.size).toBe(3);
  });

  it('lets a pod that tolerates the control-plane taint run there', async () => {
    await api.send('POST', '/api/v1/namespaces/default/pods', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'on-control-plane' },
      spec: {
        nodeSelector: { 'node-role.kubernetes.io/control-plane': '' },
        tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }],
        terminationGracePeriodSeconds: 1,
        containers: [{ name: 'sleep', image: 'busybox:1.36', command: ['sleep', '3600'] }],
      },
    });
    await waitFor(async () => isRunning(await api.get('/api/v1/namespaces/default/pods/on-control-plane')), { what: 'control-plane pod Running', timeoutMs: 60_000, intervalMs: 250 });
    expect((await api.get('/api/v1/namespaces/default/pods/on-control-plane')).spec.nodeName).toBe(CONTROL_PLANE);
  });

  it('reaches one pod from another by pod IP (on another node) and reads logs through the API', async () => {
    const pods = (await api.pods('app=web')).filter(isRunning);
    await podToPod(api, pods[0], 'client-1');
  });

  it('reaches the web pods through Service `web` by name (the service proxy pod)', () => podToService(api, 'client-svc'), 180_000);

  it('`docker kill` of a node agent: its node goes NotReady and all 6 replicas run on the other two', async () => {
    const pods = (await api.pods('app=web')).filter(isRunning);
    const victim = (await nodeAgentContainers()).find((c) => pods.some((p) => p.spec.nodeName === c.hostname))!;
    killedNode = victim.hostname;
    const t0 = Date.now();
    await run('docker', ['kill', victim.id]);
    await waitFor(async () => !isReady(await api.get(`/api/v1/nodes/${killedNode}`)), { what: `${killedNode} NotReady`, timeoutMs: 60_000, intervalMs: 250 });
    t.add('node kill to node NotReady', Date.now() - t0);
    await waitFor(
      async () => {
        const running = (await api.pods('app=web')).filter(isRunning);
        return running.length === 6 && running.every((p) => p.spec.nodeName !== killedNode);
      }, { what: '6 replicas Running off the killed node', timeoutMs: 90_000, intervalMs: 250 });
    t.add('node kill to 6 replicas Running elsewhere', Date.now() - t0);
    // The dead node keeps its containers, as a real node would (docker compose down or its return cleans them).
    expect((await managedContainersOf([killedNode])).length).toBeGreaterThan(0);
  });

  it('scales node agents to 4: the killed one comes back and new pods land on the new node', async () => {
    const before = new Set((await api.nodes()).map((n) => n.metadata.name));
    await composeRun(['up', '-d', '--no-recreate', '--scale', 'node-agent=4']);
    // 4 node-agent containers (the killed one started again, one new) and the control plane.
    await waitFor(async () => (await api.nodes()).filter(isReady).length === 5, { what: '5 nodes Ready (control plane + 4 workers)', timeoutMs: 90_000, intervalMs: 250 });
    const fresh = (await api.nodes()).map((n) => n.metadata.name).filter((n) => !before.has(n));
    clusterNodes.push(...fresh);
    expect(fresh).toHaveLength(1);
    await api.send('PATCH', '/apis/apps/v1/namespaces/default/deployments/web/scale', { spec: { replicas: 12 } }, 'application/merge-patch+json');
    await waitFor(async () => (await api.pods('app=web')).filter(isRunning).length === 12, { what: '12 web pods Running', timeoutMs: 90_000, intervalMs: 250 });
    expect((await api.pods('app=web')).filter((p) => isRunning(p) && p.spec.nodeName === fresh[0]).length).toBeGreaterThan(0);
  });

  it('restarts the api-server: every object is still there and the components watch again', async () => {
    const snapshot = async () => ({
      deployments: (await api.get('/apis/apps/v1/namespaces/default/deployments')).items.map((d: any) => d.metadata.uid).sort(),
      pods: (await api.pods()).map((p) => p.metadata.uid).sort(),
      nodes: (await api.nodes()).map((n) => n.metadata.uid).sort(),
    });
    const before = await snapshot();
    await composeRun(['restart', 'api-server']);
    await waitFor(async () => (await api.request('GET', '/readyz').catch(() => undefined))?.status === 200, { what: 'api-server ready again', timeoutMs: 60_000, intervalMs: 250 });
    const after = await snapshot();
    expect(after.deployments).toEqual(before.deployments);
    expect(after.nodes).toEqual(before.nodes);
    for (const uid of before.pods) expect(after.pods).toContain(uid);
    // Watches resumed: the controller-manager, scheduler and node agents act on a change made after the restart.
    await api.send('PATCH', '/apis/apps/v1/namespaces/default/deployments/web/scale', { spec: { replicas: 3 } }, 'application/merge-patch+json');
    await waitFor(async () => (await api.pods('app=web')).filter(isRunning).length === 3, { what: 'scaled down to 3 after restart', timeoutMs: 90_000, intervalMs: 250 });
    // Target a pod that survived the scale-down (not one being deleted).
    await api.send('POST', '/api/v1/namespaces/default/pods', clientPod('client-2', `http://${(await api.pods('app=web')).filter(isRunning)[0].status.podIP}:8080/`));
    await waitFor(async () => (await api.get('/api/v1/namespaces/default/pods/client-2')).status?.phase === 'Succeeded', { what: 'client-2 Succeeded', timeoutMs: 60_000, intervalMs: 250 });
  });

  it('`down` leaves no container of the cluster or its pods', async () => {
    await composeRun(['down', '-v']);
    expect((await run('docker', ['ps', '-aq', '--filter', `label=com.docker.compose.project=${PROJECT}`])).trim()).toBe('');
    expect(await managedContainersOf(clusterNodes)).toEqual([]);
    expect(await run('docker', ['network', 'ls', '-q', '--filter', `name=^${NETWORK}$`])).toBe('');
  });
});

describe.skipIf(whyNot !== '')(`toy cluster with npm start (${whyNot || 'ready'})`, { timeout: 120_000 }, () => {
  const t = new Timings();
  const dataDir = mkdtempSync(join(tmpdir(), 'skiff-e2e-start-'));
  const NODE = `skiff-e2e-local-${SUFFIX}`;
  const NET = NODE;
  let api: Api;
  let child: ChildProcess | undefined;
  let out = '';
  let startEnv: NodeJS.ProcessEnv;

  const start = () => {
    out = '';
    child = spawn(process.execPath, ['scripts/start.mjs'], { cwd: ROOT, env: { ...process.env, ...startEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  };
  const stop = async (): Promise<number | null> => {
    const c = child;
    if (!c || c.exitCode !== null) return c?.exitCode ?? null;
    const code = new Promise<number | null>((r) => c.once('exit', (n) => r(n)));
    c.kill('SIGINT');
    return code;
  };

  beforeAll(async () => {
    const port = await freePort();
    startEnv = {
      SKIFF_DATA_DIR: dataDir,
      SKIFF_LISTEN: `127.0.0.1:${port}`,
      SKIFF_SECURE_PORT: String(await freePort()),
      SKIFF_SCHEDULER_LISTEN: `127.0.0.1:${await freePort()}`,
      SKIFF_CONTROLLER_MANAGER_LISTEN: `127.0.0.1:${await freePort()}`,
      SKIFF_NODE_AGENT_LISTEN: `0.0.0.0:${await freePort()}`,
      SKIFF_DASHBOARD_LISTEN: `127.0.0.1:${await freePort()}`,
      SKIFF_NODE_NAME: NODE,
      SKIFF_POD_NETWORK: NET,
      SKIFF_POD_SUBNET: `10.${await freeSubnetOctet()}.0.0/16`,
    };
    api = new Api(`http://127.0.0.1:${port}`);
  });

  afterAll(async () => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    await run('node', ['scripts/pod-reaper.mjs', 'clean', '--node', NODE]).catch(() => undefined);
    await run('docker', ['network', 'rm', NET]).catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    t.print('npm start timings');
  }, 60_000);

  it('starts every component with prefixed logs and writes a working kubeconfig', async () => {
    const t0 = Date.now();
    start();
    await waitFor(async () => (await api.nodes()).filter(isReady).length === 1, { what: 'the local node Ready', timeoutMs: 60_000, intervalMs: 250 });
    t.add('start to node Ready', Date.now() - t0);
    // The admin kubeconfig the api-server wrote: verified TLS on the secure port, the line to use it printed.
    const kc = join(dataDir, 'admin.kubeconfig');
    expect(readFileSync(kc, 'utf8')).toContain(`server: https://127.0.0.1:${startEnv.SKIFF_SECURE_PORT}`);
    expect(out).toContain(`export KUBECONFIG=${kc}`);
    // The role label comes from the admin (mark-control-plane) once the node has registered, as kubeadm sets it.
    await waitFor(async () => (await api.nodes()).some((n) => n.metadata.labels?.['node-role.kubernetes.io/control-plane'] !== undefined), { what: 'mark-control-plane to label the node', timeoutMs: 60_000, intervalMs: 250 });
    expect(await kubectl(kc, ['get', 'nodes'])).toMatch(new RegExp(`${NODE}\\s+Ready\\s+control-plane`));
    // Piped output: component prefixes, no colour codes.
    for (const name of ['api-server', 'scheduler', 'controller-manager', 'node-agent', 'dashboard']) expect(out).toMatch(new RegExp(`^${name}\\s+\\S`, 'm'));
    expect(out).not.toContain('\x1b[');
  });

  it('prints the dashboard URL and a token that signs in to it', async () => {
    const printed = await waitFor(() => /dashboard at (http:\S+) ; sign in with this token[^\n]*\n\S+\s+(\S+)/.exec(out) ?? undefined, { what: 'the dashboard line', timeoutMs: 60_000, intervalMs: 250 });
    const [, url, token] = printed;
    expect(url).toBe(`http://${startEnv.SKIFF_DASHBOARD_LISTEN}/`);
    expect((await fetch(url!)).status).toBe(200);
    const res = await fetch(`${url}dashboard/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
    expect(res.status).toBe(201);
    expect(await res.json()).toEqual({ user: 'system:serviceaccount:kube-system:dashboard-admin' });
  });

  it('runs 6 replicas, pod to pod by IP, logs through the API', async () => {
    const t0 = Date.now();
    await api.send('POST', '/apis/apps/v1/namespaces/default/deployments', webDeployment(6));
    await waitFor(async () => (await api.pods('app=web')).filter(isRunning).length === 6, { what: '6 web pods Running', timeoutMs: 90_000, intervalMs: 250 });
    t.add('Deployment create to 6 replicas Running', Date.now() - t0);
    await podToPod(api, (await api.pods('app=web')).filter(isRunning)[5], 'client-1');
  });

  it('reaches the web pods through Service `web` by name (the service proxy pod)', () => podToService(api, 'client-svc'), 180_000);

  it('restarts a SIGKILLed node agent and leaves its pod containers running', async () => {
    // The web pods' containers (the finished client pod's may be cleaned up meanwhile by the agent itself).
    const webContainers = async (): Promise<string[]> => (await managedContainersOf([NODE])).filter((c) => c.includes('_web-')).sort();
    const containers = await webContainers();
    expect(containers.length).toBeGreaterThanOrEqual(12);
    const pid = appPids(child!.pid!)['node-agent']!;
    process.kill(pid, 'SIGKILL');
    await waitFor(() => /^node-agent\s+restarted \(pid \d+, restart 1\)$/m.test(out), { what: 'the node agent restarted', timeoutMs: 30_000, intervalMs: 250 });
    await waitFor(async () => (await api.nodes()).filter(isReady).length === 1, { what: 'the node Ready again', timeoutMs: 60_000, intervalMs: 250 });
    expect(out).not.toMatch(/removed \d+ pod containers/);
    expect(await webContainers()).toEqual(containers);
    await waitFor(async () => (await api.pods('app=web')).filter(isRunning).length === 6, { what: '6 web pods still Running', timeoutMs: 60_000, intervalMs: 250 });
  }, 120_000);

  it('Ctrl-C stops everything and removes the pod containers; a restart finds every object in ./data', async () => {
    const uids = (await api.pods('app=web')).map((p) => p.metadata.uid).sort();
    expect(await stop()).toBe(0);
    expect(out).toMatch(/removed \d+ pod containers/);
    expect(await managedContainersOf([NODE])).toEqual([]);
    start();
    await waitFor(async () => (await api.pods('app=web')).filter(isRunning).length === 6, { what: '6 web pods Running again', timeoutMs: 90_000, intervalMs: 250 });
    const after = (await api.pods('app=web')).map((p) => p.metadata.uid).sort();
    for (const uid of uids) expect(after).toContain(uid);
    expect(await stop()).toBe(0);
    expect(await managedContainersOf([NODE])).toEqual([]);
  }, 180_000);
});
