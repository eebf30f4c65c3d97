// Services with real Docker (docs/services.md): the built api-server, a controller-manager (endpoint, deployment,
// replicaset and serviceproxy controllers) and one node agent, on a pod network of its own. The service proxy runs as
// its kube-system pod (this checkout mounted into node:20-bookworm-slim). From this process (the host reaches pod
// IPs and ClusterIPs on the bridge): HTTP GET latency, one new connection each, to a busybox httpd pod directly and
// through its ClusterIP (the proxy's extra hop); time from creating a Service (what `kubectl expose` does) to its first
// answer; time from a backend pod's deletion to the ClusterIP no longer sending traffic to it, and from a backend's
// death (its container killed) to its endpoint leaving the EndpointSlice; the service-proxy pod's idle CPU and RSS
// with 53 Services (the Node proxy and the address sidecar's shell loop with the `ip` processes it runs). Everything
// it makes is removed at the end.
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { REPO_ROOT, cpuSeconds, procStatus, startApiServer } from '../lib/procs.mjs';
import { round, summarize } from '../lib/stats.mjs';

export const name = 'services';
export const description = 'real Docker: GET latency direct to a pod vs through its ClusterIP (service proxy), Service create to first answer, pod delete / backend death to out of rotation, idle proxy pod CPU and RSS with 53 Services';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function docker(args) {
  return new Promise((resolve, reject) => {
    execFile('docker', args, { timeout: 120_000 }, (err, stdout, stderr) => (err ? reject(new Error(`docker ${args.join(' ')}: ${stderr || err.message}`)) : resolve(stdout)));
  });
}

async function api(base, method, path, body) {
  const res = await fetch(base + path, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  const text = await res.text();
  if (!res.ok && !(method === 'DELETE' && res.status === 404)) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

/** get does one GET on a new connection and resolves with the body, or undefined on any failure. */
function get(host, port, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const req = request({ host, port, path: '/', agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve(res.statusCode === 200 ? body.trim() : undefined));
      res.on('error', () => resolve(undefined));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(undefined));
    req.end();
  });
}

async function until(what, check, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/** cpuWithChildren is a process's CPU seconds plus those of its children it has waited for (a shell loop's `ip`s). */
function cpuWithChildren(pid) {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100;
}

async function hostPid(node, container) {
  const id = (await docker(['ps', '-q', '--filter', `label=skiff.dev/node=${node}`, '--filter', `label=skiff.dev/container-name=${container}`])).trim().split('\n')[0];
  return Number((await docker(['inspect', '-f', '{{.State.Pid}}', id])).trim());
}

async function readyIPs(base, service) {
  const list = await api(base, 'GET', `/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=kubernetes.io/service-name=${service}`);
  return list.items.flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).map((e) => e.addresses[0]));
}

const web = (name, node, restartPolicy = 'Always') => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name, namespace: 'default', labels: { app: 'web' } },
  spec: { nodeName: node, restartPolicy, terminationGracePeriodSeconds: 0, containers: [{ name: 'httpd', image: 'busybox:1.36', command: ['sh', '-c', 'mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 80 -h /www'] }] },
});
const service = (name) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });

export async function run(ctx) {
  const suffix = Math.random().toString(36).slice(2, 8);
  const node = `bench-svc-${suffix}`;
  const network = node;
  let octet = 0;
  for (let i = 0; ; i++) {
    octet = 100 + Math.floor(Math.random() * 150);
    try {
      await docker(['network', 'create', '--subnet', `10.${octet}.0.0/16`, '--ip-range', `10.${octet}.0.0/17`, '--gateway', `10.${octet}.0.1`, network]);
      break;
    } catch (err) {
      if (i > 10 || !/overlap/i.test(err.message)) throw err;
    }
  }
  const range = `10.${octet}.128.0/17`;
  // The proxy pod reaches the TLS port through the network's gateway (the insecure port is loopback only), with its
  // ServiceAccount token, verifying a serving certificate that names the gateway.
  const server = await startApiServer({ listenHost: '0.0.0.0', args: ['--service-cluster-ip-range', range, '--tls-sans', `10.${octet}.0.1`] });
  const securePort = Number(await until('the api-server serving securely', async () => /"securePort":(\d+)/.exec(server.output())?.[1], 15_000));
  const procs = [];
  const start = (app, args) => procs.push(spawn(process.execPath, [join(REPO_ROOT, 'apps', app, 'dist/main.js'), '--server', server.url, '--log-level', 'warn', ...args], { stdio: 'ignore' }));
  try {
    start('controller-manager', [
      // root-ca-cert-publisher: the proxy pod's ServiceAccount volume carries ca.crt from kube-root-ca.crt.
      '--listen', '127.0.0.1:0', '--leader-elect=false', '--controllers', 'endpoint,deployment,replicaset,serviceproxy,root-ca-cert-publisher',
      '--root-ca-file', join(server.dataDir, 'pki', 'ca.crt'),
      '--service-cluster-ip-range', range, '--service-proxy-image', 'node:20-bookworm-slim', '--service-proxy-host-path', REPO_ROOT,
      '--service-proxy-server', `https://10.${octet}.0.1:${securePort}`,
    ]);
    start('node-agent', ['--runtime', 'docker', '--node-name', node, '--listen', '127.0.0.1:0', '--pod-network', network, '--cluster-dns', `10.${octet}.128.10`, '--allow-privileged']);
    start('scheduler', ['--listen', '127.0.0.1:0', '--leader-elect=false']);
    await api(server.url, 'POST', '/api/v1/namespaces/default/pods', web('web-1', node));
    const podIP = await until('web-1 running', async () => (await api(server.url, 'GET', '/api/v1/namespaces/default/pods/web-1')).status?.podIP);
    const warm = await api(server.url, 'POST', '/api/v1/namespaces/default/services', service('warm'));
    ctx.log('services: waiting for the service proxy pod');
    await until('the proxy answering', () => get(warm.spec.clusterIP, 80, 1000), 180_000);

    const rows = [];
    const t0 = performance.now();
    const svc = await api(server.url, 'POST', '/api/v1/namespaces/default/services', service('web'));
    await until('the new Service answering', () => get(svc.spec.clusterIP, 80, 1000));
    rows.push({ what: 'Service create to first answer (ms)', n: 1, p50: round(performance.now() - t0, 1) });

    const n = ctx.scale(500, 50);
    for (const [label, host] of [['GET direct to pod IP (ms)', podIP], ['GET through ClusterIP (ms)', svc.spec.clusterIP]]) {
      const samples = [];
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        if ((await get(host, 80)) === undefined) throw new Error(`GET ${host} failed`);
        samples.push(performance.now() - t);
      }
      const s = summarize(samples);
      rows.push({ what: label, n: s.n, p50: round(s.p50, 3), p90: round(s.p90, 3), p99: round(s.p99, 3), max: round(s.max, 3) });
    }

    // A second backend, then delete the first: how long the ClusterIP keeps sending connections to the gone pod.
    await api(server.url, 'POST', '/api/v1/namespaces/default/pods', web('web-2', node));
    await until('web-2 behind the Service', async () => (await get(svc.spec.clusterIP, 80)) === 'web-2');
    const t1 = performance.now();
    await api(server.url, 'DELETE', '/api/v1/namespaces/default/pods/web-1?gracePeriodSeconds=0');
    await until('web-1 out of rotation', async () => {
      for (let i = 0; i < 4; i++) if ((await get(svc.spec.clusterIP, 80)) !== 'web-2') return false;
      return true;
    });
    rows.push({ what: 'pod delete to out of rotation (ms)', n: 1, p50: round(performance.now() - t1, 1) });

    // Backend death: web-3's only container is killed under the agent (restartPolicy Never, so it stays dead); how
    // long until the endpoints controller takes it out of the Service's EndpointSlice (the proxy follows by watch).
    await api(server.url, 'POST', '/api/v1/namespaces/default/pods', web('web-3', node, 'Never'));
    const ip3 = await until('web-3 running', async () => (await api(server.url, 'GET', '/api/v1/namespaces/default/pods/web-3')).status?.podIP);
    await until('web-3 in the EndpointSlice', async () => (await readyIPs(server.url, 'web')).includes(ip3));
    const t2 = performance.now();
    await docker(['kill', (await docker(['ps', '-q', '--filter', `label=skiff.dev/node=${node}`, '--filter', 'label=skiff.dev/container-name=httpd', '--filter', 'label=skiff.dev/pod-name=web-3'])).trim()]);
    await until('web-3 out of the EndpointSlice', async () => !(await readyIPs(server.url, 'web')).includes(ip3));
    rows.push({ what: 'backend container killed to out of the EndpointSlice (ms)', n: 1, p50: round(performance.now() - t2, 1) });

    // Idle cost with 50 more Services, once the last one answers: the proxy's Node process and the address
    // sidecar's shell loop (by host PID; the loop's children are counted once it has waited for them).
    const services = [];
    for (let i = 0; i < ctx.scale(50, 10); i++) services.push(await api(server.url, 'POST', '/api/v1/namespaces/default/services', service(`idle-${i}`)));
    await until('the last Service answering', () => get(services.at(-1).spec.clusterIP, 80, 1000));
    const pid = await hostPid(node, 'proxy');
    const loopPid = await hostPid(node, 'addresses');
    // The sidecar's loop runs every second and the proxy only on watch events: 15 s holds 15 of its periods
    // (--quick: 1 s, one period, a smoke reading).
    const windowS = ctx.scale(15, 1);
    await sleep(ctx.scale(2000, 500));
    const all = services.length + 3;
    const [c0, l0] = [cpuSeconds(pid), cpuWithChildren(loopPid)];
    await sleep(windowS * 1000);
    rows.push({ what: `proxy idle with ${all} Services: CPU % of a core over ${windowS} s`, n: 1, p50: round(((cpuSeconds(pid) - c0) / windowS) * 100, 2) });
    rows.push({ what: `address sidecar idle with ${all} ClusterIPs: CPU % of a core over ${windowS} s`, n: 1, p50: round(((cpuWithChildren(loopPid) - l0) / windowS) * 100, 2) });
    rows.push({ what: `proxy idle with ${all} Services: RSS (MiB)`, n: 1, p50: round(procStatus(pid).rssKiB / 1024, 1) });
    rows.push({ what: 'address sidecar shell: RSS (MiB)', n: 1, p50: round(procStatus(loopPid).rssKiB / 1024, 1) });
    return rows;
  } finally {
    for (const p of procs) p.kill('SIGTERM');
    await Promise.all(procs.map((p) => (p.exitCode === null ? new Promise((r) => p.once('exit', r)) : undefined)));
    await server.stop();
    const ids = (await docker(['ps', '-aq', '--filter', `label=skiff.dev/node=${node}`]).catch(() => '')).split('\n').filter(Boolean);
    if (ids.length) await docker(['rm', '-f', '-v', ...ids]).catch(() => '');
    await docker(['network', 'rm', network]).catch(() => '');
  }
}
