/**
 * Issue 13's data path over real processes, kubectl 1.32 and a real Docker engine (docs/services.md): the
 * controller-manager deploys the service proxy as a kube-system pod, pods resolve Service names through it and
 * reach ready backends by name and ClusterIP, spread over them; an unready or deleted backend leaves the rotation;
 * a headless name resolves to every ready pod IP; a NodePort answers on the host.
 */
import { createSocket } from 'node:dgram';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EndpointSlice, Pod, Service } from '@skiff/api';
import { waitFor } from '@skiff/testing';
import { Cluster } from './cluster.js';
import { docker } from './docker.js';
import { dockerClusterAvailable, startDockerCluster, stopDockerCluster } from './docker-cluster.js';
import { run } from './toy-cluster.js';

const available = dockerClusterAvailable(['service-proxy']);

const ROOT = resolve(import.meta.dirname, '../../..');
const SUFFIX = Math.random().toString(36).slice(2, 8);
const NODE = `e2e-svc-${SUFFIX}`;
const NETWORK = `e2e-svc-${SUFFIX}`;
// Secure, as Compose and npm start run: the proxy pod reaches the TLS port with its ServiceAccount token.
const cluster = new Cluster({ secure: true });
let kc = '';
/** The pod network's second octet: 10.N.0.0/16, pods from 10.N.0.0/17, Services from 10.N.128.0/17. */
let octet = 0;

const kubectl = (...args: string[]) => run('kubectl', ['--kubeconfig', kc, ...args], { timeoutMs: 60_000 });
const WAIT = { timeoutMs: 120_000, intervalMs: 500 };
const client = () => cluster.client;

/** createNetwork makes the pod network with a subnet no other network on this shared engine uses. */
async function createNetwork(): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    octet = 100 + Math.floor(Math.random() * 150);
    try {
      await docker(['network', 'create', '--subnet', `10.${octet}.0.0/16`, '--ip-range', `10.${octet}.0.0/17`, '--gateway', `10.${octet}.0.1`, NETWORK]);
      return;
    } catch (err) {
      if (attempt > 10 || !/overlap/i.test((err as Error).message)) throw err;
    }
  }
}

const WEB = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: httpd
        image: busybox:1.36
        command: [sh, -c, 'mkdir -p /www && hostname > /www/index.html && touch /tmp/ready && exec httpd -f -p 80 -h /www']
        ports: [{containerPort: 80}]
        readinessProbe:
          exec: {command: [test, -f, /tmp/ready]}
          periodSeconds: 1
          failureThreshold: 1
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: busybox:1.36
    command: [sh, -c, 'trap "exit 0" TERM; sleep 3600 & wait']
`;

/** fetchAll runs `wget -qO- url` n times in a client pod and returns the answers (one hostname each). */
async function fetchAll(url: string, n: number, pod = 'client'): Promise<string[]> {
  const out = await kubectl('exec', pod, '--', 'sh', '-c', `for i in $(seq ${n}); do timeout 5 wget -qO- ${url} || echo FAILED; done`);
  return out.split('\n').map((l) => l.trim()).filter(Boolean);
}

async function webPods(): Promise<Pod[]> {
  return (await client().pods.list({ namespace: 'default', labelSelector: 'app=web' })).items;
}

async function readyIPs(service: string): Promise<string[]> {
  const slices = (await client().endpointslices.list({ namespace: 'default', labelSelector: `kubernetes.io/service-name=${service}` })).items as EndpointSlice[];
  return slices.flatMap((s) => (s.endpoints ?? []).filter((e) => e.conditions?.ready !== false).map((e) => e.addresses[0]!)).sort();
}

describe.skipIf(!available)('Services over the service proxy (kubectl, real Docker)', () => {
  beforeAll(async () => {
    await createNetwork();
    // The proxy verifies the api-server's certificate for the gateway address it dials.
    await cluster.startApiServer(['--service-cluster-ip-range', `10.${octet}.128.0/17`, '--tls-sans', `10.${octet}.0.1`], '0.0.0.0');
    kc = cluster.kubeconfig();
    await startDockerCluster(cluster, [NODE], {
      controllerManagerArgs: [
        '--service-cluster-ip-range', `10.${octet}.128.0/17`,
        '--service-proxy-image', 'node:20-bookworm-slim',
        '--service-proxy-host-path', ROOT,
        // Pods reach this host's api-server through their network's gateway.
        '--service-proxy-server', `https://10.${octet}.0.1:${cluster.port}`,
      ],
      agentArgs: [
        '--pod-network', NETWORK, '--cluster-dns', `10.${octet}.128.10`,
        // The service proxy's hostPath (this checkout, read-only).
        '--allow-privileged',
      ],
    });
  }, 150_000);

  afterAll(async () => {
    await stopDockerCluster(cluster, [NODE]);
    await docker(['network', 'rm', NETWORK]).catch(() => '');
  }, 60_000);

  it('reaches ready backends by name and ClusterIP, spreads over them, drops unready and deleted ones, and serves headless names and NodePorts', async () => {
    try {
      await scenario();
    } catch (err) {
      // What a failure needs to be understood: where the system pods are and what the proxy said.
      const show = async (...args: string[]) => `$ kubectl ${args.join(' ')}\n${await kubectl(...args).catch((e: Error) => e.message)}`;
      process.stdout.write(
        [
          await show('get', 'pods', '-A', '-o', 'wide'),
          await show('get', 'svc,endpointslices', '-A'),
          await show('logs', '-n', 'kube-system', 'deployment/skiff-service-proxy', '-c', 'proxy'),
          await show('exec', '-n', 'kube-system', 'deployment/skiff-service-proxy', '-c', 'addresses', '--', 'ip', 'addr'),
          await show('exec', 'client', '--', 'sh', '-c', 'cat /etc/resolv.conf; nslookup web.default.svc.cluster.local 2>&1; timeout 5 wget -qO- http://web 2>&1'),
        ].join('\n'),
      );
      throw err;
    }
  }, 600_000);

  it('keeps a ClientIP-affinity client on one backend while plain Services spread, chases an ExternalName, answers DNS over TCP and relays UDP by ClusterIP and NodePort', async () => {
    try {
      await affinityScenario();
    } catch (err) {
      const show = async (...args: string[]) => `$ kubectl ${args.join(' ')}\n${await kubectl(...args).catch((e: Error) => e.message)}`;
      process.stdout.write([await show('get', 'pods,svc,endpointslices', '-o', 'wide'), await show('logs', '-n', 'kube-system', 'deployment/skiff-service-proxy', '-c', 'proxy')].join('\n'));
      throw err;
    }
  }, 600_000);
});

const AFFINITY = `apiVersion: apps/v1
kind: Deployment
metadata: {name: aff}
spec:
  replicas: 3
  selector: {matchLabels: {app: aff}}
  template:
    metadata: {labels: {app: aff}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: httpd
        image: busybox:1.36
        command: [sh, -c, 'mkdir -p /www && hostname > /www/index.html && exec httpd -f -p 80 -h /www']
        ports: [{name: http, containerPort: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: spread}
spec:
  selector: {app: aff}
  ports: [{port: 80, targetPort: http}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: udp}
spec:
  replicas: 2
  selector: {matchLabels: {app: udp}}
  template:
    metadata: {labels: {app: udp}}
    spec:
      terminationGracePeriodSeconds: 1
      containers:
      - name: echo
        image: node:20-bookworm-slim
        command: [node, -e, "const d = require('dgram').createSocket('udp4'); d.on('message', (m, r) => d.send(require('os').hostname() + ':' + m, r.port, r.address)); d.bind(9000)"]
---
apiVersion: v1
kind: Pod
metadata: {name: aff-client}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: busybox:1.36
    command: [sh, -c, 'trap "exit 0" TERM; sleep 3600 & wait']
---
apiVersion: v1
kind: Pod
metadata: {name: node-client}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: c
    image: node:20-bookworm-slim
    command: [sh, -c, 'trap "exit 0" TERM; sleep 3600 & wait']
`;

/** UDP_ASK: run as node -e UDP_ASK HOST PORT N, sends n datagrams, each from a new socket (a new flow), and prints each reply. */
const UDP_ASK = `const dgram = require('dgram'); const [host, port, n] = process.argv.slice(1);
async function ask(i) {
  for (let t = 0; t < 3; t++) {
    const s = dgram.createSocket('udp4');
    const r = await new Promise((res) => { const tm = setTimeout(() => res(null), 2000); s.on('message', (m) => { clearTimeout(tm); res(m.toString()); }); s.on('error', () => res(null)); s.send('q' + i, Number(port), host); });
    s.close();
    if (r) return r;
  }
  return 'FAILED';
}
(async () => { for (let i = 0; i < Number(n); i++) console.log(await ask(i)); })();`;

/** DNS_TCP: run as node -e DNS_TCP NAME SERVER, asks one A question over TCP (length-framed) and prints the answer count and last address. */
const DNS_TCP = `const net = require('net'); const [name, server] = process.argv.slice(1);
const q = Buffer.concat([Buffer.from([0x12, 0x34, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0]), ...name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0, 0, 1, 0, 1])]);
const s = net.connect(53, server, () => { const l = Buffer.alloc(2); l.writeUInt16BE(q.length); s.write(Buffer.concat([l, q])); });
let b = Buffer.alloc(0);
s.on('data', (d) => { b = Buffer.concat([b, d]); if (b.length >= 2 && b.length >= 2 + b.readUInt16BE(0)) { const m = b.subarray(2, 2 + b.readUInt16BE(0)); console.log('ancount=' + m.readUInt16BE(6) + ' a=' + [...m.subarray(m.length - 4)].join('.')); process.exit(0); } });
s.on('error', (e) => { console.log('ERR ' + e.message); process.exit(1); });
setTimeout(() => { console.log('TIMEOUT'); process.exit(1); }, 5000);`;

async function affinityScenario(): Promise<void> {
  await run('sh', ['-c', `cat > ${cluster.dataDir}/aff.yaml <<'YAML'\n${AFFINITY}YAML`]);
  // kubectl apply -f of Deployments and a Service whose targetPort is the container port's name.
  const applied = await kubectl('apply', '-f', `${cluster.dataDir}/aff.yaml`);
  expect(applied).toContain('deployment.apps/aff created');
  expect(applied).toContain('service/spread created');
  expect((await kubectl('expose', 'deployment', 'aff', '--port', '80', '--name', 'sticky', '--session-affinity', 'ClientIP')).trim()).toBe('service/sticky exposed');
  const sticky = (await client().services.get('sticky', { namespace: 'default' })) as Service;
  expect(sticky.spec?.sessionAffinity).toBe('ClientIP');
  expect(sticky.spec?.sessionAffinityConfig?.clientIP?.timeoutSeconds).toBe(10800);
  await waitFor(async () => (await readyIPs('spread')).length === 3 && (await readyIPs('sticky')).length === 3, { ...WAIT, what: '3 ready endpoints of sticky and spread' });
  for (const pod of ['aff-client', 'node-client']) await waitFor(async () => (await client().pods.get(pod, { namespace: 'default' })).status?.phase === 'Running', { ...WAIT, what: `${pod} running` });
  const names = new Set((await client().pods.list({ namespace: 'default', labelSelector: 'app=aff' })).items.map((p) => p.metadata.name!));
  await waitFor(async () => names.has((await fetchAll('http://sticky', 1, 'aff-client'))[0] ?? ''), { ...WAIT, what: 'http://sticky answering' });

  // sessionAffinity ClientIP: thirty connections from one pod reach one backend; without it they spread.
  const stuck = await fetchAll('http://sticky', 30, 'aff-client');
  expect(stuck).toHaveLength(30);
  expect(new Set(stuck).size).toBe(1);
  expect(names.has(stuck[0]!)).toBe(true);
  expect([...new Set(await fetchAll('http://spread', 30, 'aff-client'))].sort()).toEqual([...names].sort());

  // ExternalName naming another Service's FQDN: a pod resolving it gets the CNAME, and its address with it.
  await kubectl('create', 'service', 'externalname', 'alias', '--external-name', 'spread.default.svc.cluster.local');
  const spreadIP = ((await client().services.get('spread', { namespace: 'default' })) as Service).spec!.clusterIP!;
  const lookup = await waitFor(async () => {
    const out = await kubectl('exec', 'aff-client', '--', 'nslookup', 'alias.default.svc.cluster.local').catch((e: Error) => e.message);
    return out.includes(spreadIP) ? out : undefined;
  }, { ...WAIT, what: 'alias resolving through its CNAME' });
  expect(lookup).toMatch(/canonical name = spread\.default\.svc\.cluster\.local/);
  expect(names.has((await fetchAll('http://alias', 1, 'aff-client'))[0] ?? '')).toBe(true);

  // DNS over TCP, to kube-dns's ClusterIP and through Docker's resolver (the path of a retry after truncation).
  const dnsIP = ((await client().services.get('kube-dns', { namespace: 'kube-system' })) as Service).spec!.clusterIP!;
  for (const server of [dnsIP, '127.0.0.11']) {
    expect((await kubectl('exec', 'node-client', '--', 'node', '-e', DNS_TCP, 'spread.default.svc.cluster.local', server)).trim()).toBe(`ancount=1 a=${spreadIP}`);
  }

  // A UDP Service, by name: each new flow goes to the next of the two ready backends.
  await kubectl('expose', 'deployment', 'udp', '--port', '9000', '--protocol', 'UDP');
  await waitFor(async () => (await readyIPs('udp')).length === 2, { ...WAIT, what: '2 ready endpoints of udp' });
  const udpNames = new Set((await client().pods.list({ namespace: 'default', labelSelector: 'app=udp' })).items.map((p) => p.metadata.name!));
  const replies = await waitFor(async () => {
    const out = (await kubectl('exec', 'node-client', '--', 'node', '-e', UDP_ASK, 'udp', '9000', '6')).trim().split('\n');
    return out.every((l) => udpNames.has(l.split(':')[0]!)) ? out : undefined;
  }, { ...WAIT, what: 'UDP answers from the udp backends' });
  expect(new Set(replies.map((l) => l.split(':')[0])).size).toBe(2);
  expect(replies.map((l) => l.split(':')[1])).toEqual(['q0', 'q1', 'q2', 'q3', 'q4', 'q5']);

  // The same over a UDP NodePort, from this host: the relay pod publishes the port and relays to the ClusterIP.
  await kubectl('expose', 'deployment', 'udp', '--port', '9000', '--protocol', 'UDP', '--type', 'NodePort', '--name', 'udp-np');
  const udpNodePort = ((await client().services.get('udp-np', { namespace: 'default' })) as Service).spec!.ports![0]!.nodePort!;
  const fromHost = await waitFor(() => udpAsk('127.0.0.1', udpNodePort, 'host').then((r) => (r && udpNames.has(r.split(':')[0]!) ? r : undefined)), { ...WAIT, what: `UDP NodePort ${udpNodePort} answering on 127.0.0.1` });
  expect(fromHost.split(':')[1]).toBe('host');
}

/** udpAsk sends one datagram from this process and resolves with the reply, or undefined after a second. */
async function udpAsk(host: string, port: number, text: string): Promise<string | undefined> {
  const s = createSocket('udp4');
  try {
    return await new Promise<string | undefined>((resolve) => {
      const t = setTimeout(() => resolve(undefined), 1000);
      s.once('message', (m) => (clearTimeout(t), resolve(m.toString())));
      s.once('error', () => (clearTimeout(t), resolve(undefined)));
      s.send(text, port, host);
    });
  } finally {
    s.close();
  }
}

async function scenario(): Promise<void> {
  {
    await run('sh', ['-c', `cat > ${cluster.dataDir}/web.yaml <<'YAML'\n${WEB}YAML`]);
    await kubectl('apply', '-f', `${cluster.dataDir}/web.yaml`);
    // kubectl expose, with its defaults: port 80 to targetPort 80, selector from the Deployment.
    expect((await kubectl('expose', 'deployment', 'web', '--port', '80')).trim()).toBe('service/web exposed');
    const svc = (await client().services.get('web', { namespace: 'default' })) as Service;
    const clusterIP = svc.spec!.clusterIP!;
    expect(clusterIP.startsWith(`10.${octet}.`)).toBe(true);

    await waitFor(async () => (await readyIPs('web')).length === 3, { ...WAIT, what: '3 ready endpoints of web' });
    await waitFor(async () => (await client().pods.get('client', { namespace: 'default' })).status?.phase === 'Running', { ...WAIT, what: 'client pod running' });

    const resolvConf = await kubectl('exec', 'client', '--', 'cat', '/etc/resolv.conf');
    expect(resolvConf).toMatch(/^search default\.svc\.cluster\.local svc\.cluster\.local cluster\.local$/m);
    expect(resolvConf).toMatch(/^options ndots:5$/m);

    const names = new Set((await webPods()).map((p) => p.metadata.name!));
    // The proxy pod is scheduled, pulls nothing and holds the addresses within seconds of starting.
    for (const url of ['http://web', 'http://web.default', 'http://web.default.svc.cluster.local', `http://${clusterIP}`]) {
      const [answer] = await waitFor(async () => {
        const got = await fetchAll(url, 1);
        return names.has(got[0] ?? '') ? got : undefined;
      }, { ...WAIT, what: `${url} answers with a web pod's hostname` });
      expect(names.has(answer!)).toBe(true);
    }

    // Round-robin over the ready endpoints: thirty connections see all three pods.
    const seen = new Set(await fetchAll('http://web', 30));
    expect([...seen].sort()).toEqual([...names].sort());

    // A pod made unready (its readiness probe fails) leaves the slice, then the rotation.
    const [unready, deleted] = [...names].sort();
    const unreadyIP = (await client().pods.get(unready!, { namespace: 'default' })).status!.podIP!;
    await kubectl('exec', unready!, '--', 'rm', '/tmp/ready');
    await waitFor(async () => !(await readyIPs('web')).includes(unreadyIP), { ...WAIT, what: `${unready} unready in the EndpointSlice` });
    await waitFor(async () => {
      const got = await fetchAll('http://web', 6);
      return got.every((h) => names.has(h) && h !== unready);
    }, { ...WAIT, what: `${unready} out of the rotation` });

    // A deleted pod leaves too; its replacement joins once ready.
    await kubectl('delete', 'pod', deleted!, '--wait=false');
    await waitFor(async () => {
      const got = await fetchAll('http://web', 6);
      return got.length === 6 && got.every((h) => h !== unready && h !== deleted && h !== 'FAILED');
    }, { ...WAIT, what: `${deleted} out of the rotation` });

    // Headless: the name is every ready pod's address.
    await kubectl('expose', 'deployment', 'web', '--port', '80', '--cluster-ip', 'None', '--name', 'web-headless');
    const want = await waitFor(async () => {
      const ips = await readyIPs('web-headless');
      return ips.length === 2 ? ips : undefined;
    }, { ...WAIT, what: 'two ready endpoints of web-headless' });
    await waitFor(async () => {
      const out = await kubectl('exec', 'client', '--', 'nslookup', 'web-headless.default.svc.cluster.local');
      const ips = [...out.matchAll(/Address:\s*(10\.\d+\.\d+\.\d+)\s*$/gm)].map((m) => m[1]).sort();
      return JSON.stringify(ips) === JSON.stringify(want);
    }, { ...WAIT, what: `web-headless resolving to ${want.join(', ')}` });

    // NodePort: published on this host by the relay pod.
    await kubectl('expose', 'deployment', 'web', '--port', '80', '--type', 'NodePort', '--name', 'web-np');
    const nodePort = ((await client().services.get('web-np', { namespace: 'default' })) as Service).spec!.ports![0]!.nodePort!;
    const live = new Set((await webPods()).map((p) => p.metadata.name!));
    const body = await waitFor(async () => {
      const r = await fetch(`http://127.0.0.1:${nodePort}/`, { signal: AbortSignal.timeout(5_000) });
      const text = (await r.text()).trim();
      return live.has(text) ? text : undefined;
    }, { ...WAIT, what: `NodePort ${nodePort} answering on 127.0.0.1` });
    expect(body).not.toBe(unready);

    // Scaled to one replica, every connection reaches that one pod.
    await kubectl('scale', 'deployment', 'web', '--replicas=1');
    await waitFor(async () => (await readyIPs('web')).length === 1 && (await webPods()).length === 1, { ...WAIT, what: 'web scaled to one ready pod' });
    const [only] = (await webPods()).map((p) => p.metadata.name!);
    await waitFor(async () => {
      const got = await fetchAll('http://web', 6);
      return got.length === 6 && got.every((h) => h === only);
    }, { ...WAIT, what: `every connection to http://web reaching ${only}` });
  }
}
